"""Issue 15: the gaps a review by deliberate breaks found, one test (or more) each.

Each test here was checked to fail with the break the issue describes (see
tests/README.md, "What each gap test pins").
"""
import datetime as dt
import io
import zipfile

import pytest
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from articles import importer
from articles.editorial import actions
from articles.editorial.actions import base as action_base
from articles.editorial.triage import apply_triage_rules
from articles.models import Article, ArticleChange, ArticleTopic, Provider, RelatedStory, Topic, TriageRule

from .desk import PASSWORD, make_items, user_in
from .helpers import NEWS_ITEM, db_state, run, tree, write
from .test_admin_item import change_url, form_data

pytestmark = pytest.mark.django_db
OLD = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)


def site_with(tmp_path, text=NEWS_ITEM, rel="_news/2024-03-01-a.md"):
    site = tmp_path / "site"
    write(site, "_config.yml", "title: t\n")
    write(site, rel, text)
    return site


# ---- gap 1: a failed update leaves the row exactly as it was ----------------------------
def test_a_database_failure_mid_update_leaves_the_item_as_it_was(tmp_path, monkeypatch):
    site = site_with(tmp_path, NEWS_ITEM.replace("topics:\n  - Widgets\n", "topics:\n  - Widgets\n\nimages:\n"
                                                 "  - url: https://example.com/i.png\n    width: 1\n    height: 2\n"))
    assert run("import_frontmatter", site)[0] == 0
    before = db_state()
    write(site, "_news/2024-03-01-a.md", NEWS_ITEM.replace('"A title"', '"A new title"').replace("Widgets", "Gadgets"))

    def fail(params):
        raise DatabaseError("disk full while writing topics")

    monkeypatch.setattr(importer.TOPIC_LINK_INSERT, "insert", fail)
    status, out, err = run("import_frontmatter", site)
    assert status == 1
    assert "_news/2024-03-01-a.md: disk full while writing topics" in err
    assert out[-1].startswith("created 0, updated 0, unchanged 0, conflicts 0, failed 1")
    assert db_state() == before  # title, topics, images: all as before, no topic "Gadgets" half-made
    monkeypatch.undo()
    status, out, err = run("import_frontmatter", site)
    assert status == 0 and out[-1].startswith("created 0, updated 1,")
    assert Article.objects.get().title == "A new title"


# ---- gap 2: the item form refuses a post without its version ------------------------------
@pytest.mark.parametrize("version", [None, "", "not a date", "2024-13-01T10:00:00+00:00"])
def test_the_item_form_refuses_a_post_without_a_usable_version(client, editor, version):
    item = make_items(1)[0]
    client.login(username=editor.username, password=PASSWORD)
    data = form_data(client.get(change_url(item)))
    data["title"] = "Overwritten blindly"
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    response = client.post(change_url(item), data)
    assert response.status_code == 200
    assert "This form is missing its version" in response.content.decode()
    item.refresh_from_db()
    assert item.title == "Item 0"


# ---- gap 4: every bulk action refreshes the public pages and export --since ---------------
def _bulk_add_topic(item, editor):
    topic = Topic.objects.create(topic_id="gadgets", name="Gadgets")
    assert actions.AddTopicAction(Article.objects.filter(pk=item.pk), topic=topic, user=editor).execute() == 1


def _triage(item, editor):
    TriageRule.objects.create(name="all news", threshold=0, collection="news", enabled=True)
    assert apply_triage_rules(article_ids=[item.pk]) == {"published": 1, "queued": 0}


def _merge(item, editor):
    into = Provider.objects.create(domain="kept.example.com", name="Kept")
    assert actions.MergeProvidersAction(into=into, merged=[item.provider], user=editor).execute() == 1


def _link_related(item, editor):
    other = make_items(1, start=5, published=True)[0]
    Article.objects.filter(pk=other.pk).update(published_at=OLD, modified_at=OLD)
    assert len(actions.LinkRelatedAction(item, target=other, user=editor).execute()) == 1


