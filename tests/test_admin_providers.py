"""Providers and topics in the admin: figures, logo upload, merge (with aliases)."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.editorial.actions import PublishAction
from articles.models import Article, Provider, Topic

from .desk import PASSWORD, make_items
from .helpers import NEWS_ITEM, run, write

pytestmark = pytest.mark.django_db



@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def image_bytes(size=(600, 300), fmt="PNG", mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size, (10, 120, 200)).save(buffer, fmt)
    return buffer.getvalue()


def test_provider_list_shows_figures(client, editor):
    items = make_items(4)
    PublishAction(items[0], user=editor).execute()
    Article.objects.filter(pk__in=[a.pk for a in items]).update(quality=80)
    client.login(username=editor.username, password=PASSWORD)
    response = client.get(reverse("admin:articles_provider_changelist"))
    row = response.context["cl"].result_list[0]
    assert (row.n_items, row.n_public, row.mean_quality) == (4, 1, 80)
    html = response.content.decode()
    assert "25%" in html and "80.0" in html


def test_logo_upload_makes_renditions(client, editor, media):
    provider = Provider.objects.create(domain="example.com", name="Example")
    client.login(username=editor.username, password=PASSWORD)
    url = reverse("admin:articles_provider_change", args=[provider.pk])
    response = client.post(url, {"name": "Example", "domain": "example.com", "aliases": "[]",
                                 "logo_upload": SimpleUploadedFile("logo.png", image_bytes(), "image/png")})
    assert response.status_code == 302, response.context["adminform"].form.errors
    provider.refresh_from_db()
    assert [(i["width"], i["height"]) for i in provider.images] == [(50, 50), (400, 400)]
    assert provider.images[0]["url"].endswith("organizations/example.com-50x50.jpg")
    with Image.open(media / "organizations" / "example.com-400x400.jpg") as im:
        assert im.size == (400, 400)
    from articles.documents import provider_document

    assert provider_document(provider)["images"] == provider.images  # exported as the provider's images


@pytest.mark.parametrize("payload,message", [
    (b"not an image at all", "Upload a valid image"),
    (image_bytes((20, 20)), "at least 50 x 50"),
])
def test_bad_logos_are_refused(client, editor, payload, message):
    provider = Provider.objects.create(domain="example.com", name="Example")
    client.login(username=editor.username, password=PASSWORD)
    response = client.post(reverse("admin:articles_provider_change", args=[provider.pk]),
                           {"name": "Example", "domain": "example.com", "aliases": "[]",
                            "logo_upload": SimpleUploadedFile("logo.png", payload, "image/png")})
    assert response.status_code == 200 and message in response.content.decode()
    provider.refresh_from_db()
    assert provider.images is None


def test_decompression_bomb_is_refused(monkeypatch):
    from django.core.exceptions import ValidationError

    from articles.admin import logos

    monkeypatch.setattr(logos, "MAX_PIXELS", 10_000)
    with pytest.raises(ValidationError, match="more than"):
        logos.verify_logo(SimpleUploadedFile("x.png", image_bytes((200, 200))))


def test_domain_is_validated_and_unique(client, editor):
    Provider.objects.create(domain="example.com")
    client.login(username=editor.username, password=PASSWORD)
    add = reverse("admin:articles_provider_add")
    assert "already exists" in client.post(add, {"name": "x", "domain": "Example.com", "aliases": "[]"}).content.decode()
    assert "Enter a valid domain name" in client.post(add, {"name": "x", "domain": "not a domain", "aliases": "[]"}).content.decode()


def test_merge_moves_items_and_keeps_the_old_domain_as_alias(client, editor, tmp_path):
    site = tmp_path / "site"
    write(site, "_config.yml", "title: t\n")
    write(site, "_data/organizations/old.example.com.md", "---\ntaxonomy: organization\nname: Old\ndomain: old.example.com\n---\n")
    write(site, "_news/2024-01-01-a.md", NEWS_ITEM.replace("domain: example.com", "domain: old.example.com"))
    run("import_frontmatter", site)
    keep = Provider.objects.create(domain="new.example.com", name="New")
    old = Provider.objects.get(domain="old.example.com")
    client.login(username=editor.username, password=PASSWORD)
    changelist = reverse("admin:articles_provider_changelist")
    page = client.post(changelist, {"action": "merge_providers", "_selected_action": [keep.pk, old.pk]})
    assert page.status_code == 200 and "Keep which provider?" in page.content.decode()
    merged = client.post(changelist, {"action": "merge_providers", "_selected_action": [keep.pk, old.pk], "confirm": "yes",
                                      "into": keep.pk}, follow=True)
    assert "Merged 1 provider into new.example.com; 1 item moved." in [str(m) for m in merged.context["messages"]]
    keep.refresh_from_db()
    assert keep.aliases == ["old.example.com"] and not Provider.objects.filter(pk=old.pk).exists()
    assert Article.objects.get().provider == keep
    # A re-import of files naming the old domain maps to the provider kept.
    write(site, "_news/2024-01-02-b.md", NEWS_ITEM.replace("domain: example.com", "domain: old.example.com").replace("/a\"", "/b\""))
    status, out, _ = run("import_frontmatter", site)
    assert Article.objects.get(path="_news/2024-01-02-b.md").provider == keep
    keep.refresh_from_db()
    assert keep.domain == "new.example.com" and Provider.objects.count() == 1


def test_topics_tree_with_counts(client, editor):
    make_items(3)
    parent = Topic.objects.get(topic_id="widgets")
    Topic.objects.create(topic_id="small", name="Small", parent=parent, keywords=["tiny"], hashtags=["#small"])
    client.login(username=editor.username, password=PASSWORD)
    html = client.get(reverse("admin:articles_topic_changelist")).content.decode()
    assert "Widgets › Small" in html and "#small" in html and ">3</a>" in html
