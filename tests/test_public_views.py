"""The public pages: home, item, topics, providers, search; drafts never shown."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.editorial.actions import UnpublishAction
from tests import public_data as data

pytestmark = pytest.mark.django_db


def page(client, url, status=200, **params):
    response = client.get(url, params)
    assert response.status_code == status
    return response.content.decode()


def test_home_lists_the_latest_published_items_with_the_hottest_highlighted(client):
    items = data.many(5)
    hot = data.article(9, heat=500, title="Everyone reads this")
    draft = data.article(10, published=False, title="Unreleased scoop", heat=999)
    html = page(client, "/")
    assert "Hottest right now" in html
    hot_section = html.split('id="hot-heading"')[1].split('id="latest-heading"')[0]
    assert "Everyone reads this" in hot_section and "card--hot" in hot_section
    for item in items + [hot]:
        assert item.get_absolute_url() in html
    assert "Unreleased scoop" not in html and draft.get_absolute_url() not in html
    # newest first
    assert html.index(items[4].get_absolute_url(), html.index("latest-heading")) < html.index(
        items[0].get_absolute_url(), html.index("latest-heading"))


def test_home_is_paginated_and_filterable(client):
    widgets = data.topic("widgets", "Widgets")
    gadgets = data.topic("gadgets", "Gadgets", parent=widgets)
    data.many(25)
    tagged = data.article(40, topics=[gadgets], title="A gadget story")
    first = page(client, "/")
    assert 'rel="next"' in first and "Page 1" in first and 'rel="prev"' not in first
    second = page(client, "/", page=2)
    assert "Page 2" in second and 'rel="prev"' in second and 'rel="next"' not in second
    page(client, "/", status=404, page=3)
    page(client, "/", status=404, page="x")
    filtered = page(client, "/", topic="widgets")  # includes the subtopic
    assert "A gadget story" in filtered and "Item 3 title" not in filtered
    assert "Hottest right now" not in filtered
    assert tagged.get_absolute_url() in page(client, "/", q="gadget story")
    bad = page(client, "/", min_quality="lots")
    assert "min_quality" in bad and "Enter a whole number." in bad and "Item 3 title" not in bad


def test_item_page_shows_everything_a_reader_needs(client):
    topic = data.topic("widgets", "Widgets")
    target = data.article(1, title="Our own take")
    item = data.article(
        2, topics=[topic], images=2, title="The big story", excerpt="What happened.",
        body="<p>Full <strong>text</strong>.</p>", provider_authors=[{"name": "Ada"}],
        related=[
            {"title": "Elsewhere", "web_url": "https://other.org/x", "provider_name": "Other"},
            {"title": "Ours, linked", "web_url": target.web_url, "target": target},
        ],
    )
    html = page(client, item.get_absolute_url())
    assert "<h1>The big story</h1>" in html and "What happened." in html
    assert 'src="https://example.com/logo-50x50.jpg"' in html  # provider logo
    assert "Example News" in html and "by Ada" in html
    assert 'href="/topics/widgets/"' in html
    assert 'width="1200" height="630"' in html and "1200&times;630 px" in html
    assert 'href="https://example.com/story-2"' in html  # outbound link to webUrl
    assert "<p>Full <strong>text</strong>.</p>" in html
    assert 'href="https://other.org/x"' in html and f'href="{target.get_absolute_url()}"' in html
    assert '<link rel="canonical"' in html


def test_character_references_left_in_the_source_are_shown_as_characters(client):
    item = data.article(1, title="Copilot &amp; you", excerpt="We&#8217;re excited <b>really</b>")
    for html in (page(client, "/"), page(client, item.get_absolute_url())):
        assert "Copilot &amp; you" in html and "Copilot &amp;amp;" not in html
        assert "We’re excited &lt;b&gt;really&lt;/b&gt;" in html and "&amp;#8217;" not in html


def test_draft_and_unknown_pages_are_404(client):
    draft = data.article(1, published=False)
    html = page(client, draft.get_absolute_url(), status=404)
    assert "Page not found" in html and "no longer published" in html and draft.title not in html
    page(client, "/items/999999/", status=404)
    page(client, "/topics/nope/", status=404)
    page(client, "/providers/nowhere.example/", status=404)
    live = data.article(2)
    page(client, live.get_absolute_url())
    UnpublishAction(live).execute()
    page(client, live.get_absolute_url(), status=404)


def test_topic_tree_and_topic_pages(client):
    root = data.topic("power-apps", "Power Apps")
    child = data.topic("canvas-apps", "Canvas apps", parent=root)
    data.article(1, topics=[child], title="Canvas news")
    data.article(2, topics=[root], title="General news")
    data.article(3, topics=[child], published=False, title="Hidden canvas")
    tree = page(client, "/topics/")
    assert tree.index("Power Apps") < tree.index("Canvas apps")
    assert re.search(r'Canvas apps</a> <span class="count">1 item</span>', tree)
    assert tree.count('<ul class="tree">') == 2  # nested
    html = page(client, "/topics/power-apps/")
    assert "Canvas news" in html and "General news" in html and "Hidden canvas" not in html
    child_html = page(client, "/topics/canvas-apps/")
    assert "Canvas news" in child_html and "General news" not in child_html
    assert 'href="/feeds/topics/canvas-apps.rss"' in child_html
    assert 'id="id_topic"' not in child_html and 'id="id_provider"' in child_html  # the page is the topic


def test_provider_pages(client):
    other = data.provider("other.org", "Other Outlet")
    data.article(1, title="From example")
    data.article(2, source=other, title="From other")
    data.provider("empty.org", "Nobody published")
    listing = page(client, "/providers/")
    assert "Other Outlet" in listing and "Example News" in listing and "Nobody published" not in listing
    html = page(client, "/providers/other.org/")
    assert "From other" in html and "From example" not in html
    assert 'type="application/atom+xml"' in html and "/feeds/providers/other.org.atom" in html


def test_search_page(client):
    data.article(1, title="Dataverse offline arrives")
    data.article(2, title="Something else", excerpt="mentions dataverse too")
    data.article(3, title="Dataverse draft", published=False)
    assert "Search titles" in page(client, "/search/")
    html = page(client, "/search/", q="dataverse")
    assert "Dataverse offline arrives" in html and "Something else" in html and "Dataverse draft" not in html
    assert "No published items match." in page(client, "/search/", q="zebra")


def test_pages_link_their_feeds_and_stylesheet(client):
    data.article(1)
    html = page(client, "/")
    assert '<link rel="alternate" type="application/rss+xml"' in html
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert '/static/articles/site.css' in html
    assert "cdn" not in html.lower().replace("cdnampweburl", "")
    assert '<html lang="en">' in html and 'name="viewport"' in html
    for name in ("collection", "type", "topic", "provider", "since", "until", "min_quality", "min_heat", "q", "sort"):
        assert f'id="id_{name}"' in html and f'for="id_{name}"' in html  # every filter, labelled


@pytest.mark.parametrize("url", ["/", "/?topic=power-apps", "/topics/power-apps/", "/providers/example.com/", "/search/?q=item"])
def test_constant_queries_on_list_pages(client, url):
    root = data.topic("power-apps", "Power Apps")
    child = data.topic("canvas-apps", "Canvas apps", parent=root)
    counts = []
    for start, count in ((0, 10), (10, 40)):
        data.many(count, start=start, topics=[root, child], images=2)
        with CaptureQueriesContext(connection) as queries:
            page(client, url)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_item_page_queries_do_not_grow_with_its_children(client):
    topics = [data.topic(f"t{i}") for i in range(8)]
    small = data.article(1, topics=topics[:1], images=1, related=[{"title": "r", "web_url": "https://x.org/1"}])
    big = data.article(2, topics=topics, images=6, related=[{"title": f"r{i}", "web_url": f"https://x.org/{i}"} for i in range(8)])
    counts = []
    for item in (small, big):
        with CaptureQueriesContext(connection) as queries:
            page(client, item.get_absolute_url())
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_related_story_linked_to_a_draft_stays_hidden_until_the_draft_is_published(client, django_user_model):
    from articles.editorial.actions import LinkRelatedAction, PublishAction

    editor = django_user_model.objects.create_superuser("chief", "chief@example.com", "pw")
    live = data.article(1, title="Live story", related=[
        {"title": "From the file", "web_url": "https://elsewhere.example/x", "provider_name": "Elsewhere"},
    ])
    draft = data.article(2, published=False, title="Secret draft title", excerpt="Secret draft excerpt.")
    LinkRelatedAction(live, target=draft, user=editor).execute()
    html = page(client, live.get_absolute_url())
    assert "From the file" in html  # a story that points at no stored item is shown
    assert "Secret draft" not in html and draft.web_url not in html
    PublishAction(draft, user=editor).execute()
    html = page(client, live.get_absolute_url())
    assert "Secret draft title" in html and draft.get_absolute_url() in html


def test_a_provider_known_only_from_drafts_has_no_public_page_or_feed(client):
    hidden = data.provider("drafts-only.example", "Drafts Only")
    data.article(1, source=hidden, published=False, title="Unpublished")
    for url in ("/providers/drafts-only.example/", "/feeds/providers/drafts-only.example.rss",
                "/feeds/providers/drafts-only.example.atom"):
        page(client, url, status=404)
    data.article(2, source=hidden, title="Now public")
    assert "Now public" in page(client, "/providers/drafts-only.example/")
    assert "Now public" in page(client, "/feeds/providers/drafts-only.example.rss")
