"""Query plans of the hot queries: a site large enough for a planner to prefer indexes,
and a reader of EXPLAIN that says where the items table is read in full.

``build_site()`` writes a synthetic site straight into the tables, one ``executemany``
per table: items of five collections over six years, most public, a queue of
items awaiting review, some rejected, some never decided, scores with gaps, providers
of very different sizes, a topic tree, every item tagged. The rows are as wide as real
ones (each keeps a source file of a few kB), so that PostgreSQL's costs are those of a
real table. Then the statistics a live database has: ``VACUUM ANALYZE`` on PostgreSQL
(autovacuum's steady state: the visibility map lets it read covering indexes alone),
``ANALYZE`` on SQLite.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import re

from django.db import connection, transaction

PREFIX = "_plans/"
DOMAIN = "plans-{}.example.org"
TOPIC = "plans-{}"
COLLECTIONS = [("news", 80), ("samples", 12), ("learning", 4), ("newsletters", 3), ("people", 1)]
WORDS = ("power apps canvas model driven dataverse copilot automate connector portal teams flow licensing "
         "release wave governance security update preview session webinar guide tutorial").split()
RARE_WORD = "zanzibarite"  # in the titles of a handful of items only
STOPPED_COLLECTION = "samples"
STOPPED_PROVIDER = 1
YEAR = 365 * 24 * 60  # minutes


def _zipf_choice(rng, n):
    """0 .. n-1, small numbers much more likely (a few providers publish most items)."""
    return min(int(rng.paretovariate(1.1)) - 1, n - 1)


def build_site(*, items: int, user_id: int, seed: int = 14) -> dict:
    """Insert the synthetic site; returns what the tests request (ids, slugs)."""
    with transaction.atomic():
        site = _insert_site(items=items, user_id=user_id, seed=seed)
    analyze()
    return site


def _insert_site(*, items, user_id, seed):
    rng = random.Random(seed)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    qn = connection.ops.quote_name
    at = connection.ops.adapt_datetimefield_value  # as Django writes a DateTimeField
    stamp = at(now)

    def insert(table, columns, rows):
        sql = (f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) "
               f"VALUES ({', '.join(['%s'] * len(columns))})")
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)

    def ids(table, column, prefix):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {qn(column)}, id FROM {qn(table)} WHERE {qn(column)} LIKE %s", [prefix + "%"])
            return dict(cursor.fetchall())

    record = ["extra", "body", "source_text", "source_sha", "source_digest", "created_at", "modified_at"]

    def source(text):
        return ["{}", "", text, "", "", stamp, stamp]

    providers = 300
    insert("articles_provider", ["domain", "name", "aliases", *record],
           [[DOMAIN.format(p), f"Plans provider {p}", "[]", *source(f"domain: {DOMAIN.format(p)}\n")]
            for p in range(providers)])
    provider_ids = ids("articles_provider", "domain", "plans-")
    # A tree of topics: 10 roots with 5 children each.
    insert("articles_topic", ["topic_id", "name", *record],
           [[TOPIC.format(t), f"Plans topic {t}", *source(f"name: t{t}\n")] for t in range(60)])
    topic_ids = ids("articles_topic", "topic_id", "plans-")
    with connection.cursor() as cursor:
        for t in range(10, 60):
            cursor.execute("UPDATE articles_topic SET parent_id = %s WHERE id = %s",
                           [topic_ids[TOPIC.format(t % 10)], topic_ids[TOPIC.format(t)]])

    filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 60
    columns = ["path", "collection", "title", "excerpt", "published_at", "published", "quality", "heat", "type",
               "provider_id", "provider_name", "web_url", "decided_at", "decided_by_id", "source_stat", *record]
    weights = [w for _, w in COLLECTIONS]
    rows = []
    for n in range(items):
        collection = rng.choices([c for c, _ in COLLECTIONS], weights)[0]
        p = _zipf_choice(rng, providers)
        # Six years of items; the samples and the second largest provider stopped
        # three years ago (their items are at the far end of the newest-first lists).
        stopped = collection == STOPPED_COLLECTION or p == STOPPED_PROVIDER
        age = rng.randrange(3 * YEAR, 6 * YEAR) if stopped else rng.randrange(6 * YEAR)
        when = None if rng.random() < 0.01 else now - dt.timedelta(minutes=age)
        # As imported: public (or never said), or ``published: false`` and awaiting review;
        # some decided by an editor since: published, or rejected.
        roll = rng.random()
        published = True if roll < 0.55 else None if roll < 0.60 else False
        decided = rng.random() < (0.1 if published is not False else 0.3)
        words = rng.sample(WORDS, 5) + ([RARE_WORD] if n % 5000 == 17 else [])
        modified = at(now - dt.timedelta(minutes=rng.randrange(30 * 24 * 60)))
        rows.append([
            f"{PREFIX}{collection}/{n:07d}.md", collection, " ".join(words).capitalize() + f" {n}",
            f"Excerpt of item {n}: " + " ".join(rng.sample(WORDS, 8)),
            at(when), published, None if rng.random() < 0.05 else rng.randrange(121),
            None if rng.random() < 0.1 else rng.randrange(-1, 200), rng.choice(["article", "video", "course"]),
            provider_ids[DOMAIN.format(p)], f"Plans provider {p}", f"https://{DOMAIN.format(p)}/story/{n}",
            at(now - dt.timedelta(days=rng.randrange(400))) if decided else None, user_id if decided else None, "",
            "{}", "", filler[: 1500 + rng.randrange(1500)], "", "", stamp, modified,
        ])
    insert("articles_article", columns, rows)
    article_ids = sorted(ids("articles_article", "path", PREFIX).values())
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM articles_article WHERE path LIKE %s AND published ORDER BY id", [PREFIX + "%"])
        public_ids = [row[0] for row in cursor.fetchall()]
    links = []
    for article_id in article_ids:
        for position, t in enumerate(rng.sample(range(60), rng.randrange(1, 4))):
            links.append([article_id, topic_ids[TOPIC.format(t)], position, ""])
    insert("articles_articletopic", ["article_id", "topic_id", "position", "label"], links)
    insert("articles_articleimage", ["article_id", "position", "url", "extra"],
           [[article_id, 0, f"https://img.example.org/{article_id}.png", "{}"] for article_id in article_ids[::2]])
    return {
        "items": len(article_ids),
        "article_id": public_ids[len(public_ids) // 2],
        "topic": TOPIC.format(3),  # a root: it and its five children
        "provider": DOMAIN.format(0),
        "stopped_provider": DOMAIN.format(STOPPED_PROVIDER),
        "stopped_collection": STOPPED_COLLECTION,
        "small_provider": DOMAIN.format(providers - 1),
        "rare_word": RARE_WORD,
    }


def analyze():
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def remove_site():
    with connection.cursor() as cursor:
        for table in ("articles_articletopic", "articles_articleimage", "articles_relatedstory", "articles_decision",
                      "articles_articlechange", "articles_scheduledpublication"):
            cursor.execute(f"DELETE FROM {table} WHERE article_id IN "
                           "(SELECT id FROM articles_article WHERE path LIKE %s)", [PREFIX + "%"])
        cursor.execute("DELETE FROM articles_article WHERE path LIKE %s", [PREFIX + "%"])
        cursor.execute("UPDATE articles_topic SET parent_id = NULL WHERE topic_id LIKE %s", ["plans-%"])
        cursor.execute("DELETE FROM articles_topic WHERE topic_id LIKE %s", ["plans-%"])
        cursor.execute("DELETE FROM articles_provider WHERE domain LIKE %s", ["plans-%"])
    analyze()


# --------------------------------------------------------------------------------------
# Reading plans
# --------------------------------------------------------------------------------------
TABLE = "articles_article"
_READS_TABLE = re.compile(rf'(?:FROM|JOIN)\s+"{TABLE}"(?:\s+(?:AS\s+)?("?)(\w+)\1)?', re.IGNORECASE)
_SQL_WORDS = {"where", "inner", "left", "outer", "join", "on", "group", "order", "limit", "union", "as", "natural",
              "cross", "right", "full", "using", "window", "having", "offset"}


def reads_items(sql: str) -> bool:
    return bool(_READS_TABLE.search(sql))


def _aliases(sql: str) -> set[str]:
    """The names the items table goes by in ``sql`` (its own name, and U0, T3, ...)."""
    names = {TABLE}
    for match in _READS_TABLE.finditer(sql):
        alias = match.group(2)
        if alias and alias.lower() not in _SQL_WORDS:
            names.add(alias)
    return names


_explained = itertools.count()


def explain(sql: str):
    """The plan of ``sql``: SQLite's EXPLAIN QUERY PLAN lines, PostgreSQL's JSON plan."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            return plan if not isinstance(plan, str) else json.loads(plan)
        # A text of its own each time: Python's sqlite3 reuses a prepared statement of
        # the same text, and SQLite does not prepare an EXPLAIN again after the schema
        # changed (an index dropped).
        cursor.execute(f"/* {next(_explained)} */ EXPLAIN QUERY PLAN {sql}")
        return [row[3] for row in cursor.fetchall()]


