"""Services: the only places where Newsroom's state changes for editorial reasons.

Keyword-only functions, each one transaction. The admin, the API and the management
commands all call these; none of them writes ``Article.published`` itself.
"""
import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.text import slugify

from . import signals
from .models import (
    Article, ArticleChange, ArticleTopic, Decision, Provider, RelatedStory, ScheduledPublication, Topic, TriageRule,
)

logger = logging.getLogger("newsroom.editorial")

PUBLISH_PERMISSION = "articles.publish_article"


class DecisionPermissionDenied(PermissionDenied):
    """The user may not make editorial decisions."""


def can_decide(user) -> bool:
    return user is None or (user.is_active and user.has_perm(PUBLISH_PERMISSION))


def check_can_decide(user) -> None:
    if not can_decide(user):
        raise DecisionPermissionDenied(f"{user} may not publish or unpublish articles.")


@transaction.atomic
def article_set_decision(
    *,
    article: Article,
    action: str,
    by=None,
    note: str = "",
    source: str = Decision.Source.EDITOR,
    at=None,
) -> Decision:
    """Record an editorial decision and apply it to the item.

    ``by`` is the user deciding; ``None`` means the system (a command, a rule), which
    is always allowed. A user without ``articles.publish_article`` is refused.
    """
    if action not in Decision.Action.values:
        raise ValueError(f"unknown decision {action!r}")
    check_can_decide(by)
    at = at or timezone.now()
    locked = Article.objects.select_for_update().only("pk", "published", "decided_at").get(pk=article.pk)
    if action == Decision.Action.SCHEDULE:
        # Decided, not yet public: ``publish_scheduled`` publishes it when due.
        published, decided_at, decided_by = False, at, by
    elif action == Decision.Action.QUEUE:
        # Back to the queue: not public, awaiting a decision.
        published, decided_at, decided_by = False, None, None
    else:
        published, decided_at, decided_by = action == Decision.Action.PUBLISH, at, by
        ScheduledPublication.objects.filter(article_id=article.pk).delete()
    Article.objects.filter(pk=locked.pk).update(
        published=published, decided_at=decided_at, decided_by=decided_by, modified_at=at
    )
    article.published, article.decided_at, article.decided_by = published, decided_at, decided_by
    article.modified_at = at
    decision = Decision.objects.create(
        article=article, action=action, by=by, note=note or "", source=source, at=at
    )
    changes = {}
    if locked.published != published:
        changes["published"] = [locked.published, published]
    record_change(
        article=article, by=by, at=at, changes=changes,
        source=HISTORY_SOURCE.get(source, ArticleChange.Source.DECISION),
        summary=f"{decision.get_action_display()}" + (f": {note}" if note else ""),
    )
    return decision


def article_publish(*, article: Article, by=None, note: str = "", source=Decision.Source.EDITOR) -> Decision:
    return article_set_decision(article=article, action=Decision.Action.PUBLISH, by=by, note=note, source=source)


def article_unpublish(*, article: Article, by=None, note: str = "", source=Decision.Source.EDITOR) -> Decision:
    return article_set_decision(article=article, action=Decision.Action.UNPUBLISH, by=by, note=note, source=source)


def article_reject(*, article: Article, by=None, note: str = "", source=Decision.Source.EDITOR) -> Decision:
    return article_set_decision(article=article, action=Decision.Action.REJECT, by=by, note=note, source=source)


COLLECTION_FOLDERS = {
    "news": "_news",
    "learning": "_learning",
    "samples": "_samples",
    "newsletters": "_newsletters",
    "people": "_people",
    "communities": "_communities",
    "events": "_events",
    "archive": "_archive/_news",
}
# Collections whose files are named after a day (YYYY-MM-DD-slug.md).
DATED_COLLECTIONS = ("news", "events", "archive")


def article_default_path(*, collection: str = "news", title: str = "", published_at=None) -> str:
    """The path an item created in the CMS gets: ``_news/YYYY-MM-DD-<slug>.md``.

    Made unique by a numeric suffix when another item already has it.
    """
    folder = COLLECTION_FOLDERS.get(collection, f"_{slugify(collection) or 'news'}")
    slug = slugify(title)[:80].strip("-") or "item"
    if collection in DATED_COLLECTIONS:
        day = (published_at or timezone.now()).strftime("%Y-%m-%d")
        stem = f"{folder}/{day}-{slug}"
    else:
        stem = f"{folder}/{slug}"
    candidate, n = f"{stem}.md", 2
    while Article.objects.filter(path=candidate).exists():
        candidate, n = f"{stem}-{n}.md", n + 1
    return candidate


