"""Every index is where migrations keep it, as declared, on SQLite and PostgreSQL (issue 14).

The model state (fields' indexes, ``Meta.indexes``) is what Django's migrations know and
recreate when SQLite rebuilds a table; an index outside it is lost by the first rebuild.
So: after ``migrate``, the indexes of every table are those of the model state, with
the definitions Django would write for them today; the only others are PostgreSQL's
trigram search indexes (``articles/search_indexes.py``), which ``migrate`` builds when
they are missing. And a database migrated from before 0011, which has the indexes 0004
and 0008 made with SQL (PostgreSQL) or has lost them (SQLite), ends up the same.
"""
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction

from articles import search_indexes


def declared(model) -> dict:
    """{name: CREATE INDEX statement} of the indexes the model state gives ``model``."""
    editor = connection.schema_editor(collect_sql=True)
    return {str(statement.parts["name"]).strip('"'): statement for statement in editor._model_indexes_sql(model)}


def definitions(names) -> dict:
    """{name: the database's own text of the index}, for those of ``names`` that exist."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                           "AND indexname = ANY(%s)", [list(names)])
        else:
            cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN "
                           f"({', '.join(['%s'] * len(names))})", list(names))
        return dict(cursor.fetchall())


def indexes_of(table) -> set:
    """The names of the indexes on ``table`` (not those of its primary key and unique
    constraints, which are part of the table itself)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name for name, c in constraints.items() if c["index"] and not c["primary_key"] and not c["unique"]}


def differences_from_the_model_state() -> list[str]:
    """What is missing, different or extra, table by table, in the articles app."""
    problems = []
    with transaction.atomic():
        for model in apps.get_app_config("articles").get_models():
            if model._meta.proxy:
                continue
            table = model._meta.db_table
            wanted = declared(model)
            # Each declared index made again under a name of its own, so the database
            # writes both definitions its own way; they must read the same.
            probes = {}
            for n, (name, statement) in enumerate(sorted(wanted.items())):
                probe = f"probe_{model._meta.model_name}_{n}"
                statement.parts["name"] = connection.ops.quote_name(probe)
                with connection.cursor() as cursor:
                    cursor.execute(str(statement))
                probes[name] = probe
            there = definitions(list(wanted) + list(probes.values()))
            for name, probe in probes.items():
                if name not in there:
                    problems.append(f"{table}: {name} is missing")
                elif there[name] != there[probe].replace(probe, name):
                    problems.append(f"{table}: {name} is {there[name]!r}, not {there[probe]!r}")
            outside = indexes_of(table) - set(wanted) - set(probes.values())
            if table == search_indexes.TABLE and connection.vendor == "postgresql":
                outside -= {name for name, _ in search_indexes.TRIGRAM_INDEXES}
            problems += [f"{table}: {name} is not in the model state" for name in sorted(outside)]
        transaction.set_rollback(True)
    return problems


def trigram_indexes_complete() -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            return True  # no extension, no search indexes (the search works, from the table)
    return search_indexes.present(connection) == {name for name, _ in search_indexes.TRIGRAM_INDEXES}


@pytest.mark.django_db
def test_a_fresh_migrate_has_every_index_as_declared_and_no_other():
    assert differences_from_the_model_state() == []
    assert trigram_indexes_complete()


@pytest.mark.django_db
def test_the_check_sees_a_missing_and_a_different_index():
    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX "article_modified"')
        cursor.execute('DROP INDEX "article_type"')
        cursor.execute('CREATE INDEX "article_type" ON "articles_article" ("type" DESC)')
        cursor.execute('CREATE INDEX "article_by_hand" ON "articles_article" ("name")')
    problems = differences_from_the_model_state()
    assert len(problems) == 3, problems
    assert "articles_article: article_modified is missing" in problems
    assert any(p.startswith("articles_article: article_type is ") for p in problems)
    assert "articles_article: article_by_hand is not in the model state" in problems


MADE_WITH_SQL = {"article_modified", "article_public_date", "article_public_coll_date", "article_public_coll_heat",
                 "article_public_provider_date", "articletopic_article_topic"}


@pytest.mark.django_db(transaction=True)
def test_databases_migrated_from_before_0011_end_up_as_declared():
    try:
        # 0004 makes its indexes with SQL; 0009 adds a column, which rebuilds the items
        # table on SQLite (and forgets those indexes there); PostgreSQL keeps them.
        call_command("migrate", "articles", "0008", verbosity=0)
        call_command("migrate", "articles", "0010", verbosity=0)
        there = set(definitions(MADE_WITH_SQL | {"article_queue_nulls_last"}))
        if connection.vendor == "sqlite":
            assert there == {"articletopic_article_topic"}  # the bug of issue 14
        else:
            assert there == MADE_WITH_SQL | {"article_queue_nulls_last"}
        call_command("migrate", "articles", verbosity=0)
        assert differences_from_the_model_state() == []

        # Back to 0010: the indexes as 0004 and 0008 made them; forward again.
        call_command("migrate", "articles", "0010", verbosity=0)
        assert set(definitions(MADE_WITH_SQL)) == MADE_WITH_SQL
        call_command("migrate", "articles", verbosity=0)
        assert differences_from_the_model_state() == []
        assert trigram_indexes_complete()
    finally:
        call_command("migrate", verbosity=0)
