"""Import (dry run, then confirm) and export from the admin; unsafe archives refused."""
import io
import stat
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.admin.import_export import UnsafeArchive, extract_zip
from articles.models import Article

from .desk import PASSWORD, make_items, user_in
from .helpers import NEWS_ITEM, db_state

pytestmark = pytest.mark.django_db
IMPORT = reverse("admin:articles_article_import")


@pytest.fixture(autouse=True)
def staging(settings, tmp_path):
    settings.NEWSROOM = {**settings.NEWSROOM, "IMPORT_STAGING": str(tmp_path / "staging")}



def upload(name, text):
    return SimpleUploadedFile(name, text.encode("utf-8") if isinstance(text, str) else text)


def zip_bytes(entries, links=()):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, text in entries.items():
            zf.writestr(name, text)
        for name, target in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return buffer.getvalue()


def test_dry_run_then_confirm(client, editor):
    existing = make_items(1)[0]
    client.login(username=editor.username, password=PASSWORD)
    bad = NEWS_ITEM.replace("quality: 75", "quality: high")
    response = client.post(IMPORT, {"folder": "_news", "files": [upload("2024-03-01-new.md", NEWS_ITEM), upload("2024-03-02-bad.md", bad)]})
    assert response.status_code == 302
    review = response["Location"]
    before = db_state()
    page = client.get(review)
    html = page.content.decode()
    assert "_news/2024-03-01-new.md" in html and "created" in html
    assert "_news/2024-03-02-bad.md" in html and "quality: expected an integer" in html
    assert db_state() == before  # a dry run writes nothing
    response = client.post(review, {"confirm": "yes"})
    assert response.status_code == 302
    created = Article.objects.get(path="_news/2024-03-01-new.md")
    assert created.title == "A title" and not Article.objects.filter(path="_news/2024-03-02-bad.md").exists()
    assert "Imported: created 1" in client.get(review).content.decode()
    assert Article.objects.filter(pk=existing.pk).exists()
    # Confirming twice does not import twice.
    client.post(review, {"confirm": "yes"})
    assert Article.objects.filter(path="_news/2024-03-01-new.md").count() == 1


def test_zip_site_with_field_diffs_and_pagination(client, editor):
    client.login(username=editor.username, password=PASSWORD)
    files = {"site/_config.yml": "title: t\n"}
    for i in range(60):
        files[f"site/_news/2024-01-{i:02d}-x.md"] = NEWS_ITEM.replace("https://example.com/a", f"https://example.com/{i}")
    response = client.post(IMPORT, {"folder": "_news", "files": [upload("site.zip", zip_bytes(files))]})
    review = response["Location"]
    client.post(review, {"confirm": "yes"})
    assert Article.objects.count() == 60
    files["site/_news/2024-01-00-x.md"] = files["site/_news/2024-01-00-x.md"].replace('"A title"', '"Changed"')
    response = client.post(IMPORT, {"folder": "_news", "files": [upload("site.zip", zip_bytes(files))]})
    review = response["Location"]
    page = client.get(review)
    assert page.context["counts"]["updated"] == 1 and page.context["counts"]["unchanged"] == 59
    assert page.context["page"].paginator.num_pages == 2
    html = client.get(review + "?status=updated").content.decode()
    assert "<del>A title</del>" in html and "<ins>Changed</ins>" in html


@pytest.mark.parametrize("entries,links,message", [
    ({"../evil.md": "x"}, (), "escapes"),
    ({"/etc/evil.md": "x"}, (), "absolute"),
    ({"site/a.md": "x"}, [("site/link.md", "/etc/passwd")], "links are not accepted"),
])
def test_unsafe_archives_are_refused(client, editor, tmp_path, entries, links, message):
    data = zip_bytes(entries, links)
    with pytest.raises(UnsafeArchive, match=message):
        extract_zip(io.BytesIO(data), tmp_path)
    assert list(tmp_path.iterdir()) == []
    client.login(username=editor.username, password=PASSWORD)
    response = client.post(IMPORT, {"folder": "_news", "files": [upload("site.zip", data)]})
    assert response.status_code == 200 and "Refused" in response.content.decode()


def test_zip_bomb_is_refused(tmp_path):
    data = zip_bytes({"big.md": "a" * 5_000_000})
    with pytest.raises(UnsafeArchive, match="expands to more than"):
        extract_zip(io.BytesIO(data), tmp_path, max_bytes=1_000_000)


def test_contributor_upload_cannot_publish(client, django_user_model):
    user_in(django_user_model, "Contributor")
    client.login(username="contributor", password=PASSWORD)
    response = client.post(IMPORT, {"folder": "_news", "files": [upload("2024-03-01-new.md", NEWS_ITEM)]})
    review = response["Location"]
    html = client.get(review).content.decode()
    assert "you may not publish items" in html
    client.post(review, {"confirm": "yes"})
    assert not Article.objects.exists()