# --------------------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------------------
HISTORY_SOURCE = {
    Decision.Source.EDITOR: ArticleChange.Source.DECISION,
    Decision.Source.COMMAND: ArticleChange.Source.DECISION,
    Decision.Source.RULE: ArticleChange.Source.RULE,
    Decision.Source.SCHEDULE: ArticleChange.Source.SCHEDULE,
}


def _plain(value):
    """A JSON-safe copy of a value, as the API shows values (dates as ISO 8601 text, keys
    as text, NaN as null: ``output.json_value``)."""
    from .output import json_value

    return json_value(value)


def record_change(*, article, source, changes=None, by=None, summary="", at=None) -> ArticleChange:
    """Add an entry to an item's history: {field: (old, new)} plus who, when, how."""
    plain = {name: [_plain(old), _plain(new)] for name, (old, new) in (changes or {}).items()}
    return ArticleChange.objects.create(
        article_id=article.pk, source=source, by=by, summary=summary[:300], changes=plain, at=at or timezone.now()
    )


# --------------------------------------------------------------------------------------
# Editorial actions (one small class per operation, as Wagtail's actions)
# --------------------------------------------------------------------------------------
class EditorialAction:
    """``check()`` raises a PermissionDenied subclass; ``execute()`` checks, changes the
    state in one transaction, logs, and sends ``article_decided``."""

    permission = PUBLISH_PERMISSION
    action: str = ""

    def __init__(self, article, *, user=None, note="", source=Decision.Source.EDITOR):
        self.article, self.user, self.note, self.source = article, user, (note or "").strip(), source

    def check(self):
        if self.user is not None and not (self.user.is_active and self.user.has_perm(self.permission)):
            raise DecisionPermissionDenied(f"{self.user} may not {self.action} articles.")

    def _apply(self) -> Decision:
        return article_set_decision(
            article=self.article, action=self.action, by=self.user, note=self.note, source=self.source
        )

    def execute(self, *, skip_permission_check=False) -> Decision:
        if not skip_permission_check:
            self.check()
        with transaction.atomic():
            decision = self._apply()
        logger.info("%s %s (%s) by %s", self.action, self.article.pk, self.article.path, self.user or self.source)
        signals.article_decided.send(sender=type(self), article=self.article, decision=decision, by=self.user)
        return decision


class PublishAction(EditorialAction):
    action = Decision.Action.PUBLISH


class RejectAction(EditorialAction):
    action = Decision.Action.REJECT


class UnpublishAction(EditorialAction):
    action = Decision.Action.UNPUBLISH


class SchedulePublishAction(EditorialAction):
    action = Decision.Action.SCHEDULE

    def __init__(self, article, *, publish_at, **kwargs):
        super().__init__(article, **kwargs)
        self.publish_at = publish_at

    def check(self):
        super().check()
        if self.publish_at is None or self.publish_at <= timezone.now():
            raise ValidationError("A scheduled publication must be in the future.")

    def _apply(self):
        ScheduledPublication.objects.update_or_create(
            article_id=self.article.pk, defaults={"publish_at": self.publish_at, "by": self.user, "note": self.note}
        )
        when = timezone.localtime(self.publish_at).strftime("%Y-%m-%d %H:%M %Z")
        return article_set_decision(
            article=self.article, action=self.action, by=self.user, source=self.source,
            note=f"publish at {when}" + (f": {self.note}" if self.note else ""),
        )


class CancelScheduleAction(EditorialAction):
    """Back to the queue: the scheduled publication is dropped."""

    action = Decision.Action.QUEUE

    def _apply(self):
        ScheduledPublication.objects.filter(article_id=self.article.pk).delete()
        return super()._apply()


DECISION_ACTIONS = {
    Decision.Action.PUBLISH: PublishAction,
    Decision.Action.REJECT: RejectAction,
    Decision.Action.UNPUBLISH: UnpublishAction,
}


