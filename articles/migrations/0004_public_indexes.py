"""Indexes the public site's reads need at 100,000 items.

- ``modified_at``: the content stamp behind ETag / Last-Modified takes ``MAX(modified_at)``
  on every public request; with an index that is one index probe, not a table scan.
- Newest first, published only, with and without a collection: the lists and the API
  order by ``published_at DESC NULLS LAST, path``. On PostgreSQL the indexes are partial
  (published items only: ``published OR published IS NULL``, the predicate
  ``ArticleQuerySet.published()`` writes) and say ``NULLS LAST`` so that the ordering
  is read off the index; SQLite has no ``NULLS LAST`` in index definitions, but its
  ``DESC`` already puts NULLs last, so a plain descending index serves.
- Hottest first (``?sort=hottest``), and a provider's items newest first, same shape.
- Topic links by (article, topic): the topic filter is an EXISTS probe per listed item.

They are created with SQL per vendor, so they are not part of the model state.
"""
from django.db import migrations

INDEXES = {
    "postgresql": [
        ("article_modified", 'ON "articles_article" ("modified_at")'),
        ("article_public_date",
         'ON "articles_article" ("published_at" DESC NULLS LAST, "path") '
         'WHERE ("published" OR "published" IS NULL)'),
        ("article_public_coll_date",
         'ON "articles_article" ("collection", "published_at" DESC NULLS LAST, "path") '
         'WHERE ("published" OR "published" IS NULL)'),
        ("article_public_coll_heat",
         'ON "articles_article" ("collection", "heat" DESC NULLS LAST, "path") '
         'WHERE ("published" OR "published" IS NULL)'),
        ("article_public_provider_date",
         'ON "articles_article" ("provider_id", "published_at" DESC NULLS LAST, "path") '
         'WHERE ("published" OR "published" IS NULL)'),
        ("articletopic_article_topic", 'ON "articles_articletopic" ("article_id", "topic_id")'),
    ],
    "default": [
        ("article_modified", 'ON "articles_article" ("modified_at")'),
        ("article_public_date", 'ON "articles_article" ("published_at" DESC, "path")'),
        ("article_public_coll_date", 'ON "articles_article" ("collection", "published_at" DESC, "path")'),
        ("article_public_coll_heat", 'ON "articles_article" ("collection", "heat" DESC, "path")'),
        ("article_public_provider_date", 'ON "articles_article" ("provider_id", "published_at" DESC, "path")'),
        ("articletopic_article_topic", 'ON "articles_articletopic" ("article_id", "topic_id")'),
    ],
}


def _indexes(schema_editor):
    return INDEXES.get(schema_editor.connection.vendor, INDEXES["default"])


def create(apps, schema_editor):
    for name, definition in _indexes(schema_editor):
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" {definition}')


def drop(apps, schema_editor):
    for name, _ in _indexes(schema_editor):
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("articles", "0003_editorial_groups")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
