"""Add a topic to items (the desk's bulk action)."""
from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from ... import signals
from ...models import Article, ArticleChange, ArticleTopic, Topic
from .base import EditorialAction


class AddTopicAction(EditorialAction):
    """Add a topic to items (at the end of their topics), skipping those that have it.

    One history entry per item changed; one log entry and one ``topic_added`` signal
    for the operation. Returns the number of items changed.
    """

    permissions = ("articles.change_article",)
    signal = signals.topic_added

    def __init__(self, articles: QuerySet, *, topic: Topic, user=None) -> None:
        super().__init__(user=user)
        self.articles, self.topic = articles, topic
        self.changed: list[int] = []

    def apply(self) -> int:
        has_it = ArticleTopic.objects.filter(article=OuterRef("pk"), topic=self.topic)
        targets = list(
            self.articles.model.objects.filter(pk__in=self.articles.values("pk"))
            .exclude(Exists(has_it)).values_list("pk", flat=True)
        )
        last: dict[int, int] = {}
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
        self.changed = targets
        return len(targets)

    def touched(self, result: int) -> Article | None:
        return Article(pk=self.changed[-1]) if self.changed else None

    def log_message(self, result: int) -> str:
        return f"added topic {self.topic.topic_id} to {result} items by {self.user or 'the system'}"

    def signal_kwargs(self, result: int) -> dict:
        return {"topic": self.topic, "article_ids": self.changed, "by": self.user}