def test_import_needs_permission_and_owner(client, django_user_model, editor):
    viewer = django_user_model.objects.create_user("viewer", password=PASSWORD, is_staff=True)
    client.login(username="viewer", password=PASSWORD)
    assert client.get(IMPORT).status_code == 403
    client.login(username=editor.username, password=PASSWORD)
    review = client.post(IMPORT, {"folder": "_news", "files": [upload("a.md", NEWS_ITEM)]})["Location"]
    other = user_in(django_user_model, "Editor", "other")
    client.login(username=other.username, password=PASSWORD)
    assert client.get(review).status_code == 404  # someone else's upload
    assert client.post(review, {"confirm": "yes"}).status_code == 404
    assert not Article.objects.exists()
    # A staff user without the permission may not upload either.
    client.login(username=viewer.username, password=PASSWORD)
    assert client.post(IMPORT, {"folder": "_news", "files": [upload("b.md", NEWS_ITEM)]}).status_code == 403
    assert not Article.objects.exists()


def test_export_selected_items_as_a_zip(client, editor):
    items = make_items(3)
    client.login(username=editor.username, password=PASSWORD)
    response = client.post(reverse("admin:articles_article_changelist"),
                           {"action": "export_selected", "_selected_action": [items[0].pk, items[1].pk]})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = sorted(n for n in archive.namelist() if n.startswith("_news/"))
    assert names == sorted([items[0].path, items[1].path])
    text = archive.read(items[0].path).decode()
    assert 'title: "Item 0"' in text.splitlines()


def test_hostile_site_dry_run_and_apply_agree_file_by_file(client, django_user_model):
    """Issue 9: a .zip of the hostile fixtures: the dry run and the Apply answer 200, name
    every refused file, and agree file by file; the desk pages of what was imported are
    fine."""
    import json
    from pathlib import Path

    from articles.admin.import_export import staging_root

    hostile = Path(__file__).resolve().parent / "fixtures" / "hostile"
    entries = {f"site/{p.relative_to(hostile).as_posix()}": p.read_bytes() for p in sorted(hostile.rglob("*")) if p.is_file()}
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", PASSWORD)
    client.force_login(user)
    response = client.post(IMPORT, {"folder": "_news", "files": [upload("hostile.zip", zip_bytes(entries))]})
    assert response.status_code == 302
    review = response["Location"]
    page = client.get(review)
    assert page.status_code == 200
    html = page.content.decode()
    assert "_news/bad-nul-title.md:3: title: contains a NUL character" in html
    assert "_news/2024-02-01-empty.md: skipped: empty file" in html  # named, with the reason
    stage = staging_root() / review.rstrip("/").rsplit("/", 1)[1]
    dry = json.loads((stage / "dry_run.json").read_text())
    response = client.post(review, {"confirm": "yes"})
    assert response.status_code == 302
    assert client.get(review).status_code == 200
    applied = json.loads((stage / "applied.json").read_text())
    rows = lambda data: sorted((f["path"], f["status"], tuple(f["errors"])) for f in data["files"])  # noqa: E731
    assert rows(applied) == rows(dry)
    assert applied["counts"]["failed"] >= 30 and applied["counts"]["created"] >= 30
    for status in ("failed", "created"):
        assert client.get(review, {"status": status}).status_code == 200


PROVIDER_FILE = """---
taxonomy: organization
_id: example.com
name: Replaced by a contributor
domain: example.com
---
"""
TOPIC_FILE = """taxonomy: topic
_id: widgets
name: Renamed by a contributor
"""


def contributor_dry_run_and_apply(client, django_user_model, post):
    user_in(django_user_model, "Contributor")
    client.login(username="contributor", password=PASSWORD)
    response = client.post(IMPORT, post)
    assert response.status_code == 302
    review = response["Location"]
    html = client.get(review).content.decode()
    client.post(review, {"confirm": "yes"})
    return html


def test_contributor_import_cannot_take_a_published_item_offline(client, django_user_model):
    from articles.importer import import_paths

    site = Path(settings.NEWSROOM["IMPORT_STAGING"]).parent / "site"
    (site / "_news").mkdir(parents=True)
    (site / "_news" / "2024-03-01-new.md").write_text(NEWS_ITEM, encoding="utf-8")
    import_paths([site], root=site)
    item = Article.objects.get(path="_news/2024-03-01-new.md")
    assert item.published
    before = db_state()
    offline = NEWS_ITEM.replace("published: true", "published: false")
    html = contributor_dry_run_and_apply(client, django_user_model, {
        "folder": "_news", "files": [upload("2024-03-01-new.md", offline)]})
    assert "published: you may not unpublish items" in html
    assert db_state() == before
    assert client.get(item.get_absolute_url()).status_code == 200


def test_contributor_import_cannot_rewrite_providers_or_topics(client, django_user_model):
    from articles.models import Provider, Topic

    Provider.objects.create(domain="example.com", name="Example")
    Topic.objects.create(topic_id="widgets", name="Widgets")
    before = db_state()
    html = contributor_dry_run_and_apply(client, django_user_model, {"folder": "_news", "files": [upload("site.zip", zip_bytes({
        "_config.yml": "", "_data/organizations/example.com.md": PROVIDER_FILE, "_data/topics/widgets.yaml": TOPIC_FILE,
        "_data/organizations/new.example.md": PROVIDER_FILE.replace("example.com", "new.example"),
    }))]})
    assert "you may not add or change providers" in html and "you may not add or change topics" in html
    assert db_state() == before
    assert Provider.objects.get(domain="example.com").name == "Example" and not Provider.objects.filter(domain="new.example").exists()


