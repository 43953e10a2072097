"""Issue 11: what a hostile review of the trust work found, each pinned by a test
(triage rules publishing a Contributor's upload, imports deciding outside the actions,
a deleted draft's story shown, a stale stamp after a decision, schedules outliving their
author's rights, zip names one file apart on other systems), and what held."""
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from articles import signals
from articles.models import Article, Decision, RelatedStory, ScheduledPublication, TriageRule
from .desk import PASSWORD, Client, make_items, user_in
from .helpers import NEWS_ITEM

pytestmark = pytest.mark.django_db
IMPORT = reverse("admin:articles_article_import")


@pytest.fixture(autouse=True)
def staging(settings, tmp_path):
    settings.NEWSROOM = {**settings.NEWSROOM, "IMPORT_STAGING": str(tmp_path / "staging")}


@pytest.fixture
def client():
    return Client()


def upload(name, text):
    return SimpleUploadedFile(name, text.encode())


def test_contributor_publishes_through_a_triage_rule(client, django_user_model):
    """A Contributor may never publish; with an enabled triage rule (threshold 50) the
    quality their own file declares publishes it."""
    TriageRule.objects.create(name="all", enabled=True, threshold=50)
    user_in(django_user_model, "Contributor")
    client.login(username="contributor", password=PASSWORD)
    text = NEWS_ITEM.replace("published: true", "published: false").replace("quality: 75", "quality: 100")
    review = client.post(IMPORT, {"folder": "_news", "files": [upload("2024-03-01-x.md", text)]})["Location"]
    client.post(review, {"confirm": "yes"})
    item = Article.objects.get()
    assert item.published is not True, "a Contributor's upload is public"
    assert client.get(f"/items/{item.pk}/").status_code == 404
    assert item.decisions.get().action == Decision.Action.QUEUE


def test_editor_import_unpublishing_records_a_decision(tmp_path, django_user_model):
    """Issue 10 point 1: the importer's change of an editorial decision goes through the
    action (a Decision, the article_decided signal)."""
    from articles.importer import import_paths
    site = tmp_path / "site"
    (site / "_news").mkdir(parents=True)
    (site / "_config.yml").write_text("x: 1\n")
    f = site / "_news" / "2024-03-01-x.md"
    f.write_text(NEWS_ITEM)
    import_paths([site], root=site)
    item = Article.objects.get()
    assert item.is_published
    editor = user_in(django_user_model, "Editor")
    seen = []
    signals.article_decided.connect(lambda **kw: seen.append(kw), weak=False, dispatch_uid="probe")
    try:
        f.write_text(NEWS_ITEM.replace("published: true", "published: false"))
        import_paths([site], root=site, by=editor)
    finally:
        signals.article_decided.disconnect(dispatch_uid="probe")
    item.refresh_from_db()
    assert item.published is False
    assert Decision.objects.filter(article=item).exists(), "taken offline by an import: no Decision"
    assert seen, "no article_decided signal"


def test_deleted_draft_leaks_through_related_story(client, django_user_model):
    """Linking a draft copies its title; deleting the draft sets target NULL, and stories
    with no target are shown."""
    from articles.editorial.actions import LinkRelatedAction
    pub = make_items(1, published=True)[0]
    draft = make_items(1, start=1, published=False, title="x")[0]
    Article.objects.filter(pk=draft.pk).update(title="SECRET DRAFT TITLE")
    draft.refresh_from_db()
    editor = user_in(django_user_model, "Editor")
    LinkRelatedAction(pub, target=draft, user=editor).execute()
    assert b"SECRET DRAFT TITLE" not in client.get(f"/items/{pub.pk}/").content
    draft.delete()
    assert b"SECRET DRAFT TITLE" not in client.get(f"/items/{pub.pk}/").content
    assert not RelatedStory.objects.filter(article=pub).exists()
    assert "never published" in pub.changes.latest("at").summary


