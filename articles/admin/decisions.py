"""Decisions, read-only: they are made by the editorial actions, never edited."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from ..models import Decision


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "article_link", "by", "source", "note"]
    list_filter = ["action", "source", "at", ("by", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["article", "by"]
    search_fields = ["note", "article__title", "article__path"]
    show_full_result_count = False
    date_hierarchy = "at"

    @admin.display(description="Item", ordering="article__title")
    def article_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:articles_article_change", args=[obj.article_id]), obj.article.display_title)
