"""The editorial decisions on an item: publish, reject, unpublish, schedule, queue."""
from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from ...models import Article, Decision, ScheduledPublication
from .base import DecisionAction, StaleDecision, describe_decision


class PublishAction(DecisionAction):
    action = Decision.Action.PUBLISH


class RejectAction(DecisionAction):
    action = Decision.Action.REJECT


class UnpublishAction(DecisionAction):
    action = Decision.Action.UNPUBLISH


class QueueAction(DecisionAction):
    """Back to the review queue (not public, awaiting a decision): cancels a scheduled
    publication; triage rules queue the new items below their threshold with it."""

    action = Decision.Action.QUEUE


class SchedulePublishAction(DecisionAction):
    """Decide to publish at a future time; ``publish_scheduled`` publishes it when due."""

    action = Decision.Action.SCHEDULE

    def __init__(self, article: Article, *, publish_at: datetime.datetime | None, **kwargs) -> None:
        super().__init__(article, **kwargs)
        self.publish_at = publish_at

    def validate(self) -> None:
        if self.publish_at is None or self.publish_at <= timezone.now():
            raise ValidationError("A scheduled publication must be in the future.")

    def decision_note(self) -> str:
        when = timezone.localtime(self.publish_at).strftime("%Y-%m-%d %H:%M %Z")
        return f"publish at {when}" + (f": {self.note}" if self.note else "")

    def apply(self) -> Decision:
        ScheduledPublication.objects.update_or_create(
            article_id=self.article.pk, defaults={"publish_at": self.publish_at, "by": self.user, "note": self.note}
        )
        return super().apply()


# The one-click decisions of the desk (queue rows, the item page).
DECISION_ACTIONS: dict[str, type[DecisionAction]] = {
    Decision.Action.PUBLISH: PublishAction,
    Decision.Action.REJECT: RejectAction,
    Decision.Action.UNPUBLISH: UnpublishAction,
}


def publish_due(*, now: datetime.datetime | None = None, dry_run: bool = False) -> list[ScheduledPublication]:
    """Publish the scheduled items that are due (``publish_scheduled``), each through
    ``PublishAction`` as the system."""
    now = now or timezone.now()
    due = list(
        ScheduledPublication.objects.filter(publish_at__lte=now).select_related("article", "by").order_by("publish_at", "pk")
    )
    if dry_run:
        return due
    for schedule in due:
        by = schedule.by
        note = f"scheduled by {by}" if by else "scheduled"
        if schedule.note:
            note += f": {schedule.note}"
        PublishAction(schedule.article, user=None, note=note, source=Decision.Source.SCHEDULE).execute()
    return due


def undo_action(decision: Decision, *, user=None) -> DecisionAction:
    """The action that puts the item back as it was before ``decision`` (its recorded
    ``previous`` state), recorded as an undo: run it with ``execute()``. It is refused
    (``StaleDecision``) if another decision came after ``decision``; undoing a schedule
    whose time has passed is refused as scheduling in the past is."""
    previous = decision.previous or {"state": "awaiting"}
    state = previous.get("state")
    note = f"undo of “{decision.get_action_display().lower()}” of {timezone.localtime(decision.at):%Y-%m-%d %H:%M:%S}"
    kwargs = {"user": user, "note": note, "source": Decision.Source.UNDO, "undoes": decision}
    if state == "scheduled":
        when = datetime.datetime.fromisoformat(previous["publish_at"])
        return SchedulePublishAction(decision.article, publish_at=when, **kwargs)
    action = {"published": PublishAction, "rejected": RejectAction, "unpublished": UnpublishAction}.get(state, QueueAction)
    return action(decision.article, **kwargs)


__all__ = ["DECISION_ACTIONS", "PublishAction", "QueueAction", "RejectAction", "SchedulePublishAction",
           "StaleDecision", "UnpublishAction", "describe_decision", "publish_due", "undo_action"]
