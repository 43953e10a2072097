from django.conf import settings


def site(request):
    """What every public page shows of the site itself."""
    return {"site_title": settings.NEWSROOM.get("SITE_TITLE", "Newsroom")}
