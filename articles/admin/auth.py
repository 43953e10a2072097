"""Login throttling (django-axes): where a login comes from, and what a locked-out
user sees."""
from __future__ import annotations

import ipaddress

from django.conf import settings
from django.shortcuts import render


def client_ip(request) -> str | None:
    """The address a request comes from, as django-axes counts failed logins by it.

    ``REMOTE_ADDR``, unless ``NEWSROOM["TRUSTED_PROXIES"]`` is N > 0: then the N-th entry
    of ``X-Forwarded-For`` from the right, the address the outermost of our proxies saw.
    Entries to its left were sent by the client and are never believed (anyone can send
    the header); a header that is missing, too short or not an address falls back to
    ``REMOTE_ADDR``, which throttles more, never less.
    """
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.NEWSROOM.get("TRUSTED_PROXIES", 0)
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote


def lockout_response(request, original_response=None, credentials=None):
    """The desk's login page, saying why the login was refused and for how long (429,
    with Retry-After)."""
    from django.contrib import admin

    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": seconds // 60,
    }
    response = render(request, "admin/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
