"""Items' history: who changed which fields, from what to what, and how."""
from __future__ import annotations

import datetime

from django.utils import timezone

from ..models import Article, ArticleChange, Decision
from ..output import json_value

# The history source of a decision, by who decided.
HISTORY_SOURCE = {
    Decision.Source.EDITOR: ArticleChange.Source.DECISION,
    Decision.Source.COMMAND: ArticleChange.Source.DECISION,
    Decision.Source.RULE: ArticleChange.Source.RULE,
    Decision.Source.SCHEDULE: ArticleChange.Source.SCHEDULE,
    Decision.Source.UNDO: ArticleChange.Source.DECISION,
}


def record_change(
    *,
    article: Article,
    source: str,
    changes: dict | None = None,
    by=None,
    summary: str = "",
    at: datetime.datetime | None = None,
) -> ArticleChange:
    """Add an entry to an item's history: {field: (old, new)} plus who, when, how.

    Values are stored as the API shows them (``output.json_value``: dates as ISO 8601
    text, keys as text, NaN as null), so that any value a file holds can be recorded.
    """
    plain = {name: [json_value(old), json_value(new)] for name, (old, new) in (changes or {}).items()}
    return ArticleChange.objects.create(
        article_id=article.pk, source=source, by=by, summary=summary[:300], changes=plain, at=at or timezone.now()
    )
