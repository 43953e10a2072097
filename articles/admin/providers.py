"""Providers: figures per provider, logo upload, merging."""

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import Avg, Count, Max, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from ..editorial.actions import MergeProvidersAction
from ..models import Article, Provider
from .filters import HasLogoFilter, MergedFilter
from .forms import ProviderAdminForm
from .html import logo_html
from .utils import count_of as _count


class ProviderChangeList(ChangeList):
    """Figures for the providers of the page only, in one query on the covering index
    (provider, published, quality, published_at): the list costs the same whatever the
    size of the article table."""

    def get_results(self, request):
        super().get_results(request)
        rows = self.result_list = list(self.result_list)
        stats = {
            row["provider_id"]: row for row in
            Article.objects.filter(provider_id__in=[p.pk for p in rows]).values("provider_id").annotate(
                n=Count("*"), public=Count("provider_id", filter=Q(published=True) | Q(published__isnull=True)),
                avg=Avg("quality"), latest=Max("published_at"),
            ).order_by("provider_id")
        }
        for provider in rows:
            row = stats.get(provider.pk, {})
            provider.n_items, provider.n_public = row.get("n", 0), row.get("public", 0)
            provider.mean_quality, provider.latest = row.get("avg"), row.get("latest")


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    class Media:
        css = {"all": ["articles/desk.css"]}

    form = ProviderAdminForm
    list_display = ["logo", "name", "domain", "item_count", "published_share", "avg_quality", "latest_item"]
    list_display_links = ["name", "domain"]
    list_filter = [HasLogoFilter, MergedFilter]
    search_fields = ["name", "domain", "aliases"]
    show_full_result_count = False
    actions = ["merge_providers"]
    readonly_fields = ["logo_preview", "file_path"]
    fieldsets = [
        (None, {"fields": ["name", "domain", "aliases", "file_path"]}),
        ("Logo", {"fields": ["logo_preview", "logo_upload"]}),
    ]

    def get_changelist(self, request, **kwargs):
        return ProviderChangeList

    @admin.display(description="")
    def logo(self, obj):
        return logo_html(obj.images, size=32)

    @admin.display(description="Logo renditions")
    def logo_preview(self, obj):
        if not obj or not obj.images:
            return "No logo yet."
        return format_html_join(" ", '<figure class="nr-rendition"><img src="{}" alt="" width="{}" height="{}"><figcaption>{} x {}</figcaption></figure>',
                                ((i.get("url"), i.get("width"), i.get("height"), i.get("width"), i.get("height"))
                                 for i in obj.images if isinstance(i, dict) and i.get("url")))

    @admin.display(description="File")
    def file_path(self, obj):
        return obj.path or "Created in Newsroom"

    @admin.display(description="Items")
    def item_count(self, obj):
        url = reverse("admin:articles_article_changelist") + f"?provider__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.n_items)

    @admin.display(description="Published")
    def published_share(self, obj):
        return f"{100 * obj.n_public / obj.n_items:.0f}%" if obj.n_items else "-"

    @admin.display(description="Avg quality")
    def avg_quality(self, obj):
        return f"{obj.mean_quality:.1f}" if obj.mean_quality is not None else "-"

    @admin.display(description="Latest item")
    def latest_item(self, obj):
        return obj.latest.strftime("%Y-%m-%d") if obj.latest else "-"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        image = getattr(form, "logo_image", None)
        if image is not None:
            from .logos import save_renditions

            obj.images = save_renditions(image, domain=obj.domain)
            obj.save(update_fields=["images", "modified_at"])

    @admin.action(permissions=["change", "delete"], description="Merge selected providers into one")
    def merge_providers(self, request, queryset):
        from django.template.response import TemplateResponse

        providers = list(queryset.order_by("name", "domain"))
        if len(providers) < 2:
            self.message_user(request, "Select at least two providers to merge.", messages.ERROR)
            return None
        if request.POST.get("confirm") == "yes":
            into = next((p for p in providers if str(p.pk) == request.POST.get("into")), None)
            if into is None:
                self.message_user(request, "Choose the provider to keep.", messages.ERROR)
            else:
                moved = MergeProvidersAction(into=into, merged=providers, user=request.user).execute()
                self.message_user(request, f"Merged {_count(len(providers) - 1, 'provider')} into {into.domain}; {_count(moved, 'item')} moved.", messages.SUCCESS)
                return None
        counts = dict(Article.objects.filter(provider__in=providers).order_by().values("provider").annotate(n=Count("id")).values_list("provider", "n"))
        return TemplateResponse(request, "admin/articles/provider/merge.html", {
            **self.admin_site.each_context(request), "title": "Merge providers", "opts": self.opts,
            "providers": [(p, counts.get(p.pk, 0)) for p in providers], "action": request.POST.get("action"),
            "selected": [p.pk for p in providers],
        })
