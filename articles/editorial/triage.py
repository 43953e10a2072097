"""Triage rules: newly imported items decided by their quality.

Each decision goes through ``PublishAction`` or ``QueueAction`` as the rule (no user),
so a rule's decision is recorded, logged and signalled like an editor's.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..models import Article, ArticleTopic, Decision, TriageRule
from .actions import PublishAction, QueueAction


def triage_rule_for(
    rules: Iterable[TriageRule], *, collection: str, topic_ids: Iterable[int], provider_id: int | None
) -> TriageRule | None:
    """The most specific enabled rule that applies to an item, or None."""
    best = None
    for rule in rules:
        if rule.collection and rule.collection != collection:
            continue
        if rule.topic_id and rule.topic_id not in topic_ids:
            continue
        if rule.provider_id and rule.provider_id != provider_id:
            continue
        if best is None or rule.specificity > best.specificity:
            best = rule
    return best


def apply_triage_rules(*, article_ids: Sequence[int], may_publish: bool = True) -> dict[str, int]:
    """Decide newly imported items by the enabled rules; returns counts.

    At or above the threshold the item is published; below, it is queued (not public,
    awaiting a decision). Both are decisions of the rule (``Decision.Source.RULE``).
    ``may_publish=False`` (the files came from someone who may not publish, such as a
    Contributor's upload): a rule never publishes what they could not, and the quality
    that would trigger it is theirs to write: such items are all queued for review.
    """
    rules = list(TriageRule.objects.enabled())
    counts = {"published": 0, "queued": 0}
    if not rules or not article_ids:
        return counts
    for start in range(0, len(article_ids), 500):
        chunk = article_ids[start:start + 500]
        topics: dict[int, set[int]] = {}
        for article_id, topic_id in ArticleTopic.objects.filter(article_id__in=chunk).values_list("article_id", "topic_id"):
            topics.setdefault(article_id, set()).add(topic_id)
        for article in Article.objects.filter(pk__in=chunk).only(
            "pk", "path", "collection", "provider_id", "quality", "published"
        ).order_by("pk"):
            rule = triage_rule_for(
                rules, collection=article.collection, topic_ids=topics.get(article.pk, ()), provider_id=article.provider_id
            )
            if rule is None:
                continue
            quality = article.quality
            if quality is not None and quality >= rule.threshold and not may_publish:
                note = f"rule {rule.name}: quality {quality} >= {rule.threshold}, imported by someone who may not publish"
                QueueAction(article, note=note, source=Decision.Source.RULE).execute()
                counts["queued"] += 1
            elif quality is not None and quality >= rule.threshold:
                note = f"rule {rule.name}: quality {quality} >= {rule.threshold}"
                PublishAction(article, note=note, source=Decision.Source.RULE).execute()
                counts["published"] += 1
            else:
                note = f"rule {rule.name}: quality {quality} < {rule.threshold}"
                QueueAction(article, note=note, source=Decision.Source.RULE).execute()
                counts["queued"] += 1
    return counts
