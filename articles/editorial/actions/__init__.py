"""Editorial actions: one class per operation, all built on ``base.EditorialAction``
(permission in ``check()``, the rest in ``validate()``, the change in ``apply()``, then
one log entry and one signal). Every path that changes editorial state runs one."""
from .base import (
    ActionPermissionDenied, DecisionAction, DecisionPermissionDenied, EditorialAction, StaleDecision, describe_decision,
)
from .decisions import (
    DECISION_ACTIONS, PublishAction, QueueAction, RejectAction, SchedulePublishAction, UnpublishAction, publish_due,
    undo_action,
)
from .providers import MergeProvidersAction
from .related import LinkRelatedAction
from .topics import AddTopicAction

__all__ = [
    "DECISION_ACTIONS", "ActionPermissionDenied", "AddTopicAction", "DecisionAction", "DecisionPermissionDenied",
    "EditorialAction", "LinkRelatedAction", "MergeProvidersAction", "PublishAction", "QueueAction", "RejectAction",
    "SchedulePublishAction", "StaleDecision", "UnpublishAction", "describe_decision", "publish_due", "undo_action",
]
