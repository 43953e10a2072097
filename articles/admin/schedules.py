"""Scheduled publications: rescheduling and cancelling run the editorial actions."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from ..editorial.actions import QueueAction, SchedulePublishAction
from ..models import PUBLISH_PERMISSION, ScheduledPublication


@admin.register(ScheduledPublication)
class ScheduledPublicationAdmin(admin.ModelAdmin):
    list_display = ["publish_at", "article_link", "by", "note", "due"]
    list_select_related = ["article", "by"]
    actions = ["cancel_selected"]
    fields = ["article", "publish_at", "by", "note"]
    readonly_fields = ["article", "by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(PUBLISH_PERMISSION) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # cancelling goes through the action, which records the decision

    def has_publish_permission(self, request):
        return request.user.has_perm(PUBLISH_PERMISSION)

    @admin.display(description="Item")
    def article_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:articles_article_change", args=[obj.article_id]), obj.article.display_title)

    @admin.display(description="Due", boolean=True)
    def due(self, obj):
        return obj.publish_at <= timezone.now()

    @admin.action(permissions=["publish"], description="Cancel: back to the review queue")
    def cancel_selected(self, request, queryset):
        n = 0
        for schedule in queryset.select_related("article"):
            QueueAction(schedule.article, user=request.user, note="schedule cancelled").execute()
            n += 1
        self.message_user(request, f"Cancelled {n} scheduled publication{'s' if n != 1 else ''}.", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        SchedulePublishAction(obj.article, publish_at=obj.publish_at, user=request.user, note=obj.note).execute()
