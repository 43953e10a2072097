"""Imported HTML made safe to show: an item's body and its featured embed (nh3).

Shared by the public pages (through the ``public`` template tags) and the desk (the
item page's preview shows the body as readers see it).
"""
from __future__ import annotations

import re

import nh3
from django.conf import settings
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

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


def _clean(html: str, **kwargs) -> str:
    return nh3.clean(
        html,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        **kwargs,
    )


def sanitize_body(value: str | None) -> SafeString | str:
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


def _embed_attribute(element: str, attribute: str, value: str) -> str | None:
    if element == "iframe" and attribute == "src":
        return value if embed_host(value) in settings.NEWSROOM["EMBED_HOSTS"] else None
    return value


def sanitize_embed(value: str | None) -> SafeString | str:
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
