"""Selectors: the read side of the public site (pages, API, feeds, sitemaps).

Everything here starts from ``Article.objects.published()``: an item an editor has not
published (or has unpublished or rejected) is never returned. Each list selector loads
a page of items and everything the page shows in a constant number of queries (the
item rows with their provider joined, then one query per child table for the whole
page), whatever the page size.
"""
from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..models import Article, ArticleImage, ArticleTopic, DeletionMark, Provider, RelatedStory, Topic

# Newest first; items without a date go last on every database; path breaks ties the
# way the site's own generator did (its pages list equal dates/scores by path).
ORDERINGS = {
    "newest": (F("published_at").desc(nulls_last=True), "path"),
    "oldest": (F("published_at").asc(nulls_last=True), "path"),
    "hottest": (F("heat").desc(nulls_last=True), "path"),
    "best": (F("quality").desc(nulls_last=True), F("published_at").desc(nulls_last=True), "path"),
    # Events: the latest start first; "upcoming": the soonest first.
    "start": (F("starts_at").desc(nulls_last=True), "path"),
    "upcoming": (F("starts_at").asc(nulls_last=True), "path"),
}
DEFAULT_ORDERING = "newest"


def published_articles():
    """Every item readers may see."""
    return Article.objects.published()


HEAVY = ("source_text", "source_sha", "source_digest", "secured")


def topic_links():
    """An item's topic links in order, with the little of each topic a page shows."""
    return (
        ArticleTopic.objects.select_related("topic").order_by("position")
        .only("id", "article_id", "position", "label", "topic__id", "topic__topic_id", "topic__name")
    )


def with_page_data(queryset, *, body=True):
    """Join the provider and prefetch what a list shows: images and topics, in order.

    The columns only an export needs (the source file, its fingerprints) are left out.
    """
    queryset = queryset.select_related("provider").prefetch_related(
        Prefetch("images", queryset=ArticleImage.objects.order_by("position")),
        Prefetch("topic_links", queryset=topic_links()),
    )
    deferred = HEAVY + ("provider__source_text", "provider__body", "provider__extra", "provider__source_sha",
                        "provider__source_digest")
    if not body:
        deferred += ("body",)
    return queryset.defer(*deferred)


def ordered(queryset, ordering: str | None = None):
    return queryset.order_by(*ORDERINGS.get(ordering or DEFAULT_ORDERING, ORDERINGS[DEFAULT_ORDERING]))


def public_related_stories():
    """Related stories a reader may see: those that point at no stored item, or at a
    published one.

    A story linked to a stored draft carries that draft's title, excerpt and URL (the
    desk copies them when an editor links it), so it stays hidden until the draft is
    published; publishing it moves the content stamp, so cached pages follow.
    """
    # Through the LEFT JOIN that select_related makes anyway (the target by its primary
    # key), not ``target IN (SELECT published items)``: PostgreSQL, with statistics, may
    # hash that subquery by reading the whole items table for a page's few stories.
    return RelatedStory.objects.filter(
        Q(target__isnull=True) | Q(target__published=True) | Q(target__published__isnull=True)
    ).order_by("position").select_related("target")


def article_detail(*, pk: int) -> Article:
    """One published item with everything its page shows; ``Article.DoesNotExist`` for
    drafts and unknown ids."""
    queryset = with_page_data(published_articles()).prefetch_related(
        Prefetch("related_stories", queryset=public_related_stories()),
    )
    return queryset.get(pk=pk)


def article_preview(*, pk: int) -> Article:
    """Any item, published or not, with what its public page shows (the desk's
    Preview); ``Article.DoesNotExist`` for unknown ids."""
    queryset = with_page_data(Article.objects.all()).prefetch_related(
        Prefetch("related_stories", queryset=public_related_stories()),
    )
    return queryset.get(pk=pk)


def hottest_articles(*, limit: int = 4, collection: str | None = "news", candidates: int = 50):
    """The hottest of the latest items (highlighted on the home page).

    Heat is a score of the moment, so "hottest" means among the ``candidates`` newest
    items, not of all time.
    """
    recent = published_articles()
    if collection:
        recent = recent.filter(collection=collection)
    recent_ids = ordered(recent).values("pk")[:candidates]
    # Materialize the ids: MySQL/SQLite cannot LIMIT inside IN (subquery) portably.
    ids = list(recent_ids.values_list("pk", flat=True))
    queryset = published_articles().filter(pk__in=ids, heat__gte=0)
    return list(with_page_data(queryset, body=False).order_by(F("heat").desc(nulls_last=True), "path")[:limit])


def topic_item_counts() -> dict:
    """{topic pk: published items tagged with it}: one aggregate over every link, so it
    is cached under the content stamp (any change to the content makes a new key)."""
    key = f"newsroom:topic-counts:{content_stamp().token}"
    counts = cache.get(key)
    if counts is None:
        counts = dict(
            ArticleTopic.objects.filter(article__in=published_articles())
            .values_list("topic_id")
            .annotate(n=Count("article_id", distinct=True))
            .values_list("topic_id", "n")
        )
        cache.set(key, counts, timeout=3600)
    return counts


