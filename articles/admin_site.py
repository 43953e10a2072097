"""The admin site, whose index is the editors' desk."""
import functools

from django.contrib import admin

from .output import strip_response


class NewsroomAdminSite(admin.AdminSite):
    site_header = "Newsroom desk"
    site_title = "Newsroom"
    index_title = "Editors' desk"
    index_template = "admin/newsroom_index.html"
    enable_nav_sidebar = False  # the queue needs the width

    def admin_view(self, view, cacheable=False):
        """Every desk page without control characters (stored, never shown: output.py);
        the forms keep the stored text when it comes back as shown (admin.KeepsStoredText)."""
        inner = super().admin_view(view, cacheable)

        @functools.wraps(inner)
        def wrapper(request, *args, **kwargs):
            return strip_response(inner(request, *args, **kwargs))

        return wrapper

    def index(self, request, extra_context=None):
        from .desk_selectors import desk_summary

        context = dict(extra_context or {})
        if request.user.has_perm("articles.view_article"):
            context["desk"] = desk_summary()
        return super().index(request, extra_context=context)
