"""The editors' desk: the Django admin, extended through its hooks.

Every write goes through ``articles.services``; every write path checks permissions
(``has_*_permission`` hooks, ``@admin.action(permissions=...)``, and the services'
own ``check()``).
"""
import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Avg, Count, Exists, F, Max, OuterRef, Prefetch, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import timesince
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from . import services
from .admin_views import ImportExportViews
from .output import display_url, json_value, printable
from .models import (
    Article, ArticleChange, ArticleImage, ArticleTopic, Decision, Provider, RelatedStory, ReviewItem,
    ScheduledPublication, Topic, TriageRule,
)
from .templatetags.public import sanitize_body

PUBLISH_PERM = "articles.publish_article"
MAX_ID = 2**63 - 1  # BigAutoField's largest key


def as_id(value) -> int | None:
    """A primary key from a query or form value: ASCII digits within the column's range,
    else None (``"²".isdigit()`` is true and ``int()`` refuses it; a 30-digit number
    overflows the database driver)."""
    value = str(value or "")
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def public_url(obj):
    """The public page of an object, when the public site has one."""
    try:
        return obj.get_absolute_url()
    except (NoReverseMatch, AttributeError):
        return None


def logo_html(*image_lists, size=32):
    """The first logo rendition among ``images`` lists as an <img>, or ''.

    Absolute URLs first: a site-relative one (``/assets/...``) only shows where the
    public site serves it.
    """
    candidates = [display_url(i.get("url")) for images in image_lists for i in (images or ()) if isinstance(i, dict)]
    absolute = [u for u in candidates if u.startswith(("http://", "https://"))]
    relative = [u for u in candidates if u.startswith("/") and not u.startswith("//")]
    for url in absolute + relative:
        return format_html('<img src="{}" width="{}" height="{}" alt="" loading="lazy" class="nr-logo">', url, size, size)
    return ""


class CheapPaginator(Paginator):
    """Counts at most ``limit + 1`` rows: a large table's page never waits for COUNT(*)."""

    limit = 10000

    @cached_property
    def count(self):
        qs = self.object_list
        if hasattr(qs, "query"):
            counted = qs.order_by()[: self.limit + 1].count()
            return counted
        return len(qs)


class LookaheadPaginator(Paginator):
    """Autocomplete pages: one query fetches the page and one row more, so it knows whether
    there is a next page without counting every match."""

    _count = None

    @property
    def count(self):
        return self._count if self._count is not None else self.per_page

    def page(self, number):
        try:
            number = max(1, int(number))
        except (TypeError, ValueError):
            number = 1
        start = (number - 1) * self.per_page
        rows = list(self.object_list[start:start + self.per_page + 1])
        self._count = start + len(rows)
        return self._get_page(rows[: self.per_page], number, self)

    def get_page(self, number):
        return self.page(number)


LIST_DEFERRED = ("body", "source_text", "extra", "secured", "featured_content", "provider_extra", "provider_authors",
                 "source_sha", "source_digest")


def search_items(queryset, search_term):
    """Every word must match the title, the excerpt or the provider (name or domain), or,
    for words that look like URLs or domains, the URLs and the path.

    Providers matching a word are looked up first (a small table), so the item query
    ORs indexed conditions only (trigram indexes on PostgreSQL) instead of joining.
    """
    from django.utils.text import smart_split, unescape_string_literal

    for bit in list(smart_split(search_term))[:10]:
        if bit.startswith(('"', "'")) and bit[0] == bit[-1] and len(bit) > 1:
            bit = unescape_string_literal(bit)
        if not bit:
            continue
        providers = list(Provider.objects.filter(Q(name__icontains=bit) | Q(domain__icontains=bit)).values_list("pk", flat=True)[:500])
        q = Q(title__icontains=bit) | Q(excerpt__icontains=bit) | Q(provider_name__icontains=bit)
        if providers:
            q |= Q(provider_id__in=providers)
        if "." in bit or "/" in bit:
            q |= Q(web_url__icontains=bit) | Q(original_url__icontains=bit) | Q(path__icontains=bit)
        queryset = queryset.filter(q)
    return queryset


def is_autocomplete(request):
    return bool(request.resolver_match) and request.resolver_match.url_name == "autocomplete"


def is_list_view(request):
    return bool(request.resolver_match) and (request.resolver_match.url_name or "").endswith("_changelist")


