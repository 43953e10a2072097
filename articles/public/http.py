"""HTTP caching for the public site: validators and Cache-Control.

Every public response carries an ``ETag`` and a ``Last-Modified`` derived from
``selectors.content_stamp()`` (one cheap query), so a client or a proxy that asks again
with ``If-None-Match`` / ``If-Modified-Since`` gets a ``304 Not Modified`` without the
page being built. ``Cache-Control: public, max-age=0, must-revalidate`` lets caches keep
the page but makes them ask every time, so a publish or an unpublish is visible on the
very next request. The server keeps rendered answers too (the ``public`` cache), under
the same key as the ETag.
"""
from __future__ import annotations

import functools
import hashlib
import os
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import condition

from ..output import strip_response
from . import selectors

# Part of every ETag: a new release (templates, serializers) must not be answered 304
# from validators made by the previous one.
RELEASE = os.environ.get("NEWSROOM_RELEASE") or str(int(time.time()))


public_cache = caches["public"]


def _stamp(request):
    stamp = getattr(request, "_newsroom_stamp", None)
    if stamp is None:
        stamp = request._newsroom_stamp = selectors.content_stamp()
    return stamp


def _etag(request, *args, **kwargs):
    stamp = _stamp(request)
    # Host and scheme too: feeds, sitemaps and canonical links hold absolute URLs.
    key = f"{RELEASE}:{stamp.token}:{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return hashlib.sha1(key.encode()).hexdigest()[:32]


def _last_modified(request, *args, **kwargs):
    return _stamp(request).last_modified


def _page_cached(view):
    """Serve a 200 answer rendered before for the same URL and the same content stamp.

    The key is the ETag (release, content stamp, full path): once anything changes,
    every key is new, so a cached page can never be stale; old entries age out.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        key = "page:" + _etag(request)
        hit = public_cache.get(key)
        if hit is not None:
            status, content_type, content = hit
            return HttpResponse(content, status=status, content_type=content_type)
        response = view(request, *args, **kwargs)
        if not response.streaming:
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            # Control characters are stored, never shown (see output.py): stripped once,
            # before the page is cached.
            strip_response(response)
            if response.status_code == 200:
                public_cache.set(key, (response.status_code, response["Content-Type"], response.content))
        return response

    return wrapper


def public(view):
    """Conditional GET (ETag + Last-Modified -> 304), the page cache, and Cache-Control
    for a public view."""
    conditional = condition(etag_func=_etag, last_modified_func=_last_modified)(_page_cached(view))

    @gzip_page  # public pages hold no secrets (no CSRF token), so BREACH does not apply
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = conditional(request, *args, **kwargs)
        if response.status_code in (200, 304):
            last_modified = _last_modified(request)
            if last_modified is not None:  # ours, not a view's own (feeds set one)
                response["Last-Modified"] = http_date(last_modified.timestamp())
            patch_cache_control(
                response, public=True, max_age=settings.NEWSROOM.get("PUBLIC_MAX_AGE", 0), must_revalidate=True
            )
            patch_vary_headers(response, ["Accept-Encoding"])
        return response

    return wrapper
