"""RSS and Atom feeds: latest, per topic, per provider; published items only."""
import xml.etree.ElementTree as ET

import pytest

from tests import public_data as data

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def rss_titles(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    return [item.findtext("title") for item in root.iter("item")], root


def atom_titles(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    return [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")], root


def test_latest_feeds(client):
    topic = data.topic("widgets", "Widgets")
    items = data.many(3, topics=[topic])
    data.article(9, published=False, title="Draft")
    titles, root = rss_titles(client, "/feeds/latest.rss")
    assert titles == ["Item 2 title", "Item 1 title", "Item 0 title"]
    assert [i.findtext("link") for i in root.iter("item")] == [
        f"http://testserver/items/{item.pk}/" for item in reversed(items)
    ]
    item = next(root.iter("item"))
    assert item.findtext("pubDate").startswith("Fri, 01 Mar 2024 14:00:00")
    assert item.findtext("category") == "Widgets"
    assert item.findtext("description") == "Excerpt of item 2."
    titles, root = atom_titles(client, "/feeds/latest.atom")
    assert titles == ["Item 2 title", "Item 1 title", "Item 0 title"]
    entry = next(root.iter(f"{ATOM}entry"))
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "Example News"
    assert entry.findtext(f"{ATOM}published") == "2024-03-01T14:00:00+00:00"


def test_feeds_hold_the_latest_50(client):
    data.many(55, images=0)
    titles, _ = rss_titles(client, "/feeds/latest.rss")
    assert len(titles) == 50 and titles[0] == "Item 54 title"


def test_topic_and_provider_feeds(client):
    root = data.topic("power-apps", "Power Apps")
    child = data.topic("canvas-apps", "Canvas apps", parent=root)
    other = data.provider("other.org", "Other")
    data.article(1, topics=[child], title="Canvas")
    data.article(2, topics=[root], source=other, title="General")
    data.article(3, topics=[child], published=False, title="Draft canvas")
    assert rss_titles(client, "/feeds/topics/power-apps.rss")[0] == ["General", "Canvas"]
    assert atom_titles(client, "/feeds/topics/canvas-apps.atom")[0] == ["Canvas"]
    assert rss_titles(client, "/feeds/providers/other.org.rss")[0] == ["General"]
    assert atom_titles(client, "/feeds/providers/example.com.atom")[0] == ["Canvas"]
    assert client.get("/feeds/topics/nope.rss").status_code == 404
    assert client.get("/feeds/providers/nowhere.example.atom").status_code == 404