# --------------------------------------------------------------------------------------
# List filters
# --------------------------------------------------------------------------------------
class BandFilter(admin.SimpleListFilter):
    field = ""
    bands = ()

    def lookups(self, request, model_admin):
        return [(key, label) for key, label, _lo, _hi in self.bands] + [("none", "No score")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(**{f"{self.field}__isnull": True})
        for key, _label, low, high in self.bands:
            if value == key:
                q = Q()
                if low is not None:
                    q &= Q(**{f"{self.field}__gte": low})
                if high is not None:
                    q &= Q(**{f"{self.field}__lt": high})
                return queryset.filter(q)
        return queryset


class QualityFilter(BandFilter):
    title = "quality"
    parameter_name = "quality_band"
    field = "quality"
    bands = (("100+", "100 and more", 100, None), ("70-99", "70 to 99", 70, 100),
             ("40-69", "40 to 69", 40, 70), ("0-39", "below 40", None, 40))


class HeatFilter(BandFilter):
    title = "heat"
    parameter_name = "heat_band"
    field = "heat"
    bands = (("100+", "100 and more", 100, None), ("20-99", "20 to 99", 20, 100),
             ("1-19", "1 to 19", 1, 20), ("0", "0 or unknown", None, 1))


def distinct_values(field: str) -> list[str]:
    """The distinct non-null values of an indexed column, read by skipping through its
    index (a recursive CTE: one index probe per value, not a scan of the table)."""
    from django.db import connections, router

    connection = connections[router.db_for_read(Article)]
    qn = connection.ops.quote_name
    table, column = qn(Article._meta.db_table), qn(Article._meta.get_field(field).column)
    sql = (
        f"WITH RECURSIVE v(x) AS (SELECT MIN({column}) FROM {table} "
        f"UNION ALL SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > v.x) FROM v WHERE v.x IS NOT NULL) "
        f"SELECT x FROM v WHERE x IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


class CollectionFilter(admin.SimpleListFilter):
    title = "collection"
    parameter_name = "collection"

    def lookups(self, request, model_admin):
        return [(v, v or "(none)") for v in distinct_values("collection")]

    def queryset(self, request, queryset):
        if self.value() is not None:
            return queryset.filter(collection=self.value())
        return queryset


class TypeFilter(admin.SimpleListFilter):
    title = "type"
    parameter_name = "type"

    def lookups(self, request, model_admin):
        return [(v, v) for v in distinct_values("type")]

    def queryset(self, request, queryset):
        if self.value() is not None:
            return queryset.filter(type=self.value())
        return queryset


class TopicFilter(admin.SimpleListFilter):
    """A topic and everything below it in the tree."""

    title = "topic"
    parameter_name = "topic"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in Topic.objects.order_by("name").values_list("pk", "name")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        pk = as_id(self.value())
        topic = Topic.objects.filter(pk=pk).first() if pk else None
        if topic is None:
            return queryset.none()
        links = ArticleTopic.objects.filter(article=OuterRef("pk"), topic_id__in=topic.descendant_ids())
        return queryset.filter(Exists(links))


class ProviderFilter(admin.SimpleListFilter):
    """Providers by name (only the two columns the list shows are read)."""

    title = "provider"
    parameter_name = "provider__id__exact"

    def lookups(self, request, model_admin):
        return [(str(pk), name or domain) for pk, name, domain in
                Provider.objects.order_by("name", "domain").values_list("pk", "name", "domain")]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        pk = as_id(value)
        return queryset.filter(provider_id=pk) if pk else queryset.none()


class DecidedFilter(admin.SimpleListFilter):
    title = "decision"
    parameter_name = "decided"

    def lookups(self, request, model_admin):
        return [
            ("no", "Awaiting a decision"), ("published", "Published"), ("rejected", "Rejected or unpublished"),
            ("scheduled", "Scheduled"), ("yes", "Decided (any)"), ("never", "Public, never decided"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "no":
            return queryset.filter(published=False, decided_at__isnull=True)
        if value == "yes":
            return queryset.filter(decided_at__isnull=False)
        if value == "published":
            return queryset.filter(published=True)
        if value == "rejected":
            return queryset.filter(published=False, decided_at__isnull=False, schedule__isnull=True)
        if value == "scheduled":
            return queryset.filter(schedule__isnull=False)
        if value == "never":
            return queryset.filter(published__isnull=True)
        return queryset


class QueueStatusFilter(DecidedFilter):
    """The queue shows items awaiting a decision unless asked otherwise."""

    def lookups(self, request, model_admin):
        return [("all", "All items")] + [row for row in super().lookups(request, model_admin) if row[0] != "no"]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset.filter(published=False, decided_at__isnull=True)
        if self.value() == "all":
            return queryset
        return super().queryset(request, queryset)

    def choices(self, changelist):
        yield {"selected": self.value() is None, "query_string": changelist.get_query_string(remove=[self.parameter_name]),
               "display": "Awaiting a decision"}
        for lookup, title in self.lookup_choices:
            yield {"selected": self.value() == str(lookup),
                   "query_string": changelist.get_query_string({self.parameter_name: lookup}), "display": title}


class DecidedByFilter(admin.SimpleListFilter):
    title = "decided by"
    parameter_name = "decided_by"

    def lookups(self, request, model_admin):
        from django.contrib.auth import get_user_model

        users = get_user_model().objects.filter(decisions__isnull=False).distinct().order_by("username")
        return [("rule", "A triage rule or schedule")] + [(str(u.pk), u.get_username()) for u in users]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "rule":
            return queryset.filter(decided_at__isnull=False, decided_by__isnull=True)
        if value is None:
            return queryset
        pk = as_id(value)
        return queryset.filter(decided_by_id=pk) if pk else queryset.none()


# --------------------------------------------------------------------------------------
# Forms
# --------------------------------------------------------------------------------------
class DeskActionForm(ActionForm):
    """The action bar: a note, a topic and a time for the actions that need them."""

    note = forms.CharField(required=False, label="Note", widget=forms.TextInput(attrs={"size": 24, "placeholder": "optional note"}))
    topic = forms.ModelChoiceField(queryset=Topic.objects.only("id", "name").order_by("name"), required=False, label="Topic")
    publish_at = forms.DateTimeField(
        required=False, label="Publish at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )


def _as_shown(text: str) -> str:
    """Text as a form sends it back: shown without control characters (output.py), line
    ends made CRLF by the browser, surrounding whitespace stripped by Django."""
    return printable(text).replace("\r\n", "\n").replace("\r", "\n").strip()


class KeepsStoredText(forms.ModelForm):
    """A field sent back as it was shown keeps the value stored, exactly: an editor saving
    an item does not rewrite what they did not touch (control characters, line ends,
    surrounding whitespace, the microseconds of a date, a key the file does not have)."""

    def _sent_as_shown(self, name) -> bool:
        if not self.is_bound or self.instance.pk is None or name not in self.fields or name not in self.initial:
            return False
        stored = self.initial.get(name)
        if isinstance(stored, str) or stored is None:
            sent = self.fields[name].widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            if stored is None:  # no value (no key in the file) is shown as an empty field
                return sent in ("", None)
            return isinstance(sent, str) and _as_shown(sent) == _as_shown(stored)
        if isinstance(stored, datetime.datetime) and hasattr(self, "cleaned_data"):
            value = self.cleaned_data.get(name)
            return isinstance(value, datetime.datetime) and value == stored.replace(microsecond=0)
        return False

    def clean(self):
        cleaned = super().clean()
        for name in list(cleaned):
            if cleaned[name] != self.initial.get(name) and self._sent_as_shown(name):
                cleaned[name] = self.initial[name]
        return cleaned

    @cached_property
    def changed_data(self):
        return [name for name in super().changed_data if not self._sent_as_shown(name)]


class ArticleAdminForm(KeepsStoredText):
    """The item form. ``version`` (the modification time the editor saw) refuses the save
    of a stale form, with what changed since, instead of overwriting it silently."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = "__all__"
        widgets = {
            "title": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "excerpt": forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField"}),
            "body": forms.Textarea(attrs={"rows": 8, "class": "vLargeTextField"}),
            "featured_content": forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
            "category": forms.TextInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.modified_at:
            self.fields["version"].initial = self.instance.modified_at.isoformat()
        if "path" in self.fields:
            self.fields["path"].required = False
            self.fields["path"].help_text = "Leave empty to get _news/YYYY-MM-DD-<slug>.md (or the collection's folder)."
        if "collection" in self.fields and not self.instance.pk:
            self.fields["collection"].initial = "news"

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        try:
            seen = parse_datetime(self.data.get(self.add_prefix("version")) or "")
        except ValueError:  # well formed, yet no date ("2024-13-01T00:00:00"): as missing
            seen = None
        if seen is None:
            raise ValidationError("This form is missing its version: reload the page and edit again.")
        current = (
            Article.objects.select_for_update().filter(pk=self.instance.pk)
            .values_list("modified_at", flat=True).first()
        )
        if current is not None and current != seen:
            raise ValidationError(stale_message(self.instance, seen, current))
        return cleaned


def stale_message(article, seen, current):
    entries = list(ArticleChange.objects.filter(article_id=article.pk, at__gt=seen).select_related("by").order_by("at", "pk"))
    lines = []
    for entry in entries:
        who = entry.by.get_username() if entry.by else entry.get_source_display().lower()
        diff = "; ".join(f"{name}: {short(old)} -> {short(new)}" for name, (old, new) in entry.changes.items())
        lines.append(format_html("<li>{} at {}: {}</li>", who, timezone.localtime(entry.at).strftime("%H:%M:%S"), diff or entry.summary))
    return format_html(
        "Someone else saved this item at {} after you opened it, so your changes were not saved (nothing was "
        "overwritten).{} Reload the page to edit the current version.",
        timezone.localtime(current).strftime("%Y-%m-%d %H:%M:%S"),
        format_html("<ul>{}</ul>", mark_safe("".join(lines))) if lines else "",
    )


def short(value, limit=80):
    text = "(empty)" if value in (None, "", [], {}) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class EditorArticleForm(ArticleAdminForm):
    """Editors also decide from the item page."""

    decision = forms.ChoiceField(
        required=False, label="Decision",
        choices=[("", "No change"), ("publish", "Publish"), ("reject", "Reject"), ("unpublish", "Unpublish"),
                 ("schedule", "Publish at a set time"), ("queue", "Back to the review queue")],
    )
    decision_note = forms.CharField(required=False, label="Note", widget=forms.TextInput(attrs={"size": 60}))
    publish_at = forms.SplitDateTimeField(required=False, label="Publish at", widget=AdminSplitDateTime)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "schedule":
            when = cleaned.get("publish_at")
            if when is None:
                self.add_error("publish_at", "Give the time to publish at.")
            elif when <= timezone.now():
                self.add_error("publish_at", "The time must be in the future.")
        return cleaned


class RelatedStoryForm(KeepsStoredText):
    link_back = forms.BooleanField(required=False, label="Link back",
                                   help_text="Also add this item to the linked item's related stories.")

    class Meta:
        model = RelatedStory
        fields = ["position", "target", "title", "web_url", "provider_name", "provider_domain", "published_at", "quality"]
        widgets = {"title": forms.TextInput(attrs={"size": 40}), "web_url": forms.TextInput(attrs={"size": 40}),
                   "position": forms.NumberInput(attrs={"class": "nr-position"})}


# --------------------------------------------------------------------------------------
# Inlines
# --------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------
# Items
# --------------------------------------------------------------------------------------
@admin.register(Article)
class ArticleAdmin(ImportExportViews, admin.ModelAdmin):
    class Media:
        css = {"all": ["articles/desk.css"]}

    list_display = ["title_link", "collection", "type", "quality", "heat", "status", "provider_logo", "published_at"]
    list_display_links = None
    list_filter = [DecidedFilter, CollectionFilter, TypeFilter, TopicFilter, ProviderFilter, QualityFilter, HeatFilter,
                   "published_at", "decided_at", DecidedByFilter]
    search_fields = ["title", "excerpt", "web_url", "original_url", "provider__name", "provider__domain", "path"]
    list_select_related = ["provider", "decided_by", "schedule"]
    list_per_page = 50
    show_full_result_count = False
    paginator = CheapPaginator
    date_hierarchy = None
    form = ArticleAdminForm
    action_form = DeskActionForm
    actions = ["publish_selected", "reject_selected", "unpublish_selected", "schedule_selected", "add_topic",
               "export_selected"]
    change_list_template = "admin/articles/desk_change_list.html"
    autocomplete_fields = ["provider"]
    inlines = [ArticleTopicInline, ArticleImageInline, RelatedStoryInline]
    object_history_template = "admin/articles/desk_object_history.html"
    readonly_fields = ["status", "links", "body_preview", "provider_logo", "provider_data", "extra_keys",
                       "secured_value", "suggestions", "imported"]
    search_help_text = "Title, excerpt, URL, path or provider."

    # ---- permissions ----
    def has_publish_permission(self, request, obj=None):
        return request.user.has_perm(PUBLISH_PERM)

    # ---- lists ----
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_list_view(request):
            # A list never shows the file text, the body or the other keys: leave them in
            # the database.
            qs = qs.defer(*LIST_DEFERRED).prefetch_related(
                Prefetch("topic_links", queryset=ArticleTopic.objects.select_related("topic").only(
                    "id", "article_id", "topic_id", "position", "label", "topic__id", "topic__name").order_by("position"))
            )
        return qs

    def get_search_results(self, request, queryset, search_term):
        if is_autocomplete(request):
            # Linking a related story: match titles (and an exact URL), newest first,
            # stopping at the first page of matches.
            queryset = queryset.defer(*LIST_DEFERRED)
            term = search_term.strip()
            if not term:
                return queryset, False
            if term.startswith(("http://", "https://")):
                return queryset.filter(Q(web_url=term) | Q(original_url=term)), False
            q = Q()
            for word in term.split()[:5]:
                q &= Q(title__icontains=word)
            # Newest rows first by primary key: a sequential scan that stops at the page.
            return queryset.filter(q).order_by("-pk"), False
        return search_items(queryset, search_term), False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if is_autocomplete(request):
            return LookaheadPaginator(queryset, per_page, orphans, allow_empty_first_page)
        return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)

    @admin.display(description="Title", ordering="title")
    def title_link(self, obj):
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[quote(obj.pk)])
        return format_html('<a href="{}"><strong>{}</strong></a><br><small class="nr-path">{}</small>', url, obj.display_title, obj.path)

    @admin.display(description="Status")
    def status(self, obj):
        if obj is None or obj.pk is None:
            return "New (awaiting review once saved)"
        schedule = getattr(obj, "schedule", None) if hasattr(obj, "schedule") else None
        if schedule is not None:
            return format_html('<span class="nr-badge nr-scheduled">Scheduled {}</span>',
                               timezone.localtime(schedule.publish_at).strftime("%Y-%m-%d %H:%M"))
        if obj.published is None:
            return format_html('<span class="nr-badge nr-public">{}</span>', "Public (never decided)")
        if obj.published:
            label = "Published"
        elif obj.decided_at is None:
            label = "Awaiting review"
        else:
            label = "Not published"
        who = ""
        if obj.decided_at:
            who = f" by {obj.decided_by.get_username() if obj.decided_by else 'rule'}, {timesince(obj.decided_at)} ago"
        css = {"Published": "nr-public", "Awaiting review": "nr-awaiting"}.get(label, "nr-rejected")
        return format_html('<span class="nr-badge {}">{}</span><small>{}</small>', css, label, who)

    @admin.display(description="Provider", ordering="provider__name")
    def provider_logo(self, obj):
        if obj.provider_id is None:
            return obj.provider_name or ""
        provider = obj.provider
        return format_html("{} {}", logo_html(provider.images, obj.provider_images, size=24), provider.name or provider.domain)

    @admin.display(description="Topics")
    def topic_list(self, obj):
        return ", ".join(str(link) for link in obj.topic_links.all())

    @admin.display(description="Age", ordering="published_at")
    def age(self, obj):
        return timesince(obj.published_at) if obj.published_at else "undated"

    # ---- the item page ----
    def get_form(self, request, obj=None, change=False, **kwargs):
        if self.has_publish_permission(request):
            kwargs["form"] = EditorArticleForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        content = ["title", "name", "excerpt", "body", "featured_content", "category", "type", "collection"]
        if obj is not None:
            content.insert(4, "body_preview")
        decision = ["status"]
        if self.has_publish_permission(request):
            decision += ["decision", "decision_note", "publish_at"]
        source = ["path", "links", "original_url", "web_url", "amp_web_url", "cdn_amp_web_url", "published_at",
                  "source_updated_at"]
        if obj is not None:
            source.append("imported")
        fieldsets = [
            ("Decision", {"fields": decision + ["version"]}),
            ("Content", {"fields": content}),
            ("Source and URLs", {"fields": source}),
            ("Scores", {"fields": ["quality", "heat"]}),
            ("Provider", {"fields": ["provider", "provider_name", "provider_logo", "provider_data"]}),
        ]
        is_event = obj is not None and (obj.collection == "events" or obj.starts_at or obj.ends_at)
        fieldsets.insert(3, ("Event", {"fields": ["starts_at", "ends_at"], "classes": [] if is_event else ["collapse"],
                                       "description": "When the event takes place (startDateTime, endDateTime)."}))
        if obj is not None:
            fieldsets.append(("Suggested related stories", {"fields": ["suggestions"],
                              "description": "Items close in time sharing a topic or title words. One click links them."}))
            fieldsets.append(("Other keys of the file (read-only)", {"fields": ["extra_keys", "secured_value"],
                              "classes": ["collapse"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None:
            fields.append("path")
        return fields

    @admin.display(description="Links")
    def links(self, obj):
        parts = []
        url = public_url(obj) if obj.pk else None
        if url:
            note = "" if obj.is_published else " (readers get a 404 until it is published)"
            parts.append(format_html('<a href="{}" target="_blank" rel="noopener">Public page</a>{}', url, note))
        for label, value in (("Where readers go (webUrl)", obj.web_url), ("Original", obj.original_url)):
            url = display_url(value)
            if url.startswith(("http://", "https://")):
                parts.append(format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', url, label))
        return mark_safe(" · ".join(parts)) if parts else "-"

    @admin.display(description="Body as readers see it (sanitized)")
    def body_preview(self, obj):
        if not obj.body.strip():
            return "(empty)"
        return format_html('<div class="nr-body-preview">{}</div>', sanitize_body(obj.body))

    @admin.display(description="From the file")
    def provider_data(self, obj):
        rows = []
        if obj.provider_images:
            rows.append(format_html("Logo renditions: {}", ", ".join(
                f"{i.get('width')}x{i.get('height')}" for i in obj.provider_images if isinstance(i, dict))))
        if obj.provider_authors:
            rows.append(format_html("Authors: {}", ", ".join(
                str(a.get("name")) for a in obj.provider_authors if isinstance(a, dict))))
        if obj.provider_extra:
            rows.append(format_html("Other keys: {}", ", ".join(obj.provider_extra)))
        return format_html_join(mark_safe("<br>"), "{}", ((r,) for r in rows)) if rows else "-"

    @admin.display(description="Other keys")
    def extra_keys(self, obj):
        import json

        if not obj.extra:
            return "(none)"
        # As the API shows them: dates as ISO 8601, keys as text, NaN as null.
        return format_html("<pre class='nr-extra'>{}</pre>", json.dumps(json_value(obj.extra), indent=2, ensure_ascii=False))

    @admin.display(description="secured (kept exactly, never editable)")
    def secured_value(self, obj):
        if not obj.secured:
            return "(none)"
        return format_html("<code class='nr-secured'>{}</code><br><small>{} characters</small>", obj.secured, len(obj.secured))

    @admin.display(description="Last import")
    def imported(self, obj):
        if not obj.imported_at:
            return "Created in Newsroom"
        return timezone.localtime(obj.imported_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description="Suggestions")
    def suggestions(self, obj):
        if obj.pk is None:
            return ""
        found = services.related_suggestions(article=obj)
        if not found:
            return "No likely related items (none close in time shares a topic or title words)."
        url = reverse("admin:articles_article_link", args=[quote(obj.pk)])
        rows = format_html_join(
            "", '<li><button type="submit" class="button nr-link" formaction="{}" name="target" value="{}">Link</button> '
                '<a href="{}">{}</a> <small>{} · {}</small></li>',
            ((url, c.pk, reverse("admin:articles_article_change", args=[c.pk]), c.display_title,
              c.provider.name if c.provider_id else (c.provider_name or ""),
              c.published_at.strftime("%Y-%m-%d") if c.published_at else "") for c in found),
        )
        return format_html('<ul class="nr-suggestions">{}</ul>', rows)

    def save_model(self, request, obj, form, change):
        if not obj.path:
            obj.path = services.article_default_path(collection=obj.collection or "news", title=obj.display_title if obj.title or obj.name else "",
                                                     published_at=obj.published_at)
        if not change:
            obj.published = False  # a new item awaits a decision like any other
        changes = {}
        if change:
            for name in form.changed_data:
                if name in ("version", "decision", "decision_note", "publish_at"):
                    continue
                changes[name] = (form.initial.get(name), form.cleaned_data.get(name))
        super().save_model(request, obj, form, change)
        if change and changes:
            services.record_change(article=obj, source=ArticleChange.Source.ADMIN, by=request.user, changes=changes,
                                   summary="Edited: " + ", ".join(changes), at=obj.modified_at)
        elif not change:
            services.record_change(article=obj, source=ArticleChange.Source.ADMIN, by=request.user, summary="Created", at=obj.modified_at)
        decision = form.cleaned_data.get("decision") if "decision" in form.cleaned_data else ""
        if decision:
            self._decide(request, obj, decision, form.cleaned_data.get("decision_note", ""), form.cleaned_data.get("publish_at"))

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            if isinstance(obj, RelatedStory) and obj.target_id and not (obj.title or obj.web_url):
                # Linked through autocomplete: the entry describes the item, as files do.
                filled = services.related_story_from(obj.target, article=form.instance, position=obj.position)
                for name in ("title", "excerpt", "published_at", "web_url", "type", "provider_name", "provider_domain", "quality"):
                    if getattr(obj, name) in (None, ""):
                        setattr(obj, name, getattr(filled, name))
            obj.save()
        formset.save_m2m()
        counts = {"added": len(formset.new_objects), "changed": len(formset.changed_objects), "removed": len(formset.deleted_objects)}
        if any(counts.values()) and change:
            label = formset.model._meta.verbose_name_plural
            services.record_change(
                article=form.instance, source=ArticleChange.Source.ADMIN, by=request.user,
                summary=f"{label}: " + ", ".join(f"{n} {k}" for k, n in counts.items() if n),
                changes={str(label): [None, ", ".join(f"{n} {k}" for k, n in counts.items() if n)]},
            )
        if formset.model is RelatedStory:
            for inline_form in formset.forms:
                story = inline_form.instance
                if inline_form.cleaned_data.get("link_back") and story.pk and story.target_id:
                    services.LinkRelatedAction(story.target, target=form.instance, user=request.user).execute()
        return instances

    def _decide(self, request, obj, decision, note, publish_at=None):
        try:
            if decision == "schedule":
                services.SchedulePublishAction(obj, publish_at=publish_at, user=request.user, note=note).execute()
            elif decision == "queue":
                services.CancelScheduleAction(obj, user=request.user, note=note).execute()
            else:
                services.DECISION_ACTIONS[decision](obj, user=request.user, note=note).execute()
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return False
        return True

    # ---- history ----
    def history_view(self, request, object_id, extra_context=None):
        changes = ArticleChange.objects.filter(article_id=unquote(object_id)).select_related("by").order_by("-at", "-id")
        decisions = Decision.objects.filter(article_id=unquote(object_id)).select_related("by").order_by("-at", "-id")
        context = {"article_changes": changes, "article_decisions": decisions, **(extra_context or {})}
        return super().history_view(request, object_id, extra_context=context)

    # ---- extra views: one-click decisions, linking ----
    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        extra = []
        if self.model is Article:
            extra = [
                path("import/", self.admin_site.admin_view(self.import_view), name="articles_article_import"),
                path("import/<str:token>/", self.admin_site.admin_view(self.import_review_view),
                     name="articles_article_import_review"),
            ]
        return extra + [
            path("<path:object_id>/decide/", self.admin_site.admin_view(self.decide_view), name="%s_%s_decide" % info),
            path("<path:object_id>/link/", self.admin_site.admin_view(self.link_view), name="%s_%s_link" % info),
        ] + super().get_urls()

    def _back(self, request, default):
        target = request.POST.get("next") or request.GET.get("next")
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
            return HttpResponseRedirect(target)
        return HttpResponseRedirect(default)

    def decide_view(self, request, object_id):
        if request.method != "POST":
            return require_POST(lambda r: None)(request)
        if not self.has_publish_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(Article, pk=unquote(object_id))
        decision = request.POST.get("decision", "")
        if decision not in services.DECISION_ACTIONS:
            self.message_user(request, "Unknown decision.", messages.ERROR)
        else:
            note = (request.POST.get(f"note-{obj.pk}") or request.POST.get("note") or "").strip()
            services.DECISION_ACTIONS[decision](obj, user=request.user, note=note).execute()
            label = Decision.Action(decision).label.lower()
            self.message_user(request, format_html("“{}” {}.", obj.display_title, label), messages.SUCCESS)
        changelist = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        return self._back(request, changelist)

    def link_view(self, request, object_id):
        if request.method != "POST":
            return require_POST(lambda r: None)(request)
        obj = get_object_or_404(Article, pk=unquote(object_id))
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        target = get_object_or_404(Article, pk=as_id(request.POST.get("target")))
        try:
            created = services.LinkRelatedAction(obj, target=target, user=request.user,
                                                 both_ways=request.POST.get("both_ways") == "1").execute()
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(request, format_html("Linked “{}” as a related story.", target.display_title) if created
                              else "Already linked.", messages.SUCCESS)
        return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[quote(obj.pk)]))

    # ---- bulk actions ----
    def _run(self, request, queryset, make, verb):
        done, failed = 0, []
        for article in queryset.select_related(None).prefetch_related(None).order_by("pk"):
            try:
                make(article).execute()
                done += 1
            except ValidationError as exc:
                failed.append(f"{article.display_title}: {'; '.join(exc.messages)}")
        if done:
            self.message_user(request, f"{verb} {done} item{'s' if done != 1 else ''}.", messages.SUCCESS)
        for message in failed[:10]:
            self.message_user(request, message, messages.ERROR)

    def _note(self, request):
        return (request.POST.get("note") or "").strip()

    @admin.action(permissions=["publish"], description="Publish selected items")
    def publish_selected(self, request, queryset):
        note = self._note(request)
        self._run(request, queryset, lambda a: services.PublishAction(a, user=request.user, note=note), "Published")

    @admin.action(permissions=["publish"], description="Reject selected items")
    def reject_selected(self, request, queryset):
        note = self._note(request)
        self._run(request, queryset, lambda a: services.RejectAction(a, user=request.user, note=note), "Rejected")

    @admin.action(permissions=["publish"], description="Unpublish selected items")
    def unpublish_selected(self, request, queryset):
        note = self._note(request)
        self._run(request, queryset, lambda a: services.UnpublishAction(a, user=request.user, note=note), "Unpublished")

    @admin.action(permissions=["publish"], description="Schedule selected items (set “Publish at”)")
    def schedule_selected(self, request, queryset):
        form = DeskActionForm(request.POST)
        form.fields["action"].choices = [(request.POST.get("action"), "")]
        when = form.cleaned_data.get("publish_at") if form.is_valid() else None
        if when is None:
            self.message_user(request, "Set “Publish at” in the action bar to schedule.", messages.ERROR)
            return
        note = self._note(request)
        self._run(request, queryset, lambda a: services.SchedulePublishAction(a, publish_at=when, user=request.user, note=note),
                  "Scheduled")

    @admin.action(permissions=["view"], description="Export selected items as a .zip site")
    def export_selected(self, request, queryset):
        return self.export_zip(request, queryset)

    @admin.action(permissions=["change"], description="Add the chosen topic to selected items")
    def add_topic(self, request, queryset):
        pk = as_id(request.POST.get("topic"))
        topic = Topic.objects.filter(pk=pk).first() if pk else None
        if topic is None:
            self.message_user(request, "Choose a topic in the action bar first.", messages.ERROR)
            return
        n = services.AddTopicAction(queryset, topic=topic, user=request.user).execute()
        self.message_user(request, f"Added topic “{topic.name}” to {n} item{'s' if n != 1 else ''}.", messages.SUCCESS)


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

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "Review queue", "subtitle": None, **(extra_context or {})}
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


# --------------------------------------------------------------------------------------
# Decisions, schedules, rules
# --------------------------------------------------------------------------------------
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
        return request.user.has_perm(PUBLISH_PERM) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # cancelling goes through the action, which records the decision

    def has_publish_permission(self, request):
        return request.user.has_perm(PUBLISH_PERM)

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
            services.CancelScheduleAction(schedule.article, user=request.user, note="schedule cancelled").execute()
            n += 1
        self.message_user(request, f"Cancelled {n} scheduled publication{'s' if n != 1 else ''}.", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        services.SchedulePublishAction(obj.article, publish_at=obj.publish_at, user=request.user, note=obj.note).execute()


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


# --------------------------------------------------------------------------------------
# Providers and topics
# --------------------------------------------------------------------------------------
class ProviderAdminForm(KeepsStoredText):
    logo_upload = forms.ImageField(
        required=False, label="Upload a logo",
        help_text="JPEG, PNG, GIF or WebP, at least 50 x 50, at most 5 MB. Makes the 50x50 and 400x400 renditions.",
    )

    class Meta:
        model = Provider
        fields = ["name", "domain", "aliases"]

    def clean_domain(self):
        return (self.cleaned_data.get("domain") or "").strip().lower().rstrip(".")

    def clean_aliases(self):
        aliases = self.cleaned_data.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ValidationError("A list of domains, e.g. [\"old.example.com\"].")
        from django.core.validators import DomainNameValidator

        for alias in aliases:
            DomainNameValidator(accept_idna=True)(alias)
        return [a.strip().lower() for a in aliases]

    def clean_logo_upload(self):
        from .logos import verify_logo

        upload = self.cleaned_data.get("logo_upload")
        if upload:
            upload.seek(0)
            self.logo_image = verify_logo(upload)
        return upload


class HasLogoFilter(admin.SimpleListFilter):
    title = "logo"
    parameter_name = "logo"

    def lookups(self, request, model_admin):
        return [("yes", "Has a logo"), ("no", "No logo")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(images=None)
        if self.value() == "no":
            return queryset.filter(images=None)
        return queryset


class MergedFilter(admin.SimpleListFilter):
    title = "merged"
    parameter_name = "merged"

    def lookups(self, request, model_admin):
        return [("yes", "Has aliases (merged)"), ("no", "No aliases")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(aliases=[])
        if self.value() == "no":
            return queryset.filter(aliases=[])
        return queryset


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
                moved = services.MergeProvidersAction(into=into, merged=providers, user=request.user).execute()
                self.message_user(request, f"Merged {len(providers) - 1} provider(s) into {into.domain}; {moved} items moved.", messages.SUCCESS)
                return None
        counts = dict(Article.objects.filter(provider__in=providers).order_by().values("provider").annotate(n=Count("id")).values_list("provider", "n"))
        return TemplateResponse(request, "admin/articles/provider/merge.html", {
            **self.admin_site.each_context(request), "title": "Merge providers", "opts": self.opts,
            "providers": [(p, counts.get(p.pk, 0)) for p in providers], "action": request.POST.get("action"),
            "selected": [p.pk for p in providers],
        })


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
