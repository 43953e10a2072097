"""Keeps the public site's content stamp honest about deletions (connected in apps.ready)."""
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from ..models import Article, DeletionMark, Provider, Topic


@receiver(post_delete, sender=Article, dispatch_uid="newsroom.public.deleted.article")
@receiver(post_delete, sender=Provider, dispatch_uid="newsroom.public.deleted.provider")
@receiver(post_delete, sender=Topic, dispatch_uid="newsroom.public.deleted.topic")
def mark_deletion(sender, instance, using, **kwargs):
    now = timezone.now()
    marks = DeletionMark.objects.using(using)
    if not marks.filter(pk=1).update(deleted_at=now):
        marks.create(pk=1, deleted_at=now)
