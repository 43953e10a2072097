"""The editorial decisions on an item: publish, reject, unpublish, schedule, queue."""
from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ...models import PUBLISH_PERMISSION, Article, Decision, ScheduledPublication
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
    ``PublishAction`` as the system.

    Each schedule is taken under a row lock and read again: two overlapping runs publish
    it once. A schedule whose author may no longer publish (deactivated, or out of the
    Editor group) goes back to the review queue instead: a publication is only as good as
    the right of whoever decided it.
    """
    now = now or timezone.now()
    due = list(
        ScheduledPublication.objects.filter(publish_at__lte=now).select_related("article", "by").order_by("publish_at", "pk")
    )
    if dry_run:
        return due
    done = []
    for schedule in due:
        with transaction.atomic():
            current = (ScheduledPublication.objects.select_for_update(skip_locked=True, of=("self",))
                       .select_related("article", "by").filter(pk=schedule.pk, publish_at__lte=now).first())
            if current is None:  # published or cancelled meanwhile, or another run has it
                continue
            by = current.by
            if by is not None and not (by.is_active and by.has_perm(PUBLISH_PERMISSION)):
                QueueAction(current.article, user=None, source=Decision.Source.SCHEDULE,
                            note=f"scheduled by {by}, who may no longer publish: back to the queue").execute()
                continue
            note = f"scheduled by {by}" if by else "scheduled"
            if current.note:
                note += f": {current.note}"
            PublishAction(current.article, user=None, note=note, source=Decision.Source.SCHEDULE).execute()
            done.append(current)
    return done


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