def publish_due(*, now=None, dry_run=False) -> list[ScheduledPublication]:
    """Publish the scheduled items that are due (``publish_scheduled``)."""
    now = now or timezone.now()
    due = list(ScheduledPublication.objects.filter(publish_at__lte=now).select_related("article", "by").order_by("publish_at", "pk"))
    if dry_run:
        return due
    for schedule in due:
        by = schedule.by
        note = f"scheduled by {by}" if by else "scheduled"
        if schedule.note:
            note += f": {schedule.note}"
        PublishAction(schedule.article, user=None, note=note, source=Decision.Source.SCHEDULE).execute()
    return due


class AddTopicAction:
    """Add a topic to items (at the end of their topics), skipping those that have it."""

    permission = "articles.change_article"

    def __init__(self, articles, *, topic: Topic, user=None):
        self.articles, self.topic, self.user = articles, topic, user

    def check(self):
        if self.user is not None and not self.user.has_perm(self.permission):
            raise PermissionDenied(f"{self.user} may not change articles.")

    def execute(self) -> int:
        self.check()
        with transaction.atomic():
            has_it = ArticleTopic.objects.filter(article=OuterRef("pk"), topic=self.topic)
            targets = list(
                self.articles.model.objects.filter(pk__in=self.articles.values("pk"))
                .exclude(Exists(has_it)).values_list("pk", flat=True)
            )
            last = {}
            for article_id, position in ArticleTopic.objects.filter(article_id__in=targets).values_list("article_id", "position"):
                last[article_id] = max(last.get(article_id, -1), position)
            ArticleTopic.objects.bulk_create(
                ArticleTopic(article_id=pk, topic=self.topic, position=last.get(pk, -1) + 1) for pk in targets
            )
            now = timezone.now()
            Article.objects.filter(pk__in=targets).update(modified_at=now)
            ArticleChange.objects.bulk_create(
                ArticleChange(article_id=pk, source=ArticleChange.Source.ADMIN, by=self.user, at=now,
                              summary=f"Added topic {self.topic.name}", changes={"topics": [None, f"+ {self.topic.name}"]})
                for pk in targets
            )
        return len(targets)


# --------------------------------------------------------------------------------------
# Related stories
# --------------------------------------------------------------------------------------
def related_story_from(target: Article, *, article: Article, position: int) -> RelatedStory:
    """A related story entry describing ``target``, as the format writes it."""
    return RelatedStory(
        article=article, position=position, target=target, title=target.title or target.name,
        excerpt=target.excerpt, published_at=target.published_at, web_url=target.web_url or target.original_url,
        type=target.type, provider_name=target.provider_name or (target.provider.name if target.provider_id else None),
        provider_domain=target.provider.domain if target.provider_id else None, quality=target.quality,
    )


class LinkRelatedAction:
    """Link a stored item as a related story (at the end), optionally both ways."""

    permission = "articles.change_article"

    def __init__(self, article, *, target, user=None, both_ways=False):
        self.article, self.target, self.user, self.both_ways = article, target, user, both_ways

    def check(self):
        if self.user is not None and not self.user.has_perm(self.permission):
            raise PermissionDenied(f"{self.user} may not change articles.")
        if self.article.pk == self.target.pk:
            raise ValidationError("An item cannot be related to itself.")

    def _link(self, article, target):
        if RelatedStory.objects.filter(article=article, target=target).exists():
            return None
        last = RelatedStory.objects.filter(article=article).order_by("-position").values_list("position", flat=True).first()
        story = related_story_from(target, article=article, position=(last + 1) if last is not None else 0)
        story.save()
        Article.objects.filter(pk=article.pk).update(modified_at=timezone.now())
        record_change(article=article, by=self.user, source=ArticleChange.Source.ADMIN,
                      summary=f"Linked related story {target.display_title}",
                      changes={"related": [None, f"+ {story.web_url or target.path}"]})
        return story

    def execute(self):
        self.check()
        with transaction.atomic():
            created = [self._link(self.article, self.target)]
            if self.both_ways:
                created.append(self._link(self.target, self.article))
        return [story for story in created if story is not None]


def related_suggestions(*, article: Article, limit: int = 8, window_days: int = 3) -> list[Article]:
    """Likely-related items: sharing a topic or a title word, published close in time.

    Candidates come from the date index (a window around the item's date) and the
    topic index, never a scan of the table; they are ranked by shared topics and title
    similarity.
    """
    from datetime import timedelta

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
    shared = {}
    for article_id, topic_id in ArticleTopic.objects.filter(article_id__in=[c.pk for c in candidates], topic_id__in=topic_ids).values_list("article_id", "topic_id"):
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
    import re

    return {w for w in re.findall(r"[\w']+", (title or "").casefold()) if len(w) > 2 and w not in _STOP}


