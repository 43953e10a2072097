"""Who may do what, on every write path of the desk: one table, every role.

Each row of ``PATHS`` is a write path (admin add / change / delete of every model, the
bulk and row actions, the one-click buttons, import, logo upload, merge, rules,
scheduling) with the roles allowed to use it. Every (path, role) pair is a test: an
allowed role's request makes its change; any other role's request leaves every table
as it was. A new write path is one new row.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles.models import (
    Article, ArticleChange, ArticleTopic, Decision, Provider, RelatedStory, ScheduledPublication, Topic, TriageRule,
)

from articles.importer import import_paths

from .desk import Client, make_items, seen_now
from .helpers import NEWS_ITEM, db_state

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "staff", "contributor", "editor", "superuser")
EDITORS = {"editor", "superuser"}
WRITERS = {"contributor", "editor", "superuser"}


@dataclass
class World:
    draft: Article
    live: Article
    spare: Article  # no schedule, no decisions: what an editor may delete
    provider: Provider
    other: Provider
    topic: Topic
    spare_topic: Topic  # on no item yet
    rule: TriageRule
    scheduled: ScheduledPublication
    admin: Client  # a superuser's client, to read forms as a browser would before posting


def everything():
    """Every table a write path may touch."""
    return db_state() + (
        list(Decision.objects.order_by("pk").values_list()),
        list(ArticleChange.objects.order_by("pk").values_list()),
        list(ScheduledPublication.objects.order_by("pk").values_list()),
        list(TriageRule.objects.order_by("pk").values_list()),
    )


def form_data(response) -> dict:
    """The initial data of an admin add/change form, as a browser posts it back."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        if hasattr(field.widget, "decompress"):  # split date and time
            if value and not isinstance(value, list):
                value = timezone.localtime(value)
                data[f"{name}_0"], data[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = value
    for formset in response.context.get("inline_admin_formsets", []):
        fs = formset.formset
        for name in fs.management_form.fields:
            data[f"{fs.prefix}-{name}"] = fs.management_form[name].value()
        for i, f in enumerate(fs.forms):
            for name in f.fields:
                value = f[name].value()
                if value is True:
                    data[f"{fs.prefix}-{i}-{name}"] = "on"
                elif value is not None and value is not False:
                    data[f"{fs.prefix}-{i}-{name}"] = value
    return data


def admin_url(model: str, view: str, *args) -> str:
    return reverse(f"admin:articles_{model}_{view}", args=args)


def post_form(w: World, client, url: str, **changes):
    data = form_data(w.admin.get(url))
    data.update(changes)
    return client.post(url, data)


def action(client, model: str, name: str, pks, **extra):
    return client.post(admin_url(model, "changelist"), {"action": name, "_selected_action": [str(pk) for pk in pks], "seen_at": seen_now(), **extra})


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 120), "red").save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class WritePath:
    name: str
    allowed: set[str]
    act: Callable[[World, Client], object]
    done: Callable[[World], bool]
    # Roles whose request may save something else (a Contributor's post of the item form
    # saves the item; only the decision it carries is refused).
    partial: frozenset = frozenset()


