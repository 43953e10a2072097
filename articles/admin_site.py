"""The admin site, whose index is the editors' desk."""
import functools

from django.contrib import admin
from django.contrib.admin.views.main import ERROR_FLAG
from django.http import HttpResponseRedirect
from django.template.response import SimpleTemplateResponse


def lookups_in_range(view):
    """A list whose query string holds a value the database or the calendar cannot take
    (``?published_at__gte=0001-01-01T00:00:00%2B01:00`` is in year 0 in UTC,
    ``?at__year=99999999999999``) is answered as the admin answers any lookup it cannot
    use, with its "?e=1" page, not a 500: Django turns such values into that page only
    where they raise ValueError, and these raise OverflowError."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except OverflowError:
            url_name = request.resolver_match.url_name if request.resolver_match else ""
            if request.method not in ("GET", "HEAD") or not url_name.endswith("_changelist"):
                raise
            # What ModelAdmin.changelist_view does with IncorrectLookupParameters.
            if ERROR_FLAG in request.GET:
                return SimpleTemplateResponse("admin/invalid_setup.html", {"title": "Database error"})
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")

    return wrapper


class NewsroomAdminSite(admin.AdminSite):
    site_header = "Newsroom desk"
    site_title = "Newsroom"
    index_title = "Editors' desk"
    index_template = "admin/newsroom_index.html"
    enable_nav_sidebar = False  # the queue needs the width

    def admin_view(self, view, cacheable=False):
        return super().admin_view(lookups_in_range(view), cacheable)

    def index(self, request, extra_context=None):
        from .desk_selectors import desk_summary

        context = dict(extra_context or {})
        if request.user.has_perm("articles.view_article"):
            context["desk"] = desk_summary()
        return super().index(request, extra_context=context)
