"""On PostgreSQL, the long text columns of items, providers and topics (the source
file, the body, the secured payload, ...) compressed with lz4 rather than pglz.

PostgreSQL compresses a row's long values when it is over about 2 kB, which most items
are (they keep their whole source file). lz4 compresses several times faster than
pglz and decompresses faster still, for about the same size: inserting 30,000 items
cost the server 0.3-0.8 s less (bench/README.md), and reading them back less too.
Values already stored keep their compression until they are rewritten. Where the
server was built without lz4 nothing changes; SQLite is not concerned.
"""
from django.db import migrations

TABLES = ("articles_article", "articles_provider", "articles_topic")


def _text_columns(cursor):
    cursor.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ANY(%s) AND data_type = 'text' "
        "ORDER BY table_name, ordinal_position",
        [list(TABLES)],
    )
    return cursor.fetchall()


def _set_compression(schema_editor, method):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
        )
        if cursor.fetchone() is None:
            return
        columns = _text_columns(cursor)
    qn = schema_editor.quote_name
    for table, column in columns:
        schema_editor.execute(f"ALTER TABLE {qn(table)} ALTER COLUMN {qn(column)} SET COMPRESSION {method}")


def use_lz4(apps, schema_editor):
    _set_compression(schema_editor, "lz4")


def use_default(apps, schema_editor):
    _set_compression(schema_editor, "default")


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0009_file_signature'),
    ]

    operations = [
        migrations.RunPython(use_lz4, use_default, elidable=False),
    ]
