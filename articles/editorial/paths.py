"""Where an item created in the desk is written."""
from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.text import slugify

from ..collections import COLLECTION_FOLDERS, DATED_COLLECTIONS
from ..models import Article


def article_default_path(
    *, collection: str = "news", title: str = "", published_at: datetime.datetime | None = None
) -> str:
    """The path an item created in the CMS gets: ``_news/YYYY-MM-DD-<slug>.md``.

    Made unique by a numeric suffix when another item already has it.
    """
    folder = COLLECTION_FOLDERS.get(collection, f"_{slugify(collection) or 'news'}")
    slug = slugify(title)[:80].strip("-") or "item"
    if collection in DATED_COLLECTIONS:
        day = (published_at or timezone.now()).strftime("%Y-%m-%d")
        stem = f"{folder}/{day}-{slug}"
    else:
        stem = f"{folder}/{slug}"
    candidate, n = f"{stem}.md", 2
    while Article.objects.filter(path=candidate).exists():
        candidate, n = f"{stem}-{n}.md", n + 1
    return candidate
