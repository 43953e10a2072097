"""The public site's deletion mark, and trigram indexes for its text search on PostgreSQL.

The ``q`` filter is ``icontains`` on title, excerpt, provider name and name, which
PostgreSQL writes ``UPPER(col) LIKE UPPER('%word%')``: without an index that is a scan
of every item. pg_trgm's GIN indexes on the same expressions answer it from the index
(pg_trgm is a trusted extension: the database owner may create it). Where the extension
is not available the search still works, only slower; SQLite is not concerned.
"""
from django.db import migrations, models

TRIGRAM_INDEXES = [
    ("article_title_trgm", 'UPPER("title")'),
    ("article_excerpt_trgm", 'UPPER("excerpt")'),
    ("article_provider_name_trgm", 'UPPER("provider_name"::text)'),
    ("article_name_trgm", 'UPPER("name"::text)'),
]


def create_trigram_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in TRIGRAM_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "articles_article" USING gin ({expression} gin_trgm_ops)'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0005_leaner_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='DeletionMark',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('deleted_at', models.DateTimeField()),
            ],
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
