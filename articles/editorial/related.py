"""Related stories: an entry describing a stored item, and suggestions of items to link."""
from __future__ import annotations

import datetime as dt
import re
from datetime import timedelta

from ..models import Article, ArticleTopic, RelatedStory


def related_story_from(target: Article, *, article: Article, position: int) -> RelatedStory:
    """A related story entry describing ``target``, as the format writes it."""
    return RelatedStory(
        article=article, position=position, target=target, title=target.title or target.name,
        excerpt=target.excerpt, published_at=target.published_at, web_url=target.web_url or target.original_url,
        type=target.type, provider_name=target.provider_name or (target.provider.name if target.provider_id else None),
        provider_domain=target.provider.domain if target.provider_id else None, quality=target.quality,
    )


def related_suggestions(*, article: Article, limit: int = 8, window_days: int = 3) -> list[Article]:
    """Likely-related items: sharing a topic or a title word, published close in time.

    Candidates come from the date index (a window around the item's date) and the
    topic index, never a scan of the table; they are ranked by shared topics and title
    similarity.
    """
    if article.published_at is None:
        return []
    # Clamped to the calendar: an item dated in the first or last days of years 1 and 9999
    # has no date window days away on one side (OverflowError, a 500 of its change page).
    lowest = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    highest = dt.datetime.max.replace(tzinfo=dt.timezone.utc)
    at = article.published_at
    start = at - timedelta(days=window_days) if at - lowest > timedelta(days=window_days) else lowest
    end = at + timedelta(days=window_days) if highest - at > timedelta(days=window_days) else highest
    linked = set(RelatedStory.objects.filter(article=article, target__isnull=False).values_list("target_id", flat=True))
    topic_ids = set(ArticleTopic.objects.filter(article=article).values_list("topic_id", flat=True))
    candidates = list(
        Article.objects.filter(published_at__range=(start, end)).exclude(pk=article.pk)
        .select_related("provider").only("id", "title", "name", "path", "published_at", "provider_name", "provider__name",
                                         "provider__domain")
        .order_by("-published_at")[:300]
    )
    shared: dict[int, int] = {}
    for article_id, topic_id in ArticleTopic.objects.filter(
        article_id__in=[c.pk for c in candidates], topic_id__in=topic_ids
    ).values_list("article_id", "topic_id"):
        shared[article_id] = shared.get(article_id, 0) + 1
    words = _title_words(article.display_title)
    scored = []
    for candidate in candidates:
        if candidate.pk in linked:
            continue
        overlap = words & _title_words(candidate.display_title)
        similarity = len(overlap) / (len(words | _title_words(candidate.display_title)) or 1)
        score = shared.get(candidate.pk, 0) + 3 * similarity
        if shared.get(candidate.pk) or similarity >= 0.2:
            distance = abs((candidate.published_at - article.published_at).total_seconds())
            scored.append((-score, distance, candidate.pk, candidate))
    scored.sort(key=lambda row: row[:3])
    return [row[3] for row in scored[:limit]]


_STOP = set("a an the and or of to in on for with by at from is are was be as it its this that your you how what why new".split())


def _title_words(title: str) -> set:
    return {w for w in re.findall(r"[\w']+", (title or "").casefold()) if len(w) > 2 and w not in _STOP}
