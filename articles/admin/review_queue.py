"""The review queue: the items awaiting a decision, best first (``ReviewItem``)."""

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html

from ..models import ReviewItem
from .articles import ArticleAdmin
from .filters import (
    CollectionFilter, DecidedByFilter, HeatFilter, ProviderFilter, QualityFilter, QueueStatusFilter, TopicFilter,
    TypeFilter,
)
from .html import logo_html


@admin.register(ReviewItem)
class ReviewItemAdmin(ArticleAdmin):
    """The review queue: what awaits a decision, best first."""

    list_display = ["logo", "queue_title", "topic_list", "quality", "heat", "age", "collection", "decide"]
    list_filter = [QueueStatusFilter, CollectionFilter, TypeFilter, TopicFilter, ProviderFilter, QualityFilter, HeatFilter,
                   "published_at", "decided_at", DecidedByFilter]
    ordering = [F("quality").desc(nulls_last=True), F("heat").desc(nulls_last=True),
                F("published_at").desc(nulls_last=True), "-id"]
    sortable_by = ["queue_title", "quality", "heat", "age"]
    list_per_page = 50

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.view_article") or request.user.has_perm("articles.change_article")

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("articles.change_article")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def get_list_display(self, request):
        fields = list(self.list_display)
        if not self.has_publish_permission(request):
            fields.remove("decide")
        return fields

    @admin.display(description="Title", ordering="title")
    def queue_title(self, obj):
        url = reverse("admin:articles_reviewitem_change", args=[quote(obj.pk)])
        provider = (obj.provider.name or obj.provider.domain) if obj.provider_id else (obj.provider_name or "")
        return format_html('<a href="{}"><strong>{}</strong></a><br><small class="nr-path">{} · {}</small>', url,
                           obj.display_title, provider, obj.type or obj.collection)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {"title": "Review the item", **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context=extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "Review queue", "subtitle": None, **(extra_context or {})}
        if not self.has_publish_permission(request):
            # Where Publish and Reject would be, say why they are not.
            extra_context.setdefault("nr_explain", "Editors publish or reject these items. Your account can open an "
                                     "item to edit it, and add new ones: they wait here for an editor's decision.")
        return super().changelist_view(request, extra_context=extra_context)

    @admin.display(description="")
    def logo(self, obj):
        if obj.provider_id:
            return logo_html(obj.provider.images, obj.provider_images, size=40)
        return logo_html(obj.provider_images, size=40)

    @admin.display(description="Decide")
    def decide(self, obj):
        url = reverse("admin:articles_reviewitem_decide", args=[quote(obj.pk)])
        return format_html(
            '<div class="nr-decide"><input type="text" name="note-{pk}" placeholder="note" size="12" aria-label="Note for {title}">'
            '<button type="submit" class="button nr-publish" formaction="{url}" name="decision" value="publish">Publish</button> '
            '<button type="submit" class="button nr-reject" formaction="{url}" name="decision" value="reject">Reject</button></div>',
            pk=obj.pk, url=url, title=obj.display_title,
        )