def full_scans(sql: str, *, items: int) -> list[str]:
    """Where the plan of ``sql`` reads the items table in full; empty if nowhere.

    ``items`` is the number of rows of the table. What counts as reading it in full:

    - PostgreSQL (``EXPLAIN ANALYZE``: the plan it chose, with what each step read): a
      ``Seq Scan`` of the table, or any plan that read more than a tenth of its rows
      (rows an index scan fetched, filtered out or not; heap fetches of an index-only
      scan).
    - SQLite (``EXPLAIN QUERY PLAN``, which says how, not how much): a ``SCAN`` of the
      table or of one of its indexes (index entry, then row), unless the index is
      partial or the query is a page (``LIMIT``) read in its own order, a walk that
      stops at the end of the page; a ``SEARCH`` without an index (``MAX()`` of a
      column no index holds) or whose only bound is ``IS NOT NULL``; a page sorted in
      memory (``USE TEMP B-TREE FOR ... ORDER BY``), which reads every row its
      conditions allow before the first can be returned. A ``COVERING INDEX`` is read
      without the table.

    A walk in the page's order reads as far as the page's rows are: a topic page walks
    the newest items until it has a page of the topic's, and the related-story
    autocomplete walks the items newest first (by id) until a page of titles match. On
    PostgreSQL what it read is counted (and a rare word is looked up in the trigram
    index); on SQLite a word no title holds is looked for in every row: ``LIKE
    '%word%'`` is no use of a B-tree index, only a full-text index would answer it.
    """
    if connection.vendor == "postgresql":
        return _pg_full_reads(sql, items)
    plan = explain(sql)
    names = _aliases(sql)
    partial = _partial_indexes()
    paged = re.search(r"\bLIMIT\s+\d+", sql, re.IGNORECASE) is not None
    sorted_in_memory = any(line.startswith("USE TEMP B-TREE FOR") and "ORDER BY" in line for line in plan)
    found = []
    for line in plan:
        match = re.match(r"(SCAN|SEARCH) (\S+)(?: (.*))?$", line)
        if not match or match.group(2) not in names:
            continue
        verb, how = match.group(1), match.group(3) or ""
        if "COVERING INDEX" in how or "INTEGER PRIMARY KEY" in how:
            continue
        index = re.match(r"USING INDEX (\S+)(?: \((.*)\))?$", how)
        bound = re.fullmatch(r"(\w+)[<>]\?", index.group(2) or "") if index else None
        if paged and sorted_in_memory:
            found.append(f"{line} (then sorted: every row it finds is read)")
        elif verb == "SEARCH" and bound and _only_not_null(sql, bound.group(1)):
            found.append(f"{line} (IS NOT NULL: every row with a value)")
        elif verb == "SEARCH" and index:
            continue
        elif verb == "SCAN" and index and index.group(1) in partial:
            continue
        elif verb == "SCAN" and paged:
            continue  # a walk in the page's order, which stops at the end of the page
        else:
            found.append(line)
    return found


