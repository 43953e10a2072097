"""Builders of published and draft items for the public-site tests (real rows, no mocks)."""
import datetime as dt

from articles.models import Article, ArticleImage, ArticleTopic, Provider, RelatedStory, Topic

UTC = dt.timezone.utc
BASE = dt.datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def provider(domain="example.com", name="Example News", **fields):
    fields.setdefault("images", [{"url": f"https://{domain}/logo-50x50.jpg", "width": 50, "height": 50}])
    return Provider.objects.get_or_create(domain=domain, defaults={"name": name, **fields})[0]


def topic(topic_id, name=None, parent=None):
    return Topic.objects.get_or_create(
        topic_id=topic_id, defaults={"name": name or topic_id.replace("-", " ").title(), "parent": parent}
    )[0]


DEFAULT = object()


def article(n=0, *, collection="news", published=True, topics=(), source=DEFAULT, images=1, related=(), **fields):
    """Item number ``n``: newer items have higher numbers. ``source=None``: no provider."""
    source = provider() if source is DEFAULT else source
    when = fields.pop("published_at", BASE + dt.timedelta(hours=n))
    folder = {"news": "_news"}.get(collection, f"_{collection}")
    values = {
        "path": f"{folder}/{when:%Y-%m-%d}-item-{n}.md",
        "collection": collection,
        "category": "news" if collection == "news" else None,
        "title": f"Item {n} title",
        "excerpt": f"Excerpt of item {n}.",
        "published_at": when,
        "web_url": f"https://{source.domain if source else 'example.org'}/story-{n}",
        "original_url": f"https://{source.domain if source else 'example.org'}/story-{n}",
        "type": "article",
        "quality": 50 + n % 50,
        "heat": n,
        "published": published,
        "provider": source,
        "provider_name": source.name if source else None,
        "provider_images": source.images if source else None,
        "body": "\n",
    }
    values.update(fields)
    item = Article.objects.create(**values)
    for position, t in enumerate(topics):
        ArticleTopic.objects.create(article=item, topic=t, position=position)
    for position in range(images):
        ArticleImage.objects.create(
            article=item, position=position, url=f"https://img.example.com/{n}-{position}.png",
            width=1200, height=630, is_cached=True,
        )
    for position, story in enumerate(related):
        RelatedStory.objects.create(article=item, position=position, **story)
    return item


def many(count, start=0, **fields):
    return [article(n, **fields) for n in range(start, start + count)]
