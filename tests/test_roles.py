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
    assert status == 1 and "DEBUG is off" in err
    assert not get_user_model().objects.exists()
    assert run("create_demo_editor", "--force")[0] == 0
