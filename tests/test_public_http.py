"""HTTP behaviour of the public site: validators, 304s, Cache-Control, no stale pages."""
import time

import pytest

from articles.editorial.actions import PublishAction, UnpublishAction
from articles.models import Article
from tests import public_data as data

pytestmark = pytest.mark.django_db

URLS = ["/", "/api/news/index.json", "/feeds/latest.rss", "/sitemap.xml", "/topics/", "/providers/"]


@pytest.mark.parametrize("url", URLS)
def test_validators_and_cache_control(client, url):
    data.article(1)
    response = client.get(url)
    assert response.status_code == 200
    assert response["ETag"].startswith('"') and response["Last-Modified"].endswith("GMT")
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=0", "must-revalidate"} <= cache_control
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == response["ETag"]
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert since.status_code == 304


def test_item_page_is_conditional_too(client):
    item = data.article(1)
    response = client.get(item.get_absolute_url())
    assert client.get(item.get_absolute_url(), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_each_url_has_its_own_etag(client):
    data.article(1)
    assert client.get("/").get("ETag") != client.get("/?page=1").get("ETag")


def test_304_costs_one_query(client, django_assert_num_queries):
    data.article(1)
    etag = client.get("/api/news/index.json")["ETag"]
    with django_assert_num_queries(1):
        assert client.get("/api/news/index.json", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_unpublish_and_publish_are_visible_on_the_next_request(client):
    item = data.article(1, title="Breaking")
    first = client.get("/api/news/index.json")
    page = client.get(item.get_absolute_url())
    home = client.get("/")
    assert "Breaking" in home.content.decode()

    UnpublishAction(item).execute()
    response = client.get("/api/news/index.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 404  # nothing published in news any more
    assert client.get(item.get_absolute_url(), HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 404
    home_now = client.get("/", HTTP_IF_NONE_MATCH=home["ETag"])
    assert home_now.status_code == 200 and "Breaking" not in home_now.content.decode()

    data.article(2, title="Another")
    before = client.get("/api/news/index.json")
    PublishAction(item).execute()
    after = client.get("/api/news/index.json", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert [i["title"] for i in after.json()["value"]] == ["Another", "Breaking"]


def test_edits_and_deletions_change_the_validators(client):
    item = data.article(1, title="Old title")
    other = data.article(2)
    etag = client.get("/")["ETag"]
    item.title = "New title"
    item.save()
    response = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "New title" in response.content.decode()
    etag = response["ETag"]
    last_modified = response["Last-Modified"]
    Article.objects.filter(pk=other.pk).delete()  # a delete moves no modified_at
    response = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and other.get_absolute_url() not in response.content.decode()
    etag = response["ETag"]
    data.topic("gone", "Gone").delete()
    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 200
    time.sleep(1.01)  # Last-Modified has whole seconds
    data.provider("gone.org", "Gone").delete()
    assert client.get("/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 200


def test_errors_are_not_cached_as_public(client):
    response = client.get("/items/424242/")
    assert response.status_code == 404
    assert "public" not in response.get("Cache-Control", "")


def test_cached_counts_follow_every_change(client, tmp_path):
    """Topic and provider counts are cached under the content stamp: a decision, an
    import and a deletion each show on the next request."""
    import re

    from tests.helpers import NEWS_ITEM, run, write

    widgets = data.topic("widgets", "Widgets")
    first = data.article(1, topics=[widgets])
    count = lambda: re.search(r'Widgets</a> <span class="count">(\d+) item', client.get("/topics/").content.decode()).group(1)  # noqa: E731
    providers = lambda: client.get("/providers/").content.decode()  # noqa: E731
    assert count() == "1" and "1 item<" in providers()
    UnpublishAction(first).execute()
    assert count() == "0" and "Example News" not in providers()
    PublishAction(first).execute()
    assert count() == "1"
    write(tmp_path, "_config.yml", "title: x\n")
    write(tmp_path, "_news/2024-03-01-a.md", NEWS_ITEM)  # topic Widgets, provider example.com
    status, _, err = run("import_frontmatter", tmp_path)
    assert status == 0, err
    assert count() == "2" and "2 items<" in providers()
    Article.objects.filter(pk=first.pk).delete()
    assert count() == "1"


def test_rendered_pages_are_reused_until_anything_changes(client, django_assert_num_queries):
    item = data.article(1, title="Cached story")
    for url in ("/", "/api/news/index.json", item.get_absolute_url(), "/feeds/latest.rss"):
        first = client.get(url)
        with django_assert_num_queries(1):  # the content stamp only
            again = client.get(url)
        assert again.status_code == 200 and again.content == first.content
        assert again["Content-Type"] == first["Content-Type"] and again["ETag"] == first["ETag"]
    UnpublishAction(item).execute()
    assert "Cached story" not in client.get("/").content.decode()
    assert client.get(item.get_absolute_url()).status_code == 404
    assert client.get("/api/news/index.json").status_code == 404
    PublishAction(item).execute()
    assert "Cached story" in client.get("/").content.decode()


def test_absolute_urls_follow_the_host_asking(client):
    data.article(1)
    one = client.get("/feeds/latest.rss", HTTP_HOST="localhost")
    two = client.get("/feeds/latest.rss", HTTP_HOST="127.0.0.1")
    assert b"http://localhost/" in one.content and b"http://localhost/" not in two.content
    assert one["ETag"] != two["ETag"]


def test_answers_are_compressed_for_clients_that_ask(client):
    import gzip
    import json

    data.many(30)
    plain = client.get("/api/news/index.json")
    packed = client.get("/api/news/index.json", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert json.loads(gzip.decompress(packed.content)) == plain.json()
    assert len(packed.content) * 4 < len(plain.content)
    again = client.get("/api/news/index.json", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=packed["ETag"])
    assert again.status_code == 304
