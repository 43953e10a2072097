"""Issue 9: ``_events/`` is a collection of its own: typed and indexed start and end,
location and website kept; the desk filters by collection; the public site lists
upcoming and past events; ``api/events/`` answers in the shape of the other collections.
Also ``_archive/_news/`` and nested ``_learning/<kind>/`` folders."""
import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Article

from .helpers import run, tree, write

pytestmark = pytest.mark.django_db
UTC = dt.timezone.utc


def event(slug, start, end=None, *, location='"Seattle, WA"', website='"https://conf.example/"', extra=""):
    lines = ["---", f'title: "{slug.title()}"', "category: events", f"startDateTime: {start}"]
    if end:
        lines.append(f"endDateTime: {end}")
    lines += [f"location: {location}", f"website: {website}", "type: conference", "tags:", "  - AI"]
    return "\n".join(lines) + "\n" + extra + "published: true\n---\n"


@pytest.fixture
def events_site(tmp_path):
    now = timezone.now()
    write(tmp_path, "_config.yml", "title: t\n")
    fmt = lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    write(tmp_path, "_events/2020-01-01-long-ago.md", event("long ago", "2020-01-01T09:00:00Z", "2020-01-02T17:00:00Z"))
    write(tmp_path, "_events/ongoing.md", event("ongoing", fmt(now - dt.timedelta(days=1)), fmt(now + dt.timedelta(days=1))))
    write(tmp_path, "_events/soon.md", event("soon", fmt(now + dt.timedelta(days=3)), location="{city: Lisbon, online: true}"))
    write(tmp_path, "_events/later.md", event("later", (now + dt.timedelta(days=30)).date().isoformat(), website='"https://later.example/a b"'))
    write(tmp_path, "_events/2023-05-05-last-year.md", event("last year", "2023-05-05 10:00:00 +02:00", "2023-05-05 18:00:00 +02:00"))
    write(tmp_path, "_events/undated.md", "---\ntitle: Undated\ncategory: events\nlocation: TBD\n---\n")
    write(tmp_path, "_archive/_news/2019-05-01-old.md", "---\ncategory: news\ntitle: Old news\npublishedDateTime: 2019-05-01T08:00:00Z\n---\n")
    write(tmp_path, "_learning/videos/deep/more/intro.md", "---\ntitle: Intro\ntype: video\n---\nBody\n")
    status, out, err = run("import_frontmatter", tmp_path)
    assert status == 0, err
    return tmp_path


def test_start_and_end_are_typed_columns_and_the_rest_is_kept(events_site, tmp_path_factory):
    last_year = Article.objects.get(path="_events/2023-05-05-last-year.md")
    assert last_year.collection == "events"
    assert last_year.starts_at == dt.datetime(2023, 5, 5, 8, tzinfo=UTC)
    assert last_year.ends_at == dt.datetime(2023, 5, 5, 16, tzinfo=UTC)
    assert last_year.category == "events" and last_year.type == "conference"
    assert last_year.extra == {"location": "Seattle, WA", "website": "https://conf.example/", "tags": ["AI"]}
    soon = Article.objects.get(path="_events/soon.md")
    assert soon.extra["location"] == {"city": "Lisbon", "online": True}
    # Everything exports as it came.
    out = tmp_path_factory.mktemp("out")
    status, _, err = run("export_frontmatter", out)
    assert status == 0, err
    exported, original = tree(out), tree(events_site)
    for rel in exported:
        assert exported[rel] == original[rel], rel
    assert "_archive/_news/2019-05-01-old.md" in exported and "_learning/videos/deep/more/intro.md" in exported


def test_collections_of_archive_and_nested_learning_folders(events_site):
    assert dict(Article.objects.exclude(collection="events").values_list("path", "collection")) == {
        "_archive/_news/2019-05-01-old.md": "archive", "_learning/videos/deep/more/intro.md": "learning",
    }


def test_event_dates_are_indexed():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Article._meta.db_table)
    assert constraints["article_event_start"]["columns"] == ["starts_at"]
    assert constraints["article_event_end"]["columns"] == ["ends_at"]


def test_the_events_page_lists_upcoming_then_past(client, events_site):
    page = client.get("/events/").content.decode()
    upcoming, past = page.split('id="past-heading"')
    order = [title for title in ("Ongoing", "Soon", "Later") if title in upcoming]
    assert order == ["Ongoing", "Soon", "Later"]
    assert upcoming.index("Ongoing") < upcoming.index("Soon") < upcoming.index("Later")
    assert "Long Ago" not in upcoming and "Last Year" in past and "Long Ago" in past and "Undated" in past
    assert past.index("Last Year") < past.index("Long Ago") < past.index("Undated")
    assert "Lisbon, True" in upcoming  # a mapping location, shown as its values
    assert 'href="https://conf.example/"' in page
    assert "javascript:" not in page and "https://later.example/a%20b" in page  # (a javascript: website is refused on import)
    assert 'href="/events/"' in client.get("/").content.decode()  # the site's navigation


def test_an_events_item_page_says_when_and_where(client, events_site):
    last_year = Article.objects.get(path="_events/2023-05-05-last-year.md")
    page = client.get(f"/items/{last_year.pk}/").content.decode()
    assert '<time datetime="2023-05-05T08:00:00+00:00">' in page and "Seattle, WA" in page


def test_api_events_in_the_shape_of_the_other_collections(client, events_site):
    body = json.loads(client.get("/api/events/index.json").content)
    assert set(body) == {"page", "value", "nextPage"} and body["page"] == 1 and body["nextPage"] is None
    items = body["value"]
    # The latest to take place first; undated ones last.
    assert [i["title"] for i in items] == ["Later", "Soon", "Ongoing", "Last Year", "Long Ago", "Undated"]
    last_year = next(i for i in items if i["title"] == "Last Year")
    assert last_year["startDateTime"] == "2023-05-05T08:00:00Z" and last_year["endDateTime"] == "2023-05-05T16:00:00Z"
    assert last_year["location"] == "Seattle, WA" and last_year["website"] == "https://conf.example/"
    assert last_year["tags"] == ["AI"]
    news_keys = ["path", "title", "excerpt", "sourceUrl", "webUrl", "originalUrl", "featuredContent", "highlight",
                 "heat", "tags", "images", "content", "type", "ampWebUrl", "cdnAmpWebUrl", "publishedDateTime",
                 "updatedDateTime", "provider", "locale", "categories", "topics"]
    assert list(last_year)[: len(news_keys)] == news_keys
    undated = next(i for i in items if i["title"] == "Undated")
    assert undated["startDateTime"] is None and undated["endDateTime"] is None
    by_publication = json.loads(client.get("/api/events/index.json?sort=newest").content)
    assert len(by_publication["value"]) == 6
    archive = json.loads(client.get("/api/archive/index.json").content)
    assert [i["path"] for i in archive["value"]] == ["_archive/_news/2019-05-01-old.md"]


def test_the_desk_filters_by_collection(client, django_user_model, events_site):
    client.force_login(django_user_model.objects.create_superuser("boss", "b@example.com", "pw"))
    page = client.get("/admin/articles/article/").content.decode()
    assert "?collection=events" in page and "?collection=archive" in page
    listed = client.get("/admin/articles/article/?collection=events").context["cl"].result_list
    assert sorted(a.path for a in listed) == sorted(Article.objects.filter(collection="events").values_list("path", flat=True))
    assert len(listed) == 6
    change = client.get(f"/admin/articles/article/{listed[0].pk}/change/").content.decode()
    assert 'name="starts_at_0"' in change and 'name="ends_at_0"' in change
