"""Import (dry run, then confirm) and export from the admin; unsafe archives refused."""
import io
import stat
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.admin_views import UnsafeArchive, extract_zip
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

    from articles.admin_views import staging_root

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
