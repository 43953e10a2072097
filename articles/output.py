"""What Newsroom shows: text without control characters, strict JSON, safe URLs.

The policy for control characters (C0 other than tab, line feed and carriage return;
DEL and C1; the non-characters U+FFFE and U+FFFF): they are **stored** as the files
have them (an export gives them back byte for byte) and **stripped from everything
shown**: public pages, feeds, sitemaps, the JSON API and the admin. XML cannot hold
them at all (a feed with one is a 500, a sitemap with one is invalid), and in HTML they
are parse errors. NUL, which no PostgreSQL text column holds, is refused on import
(``frontmatter.NUL_MESSAGE``); lone surrogates cannot be read from a file at all
(libyaml refuses their escapes, and files must be UTF-8).

The API answers strict JSON, with the values JSON cannot hold written the way the sites'
own API wrote them: dates and times as ISO 8601 text, NaN and infinities as ``null``.

URLs are kept as written; shown, they are trimmed as browsers trim them and
percent-encoded where a URL cannot hold a character (``display_url``).
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from urllib.parse import quote, urlsplit, urlunsplit

from . import frontmatter as fm

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
# The same characters in UTF-8 (one byte each below 0x80; C2 80-9F; EF BF BE-BF).
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|\xef\xbf[\xbe\xbf]")
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/rss+xml", "application/atom+xml")


def printable(value):
    """``value`` without control characters (see the module docstring); non-text as is."""
    if isinstance(value, str) and CONTROL.search(value):
        return CONTROL.sub("", value)
    return value


def strip_response(response):
    """Strip control characters from a text response (rendered now, or once rendered)."""
    if getattr(response, "streaming", False):
        return response
    if not response.get("Content-Type", "").startswith(TEXT_TYPES) or response.get("Content-Encoding"):
        return response
    if hasattr(response, "render") and not response.is_rendered:
        response.add_post_render_callback(_strip_content)
    else:
        _strip_content(response)
    return response


def _strip_content(response):
    content = response.content
    if CONTROL_BYTES.search(content):
        response.content = CONTROL_BYTES.sub(b"", content)


_KEY_JSON = json.JSONEncoder(allow_nan=True)


def json_value(value):
    """``value`` (a document's value) as strict JSON data, shown the way such sites' own
    API shows it: dates and times as ISO 8601 text (UTC ``Z`` where the year allows),
    NaN and infinities as null, keys as text, control characters stripped."""
    t = type(value)
    if t is str:
        return printable(value)
    if value is None or t is bool or t is int:
        return value
    if t is float:
        return value if math.isfinite(value) else None
    if t is dict:
        return {json_key(k): json_value(v) for k, v in value.items()}
    if t is list:
        return [json_value(v) for v in value]
    if t is dt.datetime:
        return fm.timestamp_text(value, utc=True)
    if t is dt.date:
        return value.isoformat()
    return printable(str(value))


def json_key(key) -> str:
    """A mapping key as JSON object keys are: text (``1``, ``true``, ``null``, dates)."""
    if type(key) is str:
        return printable(key)
    if isinstance(key, fm.Key):
        return json_key(key.value)
    if isinstance(key, (dt.date, dt.datetime)):
        return json_value(key)
    return _KEY_JSON.encode(key)


class StrictJSONEncoder(json.JSONEncoder):
    """Refuses NaN and infinities (``json_value`` has turned them into null)."""

    def __init__(self, *args, **kwargs):
        kwargs["allow_nan"] = False
        super().__init__(*args, **kwargs)


_URL_SAFE = "!#$%&'()*+,-./:;=?@[]_~\\"


def display_url(value) -> str:
    """``value`` ready for an ``href``, a feed or the API: empty when it is not text or
    is dangerous (``frontmatter.url_problem``); else trimmed as browsers trim URLs, its
    host in IDNA (``xn--``) form, and what a URL cannot hold percent-encoded (spaces,
    quotes, non-ASCII), leaving existing ``%XX`` escapes and everything else as written.
    """
    if not isinstance(value, str) or fm.url_problem(value):
        return ""
    text = fm.trim_url(value)
    if not text:
        return ""
    text = CONTROL.sub("", text)
    if not text.isascii():
        text = _idna_host(text)
    return quote(text, safe=_URL_SAFE)


def absolute_url(value) -> str:
    """``display_url(value)`` when it is an absolute http(s) URL, a link off the site (an
    event's website, an item's original); else empty (site-relative or dangerous)."""
    url = display_url(value)
    return url if fm.url_scheme(url) in fm.URL_SCHEMES else ""


def _idna_host(text: str) -> str:
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    host = parts.hostname
    if not host or host.isascii():
        return text
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return text  # not a name IDNA can write: percent-encoded as the rest
    netloc = parts.netloc
    at = netloc.rfind("@") + 1
    rest = netloc[at:]
    index = rest.lower().find(host)
    if index < 0:
        return text
    netloc = netloc[:at] + rest[:index] + ascii_host + rest[index + len(host):]
    return urlunsplit(parts._replace(netloc=netloc))
