"""The hot queries are read from their indexes, on SQLite and on PostgreSQL (issue 14).

A site of 20,000 items (``tests/plans.py``) is built once for the module, with the
statistics a live database has. For each hot page the real request is made, every SQL
query it runs is captured, and the plan of each query that reads the items table is
asked of the database: none may read the table in full (see ``plans.full_scans`` for
what that means on each database). Queries are never written here: a view or selector
that changes its query is checked as it now is.

Then each index a hot query needs is dropped (inside the test's transaction) to show
that the check catches its loss.
"""
import contextlib

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import plans

pytestmark = pytest.mark.django_db

ITEMS = 20_000
AUTOCOMPLETE = "/admin/autocomplete/?app_label=articles&model_name=relatedstory&field_name=target&term="


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    """The synthetic site, committed (every test of the module reads it in its own
    transaction), removed at the end of the module."""
    from django.contrib.auth import get_user_model

    with django_db_blocker.unblock():
        desk = get_user_model().objects.create_superuser("plans-editor", "plans@example.org", "plans-password")
        try:
            built = plans.build_site(items=ITEMS, user_id=desk.pk)
            yield {**built, "desk_user": desk}
        finally:
            plans.remove_site()
            desk.delete()


# The pages whose queries run on every visit; ``{...}`` is filled in from the site.
HOT_PAGES = {
    "304 (content stamp only)": "/#304",
    "API page": "/api/news/index.json",
    "API page 3": "/api/news/page/3/index.json",
    "API, hottest first": "/api/news/index.json?sort=hottest",
    "API of a collection that stopped": "/api/{stopped_collection}/index.json",
    "API topic page": "/api/news/{topic}/index.json",
    "home": "/",
    "home page 2": "/?page=2",
    "topic page": "/topics/{topic}/",
    "provider page": "/providers/{provider}/",
    "page of a provider that stopped": "/providers/{stopped_provider}/",
    "page of a small provider": "/providers/{small_provider}/",
    "item page": "/items/{article_id}/",
    "RSS feed": "/feeds/latest.rss",
    "topic feed": "/feeds/topics/{topic}.atom",
    "provider feed": "/feeds/providers/{provider}.rss",
    "review queue": "/admin/articles/reviewitem/",
    "desk (its counts)": "/admin/",
    "autocomplete, a common word": AUTOCOMPLETE + "power",
    "autocomplete, a rare word": AUTOCOMPLETE + "{rare_word}",
}


def full_reads(client, site, page) -> dict:
    """{SQL: where it reads the items table in full} over the queries of one request."""
    url = HOT_PAGES[page].format(**site)
    if url.startswith("/admin/"):
        client.force_login(site["desk_user"])
    headers = {}
    if url.endswith("#304"):
        url = url.removesuffix("#304")
        headers["HTTP_IF_NONE_MATCH"] = client.get(url)["ETag"]
    for cache in caches.all():
        cache.clear()  # every query of the page runs, none is answered from a cache
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == (304 if headers else 200), url
    queries = [q["sql"] for q in captured.captured_queries if plans.reads_items(q["sql"])]
    assert queries, f"{url}: no query of the items table was captured"
    found = {}
    for sql in queries:
        scans = plans.full_scans(sql, items=site["items"])
        if scans:
            found[sql] = (scans, plans.describe(sql))
    return found


@contextlib.contextmanager
def without_sqlite_statistics():
    """A SQLite database nobody ran ANALYZE on (what ``make run`` gives): the planner
    decides from the schema alone. The statistics are put back at the end: SQLite reads
    them again only when told to (``ANALYZE sqlite_schema``), not when a transaction
    that changed them is rolled back."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tbl, idx, stat FROM sqlite_stat1")
        saved = cursor.fetchall()
        cursor.execute("DELETE FROM sqlite_stat1")
        cursor.execute("ANALYZE sqlite_schema")
        try:
            yield
        finally:
            cursor.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)", saved)
            cursor.execute("ANALYZE sqlite_schema")


STATISTICS = ["analyzed", "none"] if connection.vendor == "sqlite" else ["analyzed"]


@pytest.mark.parametrize("statistics", STATISTICS)
@pytest.mark.parametrize("page", list(HOT_PAGES))
def test_no_hot_query_reads_the_items_table_in_full(client, site, page, statistics):
    with without_sqlite_statistics() if statistics == "none" else contextlib.nullcontext():
        found = full_reads(client, site, page)
    assert not found, "\n\n".join(f"{sql}\n{scans}\n{plan}" for sql, (scans, plan) in found.items())


# Each index of a hot query, and pages that read the table in full without it. (On
# PostgreSQL, without the per-collection or per-provider index, a list of news or of
# the largest provider is the newest-first walk of ``article_public_date``, filtered
# as it goes, which stops soon; a list of a collection or a provider that stopped
# publishing three years ago walks half the table to reach its items, or reads them all
# to sort them: the samples are an eighth of the items, the stopped provider a sixth.)
NEEDED = {
    "article_modified": ["304 (content stamp only)", "API page"],
    "article_public_date": ["home", "RSS feed", "topic page"],
    "article_public_coll_date": ["API page", "API of a collection that stopped"],
    "article_public_coll_heat": ["API, hottest first"],
    "article_public_provider_date": ["provider page", "page of a provider that stopped"],
    "article_queue": ["review queue"],
    "article_queue_coll": ["desk (its counts)"],
    "article_provider_stats": ["desk (its counts)"],
}


@pytest.mark.parametrize("index", list(NEEDED))
def test_a_hot_query_that_loses_its_index_is_caught(client, site, index):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(index)}")  # rolled back with the test
    caught = {page: full_reads(client, site, page) for page in NEEDED[index]}
    assert any(caught.values()), f"without {index}, no full read of the items table was seen"
