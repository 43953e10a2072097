"""The item page's inlines: topics, images, related stories (each in order)."""

from django.contrib import admin
from django.utils.html import format_html

from ..models import ArticleImage, ArticleTopic, RelatedStory
from ..output import display_url
from .forms import KeepsStoredText, RelatedStoryForm


class ArticleTopicInline(admin.TabularInline):
    model = ArticleTopic
    form = KeepsStoredText
    fields = ["position", "topic", "label"]
    autocomplete_fields = ["topic"]
    extra = 0
    verbose_name = "topic"
    verbose_name_plural = "Topics (in order)"


class ArticleImageInline(admin.TabularInline):
    model = ArticleImage
    form = KeepsStoredText
    fields = ["position", "thumbnail", "url", "width", "height", "title", "is_cached"]
    readonly_fields = ["thumbnail"]
    extra = 0
    verbose_name_plural = "Images (in order)"

    @admin.display(description="Preview")
    def thumbnail(self, obj):
        if not obj or not obj.url:
            return ""
        size = f"{obj.width} x {obj.height}" if obj.width and obj.height else "size not recorded"
        url = display_url(obj.url)
        if not url:
            return size
        return format_html('<img src="{}" alt="" loading="lazy" class="nr-thumbnail"><br><small>{}</small>', url, size)


class RelatedStoryInline(admin.TabularInline):
    model = RelatedStory
    form = RelatedStoryForm
    fk_name = "article"
    autocomplete_fields = ["target"]
    extra = 0
    verbose_name_plural = "Related stories (in order; link a stored item through its search box)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("target")
