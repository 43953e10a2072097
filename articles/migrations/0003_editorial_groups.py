"""Groups Editor (review, publish, link, manage providers and topics) and Contributor
(create and edit items, never publish)."""
from django.db import migrations

EDITOR = {
    "article": ["add", "change", "delete", "view", "publish"],
    "articleimage": ["add", "change", "delete", "view"],
    "articletopic": ["add", "change", "delete", "view"],
    "relatedstory": ["add", "change", "delete", "view"],
    "provider": ["add", "change", "delete", "view"],
    "topic": ["add", "change", "delete", "view"],
    "decision": ["view"],
    "articlechange": ["view"],
    "scheduledpublication": ["change", "delete", "view"],
    "triagerule": ["add", "change", "delete", "view"],
}
CONTRIBUTOR = {
    "article": ["add", "change", "view"],
    "articleimage": ["add", "change", "delete", "view"],
    "articletopic": ["add", "change", "delete", "view"],
    "relatedstory": ["add", "change", "delete", "view"],
    "provider": ["view"],
    "topic": ["view"],
    "decision": ["view"],
    "articlechange": ["view"],
}


def codename(action, model):
    return "publish_article" if action == "publish" else f"{action}_{model}"


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; this migration needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, table in (("Editor", EDITOR), ("Contributor", CONTRIBUTOR)):
        group, _ = Group.objects.get_or_create(name=name)
        wanted = [codename(action, model) for model, actions in table.items() for action in actions]
        perms = list(Permission.objects.filter(content_type__app_label="articles", codename__in=wanted))
        missing = set(wanted) - {p.codename for p in perms}
        if missing:
            raise RuntimeError(f"permissions missing: {sorted(missing)}")
        group.permissions.add(*perms)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editor", "Contributor"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_desk"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
