"""The admin site, whose index is the editors' desk."""
import datetime
import functools

from django.contrib import admin
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import BadRequest
from django.http import HttpResponseRedirect
from django.template.response import SimpleTemplateResponse
from django.utils.dateparse import parse_datetime

from ..editorial.selectors import desk_summary
from ..output import strip_response


def odd_queries_answered(view):
    """Query strings no list can use get the admin's usual answers, not a 500.

    - A NUL character (``?action__exact=%00``, ``?q=%00``) is refused with a 400 before
      any query: PostgreSQL text cannot hold one, and no name or value has one.
    - A value the database or the calendar cannot take
      (``?published_at__gte=0001-01-01T00:00:00%2B01:00`` is in year 0 in UTC,
      ``?at__year=99999999999999``, ``?at__year=9999`` whose next year is 10000) gets the
      "?e=1" page, as any lookup the admin cannot use: Django gives that page for the
      values it checks, and these reach the calendar or the driver unchecked. Only while
      the list is built: an error in rendering it is still a 500.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            raise BadRequest("The query string holds a NUL character.")
        url_name = request.resolver_match.url_name if request.resolver_match else ""
        a_list = request.method in ("GET", "HEAD") and url_name.endswith("_changelist")
        try:
            if a_list and any(_offset_past_the_database(value) for _key, values in request.GET.lists() for value in values):
                raise ValueError("a UTC offset of 16 hours or more")
            return view(request, *args, **kwargs)
        except (OverflowError, ValueError):
            if not a_list:
                raise
            # What ModelAdmin.changelist_view does with IncorrectLookupParameters.
            if ERROR_FLAG in request.GET:
                return SimpleTemplateResponse("admin/invalid_setup.html", {"title": "Database error"})
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")

    return wrapper


# PostgreSQL refuses a timestamp whose UTC offset is 16 hours or more (a DataError,
# raised while the list is built, that also breaks the request's transaction); Python
# and Django's parser take offsets up to 24 hours. No real zone is that far from UTC.
MAX_DATABASE_OFFSET = datetime.timedelta(hours=16)


def _offset_past_the_database(value: str) -> bool:
    if len(value) < 16 or not value[:4].isdigit():  # (cheap: most values are no date-time)
        return False
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return False
    offset = parsed.utcoffset() if parsed is not None else None
    return offset is not None and abs(offset) >= MAX_DATABASE_OFFSET


class NewsroomAdminSite(admin.AdminSite):
    site_header = "Newsroom desk"
    site_title = "Newsroom"
    index_title = "Editors' desk"
    index_template = "admin/newsroom_index.html"
    enable_nav_sidebar = False  # the queue needs the width

    def admin_view(self, view, cacheable=False):
        """Every desk page without control characters (stored, never shown: output.py);
        the forms keep the stored text when it comes back as shown (admin.forms.KeepsStoredText);
        odd query strings get the admin's usual answers (odd_queries_answered)."""
        inner = super().admin_view(odd_queries_answered(view), cacheable)

        @functools.wraps(inner)
        def wrapper(request, *args, **kwargs):
            return strip_response(inner(request, *args, **kwargs))

        return wrapper

    def index(self, request, extra_context=None):
        context = dict(extra_context or {})
        if request.user.has_perm("articles.view_article"):
            context["desk"] = desk_summary()
        return super().index(request, extra_context=context)


@functools.cache
def desk_site() -> NewsroomAdminSite:
    """The desk's one site instance (``NewsroomAdminConfig.default_site``, which Django
    allows to be a callable returning a site).

    Cached because the admin can ask twice: the first ``admin.register`` of any app
    builds the default site, which imports this package, whose ModelAdmin modules
    register, asking for the default site again before the first request returned; a
    class would build two sites and the registrations on the first would be lost.
    """
    return NewsroomAdminSite()
