"""The base every editorial action shares (the pattern of Wagtail's ``wagtail/actions/``).

An action is one editorial operation on stored content, built with what it needs and
then run with ``execute()``:

1. ``check()``: may the user do this? Permission only; raises a ``PermissionDenied``
   subclass. ``execute(skip_permission_check=True)`` skips it and nothing else.
2. ``validate()``: can it be done? (a date in the future, an item not linked to itself);
   raises ``ValidationError``. Run whoever asks, before anything changes.
3. ``apply()``: the state change and its history record(s), in one transaction.
4. ``announce()``: one log entry and one signal, once the change is made.

Every path that changes an editorial decision (the admin, its bulk actions, the
``publish_scheduled`` command, triage rules after an import, a shell) builds the same
action, so none of them can forget the record, the log entry or the signal. ``user=None``
means the system (a command, a rule): it is always allowed.
"""
from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone

from ... import signals
from ...models import PUBLISH_PERMISSION, Article, Decision, ScheduledPublication
from ..history import HISTORY_SOURCE, record_change

logger = logging.getLogger("newsroom.editorial")


class ActionPermissionDenied(PermissionDenied):
    """The user may not run this editorial action."""


class DecisionPermissionDenied(ActionPermissionDenied):
    """The user may not make editorial decisions (publish, reject, unpublish, schedule)."""


class StaleDecision(ValidationError):
    """Someone decided on the item after the editor saw it: nothing is changed."""


def describe_decision(decision: Decision) -> str:
    """"editor-b rejected it at 2026-12-03 20:01:02 (note: “dup”)": who decided what and when."""
    who = decision.by.get_username() if decision.by_id and decision.by else decision.get_source_display().lower()
    what = decision.get_action_display().lower()
    if decision.source == Decision.Source.UNDO:
        what += " (an undo)"
    when = timezone.localtime(decision.at).strftime("%Y-%m-%d %H:%M:%S")
    return f"{who} {what} it at {when}" + (f" (note: “{decision.note}”)" if decision.note else "")


class EditorialAction:
    """One editorial operation: ``check()``, ``validate()``, ``apply()``, ``announce()``.

    Subclasses declare ``permissions`` (all needed), ``signal`` and what they refuse
    (``denied``, ``description``), and implement ``apply()``, ``log_message()`` and
    ``signal_kwargs()``.
    """

    permissions: tuple[str, ...] = ()
    denied: type[PermissionDenied] = ActionPermissionDenied
    description = "change articles"
    signal: Signal

    def __init__(self, *, user=None) -> None:
        self.user = user

    def check(self) -> None:
        """Refuse a user who lacks one of ``permissions`` (permission only, nothing else)."""
        user = self.user
        if user is None:
            return
        if not (user.is_active and all(user.has_perm(permission) for permission in self.permissions)):
            raise self.denied(f"{user} may not {self.description}.")

    def validate(self) -> None:
        """Refuse what cannot be done, whoever asks (``ValidationError``)."""

    def apply(self) -> Any:
        """Change the state and record it in the history; runs in a transaction."""
        raise NotImplementedError

    def log_message(self, result: Any) -> str:
        raise NotImplementedError

    def signal_kwargs(self, result: Any) -> dict:
        raise NotImplementedError

    def touched(self, result: Any) -> models.Model | None:
        """A row the public sees (an item, a provider) that this action changed: touched
        again once the change is committed."""
        return None

    def restamp(self, result: Any) -> None:
        """Move the public content stamp (``MAX(modified_at)``) past this change.

        The rows carry the time they were written; a write by someone else that commits
        while this transaction is open can carry a later time, and a page cached under it
        would then miss this change. Touching one changed item once all is committed (the
        outermost transaction, if an action runs inside another) moves the stamp past
        anything a reader could have seen.
        """
        row = self.touched(result)
        if row is not None and row.pk is not None:
            rows = type(row)._default_manager.filter(pk=row.pk)
            transaction.on_commit(lambda: rows.update(modified_at=timezone.now()))

    def announce(self, result: Any) -> None:
        """One log entry and one signal for the operation."""
        logger.info(self.log_message(result))
        self.signal.send(sender=type(self), **self.signal_kwargs(result))

    def execute(self, *, skip_permission_check: bool = False) -> Any:
        if not skip_permission_check:
            self.check()
        self.validate()
        with transaction.atomic():
            result = self.apply()
        self.restamp(result)
        self.announce(result)
        return result


