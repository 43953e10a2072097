"""Triage rules (applied to new imports by ``articles.editorial.triage``)."""

from django.contrib import admin

from ..models import TriageRule


@admin.register(TriageRule)
class TriageRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "enabled", "threshold", "scope", "created_by", "modified_at"]
    list_editable = ["enabled"]
    list_filter = ["enabled"]
    autocomplete_fields = ["topic", "provider"]
    fields = ["name", "enabled", "threshold", "collection", "topic", "provider"]
    list_select_related = ["topic", "provider", "created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
