"""Test-only URLs: the site, plus a page carrying HTML that escaped sanitizing.

``/payload/`` renders the public layout with ``PAYLOAD`` marked safe, as a sanitizer bug
would put it on an item's page; ``/payload/no-csp/`` is the same page without the
Content-Security-Policy, to show that the payload does run when nothing stops it.
"""
from csp.decorators import csp_exempt
from django.http import HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.clickjacking import xframe_options_exempt

from newsroom.urls import urlpatterns as site

# Each part records that it ran in window.__pwned; none needs the network.
PAYLOAD = """
<script>(window.__pwned = window.__pwned || []).push("inline script");</script>
<img id="payload-img" src="/no-such-image.png" onerror="(window.__pwned = window.__pwned || []).push('event handler')">
<a id="payload-link" href="javascript:(window.__pwned = window.__pwned || []).push('javascript: URL')">Read more</a>
<style>#main h1.payload { color: rgb(255, 0, 0); }</style>
<h1 class="payload">Injected</h1>
<iframe id="payload-frame" src="/framed/"></iframe>
"""

PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}{{ payload|safe }}{% endblock %}'
)


def payload(request):
    return HttpResponse(PAGE.render({"payload": PAYLOAD}, request))


@csp_exempt()
@xframe_options_exempt
def framed(request):
    """A page that allows framing: only the policy's frame-src can stop it loading."""
    return HttpResponse("<!doctype html><title>framed</title><p id=framed>framed page</p>")


urlpatterns = [
    path("payload/", payload),
    path("payload/no-csp/", csp_exempt()(payload)),
    path("framed/", framed),
] + site
