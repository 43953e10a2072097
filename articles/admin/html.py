"""HTML fragments the desk's lists and pages show (built with ``format_html``)."""

from django.urls import NoReverseMatch
from django.utils.html import format_html

from ..output import absolute_url, display_url


def public_url(obj):
    """The public page of an object, when the public site has one."""
    try:
        return obj.get_absolute_url()
    except (NoReverseMatch, AttributeError):
        return None


def logo_html(*image_lists, size=32):
    """The first logo rendition among ``images`` lists as an <img>, or ''.

    Absolute URLs first: a site-relative one (``/assets/...``) only shows where the
    public site serves it.
    """
    candidates = [display_url(i.get("url")) for images in image_lists for i in (images or ()) if isinstance(i, dict)]
    absolute = [u for u in candidates if absolute_url(u)]
    relative = [u for u in candidates if u.startswith("/") and not u.startswith("//")]
    for url in absolute + relative:
        return format_html('<img src="{}" width="{}" height="{}" alt="" loading="lazy" class="nr-logo">', url, size, size)
    return ""
