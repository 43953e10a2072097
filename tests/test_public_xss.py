"""Hostile content in imported files is shown as text, never run."""
import json
from html.parser import HTMLParser
import xml.etree.ElementTree as ET

import pytest

from articles.models import Article, ArticleImage, RelatedStory
from tests.helpers import run, write

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror='alert(2)'>"
HOSTILE = f"""---
category: news
title: "Hello {SCRIPT}"
excerpt: "Excerpt {IMG} \\"quoted\\" </p><svg onload=alert(3)>"
publishedDateTime: 2024-03-01T10:00:00Z
webUrl: "https://example.com/a?x=\\"><script>alert(4)</script>"
type: article
quality: 75
heat: 3
published: true

featuredContent: "<iframe src=\\"https://evil.example/x\\"></iframe><iframe src=\\"javascript:alert(5)\\"></iframe><script>alert(6)</script>"

provider:
  name: "Evil {SCRIPT} Corp"
  domain: example.com

topics:
  - "Topic {SCRIPT}"

images:
  - url: "https://example.com/i.png"
    width: 10
    height: 10
    title: "Caption {IMG}"

related:
  - title: "Related {SCRIPT}"
    webUrl: "https://other.org/r"
---
<p onclick="alert(7)">Body <a href="javascript:alert(8)">link</a></p><script>alert(9)</script><style>body{{display:none}}</style>
"""


class Audit(HTMLParser):
    """What a browser would actually run or load from a page."""

    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "svg", "style", "object", "embed", "math"}:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if name in {"href", "src", "action", "formaction"} and not value.startswith(("https://", "http://", "/", "?", "#")) and value:
                self.problems.append(f"<{tag} {name}={value}>")
            if tag == "iframe" and name == "src" and "youtube" not in value:
                self.problems.append(f"<iframe src={value}>")


@pytest.fixture
def hostile(tmp_path):
    write(tmp_path, "_config.yml", "title: x\n")
    write(tmp_path, "_news/2024-03-01-hostile.md", HOSTILE)
    status, _, err = run("import_frontmatter", tmp_path)
    assert status == 0, err
    return Article.objects.get(path="_news/2024-03-01-hostile.md")


def assert_harmless(html):
    audit = Audit()
    audit.feed(html)
    assert audit.problems == []


def test_pages_render_payloads_as_text(client, hostile):
    for url in [hostile.get_absolute_url(), "/", "/search/?q=hello", "/topics/", "/providers/example.com/",
                "/?q=%3Cscript%3E"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_harmless(response.content.decode())
    html = client.get(hostile.get_absolute_url()).content.decode()
    assert "Hello &lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, escaped
    assert "Body <a rel=\"noopener noreferrer nofollow\">link</a>" in html  # sanitized body kept


def test_unsafe_urls_that_bypassed_validation_are_not_linked(client, hostile):
    Article.objects.filter(pk=hostile.pk).update(web_url="javascript:alert(10)", original_url="data:text/html,x")
    ArticleImage.objects.filter(article=hostile).update(url="javascript:alert(11)")
    RelatedStory.objects.filter(article=hostile).update(web_url="javascript:alert(12)")
    html = client.get(hostile.get_absolute_url()).content.decode()
    assert "javascript:" not in html and "data:text" not in html
    assert "Related &lt;script&gt;" in html


def test_feeds_and_api_carry_the_payloads_as_data(client, hostile):
    rss = client.get("/feeds/latest.rss").content
    item = next(ET.fromstring(rss).iter("item"))
    assert item.findtext("title") == f"Hello {SCRIPT}"  # XML-escaped text, parsed back
    assert b"<script>" not in rss
    response = client.get("/api/news/index.json")
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    item = json.loads(response.content)["value"][0]
    assert item["title"] == f"Hello {SCRIPT}"  # JSON is data; clients escape on display


# Finding 6: urlsplit() and browsers disagreed on where the host ends.
BYPASSES = [
    "https://evil.example\\@www.youtube.com/embed/x",    # a browser reads host evil.example
    "https://evil.example%5C@www.youtube.com/embed/x",
    "https://www.youtube.com@evil.example/embed/x",
    "https://www.youtube.com:443@evil.example/embed/x",
    "https://user:pw@www.youtube.com/embed/x",            # user info: refused, however harmless
    "https:\\\\evil.example/www.youtube.com/embed/x",
    "https:/\\evil.example/embed/x",
    "https:evil.example/embed/x",
    "https://evil.example\\.www.youtube.com/embed/x",
    "https://www.youtube.com\t.evil.example/embed/x",    # browsers drop tabs and newlines
    "https://www.youtube.com\n@evil.example/embed/x",
    " https://evil.example/embed/x",
    "https://www.youtube.com.evil.example/embed/x",
    "https://www.youtube.com./embed/x",
    "//www.youtube.com/embed/x",
    "http://www.youtube.com/embed/x",
    "javascript://www.youtube.com/%0aalert(1)",
]


@pytest.mark.parametrize("src", BYPASSES)
def test_embeds_whose_host_a_browser_could_read_otherwise_are_dropped(src):
    from django.utils.html import escape

    from articles.sanitize import sanitize_embed

    for attribute in (escape(src), src.replace("\\", "&#92;")):
        assert sanitize_embed(f'<iframe src="{attribute}" width="560"></iframe>') == "", src


@pytest.mark.parametrize("src", [
    "https://www.youtube.com/embed/abc", "https://WWW.YOUTUBE.COM/embed/abc", "https://player.vimeo.com/video/1?h=2#t=3",
    "https://www.youtube-nocookie.com/embed/abc?start=10&end=20", "https://www.youtube.com/embed/abc@def",
])
def test_plain_embeds_from_the_allowed_hosts_are_kept(src):
    from django.utils.html import escape

    from articles.sanitize import sanitize_embed

    html = sanitize_embed(f'<iframe src="{escape(src)}" width="560"></iframe>')
    assert f'src="{escape(src)}"' in html and 'sandbox="allow-scripts allow-same-origin allow-presentation"' in html


def test_the_bypass_from_an_imported_file_is_not_served(client, tmp_path):
    write(tmp_path, "_config.yml", "title: x\n")
    write(tmp_path, "_news/2024-03-01-embed.md", HOSTILE.replace(
        'featuredContent: "<iframe src=\\"https://evil.example/x\\"></iframe>',
        'featuredContent: "<iframe src=\\"https://evil.example\\\\@www.youtube.com/embed/x\\"></iframe>',
    ))
    assert run("import_frontmatter", tmp_path)[0] == 0
    item = Article.objects.get()
    assert "evil.example\\@www.youtube.com" in item.featured_content
    html = client.get(item.get_absolute_url()).content.decode()
    assert "<iframe" not in html and "evil.example" not in html
