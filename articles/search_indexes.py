"""PostgreSQL's trigram indexes of the text search, and building them after a bulk load.

Migration 0006 creates these GIN indexes (when pg_trgm is available) so that the
``icontains`` searches of the site and the desk are answered from an index. Kept up to
date row by row, they are the dearest part of inserting an item: for a first import of
30,000 items, 3.2 s of the server's 5 s, where building them once the rows are in takes
1.4 s (``bench/README.md``). So the first import of a site into an empty database
drops them and builds them again at the end, as ``pg_restore`` does with its indexes.

If the import is killed before it can build them (``kill -9``, a crash), the next
import, or ``manage.py migrate``, builds what is missing: searches only get slower
meanwhile, they never fail.

Unlike every other index (``Article.Meta.indexes``), they are not in the model state:
they exist on PostgreSQL only, and only where the pg_trgm extension is available, and
an import drops them for a while. PostgreSQL never rebuilds a table for a schema
change, so no migration loses them; ``migrate`` builds them if they are missing
(``build_missing_after_migrate``), which ``tests/test_indexes.py`` checks.
"""
from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor

from django.db import connections

# The same indexes as migration 0006 (whose copy stays frozen with it), largest first.
TRIGRAM_INDEXES = [
    ("article_excerpt_trgm", 'UPPER("excerpt")'),
    ("article_title_trgm", 'UPPER("title")'),
    ("article_provider_name_trgm", 'UPPER("provider_name"::text)'),
    ("article_name_trgm", 'UPPER("name"::text)'),
]
TABLE = "articles_article"
CREATED_BY = ("articles", "0006_public_deletion_mark")  # the migration that creates them


def _usable(connection) -> bool:
    """PostgreSQL with pg_trgm installed (migration 0006 installs it where it can), and
    outside a transaction: PostgreSQL will not build an index in one that has inserted
    rows with deferred foreign keys (each batch of an import commits on its own)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def present(connection) -> set[str]:
    """The names of the trigram indexes that exist now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s",
            [TABLE],
        )
        names = {row[0] for row in cursor.fetchall()}
    return {name for name, _ in TRIGRAM_INDEXES if name in names}


def create_missing(connection, *, parallel: int = 1) -> list[str]:
    """Build the trigram indexes that are missing; returns their names.

    With ``parallel`` > 1 they are built that many at a time, each on a connection of
    its own (PostgreSQL 15 builds a GIN index in one process), largest first.
    """
    if not _usable(connection):
        return []
    there = present(connection)
    todo = [(name, expression) for name, expression in TRIGRAM_INDEXES if name not in there]
    if parallel > 1 and len(todo) > 1:
        with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="search-index") as pool:
            list(pool.map(lambda index: _build_alone(connection.alias, *index), todo))
    else:
        with connection.cursor() as cursor:
            for name, expression in todo:
                cursor.execute(_create_sql(name, expression))
    return [name for name, _ in todo]


def _create_sql(name, expression):
    return f'CREATE INDEX IF NOT EXISTS "{name}" ON "{TABLE}" USING gin ({expression} gin_trgm_ops)'


def _build_alone(alias, name, expression):
    """One index built on this thread's own connection, closed afterwards."""
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(_create_sql(name, expression))
    finally:
        connection.close()


@contextlib.contextmanager
def built_after(connection, report=None):
    """Drop the trigram indexes for the duration of the block, build them at its end
    (whatever way it ends). ``report(names, seconds)`` is told what was built. Nothing
    happens where they cannot be built (see _usable())."""
    if not _usable(connection):
        yield
        return
    with connection.cursor() as cursor:
        for name in sorted(present(connection)):
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    try:
        yield
    finally:
        started = time.monotonic()
        built = create_missing(connection, parallel=2)
        if report is not None:
            report(built, time.monotonic() - started)


def build_missing_after_migrate(using, **kwargs):
    """``post_migrate``: build what an interrupted first import left unbuilt, where the
    migration that creates the indexes is applied (not after migrating back)."""
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    if _usable(connection) and CREATED_BY in MigrationRecorder(connection).applied_migrations():
        create_missing(connection)