def test_overwrite_is_an_editors_right(client, django_user_model, editor):
    from articles.importer import import_paths
    from django.core.exceptions import PermissionDenied

    contributor = user_in(django_user_model, "Contributor")
    client.login(username="contributor", password=PASSWORD)
    assert 'name="overwrite"' not in client.get(IMPORT).content.decode()
    response = client.post(IMPORT, {"folder": "_news", "overwrite": "on", "files": [upload("a.md", NEWS_ITEM.replace("true", "false"))]})
    review = response["Location"]
    assert "Take the file" not in client.get(review).content.decode()
    with pytest.raises(PermissionDenied):
        import_paths([], overwrite=True, by=contributor)
    client.login(username=editor.username, password=PASSWORD)
    assert 'name="overwrite"' in client.get(IMPORT).content.decode()


def encrypted_zip() -> bytes:
    """A member flagged as encrypted (zipfile cannot write real encryption; reading
    it without a password fails just the same)."""
    data = bytearray(zip_bytes({"_news/a.md": NEWS_ITEM}))
    data[6] |= 0x1  # general purpose flag of the local header: encrypted
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 0x1  # and of the central directory
    return bytes(data)


def bad_crc_zip() -> bytes:
    data = zip_bytes({"_news/a.md": NEWS_ITEM})
    return data.replace(b"A title", b"A tittle", 1)  # stored, not deflated: the CRC no longer matches


@pytest.mark.parametrize("archive, message", [
    (lambda: zip_bytes({"_news": "a file", "_news/a.md": NEWS_ITEM}), "_news/a.md: cannot be written"),
    (lambda: zip_bytes({"_news/a.md": NEWS_ITEM, "_news": "a file"}), "_news: the archive holds this path twice"),
    (lambda: zip_bytes({".": "dot"}), ".: not a plain path"),
    (lambda: zip_bytes({"_news/./a.md": NEWS_ITEM}), "not a plain path"),
    (lambda: zip_bytes({"_news/a.md": NEWS_ITEM, "_news//a.md": NEWS_ITEM}), "not a plain path"),
    (encrypted_zip, "_news/a.md: unreadable"),
    (bad_crc_zip, "_news/a.md: unreadable"),
])
def test_malformed_zips_are_a_form_error_and_leave_nothing_staged(client, editor, archive, message):
    from articles.admin.import_export import staging_root

    client.login(username=editor.username, password=PASSWORD)
    before = db_state()
    response = client.post(IMPORT, {"folder": "_news", "files": [upload("site.zip", archive())]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Refused:" in html and message in html and "Nothing was imported" in html
    assert list(staging_root().iterdir()) == []
    assert db_state() == before


def test_each_upload_is_staged_privately_and_its_files_removed_once_applied(client, editor):
    from articles.admin.import_export import staging_root

    client.login(username=editor.username, password=PASSWORD)
    review = client.post(IMPORT, {"folder": "_news", "files": [upload("2024-03-01-new.md", NEWS_ITEM)]})["Location"]
    second = client.post(IMPORT, {"folder": "_news", "files": [upload("2024-03-01-new.md", NEWS_ITEM)]})["Location"]
    assert review != second
    root = staging_root()
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    stage = root / review.rstrip("/").rsplit("/", 1)[1]
    assert stat.S_IMODE(stage.stat().st_mode) == 0o700 and (stage / "site" / "_news" / "2024-03-01-new.md").is_file()
    client.post(review, {"confirm": "yes"})
    assert Article.objects.filter(path="_news/2024-03-01-new.md").exists()
    assert not (stage / "site").exists()  # the uploaded files are gone; the report stays
    assert "Imported: created 1" in client.get(review).content.decode()


def test_apply_refuses_staged_files_that_changed_since_the_dry_run(client, editor):
    from articles.admin.import_export import staging_root

    client.login(username=editor.username, password=PASSWORD)
    review = client.post(IMPORT, {"folder": "_news", "files": [upload("2024-03-01-new.md", NEWS_ITEM)]})["Location"]
    stage = staging_root() / review.rstrip("/").rsplit("/", 1)[1]
    staged = stage / "site" / "_news" / "2024-03-01-new.md"
    staged.write_text(NEWS_ITEM.replace("A title", "Swapped after the dry run"), encoding="utf-8")
    before = db_state()
    client.post(review, {"confirm": "yes"})
    assert db_state() == before
    assert "not the ones the dry run read" in client.get(review, follow=True).content.decode()
    assert not (stage / "site").exists()


def test_a_staging_root_that_is_a_link_is_refused(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    from articles.admin.import_export import staging_root

    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    settings.NEWSROOM = {**settings.NEWSROOM, "IMPORT_STAGING": str(tmp_path / "link")}
    with pytest.raises(ImproperlyConfigured, match="link or belongs to another user"):
        staging_root()
