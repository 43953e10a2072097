"""Services: the only places where Newsroom's state changes for editorial reasons.

Keyword-only functions, each one transaction. The admin, the API and the management
commands all call these; none of them writes ``Article.published`` itself.
"""
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from .models import Article, Decision

PUBLISH_PERMISSION = "articles.publish_article"


class DecisionPermissionDenied(PermissionDenied):
    """The user may not make editorial decisions."""


def can_decide(user) -> bool:
    return user is None or (user.is_active and user.has_perm(PUBLISH_PERMISSION))


def check_can_decide(user) -> None:
    if not can_decide(user):
        raise DecisionPermissionDenied(f"{user} may not publish or unpublish articles.")


@transaction.atomic
def article_set_decision(
    *,
    article: Article,
    action: str,
    by=None,
    note: str = "",
    source: str = Decision.Source.EDITOR,
    at=None,
) -> Decision:
    """Record an editorial decision and apply it to the item.

    ``by`` is the user deciding; ``None`` means the system (a command, a rule), which
    is always allowed. A user without ``articles.publish_article`` is refused.
    """
    if action not in Decision.Action.values:
        raise ValueError(f"unknown decision {action!r}")
    check_can_decide(by)
    at = at or timezone.now()
    published = action == Decision.Action.PUBLISH
    locked = Article.objects.select_for_update().only("pk").get(pk=article.pk)
    Article.objects.filter(pk=locked.pk).update(
        published=published, decided_at=at, decided_by=by, modified_at=at
    )
    article.published, article.decided_at, article.decided_by = published, at, by
    return Decision.objects.create(
        article=article, action=action, by=by, note=note or "", source=source, at=at
    )


def article_publish(*, article: Article, by=None, note: str = "", source=Decision.Source.EDITOR) -> Decision:
    return article_set_decision(article=article, action=Decision.Action.PUBLISH, by=by, note=note, source=source)


def article_unpublish(*, article: Article, by=None, note: str = "", source=Decision.Source.EDITOR) -> Decision:
    return article_set_decision(article=article, action=Decision.Action.UNPUBLISH, by=by, note=note, source=source)


def article_reject(*, article: Article, by=None, note: str = "", source=Decision.Source.EDITOR) -> Decision:
    return article_set_decision(article=article, action=Decision.Action.REJECT, by=by, note=note, source=source)


COLLECTION_FOLDERS = {
    "news": "_news",
    "learning": "_learning",
    "samples": "_samples",
    "newsletters": "_newsletters",
    "people": "_people",
    "communities": "_communities",
}


def article_default_path(*, collection: str = "news", title: str = "", published_at=None) -> str:
    """The path an item created in the CMS gets: ``_news/YYYY-MM-DD-<slug>.md``.

    Made unique by a numeric suffix when another item already has it.
    """
    folder = COLLECTION_FOLDERS.get(collection, f"_{slugify(collection) or 'news'}")
    slug = slugify(title)[:80].strip("-") or "item"
    if collection == "news":
        day = (published_at or timezone.now()).strftime("%Y-%m-%d")
        stem = f"{folder}/{day}-{slug}"
    else:
        stem = f"{folder}/{slug}"
    candidate, n = f"{stem}.md", 2
    while Article.objects.filter(path=candidate).exists():
        candidate, n = f"{stem}-{n}.md", n + 1
    return candidate
