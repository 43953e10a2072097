"""Groups created by the data migration, and the demo editor command."""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import override_settings

from .helpers import run

pytestmark = pytest.mark.django_db


def test_groups_editor_and_contributor():
    editor = set(Group.objects.get(name="Editor").permissions.values_list("codename", flat=True))
    contributor = set(Group.objects.get(name="Contributor").permissions.values_list("codename", flat=True))
    assert {"publish_article", "change_article", "change_provider", "change_topic", "change_relatedstory",
            "add_triagerule"} <= editor
    assert {"add_article", "change_article", "view_article"} <= contributor
    assert "publish_article" not in contributor and "change_provider" not in contributor


@override_settings(DEBUG=True)
def test_create_demo_editor_is_idempotent_and_prints_the_login():
    for _ in range(2):
        status, out, _err = run("create_demo_editor")
        assert status == 0 and "editor / newsroom-editor" in out[-1]
    user = get_user_model().objects.get(username="editor")
    assert user.is_staff and user.check_password("newsroom-editor") and user.has_perm("articles.publish_article")
    assert get_user_model().objects.count() == 1


@override_settings(DEBUG=False)
def test_create_demo_editor_refuses_without_debug():
    status, _out, err = run("create_demo_editor")
    assert status == 1 and "DEBUG is off" in err and "create_editor" in err
    assert run("create_demo_editor", "--password", "another-password-1")[0] == 1
    assert not get_user_model().objects.exists()


def create_editor(monkeypatch, *args, password="a sound passphrase 42"):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return run("create_editor", *args, "--password-stdin")


@override_settings(DEBUG=False)
@pytest.mark.parametrize("group,publishes", [("Editor", True), ("Contributor", False)])
def test_create_editor_makes_a_real_account_in_production(monkeypatch, group, publishes):
    status, out, err = create_editor(monkeypatch, "alice", "--group", group, "--email", "alice@example.org")
    assert status == 0, err
    assert "a sound passphrase" not in "\n".join(out)
    user = get_user_model().objects.get(username="alice")
    assert user.is_staff and not user.is_superuser and user.email == "alice@example.org"
    assert user.check_password("a sound passphrase 42")
    assert list(user.groups.values_list("name", flat=True)) == [group]
    assert user.has_perm("articles.publish_article") is publishes


def test_create_editor_refuses_weak_passwords_and_existing_users(monkeypatch, django_user_model):
    status, _out, err = create_editor(monkeypatch, "bob", password="password")
    assert status == 1 and "Password refused" in err and "too common" in err
    status, _out, err = create_editor(monkeypatch, "bob", password="bob")
    assert status == 1 and "Password refused" in err
    assert not django_user_model.objects.filter(username="bob").exists()
    django_user_model.objects.create_user("carol", password="whatever-it-was-1")
    status, _out, err = create_editor(monkeypatch, "carol")
    assert status == 1 and "changepassword carol" in err
    assert django_user_model.objects.get(username="carol").check_password("whatever-it-was-1")


def test_create_editor_asks_for_the_password_on_a_terminal(monkeypatch, django_user_model):
    answers = iter(["a sound passphrase 42", "a different one 42"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    status, _out, err = run("create_editor", "dave")
    assert status == 1 and "do not match" in err
    assert not django_user_model.objects.filter(username="dave").exists()


def test_a_contributor_is_told_why_not_never_a_bare_403(client, django_user_model):
    """Defect 6 of issue 16: the queue's Publish/Reject vanished with no word why, and a
    refused page was a bare "403 Forbidden"."""
    from django.urls import reverse

    from .desk import PASSWORD, ensure_groups, make_items, user_in

    ensure_groups()
    user_in(django_user_model, "Contributor")
    item = make_items(1)[0]
    client.login(username="contributor", password=PASSWORD)
    queue = client.get(reverse("admin:articles_reviewitem_changelist")).content.decode()
    assert "Editors publish or reject these items" in queue
    page = client.get(reverse("admin:articles_article_change", args=[item.pk])).content.decode()
    assert "Editors publish, reject or schedule items" in page
    refused = client.get(reverse("admin:articles_provider_add"))
    assert refused.status_code == 403
    text = refused.content.decode()
    assert "Your account may not do this" in text and "the <em>Editor</em> group" in text
    assert reverse("admin:articles_reviewitem_changelist") in text