@pytest.mark.parametrize("action", [_bulk_add_topic, _triage, _merge, _link_related])
def test_every_bulk_action_moves_the_content_stamp(client, editor, tmp_path, action):
    item = make_items(1, published=True)[0]
    Article.objects.filter(pk=item.pk).update(published_at=OLD, modified_at=OLD)
    Provider.objects.update(modified_at=OLD)
    Topic.objects.update(modified_at=OLD)
    item.refresh_from_db()
    urls = ["/", item.get_absolute_url(), "/topics/widgets/"]
    etags = {url: client.get(url)["ETag"] for url in urls}
    assert all(client.get(url, HTTP_IF_NONE_MATCH=etags[url]).status_code == 304 for url in urls)
    since = timezone.now()
    action(item, editor)
    assert [client.get(url, HTTP_IF_NONE_MATCH=etags[url]).status_code for url in urls] == [200, 200, 200]
    status, out, err = run("export_frontmatter", tmp_path / "out", "--since", since.date().isoformat())
    assert status == 0, err
    assert item.path in tree(tmp_path / "out")


# ---- gap 5: merging providers keeps their triage rules ------------------------------------
def test_merging_providers_moves_their_triage_rules(editor):
    into = Provider.objects.create(domain="kept.example.com", name="Kept")
    merged = Provider.objects.create(domain="old.example.com", name="Old")
    rule = TriageRule.objects.create(name="old's items", threshold=60, provider=merged, enabled=True)
    other = TriageRule.objects.create(name="kept's items", threshold=70, provider=into, enabled=True)
    actions.MergeProvidersAction(into=into, merged=[merged], user=editor).execute()
    assert not Provider.objects.filter(pk=merged.pk).exists()
    assert sorted(TriageRule.objects.values_list("pk", "provider_id", "threshold")) == sorted(
        [(rule.pk, into.pk, 60), (other.pk, into.pk, 70)]
    )


# ---- gap 6: a file read back right after its own export is unchanged ----------------------
def test_reimport_right_after_export_counts_everything_unchanged(tmp_path):
    site = site_with(tmp_path)
    write(site, "_news/2024-03-02-b.md", NEWS_ITEM.replace('"A title"', '"B"').replace("/a\"", "/b\""))
    write(site, "_data/topics/01-widgets.yaml", "_id: widgets\nname: Widgets\n")
    write(site, "_data/organizations/example.com.md", "---\ntaxonomy: organization\nname: Example\ndomain: example.com\n---\n")
    assert run("import_frontmatter", site)[0] == 0
    item = Article.objects.get(path="_news/2024-03-01-a.md")
    item.title = "Edited in Newsroom"
    item.save()
    out = tmp_path / "out"
    assert run("export_frontmatter", out)[0] == 0
    write(out, "_config.yml", "title: t\n")
    status, lines, err = run("import_frontmatter", out)
    assert status == 0, err
    assert lines[-1].startswith("created 0, updated 0, unchanged 4, conflicts 0, failed 0")
    status, lines, err = run("import_frontmatter", out)
    assert lines[-1].startswith("created 0, updated 0, unchanged 4, conflicts 0, failed 0")


# ---- gap 3 and 7: see test_styles.py (quoting kept; added keys in the file's style) -------


# ---- topics: a topic is never its own parent ---------------------------------------------
def test_a_topic_naming_itself_as_parent_imports_without_a_loop(tmp_path):
    site = tmp_path / "site"
    write(site, "_config.yml", "")
    text = "_id: loop\nname: Loop\nparent: loop\n"
    write(site, "_data/topics/01-loop.yaml", text)
    status, out, err = run("import_frontmatter", site)
    assert status == 0, err
    topic = Topic.objects.get()
    assert topic.topic_id == "loop" and topic.parent is None
    assert run("import_frontmatter", site)[1][-1].startswith("created 0, updated 0, unchanged 1,")
    assert run("export_frontmatter", tmp_path / "out")[0] == 0
    assert (tmp_path / "out/_data/topics/01-loop.yaml").read_text() == text
    topic.name = "Loop!"
    topic.save()
    assert run("export_frontmatter", tmp_path / "out")[0] == 0
    assert (tmp_path / "out/_data/topics/01-loop.yaml").read_text() == "_id: loop\nname: Loop!\nparent: loop\n"


