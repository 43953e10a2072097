"""Small helpers shared by the importer/exporter tests."""
import io
from pathlib import Path

from django.core.management import CommandError, call_command

from articles.models import Article, ArticleImage, ArticleTopic, Provider, RelatedStory, Topic


def run(command, *args, **options):
    """Run a management command; return (exit status, stdout lines, stderr text)."""
    out, err = io.StringIO(), io.StringIO()
    status = 0
    try:
        call_command(command, *[str(a) for a in args], stdout=out, stderr=err, **options)
    except CommandError as exc:
        status = exc.returncode
        err.write(str(exc))
    return status, out.getvalue().splitlines(), err.getvalue()


def db_state():
    """Everything the content tables hold, to assert that nothing changed."""
    return (
        list(Article.objects.order_by("pk").values_list()),
        list(ArticleImage.objects.order_by("pk").values_list()),
        list(ArticleTopic.objects.order_by("pk").values_list()),
        list(RelatedStory.objects.order_by("pk").values_list()),
        list(Provider.objects.order_by("pk").values_list()),
        list(Topic.objects.order_by("pk").values_list()),
    )


def write(root: Path, rel: str, text, *, binary=False) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if binary:
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode("utf-8"))
    return path


def tree(root: Path) -> dict:
    """{relative path: bytes} of every file under root."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


NEWS_ITEM = """---
category: news
title: "A title"
excerpt: "An excerpt."
publishedDateTime: 2024-03-01T10:00:00Z
webUrl: "https://example.com/a"
type: article
quality: 75
heat: 3
published: true

provider:
  name: Example
  domain: example.com

topics:
  - Widgets

secured: "s1;s2"
---

"""
