"""Scheduled publications: rescheduling and cancelling run the editorial actions."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil

from ..editorial.actions import QueueAction, SchedulePublishAction
from ..models import PUBLISH_PERMISSION, ScheduledPublication


@admin.register(ScheduledPublication)
class ScheduledPublicationAdmin(admin.ModelAdmin):
    list_display = ["publish_at", "when", "article_link", "by", "note"]
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

    @admin.display(description="When", ordering="publish_at")
    def when(self, obj):
        """Overdue items stand out, in words (not a red ✗, which reads as an error of the
        item): their time has passed and ``publish_scheduled`` has not published them."""
        now = timezone.now()
        if obj.publish_at <= now:
            return format_html('<span class="nr-badge nr-overdue">Overdue</span> due {} ago: '
                               '<code>publish_scheduled</code> has not run since', timesince(obj.publish_at, now))
        return format_html("in {}", timeuntil(obj.publish_at, now))

    @admin.action(permissions=["publish"], description="Cancel: back to the review queue")
    def cancel_selected(self, request, queryset):
        n = 0
        for schedule in queryset.select_related("article"):
            QueueAction(schedule.article, user=request.user, note="schedule cancelled").execute()
            n += 1
        self.message_user(request, f"Cancelled {n} scheduled publication{'s' if n != 1 else ''}.", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        SchedulePublishAction(obj.article, publish_at=obj.publish_at, user=request.user, note=obj.note).execute()
