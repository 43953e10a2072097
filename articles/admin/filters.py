"""The desk's list filters (items, review queue, providers)."""

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q

from ..models import Article, ArticleTopic, Provider, Topic
from .utils import as_id


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
