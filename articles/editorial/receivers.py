"""What the editorial part does when the importer reports (connected in apps.ready)."""
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from .. import signals
from ..models import PUBLISH_PERMISSION, Article, ArticleChange, Decision, RelatedStory
from .actions import PublishAction, UnpublishAction
from .history import record_change
from .triage import apply_triage_rules


@receiver(signals.article_imported, dispatch_uid="newsroom.history.import")
def record_import_changes(sender, article, changes, by=None, **kwargs):
    """The history of an import's update; a change of ``published`` is a decision, made
    through the decision actions like any other (a Decision row, the log, the signal).
    The importer has already refused such files from whoever may not publish."""
    if not changes:
        return
    record_change(
        article=article, source=ArticleChange.Source.IMPORT, changes=changes, by=by,
        summary="Updated by import: " + ", ".join(str(key) for key in changes),
    )
    if "published" in changes:
        was, now = (value is not False for value in changes["published"])  # no key: public
        if was != now:
            action = PublishAction if now else UnpublishAction
            action(article, user=by, note=f"from the imported file {article.path}",
                   source=Decision.Source.EDITOR if by is not None else Decision.Source.COMMAND,
                   ).execute(skip_permission_check=True)


@receiver(signals.import_finished, dispatch_uid="newsroom.triage")
def triage_new_items(sender, created_ids, by=None, **kwargs):
    may_publish = by is None or (by.is_active and by.has_perm(PUBLISH_PERMISSION))
    apply_triage_rules(article_ids=list(created_ids), may_publish=may_publish)


@receiver(pre_delete, sender=Article, dispatch_uid="newsroom.related.deleted-draft")
def drop_stories_of_a_deleted_draft(sender, instance, **kwargs):
    """A story linked to an unpublished item carries that item's title, excerpt and URL
    and is hidden while it is unpublished; deleted, it would lose its link (SET_NULL) and
    show as an ordinary story: it goes with the item, recorded on the items it was on."""
    if instance.is_published:
        return
    for story in RelatedStory.objects.filter(target=instance).select_related("article"):
        record_change(
            article=story.article, source=ArticleChange.Source.ADMIN, by=None,
            summary=f"Related story removed: its item {instance.path} (never published) was deleted",
            changes={"related": [f"- {story.web_url or story.title or instance.path}", None]},
        )
        story.delete()