# --------------------------------------------------------------------------------------
# Providers
# --------------------------------------------------------------------------------------
class MergeProvidersAction:
    """Merge providers into one: their items move, their domains become its aliases (so
    re-imports of files naming them map to the provider kept)."""

    permission = "articles.change_provider"

    def __init__(self, *, into: Provider, merged, user=None):
        self.into, self.merged, self.user = into, [p for p in merged if p.pk != into.pk], user

    def check(self):
        if self.user is not None and not (
            self.user.has_perm(self.permission) and self.user.has_perm("articles.delete_provider")
        ):
            raise PermissionDenied(f"{self.user} may not merge providers.")
        if not self.merged:
            raise ValidationError("Choose at least one other provider to merge.")

    def execute(self) -> int:
        self.check()
        with transaction.atomic():
            into = Provider.objects.select_for_update().get(pk=self.into.pk)
            aliases = list(into.aliases or [])
            moved = 0
            for provider in self.merged:
                for domain in [provider.domain, *(provider.aliases or [])]:
                    if domain != into.domain and domain not in aliases:
                        aliases.append(domain)
                moved += Article.objects.filter(provider=provider).update(provider=into, modified_at=timezone.now())
                TriageRule.objects.filter(provider=provider).update(provider=into)
                provider.delete()
            into.aliases = aliases
            into.save(update_fields=["aliases", "modified_at"])
            self.into.aliases = aliases
        domains = [p.domain for p in self.merged]
        logger.info("merged providers %s into %s (%d items) by %s", domains, into.domain, moved, self.user)
        signals.providers_merged.send(sender=type(self), provider=into, merged=domains, by=self.user)
        return moved


# --------------------------------------------------------------------------------------
# Triage rules
# --------------------------------------------------------------------------------------
def triage_rule_for(rules, *, collection, topic_ids, provider_id):
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


def apply_triage_rules(*, article_ids) -> dict:
    """Decide newly imported items by the enabled rules; returns counts.

    At or above the threshold the item is published; below, it is queued (not public,
    awaiting a decision). Both are recorded as decisions of the rule. Done in bulk.
    """
    rules = list(TriageRule.objects.enabled())
    counts = {"published": 0, "queued": 0}
    if not rules or not article_ids:
        return counts
    now = timezone.now()
    for start in range(0, len(article_ids), 500):
        chunk = article_ids[start:start + 500]
        topics = {}
        for article_id, topic_id in ArticleTopic.objects.filter(article_id__in=chunk).values_list("article_id", "topic_id"):
            topics.setdefault(article_id, set()).add(topic_id)
        publish, queue, decisions, history = [], [], [], []
        for pk, collection, provider_id, quality, published in Article.objects.filter(pk__in=chunk).values_list(
            "pk", "collection", "provider_id", "quality", "published"
        ):
            rule = triage_rule_for(rules, collection=collection, topic_ids=topics.get(pk, ()), provider_id=provider_id)
            if rule is None:
                continue
            if quality is not None and quality >= rule.threshold:
                publish.append(pk)
                action, note, new = Decision.Action.PUBLISH, f"rule {rule.name}: quality {quality} >= {rule.threshold}", True
            else:
                queue.append(pk)
                action, note, new = Decision.Action.QUEUE, f"rule {rule.name}: quality {quality} < {rule.threshold}", False
            decisions.append(Decision(article_id=pk, action=action, source=Decision.Source.RULE, at=now, note=note))
            history.append(ArticleChange(
                article_id=pk, source=ArticleChange.Source.RULE, at=now, summary=f"{Decision.Action(action).label}: {note}",
                changes={"published": [published, new]} if published != new else {},
            ))
        with transaction.atomic():
            Article.objects.filter(pk__in=publish).update(published=True, decided_at=now, decided_by=None, modified_at=now)
            Article.objects.filter(pk__in=queue).update(published=False, decided_at=None, decided_by=None, modified_at=now)
            Decision.objects.bulk_create(decisions)
            ArticleChange.objects.bulk_create(history)
        counts["published"] += len(publish)
        counts["queued"] += len(queue)
    return counts
