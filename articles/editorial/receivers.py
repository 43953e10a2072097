"""What the editorial part does when the importer reports (connected in apps.ready)."""
from django.dispatch import receiver

from .. import signals
from ..models import ArticleChange
from .history import record_change
from .triage import apply_triage_rules


@receiver(signals.article_imported, dispatch_uid="newsroom.history.import")
def record_import_changes(sender, article, changes, by=None, **kwargs):
    if changes:
        record_change(
            article=article, source=ArticleChange.Source.IMPORT, changes=changes, by=by,
            summary="Updated by import: " + ", ".join(changes),
        )


@receiver(signals.import_finished, dispatch_uid="newsroom.triage")
def triage_new_items(sender, created_ids, by=None, **kwargs):
    apply_triage_rules(article_ids=list(created_ids))
