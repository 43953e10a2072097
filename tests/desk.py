"""Helpers for the editors' desk tests: users in the real groups, items in bulk."""
from datetime import timedelta

from django.contrib.auth.models import Group
from django.test import Client as DjangoClient, RequestFactory
from django.utils import timezone

from articles.models import Article, ArticleTopic, Provider, Topic

PASSWORD = "a-long-test-password"


class Client(DjangoClient):
    """The test client, whose ``login()`` goes through django-axes as the login page does.

    Django's ``Client.login()`` authenticates without a request, which axes refuses (it
    throttles by the client's address); this one passes a request from 127.0.0.1, so a
    test that logs in with a password meets the same backends as a browser.
    """

    def login(self, **credentials):
        credentials.setdefault("request", RequestFactory().post("/admin/login/"))
        return super().login(**credentials)


def seen_now() -> str:
    """The ``seen_at`` a list page carries (the time it was shown), as of now."""
    return timezone.now().isoformat()


def user_in(django_user_model, group, username=None):
    user = django_user_model.objects.create_user(username or group.lower(), password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return django_user_model.objects.get(pk=user.pk)  # fresh permission cache


def make_items(n, *, start=0, published=False, provider=None, topic=None, **fields):
    provider = provider or Provider.objects.get_or_create(domain="example.com", defaults={"name": "Example"})[0]
    topic = topic or Topic.objects.get_or_create(topic_id="widgets", defaults={"name": "Widgets"})[0]
    now = timezone.now().replace(microsecond=0)
    items = [
        Article(path=f"_news/2024-01-01-item-{start + i}.md", collection="news", title=f"Item {start + i}",
                quality=fields.get("quality", (start + i) % 150), heat=fields.get("heat", i % 7), type="article",
                published=published, provider=provider, web_url=f"https://example.com/{start + i}",
                published_at=now - timedelta(hours=start + i))
        for i in range(n)
    ]
    Article.objects.bulk_create(items)
    created = list(Article.objects.filter(path__in=[a.path for a in items]))
    ArticleTopic.objects.bulk_create(ArticleTopic(article=a, topic=topic, position=0) for a in created)
    return created


def ensure_groups():
    """The groups of the data migration, again (a transactional test flushes them)."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Permission

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    migration = importlib.import_module("articles.migrations.0003_editorial_groups")
    for name, table in (("Editor", migration.EDITOR), ("Contributor", migration.CONTRIBUTOR)):
        group, _ = Group.objects.get_or_create(name=name)
        wanted = [migration.codename(action, model) for model, actions in table.items() for action in actions]
        group.permissions.set(Permission.objects.filter(content_type__app_label="articles", codename__in=wanted))