def test_scheduled_publication_outlives_the_schedulers_rights(django_user_model):
    """An Editor schedules, then is removed from the group / deactivated: the cron job
    still publishes as the system."""
    from articles.editorial.actions import SchedulePublishAction, publish_due
    item = make_items(1)[0]
    editor = user_in(django_user_model, "Editor")
    SchedulePublishAction(item, publish_at=timezone.now() + timedelta(seconds=1), user=editor).execute()
    editor.is_active = False
    editor.groups.clear()
    editor.save()
    publish_due(now=timezone.now() + timedelta(minutes=1))
    item.refresh_from_db()
    assert not item.published, "published on behalf of a user who lost the right"
    assert not ScheduledPublication.objects.filter(article=item).exists()
    assert "may no longer publish" in item.decisions.latest("at").note


def test_decision_time_taken_before_the_lock_leaves_pages_stale(client, django_user_model, monkeypatch,
                                                                django_capture_on_commit_callbacks):
    """DecisionAction.decide() takes ``at`` before select_for_update() waits for the row
    lock (and before the SQLite write lock): a write committed meanwhile with a later
    modified_at keeps MAX(modified_at) where it was, so the stamp does not move.
    Simulated: the decision's clock reads 1 s before a concurrent edit of another item."""
    import articles.editorial.actions.base as base
    a, b = make_items(2, published=True)
    t2 = timezone.now()
    Article.objects.filter(pk=b.pk).update(modified_at=t2)  # the concurrent writer's commit
    first = client.get("/")
    assert f"/items/{a.pk}/".encode() in first.content
    etag = first["ETag"]
    monkeypatch.setattr(base.timezone, "now", lambda: t2 - timedelta(seconds=1))
    from articles.editorial.actions import UnpublishAction
    with django_capture_on_commit_callbacks() as after_commit:
        UnpublishAction(a, user=user_in(django_user_model, "Editor")).execute()
    monkeypatch.undo()
    for callback in after_commit:  # the commit happens now, after the concurrent edit
        callback()
    again = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200 and f"/items/{a.pk}/".encode() not in again.content, "stale: unpublished item still listed / 304"


@pytest.mark.parametrize("names", [("_news/2024-01-01-A.md", "_news/2024-01-01-a.md"),
                                   ("_news/2024-01-01-\u00e9.md", "_news/2024-01-01-e\u0301.md")])
def test_zip_names_differing_in_case_or_normalization(client, django_user_model, names):
    """Two members that are one file on macOS/Windows (case) or one name after NFC
    (Unicode) become two items whose export collides."""
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i, n in enumerate(names):
            zf.writestr(n, NEWS_ITEM.replace("https://example.com/a", f"https://example.com/{i}"))
    user_in(django_user_model, "Editor")
    client.login(username="editor", password=PASSWORD)
    r = client.post(IMPORT, {"folder": "_news", "files": [SimpleUploadedFile("s.zip", buf.getvalue())]})
    assert r.status_code == 200 and "the archive holds this path twice" in r.content.decode()
    assert not Article.objects.exists()


def test_held_forged_posts(client, django_user_model):
    """Held: forged one-click decide / bulk publish by a Contributor and a staff user with
    no group; another user's import token; link view for no-group staff."""
    item = make_items(1)[0]
    user_in(django_user_model, "Contributor")
    django_user_model.objects.create_user("nogroup", password=PASSWORD, is_staff=True)
    other = make_items(1, start=5)[0]
    for name in ("contributor", "nogroup"):
        client.login(username=name, password=PASSWORD)
        r = client.post(reverse("admin:articles_article_decide", args=[item.pk]), {"decision": "publish"})
        assert r.status_code == 403
        client.post(reverse("admin:articles_article_changelist"), {"action": "publish_selected", "_selected_action": [item.pk]})
        r = client.post(reverse("admin:articles_article_link", args=[item.pk]), {"target": other.pk})
        item.refresh_from_db()
        assert not item.published and not Decision.objects.exists()
        assert r.status_code == (302 if name == "contributor" else 403)  # a Contributor may link (change_article)
    assert not RelatedStory.objects.filter(article=item).exists() or RelatedStory.objects.get(article=item).target_id == other.pk