PATHS = [
    # Items: add, change, delete; decisions from the form, the buttons and the bulk actions.
    WritePath("item: add", WRITERS,
              lambda w, c: post_form(w, c, admin_url("article", "add"), title="Added", collection="news",
                                     published_at_0="2024-05-01", published_at_1="10:00:00",
                                     web_url="https://example.org/added"),
              lambda w: Article.objects.filter(title="Added").exists()),
    WritePath("item: change", WRITERS,
              lambda w, c: post_form(w, c, admin_url("article", "change", w.draft.pk), title="Changed"),
              lambda w: Article.objects.get(pk=w.draft.pk).title == "Changed"),
    WritePath("item: delete", EDITORS,
              lambda w, c: c.post(admin_url("article", "delete", w.spare.pk), {"post": "yes"}),
              lambda w: not Article.objects.filter(pk=w.spare.pk).exists()),
    WritePath("item: publish from the form", EDITORS,
              lambda w, c: post_form(w, c, admin_url("article", "change", w.draft.pk), decision="publish"),
              lambda w: Article.objects.get(pk=w.draft.pk).published is True, partial=frozenset({"contributor"})),
    WritePath("item: one-click publish", EDITORS,
              lambda w, c: c.post(admin_url("reviewitem", "decide", w.draft.pk), {"decision": "publish", "seen_at": seen_now()}),
              lambda w: Article.objects.get(pk=w.draft.pk).published is True),
    WritePath("item: one-click reject", EDITORS,
              lambda w, c: c.post(admin_url("reviewitem", "decide", w.draft.pk), {"decision": "reject", "seen_at": seen_now()}),
              lambda w: Decision.objects.filter(article=w.draft, action="reject").exists()),
    WritePath("items: bulk publish", EDITORS,
              lambda w, c: action(c, "article", "publish_selected", [w.draft.pk]),
              lambda w: Article.objects.get(pk=w.draft.pk).published is True),
    WritePath("items: bulk reject", EDITORS,
              lambda w, c: action(c, "article", "reject_selected", [w.draft.pk]),
              lambda w: Decision.objects.filter(article=w.draft, action="reject").exists()),
    WritePath("items: bulk unpublish", EDITORS,
              lambda w, c: action(c, "article", "unpublish_selected", [w.live.pk]),
              lambda w: Article.objects.get(pk=w.live.pk).published is False),
    WritePath("items: bulk schedule", EDITORS,
              lambda w, c: action(c, "article", "schedule_selected", [w.live.pk],
                                  publish_at=(timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")),
              lambda w: ScheduledPublication.objects.filter(article=w.live).exists()),
    WritePath("items: bulk add topic", WRITERS,
              lambda w, c: action(c, "article", "add_topic", [w.live.pk], topic=str(w.spare_topic.pk)),
              lambda w: ArticleTopic.objects.filter(article=w.live, topic=w.spare_topic).exists()),
    WritePath("item: link a related story", WRITERS,
              lambda w, c: c.post(admin_url("article", "link", w.live.pk), {"target": str(w.draft.pk)}),
              lambda w: RelatedStory.objects.filter(article=w.live, target=w.draft).exists()),
    WritePath("item: import a file", WRITERS,
              lambda w, c: import_upload(c, NEWS_ITEM.replace("published: true", "published: false")),
              lambda w: Article.objects.filter(path="_news/2024-03-01-imported.md").exists()),
    WritePath("item: import a published file", EDITORS,
              lambda w, c: import_upload(c, NEWS_ITEM),
              lambda w: Article.objects.filter(path="_news/2024-03-01-imported.md", published=True).exists()),
    WritePath("item: import unpublishing a published item", EDITORS,
              lambda w, c: import_upload(c, NEWS_ITEM.replace("published: true", "published: false"),
                                         name="2024-03-01-imported-live.md"),
              lambda w: not Article.objects.get(path="_news/2024-03-01-imported-live.md").published),
    WritePath("provider: import a file", EDITORS,
              lambda w, c: import_upload(c, PROVIDER_FILE, folder="_data/organizations", name="new.example.md"),
              lambda w: Provider.objects.filter(domain="new.example").exists()),
    WritePath("topic: import a file", EDITORS,
              lambda w, c: import_upload(c, "taxonomy: topic\n_id: imported\nname: Imported\n", folder="_data/topics",
                                         name="09-imported.yaml"),
              lambda w: Topic.objects.filter(topic_id="imported").exists()),
    # Scheduling.
    WritePath("schedule: change", EDITORS,
              lambda w, c: post_form(w, c, admin_url("scheduledpublication", "change", w.scheduled.pk), note="moved"),
              lambda w: ScheduledPublication.objects.get(pk=w.scheduled.pk).note == "moved"),
    WritePath("schedule: cancel", EDITORS,
              lambda w, c: action(c, "scheduledpublication", "cancel_selected", [w.scheduled.pk]),
              lambda w: not ScheduledPublication.objects.filter(pk=w.scheduled.pk).exists()),
    # Providers: add, change, delete, logo upload, merge.
    WritePath("provider: add", EDITORS,
              lambda w, c: post_form(w, c, admin_url("provider", "add"), name="New Outlet", domain="new.example"),
              lambda w: Provider.objects.filter(domain="new.example").exists()),
    WritePath("provider: change", EDITORS,
              lambda w, c: post_form(w, c, admin_url("provider", "change", w.other.pk), name="Renamed"),
              lambda w: Provider.objects.get(pk=w.other.pk).name == "Renamed"),
    WritePath("provider: logo upload", EDITORS,
              lambda w, c: post_form(w, c, admin_url("provider", "change", w.other.pk),
                                     logo_upload=SimpleUploadedFile("logo.png", png(), "image/png")),
              lambda w: "/media/" in str(Provider.objects.get(pk=w.other.pk).images)),
    WritePath("provider: delete", EDITORS,
              lambda w, c: c.post(admin_url("provider", "delete", w.other.pk), {"post": "yes"}),
              lambda w: not Provider.objects.filter(pk=w.other.pk).exists()),
    WritePath("providers: merge", EDITORS,
              lambda w, c: action(c, "provider", "merge_providers", [w.provider.pk, w.other.pk],
                                  confirm="yes", into=str(w.provider.pk)),
              lambda w: not Provider.objects.filter(pk=w.other.pk).exists()),
    # Topics.
    WritePath("topic: add", EDITORS,
              lambda w, c: post_form(w, c, admin_url("topic", "add"), topic_id="new-topic", name="New topic"),
              lambda w: Topic.objects.filter(topic_id="new-topic").exists()),
    WritePath("topic: change", EDITORS,
              lambda w, c: post_form(w, c, admin_url("topic", "change", w.topic.pk), name="Renamed topic"),
              lambda w: Topic.objects.get(pk=w.topic.pk).name == "Renamed topic"),
    WritePath("topic: delete", EDITORS,
              lambda w, c: c.post(admin_url("topic", "delete", w.topic.pk), {"post": "yes"}),
              lambda w: not Topic.objects.filter(pk=w.topic.pk).exists()),
    # Triage rules.
    WritePath("rule: add", EDITORS,
              lambda w, c: post_form(w, c, admin_url("triagerule", "add"), name="New rule", threshold="80"),
              lambda w: TriageRule.objects.filter(name="New rule").exists()),
    WritePath("rule: change", EDITORS,
              lambda w, c: post_form(w, c, admin_url("triagerule", "change", w.rule.pk), enabled="on"),
              lambda w: TriageRule.objects.get(pk=w.rule.pk).enabled),
    WritePath("rule: delete", EDITORS,
              lambda w, c: c.post(admin_url("triagerule", "delete", w.rule.pk), {"post": "yes"}),
              lambda w: not TriageRule.objects.filter(pk=w.rule.pk).exists()),
]


PROVIDER_FILE = "---\ntaxonomy: organization\n_id: new.example\nname: New\ndomain: new.example\n---\n"


def import_upload(client, text: str, *, folder="_news", name="2024-03-01-imported.md"):
    """Upload one file, then Apply what the dry run showed (when the dry run was allowed)."""
    response = client.post(reverse("admin:articles_article_import"), {
        "folder": folder, "files": [SimpleUploadedFile(name, text.encode())]})
    if response.status_code == 302 and "/import/" in response["Location"]:
        client.post(response["Location"], {"confirm": "yes"})
    return response


@pytest.fixture
def world(settings, tmp_path):
    settings.NEWSROOM = {**settings.NEWSROOM, "IMPORT_STAGING": str(tmp_path / "staging")}
    settings.MEDIA_ROOT = str(tmp_path / "media")
    provider = Provider.objects.create(domain="example.com", name="Example")
    other = Provider.objects.create(domain="other.org", name="Other")
    topic = Topic.objects.create(topic_id="widgets", name="Widgets")
    spare_topic = Topic.objects.create(topic_id="gadgets", name="Gadgets")
    draft, live, spare = make_items(3, provider=provider, topic=topic)
    Article.objects.filter(pk=live.pk).update(published=True)
    live.refresh_from_db()
    rule = TriageRule.objects.create(name="Rule", threshold=90)
    scheduled = ScheduledPublication.objects.create(article=draft, publish_at=timezone.now() + timedelta(days=1))
    site = tmp_path / "site"
    (site / "_news").mkdir(parents=True)
    (site / "_news" / "2024-03-01-imported-live.md").write_text(NEWS_ITEM, encoding="utf-8")
    assert import_paths([site], root=site).counts["created"] == 1
    superuser = get_user_model().objects.create_superuser("root", "root@example.com", None)
    admin = Client()
    admin.force_login(superuser)
    return World(draft, live, spare, provider, other, topic, spare_topic, rule, scheduled, admin)


def client_for(role: str, django_user_model) -> Client:
    client = Client()
    if role == "anonymous":
        return client
    if role == "superuser":
        user = django_user_model.objects.get(username="root")
    elif role == "staff":
        user = django_user_model.objects.create_user("staff", is_staff=True)  # no password: force_login
    else:
        user = django_user_model.objects.create_user(role, is_staff=True)
        user.groups.add(Group.objects.get(name=role.title()))  # the groups of migration 0003
    client.force_login(user)
    return client


def test_every_role_is_in_the_table():
    assert {role for path in PATHS for role in path.allowed} <= set(ROLES)
    assert len({path.name for path in PATHS}) == len(PATHS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_only_allowed_roles_change_anything(world, django_user_model, path, role):
    client = client_for(role, django_user_model)
    before = everything()
    response = path.act(world, client)
    assert response.status_code != 500
    if role in path.allowed:
        assert path.done(world), f"{role} should be able to: {path.name}"
    else:
        assert not path.done(world), f"{role} may not: {path.name}"
        if role not in path.partial:
            assert everything() == before, f"{role} changed something through: {path.name}"
