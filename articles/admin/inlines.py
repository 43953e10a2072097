"""The item page's inlines: topics, images, related stories (each in order)."""

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html

from ..models import ArticleImage, ArticleTopic, RelatedStory
from ..output import display_url
from .forms import KeepsStoredText, RelatedStoryForm, label_controls


class LabelledCells(BaseInlineFormSet):
    """Each cell of a row named for assistive technology ("URL, image 2"): a tabular
    inline's column headings are not labels."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        row = f"{self.model._meta.verbose_name} {index + 1}" if index is not None else f"new {self.model._meta.verbose_name}"
        label_controls(form, where=row, every=True)


class ArticleTopicInline(admin.TabularInline):
    model = ArticleTopic
    form = KeepsStoredText
    formset = LabelledCells
    fields = ["position", "topic", "label"]
    autocomplete_fields = ["topic"]
    extra = 0
    verbose_name = "topic"
    verbose_name_plural = "Topics (in order)"


class ArticleImageInline(admin.TabularInline):
    model = ArticleImage
    form = KeepsStoredText
    formset = LabelledCells
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
    formset = LabelledCells
    fk_name = "article"
    autocomplete_fields = ["target"]
    extra = 0
    verbose_name_plural = "Related stories (in order; link a stored item through its search box)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("target")
