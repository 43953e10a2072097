"""Template helpers for the public pages: safe URLs, sanitized HTML, pagination links."""
from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import nh3
from django import template
from django.conf import settings
from django.utils.html import escape, linebreaks
from django.utils.safestring import mark_safe

from ..frontmatter import URL_SCHEMES, url_scheme
from ..output import display_url, json_value

register = template.Library()

# What an item body may keep (nh3's defaults minus nothing dangerous; no scripts, styles,
# event handlers or javascript: URLs survive nh3 whatever we allow here).
BODY_TAGS = nh3.ALLOWED_TAGS | {"figure", "figcaption", "picture", "source"}
# An embed's URL, in the one spelling that every URL parser reads alike: https, a plain
# host name (letters, digits, dots, hyphens), no user info, no port, then a path, query or
# fragment. Browsers follow the WHATWG URL standard, where a backslash ends the host like
# a slash and tabs and newlines are dropped, while urlsplit() does neither; so
# "https://evil.example\@www.youtube.com/" is evil.example to a browser and
# www.youtube.com to urlsplit(). Backslashes, whitespace, controls and "@" before the
# path are refused outright rather than interpreted.
EMBED_URL = re.compile(
    r"https://(?P<host>[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?)(?:[/?#][^\\\s\x00-\x1f\x7f]*)?",
    re.IGNORECASE | re.ASCII,
)
HTML_LIKE = re.compile(r"<[a-zA-Z/!]")


@register.filter
def plain(value):
    """Text for display: character references that the source left in (``&#8217;``,
    ``&amp;``) decoded; the template's autoescaping then escapes the result once."""
    if not value or not isinstance(value, str) or "&" not in value:
        return value
    return html.unescape(value)


@register.filter
def safe_url(value):
    """The URL ready for an ``href`` or ``src``: empty when dangerous, else trimmed as
    browsers trim it and percent-encoded where needed (``output.display_url``)."""
    return display_url(value)


def _clean(html: str, **kwargs) -> str:
    return nh3.clean(
        html,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        **kwargs,
    )


@register.filter
def sanitize_body(value):
    """An item's body as safe HTML: HTML is sanitized with nh3; plain text is escaped and
    split into paragraphs."""
    if not value or not value.strip():
        return ""
    if HTML_LIKE.search(value):
        return mark_safe(_clean(value, tags=BODY_TAGS))
    return mark_safe(linebreaks(escape(value.strip())))


def embed_host(url: str) -> str | None:
    """The host an embed's URL points to, if the URL is unambiguous (see EMBED_URL)."""
    match = EMBED_URL.fullmatch(url)
    return match["host"].lower() if match else None


def _embed_attribute(element, attribute, value):
    if element == "iframe" and attribute == "src":
        return value if embed_host(value) in settings.NEWSROOM["EMBED_HOSTS"] else None
    return value


@register.filter
def sanitize_embed(value):
    """A featured embed (``featuredContent``): only an https iframe from a known video host
    survives, with its size; everything else is dropped."""
    if not value:
        return ""
    html = _clean(
        value,
        tags={"iframe"},
        attributes={"iframe": {"src", "width", "height", "title", "allowfullscreen"}},
        attribute_filter=_embed_attribute,
        set_tag_attribute_values={"iframe": {
            "loading": "lazy", "sandbox": "allow-scripts allow-same-origin allow-presentation",
            "referrerpolicy": "strict-origin-when-cross-origin",
        }},
    )
    if "<iframe" not in html or "src=" not in html:
        return ""
    return mark_safe(html)


@register.simple_tag
def page_url(query, number, param="page"):
    """``?<current filters>&page=N`` (or ``&<param>=N``)."""
    prefix = f"{query}&" if query else ""
    return f"?{prefix}{param}={number}"


@register.filter
def logo(images):
    """The smallest logo rendition (a dict with url/width/height) of a list, or None."""
    usable = [i for i in images or () if isinstance(i, dict) and safe_url(i.get("url"))]
    if not usable:
        return None
    return min(usable, key=lambda i: (i.get("width") or 10_000))


@register.filter
def topic_labels(article):
    return [(link.topic, link.label or link.topic.name) for link in article.topic_links.all()]


def _text_of(value) -> str:
    """A value kept from a file as a line of text: strings as they are, lists and
    mappings as their values joined by commas, dates as ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return ", ".join(text for text in (_text_of(v) for v in value) if text)
    shown = json_value(value)
    return "" if shown is None else str(shown)


@register.filter
def event_location(article) -> str:
    """Where an event takes place (``location``, kept as the file wrote it)."""
    return _text_of((article.extra or {}).get("location"))


@register.filter
def event_website(article) -> str:
    """An event's ``website``, when it is an http(s) URL, ready for an ``href``."""
    value = (article.extra or {}).get("website")
    if not isinstance(value, str) or url_scheme(value) not in URL_SCHEMES:
        return ""
    return display_url(value)