def test_a_loop_of_parents_is_refused_with_the_file_named(tmp_path, client, editor):
    site = tmp_path / "site"
    write(site, "_config.yml", "")
    write(site, "_data/topics/01-a.yaml", "_id: a\nname: A\nparent: b\n")
    write(site, "_data/topics/02-b.yaml", "_id: b\nname: B\nparent: a\n")
    status, out, err = run("import_frontmatter", site)
    assert status == 1
    assert "_data/topics/02-b.yaml: parent: A topic cannot be its own parent" in err
    assert dict(Topic.objects.values_list("topic_id", "parent__topic_id")) == {"a": "b", "b": None}
    # The admin refuses the same loop.
    a, b = Topic.objects.get(topic_id="a"), Topic.objects.get(topic_id="b")
    client.login(username=editor.username, password=PASSWORD)
    url = reverse("admin:articles_topic_change", args=[b.pk])
    response = client.post(url, {"topic_id": "b", "name": "B", "parent": a.pk})
    assert response.status_code == 200 and "cannot be its own parent" in response.content.decode()
    assert Topic.objects.get(pk=b.pk).parent is None


# ---- checks backed by a second check: each pinned on its own ------------------------------
def test_the_publish_action_checks_permission_itself(client, contributor, monkeypatch):
    """With the service's checks patched out, the admin action alone still refuses a
    contributor: the action is not offered, a forged post of it changes nothing."""
    item = make_items(1)[0]
    monkeypatch.setattr(action_base.EditorialAction, "check", lambda self: None)
    client.login(username=contributor.username, password=PASSWORD)
    changelist = reverse("admin:articles_article_changelist")
    assert 'value="publish_selected"' not in client.get(changelist).content.decode()
    client.post(changelist, {"action": "publish_selected", "_selected_action": [item.pk]})
    item.refresh_from_db()
    assert item.published is False and not item.decisions.exists()


def test_the_publish_service_checks_permission_itself(contributor):
    item = make_items(1)[0]
    with pytest.raises(action_base.DecisionPermissionDenied):
        actions.PublishAction(item, user=contributor).execute()
    item.refresh_from_db()
    assert item.published is False and not item.decisions.exists()


@pytest.mark.parametrize("name", ["../x.md", "a/../../x.md", "_news/../../x.md", ".."])
def test_zip_member_names_with_dot_dot_are_refused_by_name(name):
    from articles.admin.import_export import UnsafeArchive, safe_member_name

    with pytest.raises(UnsafeArchive, match="escapes the archive's root"):
        safe_member_name(name)


def test_zip_extraction_refuses_an_escaping_member_even_if_its_name_passed(tmp_path, monkeypatch):
    """The second check (the resolved target must be inside the folder), on its own."""
    from pathlib import PurePosixPath

    from articles.admin import import_export as admin_views

    monkeypatch.setattr(admin_views, "safe_member_name", lambda name: PurePosixPath(name))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../escaped.md", "---\ntitle: x\n---\n")
    dest = tmp_path / "stage"
    dest.mkdir()
    with pytest.raises(admin_views.UnsafeArchive, match="escapes the archive's root"):
        admin_views.extract_zip(io.BytesIO(buffer.getvalue()), dest)
    assert not (tmp_path / "escaped.md").exists()


@pytest.mark.parametrize("rel", ["../x.md", "_news/../../x.md", "_news/./x.md", "_news//x.md", "/etc/x.md", "~/x.md"])
def test_the_exporter_refuses_dot_dot_by_name_before_resolving(tmp_path, rel):
    """The exporter's own check of a path's parts (not the later resolution through links:
    its message would say "through a link")."""
    from articles.exporter import SiteWriter, UnsafePath

    writer = SiteWriter(tmp_path / "out")
    try:
        with pytest.raises(UnsafePath) as caught:
            writer.target(rel)
    finally:
        writer.close()
    assert str(caught.value) == f"{rel}: refusing to write outside the output folder"
    assert tree(tmp_path) == {}


@pytest.mark.parametrize("rel", ["", "_news/a\x00b.md", "_news\\x.md", "..\\x.md"])
def test_the_exporter_refuses_empty_nul_and_backslash_paths(tmp_path, rel):
    from articles.exporter import SiteWriter, UnsafePath

    writer = SiteWriter(tmp_path / "out")
    try:
        with pytest.raises(UnsafePath) as caught:
            writer.target(rel)
    finally:
        writer.close()
    assert str(caught.value) == f"{rel!r}: not a safe relative path"