def _only_not_null(sql, column):
    """Whether the only bound of ``column`` in ``sql`` is ``IS NOT NULL`` (which SQLite
    shows as a range, ``column>?``)."""
    ref = rf'"{column}"'
    return re.search(ref + r"\s+IS\s+NOT\s+NULL", sql) is not None and re.search(ref + r"\s*[<>]", sql) is None


def _partial_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql LIKE %s",
                       [TABLE, "% WHERE %"])
        return {row[0] for row in cursor.fetchall()}


def _pg_full_reads(sql, items):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found, read = [], 0
    for node in _pg_nodes(plan[0]["Plan"]):
        if node.get("Relation Name") != TABLE:
            continue
        loops = node.get("Actual Loops", 1)
        if node["Node Type"] == "Seq Scan":
            found.append(f"Seq Scan on {TABLE}")
        if node["Node Type"] == "Index Only Scan":
            read += node.get("Heap Fetches", 0)
        elif "Scan" in node["Node Type"] and not node["Node Type"].startswith("Bitmap Index"):
            kept_or_not = node["Actual Rows"] + node.get("Rows Removed by Filter", 0) \
                + node.get("Rows Removed by Index Recheck", 0)
            read += kept_or_not * loops
    if read > items // 10:
        found.append(f"{read} of the {items} rows of {TABLE} read")
    return found


def _pg_nodes(node):
    yield node
    for child in node.get("Plans", ()):
        yield from _pg_nodes(child)


def describe(sql: str) -> str:
    plan = explain(sql)
    if connection.vendor == "postgresql":
        lines = []

        def walk(node, depth):
            what = node["Node Type"]
            for key in ("Relation Name", "Index Name", "Index Cond", "Filter"):
                if key in node:
                    what += f" {key}={node[key]}"
            lines.append("  " * depth + what)
            for child in node.get("Plans", ()):
                walk(child, depth + 1)

        walk(plan[0]["Plan"], 0)
        return "\n".join(lines)
    return "\n".join(plan)
