"""Link a stored item as a related story of another."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from ... import signals
from ...models import Article, ArticleChange, RelatedStory
from ..history import record_change
from ..related import related_story_from
from .base import EditorialAction


class LinkRelatedAction(EditorialAction):
    """Link ``target`` as a related story of ``article`` (at the end), optionally both ways.

    One history entry per item that gains a story; one log entry and one
    ``related_linked`` signal for the operation. Returns the stories created (none when
    already linked).
    """

    permissions = ("articles.change_article",)
    signal = signals.related_linked

    def __init__(self, article: Article, *, target: Article, user=None, both_ways: bool = False) -> None:
        super().__init__(user=user)
        self.article, self.target, self.both_ways = article, target, both_ways

    def validate(self) -> None:
        if self.article.pk == self.target.pk:
            raise ValidationError("An item cannot be related to itself.")

    def _link(self, article: Article, target: Article) -> RelatedStory | None:
        if RelatedStory.objects.filter(article=article, target=target).exists():
            return None
        last = RelatedStory.objects.filter(article=article).order_by("-position").values_list("position", flat=True).first()
        story = related_story_from(target, article=article, position=(last + 1) if last is not None else 0)
        story.save()
        Article.objects.filter(pk=article.pk).update(modified_at=timezone.now())
        record_change(article=article, by=self.user, source=ArticleChange.Source.ADMIN,
                      summary=f"Linked related story {target.display_title}",
                      changes={"related": [None, f"+ {story.web_url or target.path}"]})
        return story

    def touched(self, result: list[RelatedStory]) -> Article | None:
        return self.article if result else None

    def apply(self) -> list[RelatedStory]:
        created = [self._link(self.article, self.target)]
        if self.both_ways:
            created.append(self._link(self.target, self.article))
        return [story for story in created if story is not None]

    def log_message(self, result: list[RelatedStory]) -> str:
        return (f"linked {self.target.pk} to {self.article.pk}{' both ways' if self.both_ways else ''}: "
                f"{len(result)} new stories by {self.user or 'the system'}")

    def signal_kwargs(self, result: list[RelatedStory]) -> dict:
        return {"article": self.article, "target": self.target, "stories": result, "by": self.user}
