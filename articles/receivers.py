"""What the editorial desk does when the importer reports (connected in apps.ready)."""
from django.dispatch import receiver

from . import services, signals
from .models import ArticleChange


@receiver(signals.article_imported, dispatch_uid="newsroom.history.import")
def record_import_changes(sender, article, changes, by=None, **kwargs):
    if changes:
        services.record_change(
            article=article, source=ArticleChange.Source.IMPORT, changes=changes, by=by,
            summary="Updated by import: " + ", ".join(changes),
        )


@receiver(signals.import_finished, dispatch_uid="newsroom.triage")
def triage_new_items(sender, created_ids, by=None, **kwargs):
    services.apply_triage_rules(article_ids=list(created_ids))
