"""Issue 9: an item carrying every odd value a file can hold (control characters, URLs
with spaces, IDN hosts and leading whitespace, NaN and infinities, keys that are not
strings, timestamps with no UTC form, dates at any depth) breaks no output: every page,
feed, sitemap, API answer and desk page answers 200 with well-formed content.
"""
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.utils import timezone

from articles.models import Article, Provider, Topic
from articles.output import CONTROL_BYTES

from .helpers import run

pytestmark = pytest.mark.django_db
HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
ODD = "_news/2024-01-29-every-odd-value.md"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class StrictHTML(HTMLParser):
    """Checks that every element opened is closed, in order (void elements aside)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}> at {self.getpos()}")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()


def no_control_characters(content: bytes, url):
    found = CONTROL_BYTES.search(content)
    assert found is None, (url, content[max(0, found.start() - 60):found.end() + 60])


def well_formed_html(content: bytes, url):
    no_control_characters(content, url)
    parser = StrictHTML()
    parser.feed(content.decode("utf-8"))
    parser.close()
    assert parser.problems == [] and parser.stack == [], (url, parser.problems[:5], parser.stack)


def well_formed_xml(content: bytes, url):
    no_control_characters(content, url)
    return ET.fromstring(content)  # raises on anything XML 1.0 cannot hold


def strict_json(content: bytes, url):
    def refuse(constant):
        raise AssertionError(f"{url}: {constant} is not JSON")

    no_control_characters(content, url)
    return json.loads(content, parse_constant=refuse)


@pytest.fixture
def odd_site(client):
    status, out, err = run("import_frontmatter", HOSTILE)
    assert status == 1 and "Traceback" not in err
    odd = Article.objects.get(path=ODD)
    assert odd.title == "Breaking\x01news: every \x1b odd value"  # stored as written
    # Published an hour ago: in the feeds, the news sitemap and at the top of the lists.
    Article.objects.filter(pk=odd.pk).update(published_at=timezone.now() - dt.timedelta(hours=1), published=True)
    return Article.objects.get(pk=odd.pk)


def public_urls(odd):
    event = Article.objects.get(path="_events/2024-06-10-conference.md")
    return {
        "html": ["/", f"/items/{odd.pk}/", f"/items/{event.pk}/", "/events/", "/topics/", "/topics/odd-topic/",
                 "/providers/", "/providers/odd.example/", "/search/?q=Breaking", "/?sort=best"],
        "xml": ["/feeds/latest.rss", "/feeds/latest.atom", "/feeds/topics/odd-topic.rss", "/feeds/topics/odd-topic.atom",
                "/feeds/providers/odd.example.rss", "/feeds/providers/odd.example.atom", "/sitemap.xml",
                "/sitemap-pages.xml", "/sitemap-items.xml", "/sitemap-topics.xml", "/sitemap-providers.xml",
                "/sitemap-news.xml"],
        "json": ["/api/news/index.json", "/api/news/odd-topic/index.json", "/api/events/index.json",
                 "/api/learning/index.json", "/api/archive/index.json", "/api/newsletters/index.json",
                 "/api/news/index.json?sort=best&page_size=100"],
    }


def test_public_outputs_are_well_formed(client, odd_site):
    urls = public_urls(odd_site)
    for url in urls["html"]:
        response = client.get(url)
        assert response.status_code == 200, url
        well_formed_html(response.content, url)
    for url in urls["xml"]:
        response = client.get(url)
        assert response.status_code == 200, url
        well_formed_xml(response.content, url)
    for url in urls["json"]:
        response = client.get(url)
        assert response.status_code == 200, url
        strict_json(response.content, url)


def test_feeds_and_the_news_sitemap_show_the_item_without_control_characters(client, odd_site):
    rss = well_formed_xml(client.get("/feeds/latest.rss").content, "rss")
    titles = [item.findtext("title") for item in rss.iter("item")]
    assert "Breakingnews: every  odd value" in titles
    atom = well_formed_xml(client.get("/feeds/latest.atom").content, "atom")
    ns = "{http://www.w3.org/2005/Atom}"
    entry = next(e for e in atom.iter(f"{ns}entry") if e.findtext(f"{ns}title").startswith("Breaking"))
    assert entry.findtext(f"{ns}summary") == "An excerpt with  and  and  and ."
    assert [c.get("term") for c in entry.iter(f"{ns}category")] == ["Odd topic"]
    news = well_formed_xml(client.get("/sitemap-news.xml").content, "news")
    titles = [t.text for t in news.iter("{http://www.google.com/schemas/sitemap-news/0.9}title")]
    assert "Breakingnews: every  odd value" in titles


def test_pages_show_urls_percent_encoded(client, odd_site):
    page = client.get(f"/items/{odd_site.pk}/").content.decode()
    assert "Breakingnews: every  odd value" in page
    # webUrl "\n\t\thttps://bücher.example/straße <b>\"x\"</b>": trimmed, IDNA host,
    # what a URL cannot hold percent-encoded; never markup.
    assert 'href="https://xn--bcher-kva.example/stra%C3%9Fe%20%3Cb%3E%22x%22%3C/b%3E"' in page
    assert 'src="https://xn--bcher-kva.example/image%20one.png"' in page
    assert 'href="https://other.example/story%20one"' in page
    assert "<b>" not in page.split('<article class="item">', 1)[1].split("</header>", 1)[0]
    assert "https://[broken" not in page  # a featured embed that is not a URL is dropped


def test_the_api_shows_odd_values_as_the_sites_own_api_would(client, odd_site):
    body = strict_json(client.get("/api/news/index.json?page_size=100").content, "api")
    items = {item["path"]: item for item in body["value"]}
    odd = items[ODD]
    assert odd["title"] == "Breakingnews: every  odd value"
    assert odd["webUrl"] == "https://xn--bcher-kva.example/stra%C3%9Fe%20%3Cb%3E%22x%22%3C/b%3E"
    assert odd["originalUrl"] == "https://www.newsclick.in/articles/Artificial%20Intelligence"
    assert odd["images"][0]["url"] == "https://xn--bcher-kva.example/image%20one.png"
    assert odd["provider"]["images"][0]["url"] == "/assets/images/logo%20odd.png"
    assert odd["score"] is None and odd["ratio"] is None
    assert odd["scores"] == {"1": "one", "true": True, "null": "nothing", "2019-12-08": "a day"}  # (yes: a YAML 1.1 bool)
    assert odd["firstSeen"] == "0001-01-01T00:00:00+05:00"
    assert odd["tags"] == ["AI", 1, None, "2019-01-01"]
    assert odd["location"] == "Somewhere"
    assert odd["topics"] == ["Odd topic"]
    # A publishedDateTime no date column holds is kept, and shown as written.
    kept = items["_news/2024-01-05-published-out-of-range.md"]
    assert kept["publishedDateTime"] == "9999-12-31T23:59:59-05:00"
    naive = items["_news/2024-01-12-timestamp-styles.md"]
    assert naive["iso8601"] == "2001-12-15T02:59:43.1Z" and naive["noTimeZone"] == "2001-12-15T02:59:43.1"
    assert naive["date"] == "2002-12-14" and naive["quotedDate"] == "2002-12-14"
    # Keys as text, as JSON objects have them ("1" and 1 become one key there: the last).
    assert items["_news/2024-01-24-keys-python-takes-for-one.md"]["codes"] == {
        "1": "the integer one", "true": "the boolean", "1.0": "the float", "0": "zero", "false": False, "0.0": "zero point zero",
    }


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


def test_desk_pages_are_well_formed(admin_client, odd_site):
    provider = Provider.objects.get(domain="odd.example")
    urls = [
        "/admin/", "/admin/articles/article/", "/admin/articles/article/?q=Breaking", "/admin/articles/reviewitem/?decided=all",
        "/admin/articles/article/?collection=events", "/admin/articles/provider/", "/admin/articles/topic/",
        f"/admin/articles/article/{odd_site.pk}/change/", f"/admin/articles/article/{odd_site.pk}/history/",
        f"/admin/articles/reviewitem/{odd_site.pk}/change/", f"/admin/articles/provider/{provider.pk}/change/",
        f"/admin/articles/provider/{Provider.objects.get(domain='example.org').pk}/change/",
        f"/admin/articles/topic/{Topic.objects.get(topic_id='hostile').pk}/change/",
    ] + [f"/admin/articles/article/{pk}/change/" for pk in Article.objects.values_list("pk", flat=True)]
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        well_formed_html(response.content, url)


class FormValues(HTMLParser):
    """What a browser submits for the change form: inputs, textareas (CRLF line ends),
    selected options."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data, self._textarea, self._select, self._in_form = {}, None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file", "image"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.setdefault(name, attrs.get("value") or ("on" if attrs.get("type") == "checkbox" else ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data):
        if self._textarea:
            text = self.data[self._textarea] + data
            self.data[self._textarea] = text.lstrip("\n") if not self.data[self._textarea] else text


def test_saving_the_desk_form_unchanged_keeps_every_stored_value(admin_client, odd_site):
    from articles.importer import current_article_state

    for path in (ODD, "_news/2024-01-13-quoting-styles.md", "_news/2024-01-08-control-characters.md"):
        article = Article.objects.get(path=path)
        before, digest, _ = current_article_state(article.pk)
        url = f"/admin/articles/article/{article.pk}/change/"
        form = FormValues()
        form.feed(admin_client.get(url).content.decode())
        data = {k: v.replace("\r\n", "\n").replace("\n", "\r\n") for k, v in form.data.items()}  # as browsers send
        response = admin_client.post(url, data)
        assert response.status_code == 302, (path, response.content.decode()[:3000])
        after, digest_after, _ = current_article_state(article.pk)
        assert digest_after == digest, path
    stored = Article.objects.get(path=ODD)
    assert stored.title == "Breaking\x01news: every \x1b odd value"
    assert stored.excerpt == "An excerpt with \x02 and \x7f and \x85 and \uffff."


def test_an_edited_field_is_saved_and_the_others_kept(admin_client, odd_site):
    url = f"/admin/articles/article/{odd_site.pk}/change/"
    form = FormValues()
    form.feed(admin_client.get(url).content.decode())
    form.data["quality"] = "99"
    response = admin_client.post(url, form.data)
    assert response.status_code == 302
    stored = Article.objects.get(pk=odd_site.pk)
    assert stored.quality == 99 and stored.title == "Breaking\x01news: every \x1b odd value"
    assert re.search(r"quality", stored.changes.first().summary)
