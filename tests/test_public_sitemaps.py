"""sitemap.xml (an index), its sections, and the Google News sitemap."""
import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from tests import public_data as data

pytestmark = pytest.mark.django_db
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def test_index_lists_every_section(client):
    data.article(1)
    root = xml(client, "/sitemap.xml")
    locations = [e.text for e in root.iter(f"{SM}loc")]
    for section in ("pages", "items", "topics", "providers", "news"):
        assert f"http://testserver/sitemap-{section}.xml" in locations
    for location in locations:
        xml(client, location.replace("http://testserver", ""))


def test_items_section_holds_published_items_only(client):
    live = data.article(1)
    undecided = data.article(2, published=None)
    draft = data.article(3, published=False)
    root = xml(client, "/sitemap-items.xml")
    locations = {e.text for e in root.iter(f"{SM}loc")}
    assert f"http://testserver{live.get_absolute_url()}" in locations
    assert f"http://testserver{undecided.get_absolute_url()}" in locations
    assert f"http://testserver{draft.get_absolute_url()}" not in locations
    assert all(e.text for e in root.iter(f"{SM}lastmod"))


def test_news_sitemap_has_the_last_two_days_of_news(client):
    now = timezone.now()
    fresh = data.article(1, published_at=now - dt.timedelta(hours=3), title="Fresh & new")
    data.article(2, published_at=now - dt.timedelta(days=3), title="Old news")
    data.article(3, published_at=now - dt.timedelta(hours=1), published=False, title="Draft news")
    data.article(4, published_at=now - dt.timedelta(hours=2), collection="learning", title="A course")
    root = xml(client, "/sitemap-news.xml")
    urls = list(root.iter(f"{SM}url"))
    assert [u.findtext(f"{SM}loc") for u in urls] == [f"http://testserver{fresh.get_absolute_url()}"]
    news = urls[0].find(f"{NEWS}news")
    assert news.findtext(f"{NEWS}title") == "Fresh & new"
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "Newsroom"
    assert news.findtext(f"{NEWS}publication/{NEWS}language") == "en"
    assert dt.datetime.fromisoformat(news.findtext(f"{NEWS}publication_date")) == fresh.published_at


def test_topics_and_providers_sections(client):
    data.topic("widgets", "Widgets")
    data.article(1)
    data.provider("empty.org", "No items")
    topics = {e.text for e in xml(client, "/sitemap-topics.xml").iter(f"{SM}loc")}
    assert topics == {"http://testserver/topics/widgets/"}
    providers = {e.text for e in xml(client, "/sitemap-providers.xml").iter(f"{SM}loc")}
    assert providers == {"http://testserver/providers/example.com/"}
    assert client.get("/sitemap-nope.xml").status_code == 404


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert response.content.decode().splitlines() == [
        "User-agent: *", "Disallow: /admin/", "Sitemap: http://testserver/sitemap.xml"]
