"""PostgreSQL only: the review queue's index with the queue's own NULLS LAST order.

The queue sorts by quality, heat and date, highest first, items without a score last on
every database. SQLite's descending order already puts NULLs last (and SQLite indexes
cannot say NULLS LAST), so ``article_queue`` serves it there; PostgreSQL needs this one.
"""
from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS article_queue_nulls_last ON articles_article "
    "(quality DESC NULLS LAST, heat DESC NULLS LAST, published_at DESC NULLS LAST, id DESC) "
    "WHERE (NOT published AND decided_at IS NULL)"
)
DROP = "DROP INDEX IF EXISTS article_queue_nulls_last"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("articles", "0007_desk_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
