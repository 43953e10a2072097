from django.conf import settings

from . import selectors


def site(request):
    """What every public page shows of the site itself. ``has_events`` is called only
    by a page that shows the navigation (one index probe)."""
    return {"site_title": settings.NEWSROOM.get("SITE_TITLE", "Newsroom"), "has_events": selectors.has_events}
