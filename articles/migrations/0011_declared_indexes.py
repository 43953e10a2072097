"""The indexes of the hot queries, declared in the model state (``Article.Meta.indexes``,
``ArticleTopic.Meta.indexes``) rather than made with SQL on the side.

0004 and 0008 created them with SQL, outside the model state; on SQLite, 0009's
``AddField`` rebuilt the items table and recreated only the indexes the state knew, so
every SQLite database migrated past 0009 has lost ``article_modified`` and the
``article_public_*`` indexes, and every public request scanned the table. PostgreSQL
never rebuilds a table: there they are all still present, with ``article_queue_nulls_last``
beside an ``article_queue`` whose order (``DESC``, NULLs first) the queue cannot use.

First, whatever 0004 and 0008 made that is still there is dropped (``IF EXISTS``: a
database that lost them, and a database where someone made them again by hand, end up
the same); then the declared indexes are created by Django's own operations, with the
same names (``article_queue`` now says ``NULLS LAST`` where the database can, see
``NullsLastIndex``). From here on every migration keeps them, on every database.

Two indexes of the model state change on the way (see ``Article.Meta.indexes``):
``article_decided`` holds only the items an editor decided, and ``article_queue_coll``
holds the queue's columns, so that the review queue and the desk's counts are read from
the indexes made for them on SQLite too.
"""
import importlib

from django.conf import settings
from django.db import migrations, models

import articles.models

# What 0004_public_indexes and 0008_queue_index_postgresql made with SQL.
UNMANAGED = [
    "article_modified",
    "article_public_date",
    "article_public_coll_date",
    "article_public_coll_heat",
    "article_public_provider_date",
    "articletopic_article_topic",
    "article_queue_nulls_last",
]
PUBLIC = models.Q(("published", True), ("published__isnull", True), _connector="OR")
NEWEST = models.OrderBy(models.F("published_at"), descending=True, nulls_last=True)


def drop_unmanaged(apps, schema_editor):
    for name in UNMANAGED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def make_unmanaged_again(apps, schema_editor):
    """Back to 0010: the indexes as 0004 and 0008 made them."""
    importlib.import_module("articles.migrations.0004_public_indexes").create(apps, schema_editor)
    importlib.import_module("articles.migrations.0008_queue_index_postgresql").forwards(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("articles", "0010_lz4_compression"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_unmanaged, make_unmanaged_again, elidable=False),
        migrations.RemoveIndex(
            model_name="article",
            name="article_queue",
        ),
        migrations.RemoveIndex(
            model_name="article",
            name="article_decided",
        ),
        migrations.RemoveIndex(
            model_name="article",
            name="article_queue_coll",
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["modified_at"], name="article_modified"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=articles.models.NullsLastIndex(NEWEST, models.F("path"), condition=PUBLIC, name="article_public_date"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=articles.models.NullsLastIndex(
                models.F("collection"), NEWEST, models.F("path"), condition=PUBLIC, name="article_public_coll_date",
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=articles.models.NullsLastIndex(
                models.F("collection"), models.OrderBy(models.F("heat"), descending=True, nulls_last=True),
                models.F("path"), condition=PUBLIC, name="article_public_coll_heat",
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=articles.models.NullsLastIndex(
                models.F("provider"), NEWEST, models.F("path"), condition=PUBLIC, name="article_public_provider_date",
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=articles.models.NullsLastIndex(
                models.OrderBy(models.F("quality"), descending=True, nulls_last=True),
                models.OrderBy(models.F("heat"), descending=True, nulls_last=True),
                NEWEST,
                models.OrderBy(models.F("id"), descending=True),
                condition=models.Q(("decided_at__isnull", True), ("published", False)),
                name="article_queue",
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["decided_by", "-decided_at"], condition=models.Q(("decided_by__isnull", False)),
                name="article_decided",
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["collection", "published", "decided_at"],
                condition=models.Q(("decided_at__isnull", True), ("published", False)),
                name="article_queue_coll",
            ),
        ),
        migrations.AddIndex(
            model_name="articletopic",
            index=models.Index(fields=["article", "topic"], name="articletopic_article_topic"),
        ),
    ]
