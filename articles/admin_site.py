"""The admin site, whose index is the editors' desk."""
from django.contrib import admin


class NewsroomAdminSite(admin.AdminSite):
    site_header = "Newsroom desk"
    site_title = "Newsroom"
    index_title = "Editors' desk"
    index_template = "admin/newsroom_index.html"
    enable_nav_sidebar = False  # the queue needs the width

    def index(self, request, extra_context=None):
        from .desk_selectors import desk_summary

        context = dict(extra_context or {})
        if request.user.has_perm("articles.view_article"):
            context["desk"] = desk_summary()
        return super().index(request, extra_context=context)
