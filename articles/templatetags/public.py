"""Template helpers for the public pages: safe URLs, sanitized HTML, pagination links."""
from __future__ import annotations

import html

from django import template

from ..output import absolute_url, display_url, json_value
from ..sanitize import sanitize_body, sanitize_embed

register = template.Library()


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


# Imported HTML, sanitized (``articles.sanitize``, which the desk's preview uses too).
register.filter("sanitize_body", sanitize_body)
register.filter("sanitize_embed", sanitize_embed)


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
    return absolute_url((article.extra or {}).get("website"))