# ---- zip limits, at their boundaries (mutation run: survivors of extract_zip) ------------
def _zip(members: dict) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return io.BytesIO(buffer.getvalue())


def test_a_zip_at_its_limits_is_extracted_whole(tmp_path):
    from articles.admin.import_export import extract_zip

    extract_zip(_zip({"_news/a.md": "a" * 4, "_news/b.md": "b" * 6}), tmp_path, max_bytes=10, max_files=2)
    assert tree(tmp_path) == {"_news/a.md": b"aaaa", "_news/b.md": b"bbbbbb"}


@pytest.mark.parametrize("members,max_bytes,max_files,message", [
    ({"a.md": "a", "b.md": "b", "c.md": "c"}, 100, 2, "3 entries, more than 2"),
    ({"a.md": "a" * 6, "b.md": "b" * 6}, 10, 5, "expands to more than 0 MB"),
    ({"a.md": "a" * (2 * 1024 * 1024), "b.md": "b" * (1024 * 1024 + 1)}, 3 * 1024 * 1024, 5, "expands to more than 3 MB"),
])
def test_a_zip_over_its_limits_is_refused_before_anything_is_written(tmp_path, members, max_bytes, max_files, message):
    from articles.admin.import_export import UnsafeArchive, extract_zip

    with pytest.raises(UnsafeArchive) as caught:
        extract_zip(_zip(members), tmp_path, max_bytes=max_bytes, max_files=max_files)
    assert str(caught.value) == message
    assert tree(tmp_path) == {}


def test_what_is_not_a_zip_is_refused_as_such(tmp_path):
    from articles.admin.import_export import UnsafeArchive, extract_zip

    with pytest.raises(UnsafeArchive, match=r"^not a zip archive \(File is not a zip file\)$"):
        extract_zip(io.BytesIO(b"---\ntitle: x\n---\n"), tmp_path)


# ---- the review queue's own permission checks (mutation survivors of ReviewItemAdmin) ----
@pytest.mark.parametrize("perms,status", [((), 403), (("view_article",), 200), (("change_article",), 200)])
def test_the_review_queue_is_seen_with_view_or_change_permission(client, django_user_model, perms, status):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("desk", password=PASSWORD, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="articles", codename__in=perms))
    client.login(username="desk", password=PASSWORD)
    assert client.get(reverse("admin:articles_reviewitem_changelist")).status_code == status


def test_nothing_is_added_or_deleted_from_the_review_queue(client, django_user_model):
    item = make_items(1)[0]
    admin_user = django_user_model.objects.create_superuser("boss", password=PASSWORD)
    client.login(username=admin_user.username, password=PASSWORD)
    assert client.get(reverse("admin:articles_reviewitem_add")).status_code == 403
    assert client.get(reverse("admin:articles_reviewitem_delete", args=[item.pk])).status_code == 403
    assert client.post(reverse("admin:articles_reviewitem_delete", args=[item.pk]), {"post": "yes"}).status_code == 403
    assert Article.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("name,message", [
    ("", "'': absolute or unusual path"),
    ("_news\\a.md", "'_news\\\\a.md': absolute or unusual path"),
    ("/etc/a.md", "'/etc/a.md': absolute or unusual path"),
    ("_news/a\x00.md", "'_news/a\\x00.md': absolute or unusual path"),
    ("C:/a.md", "C:/a.md: path escapes the archive's root"),
])
def test_zip_member_names_that_are_not_plain_relative_paths_are_refused(name, message):
    from articles.admin.import_export import UnsafeArchive, safe_member_name

    with pytest.raises(UnsafeArchive) as caught:
        safe_member_name(name)
    assert str(caught.value) == message


def test_a_zip_with_folder_entries_is_extracted_whole(tmp_path):
    """Folder entries (nested, before and after the files in them) make folders; the
    files after them are still extracted."""
    from articles.admin.import_export import extract_zip

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("_news/sub/", "")
        archive.writestr("_news/a.md", "a")
        archive.writestr("_news/", "")
        archive.writestr("_news/sub/b.md", "b")
    extract_zip(io.BytesIO(buffer.getvalue()), tmp_path / "x")
    assert tree(tmp_path / "x") == {"_news/a.md": b"a", "_news/sub/b.md": b"b"}