class DecisionAction(EditorialAction):
    """An editorial decision on one item: a ``Decision`` row, the item's new state, one
    history entry, one log entry and one ``article_decided`` signal."""

    permissions = (PUBLISH_PERMISSION,)
    denied = DecisionPermissionDenied
    signal = signals.article_decided
    action: str = ""

    def __init__(self, article: Article, *, user=None, note: str = "", source: str = Decision.Source.EDITOR,
                 seen=None, undoes: Decision | None = None) -> None:
        """``seen``: when the editor saw the item (the page's time): the decision is
        refused (``StaleDecision``) if anyone decided on it since. ``undoes``: the
        decision this one undoes, refused if any other came after it."""
        super().__init__(user=user)
        self.article, self.note, self.source = article, (note or "").strip(), source
        self.seen, self.undoes = seen, undoes

    @property
    def description(self) -> str:  # type: ignore[override]
        return f"{self.action} articles"

    def decision_note(self) -> str:
        return self.note

    def apply(self) -> Decision:
        return self.decide(note=self.decision_note())

    def decide(self, *, note: str) -> Decision:
        """Apply ``action`` to the item (locked) and record it: a Decision and a history
        entry. Any decision but scheduling drops a scheduled publication."""
        article, action, by = self.article, self.action, self.user
        locked = Article.objects.select_for_update().only("pk", "published", "decided_at").get(pk=article.pk)
        at = timezone.now()  # once the row is ours: a decision is later than what it overrides
        self.refuse_if_stale()
        previous = self.state_before(locked)
        if action == Decision.Action.SCHEDULE:
            # Decided, not yet public: ``publish_scheduled`` publishes it when due.
            published, decided_at, decided_by = False, at, by
        elif action == Decision.Action.QUEUE:
            # Back to the queue: not public, awaiting a decision.
            published, decided_at, decided_by = False, None, None
        else:
            published, decided_at, decided_by = action == Decision.Action.PUBLISH, at, by
        if action != Decision.Action.SCHEDULE:
            ScheduledPublication.objects.filter(article_id=article.pk).delete()
        Article.objects.filter(pk=locked.pk).update(
            published=published, decided_at=decided_at, decided_by=decided_by, modified_at=at
        )
        article.published, article.decided_at, article.decided_by = published, decided_at, decided_by
        article.modified_at = at
        decision = Decision.objects.create(article=article, action=action, by=by, note=note, source=self.source, at=at,
                                           previous=previous, undoes=self.undoes)
        changes = {"published": (locked.published, published)} if locked.published != published else {}
        record_change(
            article=article, by=by, at=at, changes=changes,
            source=HISTORY_SOURCE.get(self.source, HISTORY_SOURCE[Decision.Source.EDITOR]),
            summary=decision.get_action_display() + (f": {note}" if note else ""),
        )
        return decision

    def touched(self, result: Decision) -> Article:
        return self.article

    def refuse_if_stale(self) -> None:
        """Under the item's lock: refuse if a decision was made since the editor saw the
        item (or since the decision being undone), saying who decided what and when."""
        later = Decision.objects.filter(article_id=self.article.pk).select_related("by").order_by("-at", "-pk")
        if self.undoes is not None:
            newer = later.filter(pk__gt=self.undoes.pk).first()
            if newer is not None:
                raise StaleDecision(f"“{self.article.display_title}” was not changed back: {describe_decision(newer)}, "
                                    "after the decision you wanted to undo.")
        if self.seen is not None:
            newer = later.filter(at__gt=self.seen).first()
            if newer is not None:
                raise StaleDecision(f"“{self.article.display_title}” was not changed: {describe_decision(newer)}, "
                                    "after you loaded the page. Reload to see its current state.")

    def state_before(self, locked: Article) -> dict:
        """What the item is before this decision, for an undo."""
        schedule = ScheduledPublication.objects.filter(article_id=locked.pk).values_list("publish_at", flat=True).first()
        if schedule is not None:
            return {"state": "scheduled", "publish_at": schedule.isoformat()}
        if locked.published:
            return {"state": "published", "publish_at": None}
        if locked.decided_at is None:
            return {"state": "awaiting", "publish_at": None}
        last = Decision.objects.filter(article_id=locked.pk).order_by("-at", "-pk").values_list("action", flat=True).first()
        return {"state": "unpublished" if last == Decision.Action.UNPUBLISH else "rejected", "publish_at": None}

    def log_message(self, result: Decision) -> str:
        return f"{self.action} {self.article.pk} ({self.article.path}) by {self.user or self.source}"

    def signal_kwargs(self, result: Decision) -> dict:
        return {"article": self.article, "decision": result, "by": self.user}