def topic_tree(*, with_counts: bool = True):
    """All topics, each with ``children_list`` and, when asked, ``item_count``
    (published items tagged with it); returns the roots."""
    counts = topic_item_counts() if with_counts else {}
    topics = list(Topic.objects.order_by("name"))
    by_pk = {t.pk: t for t in topics}
    roots = []
    for topic in topics:
        topic.children_list = []
        topic.item_count = counts.get(topic.pk, 0)
    for topic in topics:
        parent = by_pk.get(topic.parent_id)
        (parent.children_list if parent else roots).append(topic)
    return roots


def topic_by_id(topic_id: str) -> Topic:
    return Topic.objects.select_related("parent").get(topic_id=topic_id)


def topic_filter(topic: Topic):
    """Items tagged with the topic or any topic below it.

    A correlated EXISTS, not ``pk IN (...)``: the database walks the list's ordered
    index and stops after a page of matches, instead of collecting every tagged item of
    a large topic and sorting them all.
    """
    ids = topic.descendant_ids()
    return Exists(ArticleTopic.objects.filter(article_id=OuterRef("pk"), topic_id__in=ids))


def provider_item_counts() -> dict:
    """{provider pk: published items}, cached under the content stamp like topics'."""
    key = f"newsroom:provider-counts:{content_stamp().token}"
    counts = cache.get(key)
    if counts is None:
        counts = dict(
            published_articles().filter(provider__isnull=False).values_list("provider_id")
            .annotate(n=Count("id")).values_list("provider_id", "n")
        )
        cache.set(key, counts, timeout=3600)
    return counts


def provider_list() -> list:
    """Providers with at least one published item (``item_count`` set), by name."""
    counts = provider_item_counts()
    providers = list(Provider.objects.filter(pk__in=list(counts)).order_by("name", "domain").defer("source_text", "body"))
    for provider in providers:
        provider.item_count = counts[provider.pk]
    return providers


def provider_by_domain(domain: str) -> Provider:
    """The provider with this domain, if the public may see it: it has at least one
    published item (a provider known only from drafts has no public page or feed)."""
    return Provider.objects.filter(
        Exists(published_articles().filter(provider=OuterRef("pk")))
    ).get(domain=domain)


def collections():
    """The collections that have published items, with counts, largest first."""
    return list(
        published_articles().values_list("collection").annotate(n=Count("id")).order_by("-n", "collection")
        .values_list("collection", "n")
    )


@dataclass(frozen=True)
class ContentStamp:
    """A cheap fingerprint of everything the public site shows.

    The latest ``modified_at`` of items, providers and topics (every edit, import,
    publish or unpublish moves one: the editorial actions and the importer set it) and the time
    of the latest deletion (``DeletionMark``). One query of four index probes or tiny
    scans; no ``COUNT(*)``, which costs a full scan of the items on PostgreSQL.
    """

    last_modified: object
    token: str


def content_stamp() -> ContentStamp:
    qn = connection.ops.quote_name
    sources = [(Article._meta.db_table, "modified_at"), (Provider._meta.db_table, "modified_at"),
               (Topic._meta.db_table, "modified_at"), (DeletionMark._meta.db_table, "deleted_at")]
    parts = ", ".join(f"(SELECT MAX({qn(column)}) FROM {qn(table)})" for table, column in sources)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parts}")
        row = cursor.fetchone()
    latest = []
    for value in row:
        if isinstance(value, str):  # SQLite answers a raw MAX() with text
            value = parse_datetime(value)
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value, datetime.timezone.utc)
        latest.append(value)
    known = [v for v in latest if v is not None]
    token = hashlib.sha1(repr([v.isoformat() if v else None for v in latest]).encode()).hexdigest()[:20]
    return ContentStamp(last_modified=max(known) if known else None, token=token)


def feed_items(queryset, *, limit: int):
    """The newest ``limit`` items of ``queryset`` with what a feed entry shows."""
    queryset = queryset.select_related("provider").prefetch_related(
        Prefetch("topic_links", queryset=topic_links()),
    ).defer("body", "featured_content", *HEAVY, "provider__source_text", "provider__body")
    return list(ordered(queryset)[:limit])


EVENTS = "events"


def _ongoing(now):
    """Events not over at ``now``: ending later, or (no end given) starting later."""
    return Q(ends_at__gte=now) | Q(ends_at__isnull=True, starts_at__gte=now)


def upcoming_events(*, now):
    """Published events not over yet, the soonest first."""
    queryset = published_articles().filter(collection=EVENTS).filter(_ongoing(now))
    return with_page_data(queryset, body=False).order_by(F("starts_at").asc(nulls_last=True), "path")


def past_events(*, now):
    """Published events that are over (and those without a date), the latest first."""
    queryset = published_articles().filter(collection=EVENTS).exclude(_ongoing(now))
    return with_page_data(queryset, body=False).order_by(F("starts_at").desc(nulls_last=True), "path")


def has_events() -> bool:
    return published_articles().filter(collection=EVENTS).exists()


def sitemap_articles():
    return published_articles().only("id", "modified_at").order_by("id")


def recent_news(*, since):
    """Published news items since ``since`` (the news sitemap: the last two days)."""
    return (
        published_articles().filter(collection="news", published_at__gte=since)
        .only("id", "title", "name", "path", "published_at", "modified_at")
        .order_by(F("published_at").desc())
    )
