"""Topics: the tree, keywords, hashtags, item counts."""

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from ..models import Topic
from .forms import KeepsStoredText


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["tree_name", "topic_id", "shortname", "item_count", "keyword_list", "hashtag_list"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    search_fields = ["name", "topic_id", "shortname", "keywords", "hashtags"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent__parent__parent"]
    fields = ["name", "topic_id", "shortname", "parent", "keywords", "hashtags", "services"]
    form = KeepsStoredText
    show_full_result_count = False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name == "articles_topic_changelist":
            qs = qs.annotate(n_items=Count("article_links"))
        return qs

    @admin.display(description="Topic (tree)", ordering="name")
    def tree_name(self, obj):
        names, node = [obj.name], obj
        for _depth in range(3):  # parent__parent__parent is selected with the row
            node = node.parent
            if node is None:
                break
            names.insert(0, node.name)
        return " › ".join(names)

    @admin.display(description="Items", ordering="n_items")
    def item_count(self, obj):
        url = reverse("admin:articles_article_changelist") + f"?topic={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.n_items)

    @admin.display(description="Keywords")
    def keyword_list(self, obj):
        return ", ".join(map(str, obj.keywords or []))[:120]

    @admin.display(description="Hashtags")
    def hashtag_list(self, obj):
        return " ".join(map(str, obj.hashtags or []))[:120]
