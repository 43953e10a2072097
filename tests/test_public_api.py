"""The public JSON API: the site's own pages reproduced, filters, errors, query counts."""
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.editorial.actions import UnpublishAction
from articles.public.api import ITEM_KEYS
from tests import public_data as data
from tests.helpers import run

pytestmark = pytest.mark.django_db

NEWS_PAGES = [
    ("news/index.json", "/api/news/index.json"),
    ("news/page/2/index.json", "/api/news/page/2/index.json"),
    ("news/canvas-apps/index.json", "/api/news/canvas-apps/index.json"),
]


def get_json(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/json"
    return response.json()


@pytest.mark.corpus
def test_the_corpus_news_pages_are_reproduced_item_for_item_and_key_for_key(client, corpus_site):
    status, _, err = run("import_frontmatter", corpus_site)
    assert status == 0, err
    for expected_file, url in NEWS_PAGES:
        expected = json.loads((corpus_site / "api" / expected_file).read_text("utf-8"))
        got = get_json(client, url)
        assert list(got) == list(expected) == ["page", "value", "nextPage"]
        assert [i["path"] for i in got["value"]] == [i["path"] for i in expected["value"]], expected_file
        for mine, theirs in zip(got["value"], expected["value"]):
            assert list(mine) == list(theirs), mine["path"]  # same keys, same order
            assert mine == theirs, mine["path"]
        assert got == expected


@pytest.mark.corpus
def test_the_corpus_learning_page_is_reproduced_where_its_older_template_allows(client, corpus_site):
    """``api/learning/index.json`` was made by an older template of the site, not the one
    of the news pages (and of FORMAT.md). What differs, on purpose:

    - it lists 30 items hottest first (ties by path), not 25 newest first: we reproduce
      that list with ``?sort=hottest&page_size=30``;
    - it wraps the page with ``title`` and ``path`` keys;
    - its items omit absent keys instead of giving them as null, and have no
      ``originalUrl``-less fallbacks, ``locale`` or ``categories``;
    - ``sourceUrl`` and ``webUrl`` point at the generated site (everyday.cc), which the
      item files do not hold;
    - ``publishedDateTime`` is written in the US Pacific offset (``-07:00``) instead of
      UTC, ``content`` is ``"\\r\\n"`` where the file's body is a blank line, and the
      provider carries no logo;
    - collections carry ``topItems`` (the first items of their ``items:`` list, expanded)
      and ``size`` (the list's length) instead of ``items`` itself; we give ``items``
      as the file has it.

    Everything the files do hold is reproduced: the same items in the same order, and
    for each the same title, excerpt, originalUrl, featuredContent, heat, type, topics,
    image URLs and sizes, the same instant of publication, and the collection keys
    (price, length, ratings, levels, ...).
    """
    import datetime as dt

    status, _, err = run("import_frontmatter", corpus_site)
    assert status == 0, err
    expected = json.loads((corpus_site / "api" / "learning" / "index.json").read_text("utf-8"))
    assert len(expected["value"]) == 30 and expected["nextPage"] == 2
    got = get_json(client, "/api/learning/index.json", sort="hottest", page_size=30)
    assert (got["page"], got["nextPage"]) == (1, 2)
    assert [i["path"] for i in got["value"]] == [i["path"] for i in expected["value"]]
    same = ["title", "excerpt", "originalUrl", "featuredContent", "heat", "type", "topics"]
    for mine, theirs in zip(got["value"], expected["value"]):
        assert list(mine)[: len(ITEM_KEYS)] == ITEM_KEYS  # our shape: every key, always
        for key in same:
            assert mine[key] == theirs.get(key), (mine["path"], key)
        for key in set(theirs) - set(ITEM_KEYS) - {"provider", "topItems", "size"}:  # price, length, ratings, ...
            assert mine[key] == theirs[key], (mine["path"], key)
        if "size" in theirs:
            assert len(mine["items"]) == theirs["size"]
            assert [f"_learning/{path}.md" for path in mine["items"][:len(theirs["topItems"])]] == [
                i["path"] for i in theirs["topItems"]]
        assert [(i["url"], i["width"], i["height"], i["isCached"]) for i in mine["images"] or ()] == [
            (i["url"], i["width"], i["height"], i["isCached"]) for i in theirs.get("images", ())
        ]
        if "publishedDateTime" in theirs:
            assert dt.datetime.fromisoformat(mine["publishedDateTime"].replace("Z", "+00:00")) == \
                dt.datetime.fromisoformat(theirs["publishedDateTime"])
        else:
            assert mine["publishedDateTime"] is None
        assert (mine["provider"]["name"], mine["provider"]["domain"]) == (
            theirs["provider"]["name"], theirs["provider"]["domain"])


def test_a_page_has_25_items_newest_first_and_every_key(client):
    topic = data.topic("widgets", "Widgets")
    data.many(30, topics=[topic])
    page = get_json(client, "/api/news/index.json")
    assert list(page) == ["page", "value", "nextPage"]
    assert (page["page"], page["nextPage"], len(page["value"])) == (1, 2, 25)
    assert [i["title"] for i in page["value"]][:2] == ["Item 29 title", "Item 28 title"]
    item = page["value"][0]
    assert list(item) == ITEM_KEYS
    assert item["publishedDateTime"] == "2024-03-02T17:00:00Z"
    assert item["topics"] == ["Widgets"] and item["categories"] == ["news"] and item["locale"] == "en-us"
    assert item["images"] == [{"url": "https://img.example.com/29-0.png", "width": 1200, "height": 630,
                               "title": None, "attribution": None, "isCached": True}]
    assert item["provider"] == {
        "name": "Example News", "domain": "example.com",
        "images": [{"url": "https://example.com/logo-50x50.jpg", "width": 50, "height": 50,
                    "title": None, "attribution": None, "isCached": False}],
        "publishers": None, "authors": None,
    }
    for key in ("sourceUrl", "highlight", "tags", "ampWebUrl", "cdnAmpWebUrl", "updatedDateTime", "featuredContent"):
        assert item[key] is None
    last = get_json(client, "/api/news/page/2/index.json")
    assert (last["page"], last["nextPage"], len(last["value"])) == (2, None, 5)
    assert get_json(client, "/api/news/page/3/index.json", status=404)["error"]


def test_absent_values_are_null_never_missing(client):
    data.article(1, source=None, images=0, excerpt=None, type=None, heat=None, category=None, web_url=None)
    item = get_json(client, "/api/news/index.json")["value"][0]
    assert list(item) == ITEM_KEYS
    assert item["provider"] is None and item["images"] is None and item["topics"] is None
    assert item["excerpt"] is None and item["heat"] is None and item["categories"] is None


def test_drafts_never_appear(client):
    live = data.article(1)
    data.article(2, published=False, title="Secret draft")
    undecided = data.article(3, published=None)
    paths = [i["path"] for i in get_json(client, "/api/news/index.json")["value"]]
    assert paths == [undecided.path, live.path]
    UnpublishAction(live).execute()
    assert [i["path"] for i in get_json(client, "/api/news/index.json")["value"]] == [undecided.path]


def test_a_collection_with_nothing_published_is_404(client):
    data.article(1, collection="samples", published=False)
    assert get_json(client, "/api/samples/index.json", status=404)["error"]
    assert get_json(client, "/api/nothing/index.json", status=404)["error"]


def test_an_empty_collection_is_404_before_any_other_error_and_a_page_with_items_proves_it_is_not(client):
    data.article(1)
    nothing = "no published items in collection 'samples'"
    assert get_json(client, "/api/samples/unknown-topic/index.json", status=404)["error"] == nothing
    assert get_json(client, "/api/samples/index.json", status=404, min_quality="high")["error"] == nothing
    assert get_json(client, "/api/samples/page/2/index.json", status=404)["error"] == nothing
    assert get_json(client, "/api/news/unknown-topic/index.json", status=404)["error"] == "no topic 'unknown-topic'"
    assert get_json(client, "/api/news/index.json", status=400, min_quality="high")["errors"] == {
        "min_quality": ["Enter a whole number."]}
    assert get_json(client, "/api/news/index.json", min_quality=1000) == {"page": 1, "value": [], "nextPage": None}
    assert get_json(client, "/api/news/page/2/index.json", status=404)["error"] == "page 2 is past the last page"
    # A page with items asks nothing more: the content stamp, the page, its images and
    # its topics.
    with CaptureQueriesContext(connection) as queries:
        assert len(get_json(client, "/api/news/index.json")["value"]) == 1
    assert len(queries) == 4, [q["sql"] for q in queries]


def test_topic_pages_include_subtopics(client):
    parent = data.topic("power-apps", "Power Apps")
    child = data.topic("canvas-apps", "Canvas apps", parent=parent)
    grandchild = data.topic("canvas-offline", "Offline", parent=child)
    other = data.topic("ai", "AI")
    a = data.article(1, topics=[parent])
    b = data.article(2, topics=[child])
    c = data.article(3, topics=[grandchild])
    data.article(4, topics=[other])
    paths = lambda url: [i["path"] for i in get_json(client, url)["value"]]  # noqa: E731
    assert paths("/api/news/power-apps/index.json") == [c.path, b.path, a.path]
    assert paths("/api/news/canvas-apps/index.json") == [c.path, b.path]
    assert paths("/api/news/index.json?topic=canvas-offline") == [c.path]
    assert get_json(client, "/api/news/unknown-topic/index.json", status=404)["error"]
    data.many(26, start=10, topics=[child])
    assert get_json(client, "/api/news/canvas-apps/page/2/index.json")["nextPage"] is None


def test_filters(client):
    other = data.provider("other.org", "Other")
    old = data.article(1, quality=20, heat=1, type="video", title="Dataverse offline")
    mid = data.article(2, quality=80, heat=50, source=other, published_at=data.BASE.replace(month=4, day=15))
    new = data.article(3, quality=90, heat=5, published_at=data.BASE.replace(month=5, day=1), excerpt="All about DATAVERSE.")

    def paths(**params):
        return [i["path"] for i in get_json(client, "/api/news/index.json", **params)["value"]]

    assert paths(type="video") == [old.path]
    assert paths(provider="other.org") == [mid.path]
    assert paths(min_quality=80) == [new.path, mid.path]
    assert paths(min_heat=5) == [new.path, mid.path]
    assert paths(since="2024-04-15") == [new.path, mid.path]
    assert paths(until="2024-04-15") == [mid.path, old.path]  # a date alone: the whole day
    assert paths(since="2024-04-16T00:00:00Z", until="2024-05-01T23:00:00+00:00") == [new.path]
    assert paths(q="dataverse") == [new.path, old.path]
    assert paths(q="dataverse offline") == [old.path]
    assert paths(sort="hottest") == [mid.path, new.path, old.path]
    assert paths(sort="oldest") == [old.path, mid.path, new.path]
    assert paths(sort="best") == [new.path, mid.path, old.path]
    assert paths(page_size=1) == [new.path]
    assert get_json(client, "/api/news/index.json", page_size=2)["nextPage"] == 2
    assert [i["path"] for i in get_json(client, "/api/news/page/2/index.json", page_size=2)["value"]] == [old.path]


@pytest.mark.parametrize("params, name", [
    ({"foo": "1"}, "foo"),
    ({"collection": "news"}, "collection"),
    ({"page": "2"}, "page"),
    ({"min_quality": "high"}, "min_quality"),
    ({"min_heat": "1.5"}, "min_heat"),
    ({"since": "yesterday"}, "since"),
    ({"until": "2024-13-01"}, "until"),
    ({"topic": "no-such-topic"}, "topic"),
    ({"provider": "nowhere.example"}, "provider"),
    ({"sort": "random"}, "sort"),
    ({"page_size": "0"}, "page_size"),
    ({"page_size": "101"}, "page_size"),
    ({"page_size": "many"}, "page_size"),
])
def test_bad_parameters_are_400_naming_the_parameter(client, params, name):
    data.article(1)
    body = get_json(client, "/api/news/index.json", status=400, **params)
    assert name in body["error"] and list(body["errors"]) == [name]
    assert body["errors"][name] and all(isinstance(m, str) for m in body["errors"][name])


def test_page_size_is_capped_at_100(client):
    data.many(101, images=0)
    assert len(get_json(client, "/api/news/index.json", page_size=100)["value"]) == 100


def test_constant_queries_whatever_the_page_holds(client):
    parent = data.topic("power-apps", "Power Apps")
    child = data.topic("canvas-apps", "Canvas apps", parent=parent)
    counts = {}
    for size in (10, 50):
        data.many(size if size == 10 else 40, start=counts and 10 or 0, topics=[parent, child], images=2)
        for url in ("/api/news/index.json?page_size=100", "/api/news/power-apps/index.json?page_size=100&q=item&provider=example.com"):
            with CaptureQueriesContext(connection) as queries:
                page = get_json(client, url)
            assert len(page["value"]) == size
            counts[(url, size)] = len(queries)
    for url in ("/api/news/index.json?page_size=100", "/api/news/power-apps/index.json?page_size=100&q=item&provider=example.com"):
        assert counts[(url, 10)] == counts[(url, 50)], counts
    assert counts[("/api/news/index.json?page_size=100", 50)] <= 6, counts


def test_reverse_names(client):
    data.article(1)
    assert reverse("articles:api", args=["news"]) == "/api/news/index.json"
    assert reverse("articles:api-topic-page", args=["news", "t", 2]) == "/api/news/t/page/2/index.json"
