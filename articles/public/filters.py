"""FilterSets shared by the public pages and the JSON API.

Query parameters (all optional):

=================  ===================================================================
``collection``     news, learning, samples, ... (the API takes it from its URL instead)
``type``           article, video, course, ...
``topic``          a topic id (``canvas-apps``): items tagged with it or a topic below it
``provider``       a provider's domain (``microsoft.com``)
``since``          published on or after (``2024-03-01`` or ``2024-03-01T10:00:00Z``)
``until``          published on or before (a date alone means the whole day)
``min_quality``    quality at least N
``min_heat``       heat at least N
``q``              words that must all appear in the title, excerpt or provider name
``sort``           newest (default), oldest, hottest, best; start, upcoming (events)
=================  ===================================================================
"""
from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from ..collections import COLLECTION_FOLDERS
from ..models import Article, Provider, Topic
from . import selectors

MAX_QUERY_WORDS = 8


UTC = datetime.timezone.utc
EARLIEST = datetime.datetime.min.replace(tzinfo=UTC)
LATEST = datetime.datetime.max.replace(tzinfo=UTC)


class DateOrDateTimeField(forms.Field):
    """An ISO 8601 date or date-time; a date alone keeps the fact that it was one.

    A date-time comes back in UTC, the way the database compares it. One whose offset
    takes it past the calendar (``0001-01-01T00:00:00+01:00`` is in year 0 in UTC) is
    the earliest or latest instant there is: as a bound it still means "from the start"
    or "to the end", it cannot overflow the database driver.
    """

    default_error_messages = {"invalid": "Enter a date (YYYY-MM-DD) or an ISO 8601 date-time."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = value.strip()
        try:
            if len(value) == 10:
                return datetime.date.fromisoformat(value)
            parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(parsed):
            return parsed.replace(tzinfo=UTC)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            return EARLIEST if parsed.year == datetime.MINYEAR else LATEST


class DateBoundFilter(django_filters.Filter):
    """``since`` (start of a given day) or ``until`` (end of a given day)."""

    field_class = DateOrDateTimeField

    def __init__(self, *args, end=False, **kwargs):
        self.end = end
        super().__init__(*args, field_name="published_at", **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        if isinstance(value, datetime.datetime):
            return qs.filter(**{f"published_at__{'lte' if self.end else 'gte'}": value})
        start = datetime.datetime.combine(value, datetime.time.min, tzinfo=UTC)
        if not self.end:
            return qs.filter(published_at__gte=start)
        if value == datetime.date.max:  # the last day there is: no day after it
            return qs.filter(published_at__lte=LATEST)
        return qs.filter(published_at__lt=start + datetime.timedelta(days=1))


class IntegerFilter(django_filters.NumberFilter):
    """Scores are whole numbers."""

    field_class = forms.IntegerField


class ArticleFilter(django_filters.FilterSet):
    collection = django_filters.ChoiceFilter(
        field_name="collection", choices=[(c, c.title()) for c in COLLECTION_FOLDERS], empty_label="All",
    )
    type = django_filters.CharFilter(
        field_name="type", max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "article, video, course, ..."}),
    )
    topic = django_filters.ModelChoiceFilter(
        queryset=Topic.objects.only("id", "topic_id", "name").order_by("name"), to_field_name="topic_id", method="filter_topic",
        label="Topic",
    )
    # A domain typed in (a select of every provider would weigh more than the page).
    provider = django_filters.ModelChoiceFilter(
        queryset=Provider.objects.only("id", "domain"), to_field_name="domain", field_name="provider",
        label="Source (domain)",
        widget=forms.TextInput(attrs={"placeholder": "e.g. microsoft.com", "inputmode": "url"}),
    )
    since = DateBoundFilter(label="Published since", widget=forms.DateInput(attrs={"type": "date"}))
    until = DateBoundFilter(end=True, label="Published until", widget=forms.DateInput(attrs={"type": "date"}))
    min_quality = IntegerFilter(
        field_name="quality", lookup_expr="gte", label="Minimum quality",
    )
    min_heat = IntegerFilter(field_name="heat", lookup_expr="gte", label="Minimum heat")
    q = django_filters.CharFilter(
        method="filter_text", max_length=200, label="Search",
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    sort = django_filters.ChoiceFilter(
        choices=[(key, key) for key in selectors.ORDERINGS], method="filter_sort",
        empty_label=None, label="Sort",
    )

    class Meta:
        model = Article
        fields = ["collection", "type", "topic", "provider", "since", "until", "min_quality", "min_heat", "q", "sort"]

    def __init__(self, data=None, queryset=None, **kwargs):
        if queryset is None:
            queryset = selectors.published_articles()
        super().__init__(data, queryset, **kwargs)

    def filter_topic(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(selectors.topic_filter(value))

    def filter_text(self, queryset, name, value):
        words = value.split()[:MAX_QUERY_WORDS]
        for word in words:
            queryset = queryset.filter(
                Q(title__icontains=word) | Q(excerpt__icontains=word) | Q(provider_name__icontains=word)
                | Q(name__icontains=word)
            )
        return queryset

    def filter_sort(self, queryset, name, value):
        return queryset  # applied last, by ``ordered_qs``

    @property
    def ordered_qs(self):
        ordering = self.form.cleaned_data.get("sort") if self.is_bound and self.is_valid() else None
        return selectors.ordered(self.qs, ordering)
