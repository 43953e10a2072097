#!/usr/bin/env python3
"""``make bench-admin``: the editors' desk with 100,000 items, on SQLite and PostgreSQL.

For each database, in a process of its own and a temporary database (dropped at the
end): migrate, import the shared corpus with the real importer, then clone its items
with ``INSERT ... SELECT`` (and their topics) up to N rows; then render, through
Django's test client as a logged-in editor, each page ``--runs`` times and print the
median server time and the number of SQL queries:

- the review queue (default view, then filtered by topic + quality band, then a search);
- for comparison, a *plain* changelist of the same 100,000 rows: a bare
  ``admin.ModelAdmin`` registered on a bench-only admin site;
- the desk's own article changelist, the providers' changelist, the desk index;
- the related-story autocomplete (a common word, a rare word), and an item's page.

    .venv/bin/python bench/bench_admin.py                    # 100,000 items, both databases
    .venv/bin/python bench/bench_admin.py --items 20000 --db sqlite
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import figures  # noqa: E402
CORPUS = (ROOT / ".." / "shared" / "corpus" / "everyday-powerapps").resolve()
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
GOALS = {"queue": 150.0, "autocomplete": 100.0}

urlpatterns = []  # filled in the child (this module is its ROOT_URLCONF)


def log(message):
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# Child: one database
# --------------------------------------------------------------------------------------
def build(items: int, corpus: Path) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from articles.importer import import_paths
    from articles.models import Article

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    result = import_paths([corpus])
    base = Article.objects.count()
    base_max = Article.objects.order_by("-pk").values_list("pk", flat=True).first()
    rounds = max(0, -(-(items - base) // base))
    cols = [f.column for f in Article._meta.concrete_fields if not f.primary_key]
    select = []
    for col in cols:
        if col == "path":
            select.append("'_bench/' || k.n || '/' || a.path")
        elif col in ("web_url", "original_url"):
            select.append(f"a.{col} || '?copy=' || k.n")
        elif col == "title":
            select.append("a.title || ' (' || k.n || ')'")
        else:
            select.append(f"a.{col}")
    qn = connection.ops.quote_name
    cte = f"WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < {rounds})"
    with connection.cursor() as cursor:
        if rounds:
            cursor.execute(
                f"{cte} INSERT INTO articles_article ({', '.join(qn(c) for c in cols)}) "
                f"SELECT {', '.join(select)} FROM articles_article a CROSS JOIN k WHERE a.id <= %s "
                f"ORDER BY k.n, a.id LIMIT %s",
                [base_max, items - base],
            )
            cursor.execute(
                f"{cte} INSERT INTO articles_articletopic (article_id, topic_id, position, label) "
                "SELECT c.id, t.topic_id, t.position, t.label FROM k "
                "JOIN articles_article a ON a.id <= %s "
                "JOIN articles_article c ON c.path = '_bench/' || k.n || '/' || a.path "
                "JOIN articles_articletopic t ON t.article_id = a.id",
                [base_max],
            )
    # The steady state of a live database (autovacuum has run): statistics and the
    # visibility map that index-only scans rely on.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {"imported": result.counts["created"], "rows": Article.objects.count(),
            "build_s": round(time.monotonic() - started, 1)}


def child(args) -> None:
    os.environ["DATABASE_URL"] = args.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib import admin
    from django.contrib.auth.models import Group, User
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import path

    from articles.models import Article, Topic

    measured = {"db": args.db, **build(args.items, Path(args.corpus))}
    log(f"[{args.db}] {measured['rows']:,} items ready in {measured['build_s']} s")

    plain_site = admin.AdminSite(name="plain")
    plain_site.register(Article, admin.ModelAdmin)
    urlpatterns[:] = [path("admin/", admin.site.urls), path("plain/", plain_site.urls)]

    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"], DEBUG=False):
        editor = User.objects.create_user("bench-editor", password="bench-password", is_staff=True)
        editor.groups.add(Group.objects.get(name="Editor"))
        client = Client()
        client.force_login(editor)  # django-axes needs a request to check a password
        topic = Topic.objects.order_by("-pk").filter(article_links__isnull=False).first()
        item = Article.objects.filter(collection="news").order_by("-published_at").first()
        pages = {
            "queue": "/admin/articles/reviewitem/",
            "queue_filtered": f"/admin/articles/reviewitem/?topic={topic.pk}&quality_band=40-69",
            "queue_search": "/admin/articles/reviewitem/?q=copilot",
            "plain_changelist": "/plain/articles/article/",
            "article_changelist": "/admin/articles/article/",
            "provider_changelist": "/admin/articles/provider/",
            "desk_index": "/admin/",
            "autocomplete": "/admin/autocomplete/?app_label=articles&model_name=relatedstory&field_name=target&term=power",
            "autocomplete_rare": "/admin/autocomplete/?app_label=articles&model_name=relatedstory&field_name=target&term=dataverse+teams",
            "item_page": f"/admin/articles/article/{item.pk}/change/",
        }
        timings = {}
        for name, url in pages.items():
            response = client.get(url)  # warm up
            assert response.status_code == 200, (url, response.status_code)
            runs = []
            for _ in range(args.runs):
                reset_queries()
                with CaptureQueriesContext(connection) as ctx:
                    t0 = time.perf_counter()
                    response = client.get(url)
                    if hasattr(response, "render") and not response.is_rendered:
                        response.render()
                    runs.append((time.perf_counter() - t0) * 1000)
            timings[name] = {"median_ms": round(statistics.median(runs), 1), "min_ms": round(min(runs), 1),
                             "queries": len(ctx), "bytes": len(response.content)}
            log(f"[{args.db}] {name:22} {timings[name]['median_ms']:8.1f} ms  ({len(ctx)} queries)")
        measured["pages"] = timings
    print(json.dumps(measured))


# --------------------------------------------------------------------------------------
# Parent: databases, report
# --------------------------------------------------------------------------------------
def pg_admin(*statements):
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def run_db(db, args, workdir):
    if db == "sqlite":
        url = f"sqlite:///{workdir / 'bench_admin.sqlite3'}"
    else:
        name = f"newsroom_bench_admin_{os.getpid()}"
        url = f"postgres://postgres@127.0.0.1:5432/{name}"
        pg_admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    try:
        env = {**os.environ, "DJANGO_DEBUG": "1", "DJANGO_LOG_LEVEL": "ERROR"}
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--db", db, "--url", url, "--items", str(args.items),
             "--runs", str(args.runs), "--corpus", str(args.corpus)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, check=True, text=True,
        ).stdout
        return json.loads(out.strip().splitlines()[-1])
    finally:
        if db == "pg":
            pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(results):
    names = list(results[0]["pages"])
    header = f"{'page (median of runs)':26}" + "".join(f"{r['db'] + ' ms':>12}{'queries':>9}" for r in results)
    print(f"\nThe editors' desk with {results[0]['rows']:,} items")
    print(header)
    print("-" * len(header))
    for name in names:
        print(f"{name:26}" + "".join(f"{r['pages'][name]['median_ms']:>12.1f}{r['pages'][name]['queries']:>9}" for r in results))
    print()
    for r in results:
        p = r["pages"]
        ratio = p["queue"]["median_ms"] / p["plain_changelist"]["median_ms"]
        queue_ok = "PASS" if p["queue"]["median_ms"] < GOALS["queue"] else "MISS"
        ac = max(p["autocomplete"]["median_ms"], p["autocomplete_rare"]["median_ms"])
        ac_ok = "PASS" if ac < GOALS["autocomplete"] else "MISS"
        print(f"{r['db']}: queue {p['queue']['median_ms']:.1f} ms vs plain changelist {p['plain_changelist']['median_ms']:.1f} ms "
              f"(ratio {ratio:.2f}); queue goal < {GOALS['queue']:.0f} ms: {queue_ok}; "
              f"autocomplete {ac:.1f} ms, goal < {GOALS['autocomplete']:.0f} ms: {ac_ok}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000, help="rows in the article table (default 100000)")
    parser.add_argument("--db", choices=["sqlite", "pg", "both"], default="both", help="which databases (default both)")
    parser.add_argument("--runs", type=int, default=15, help="renders per page; the median is reported (default 15)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the site imported then cloned")
    figures.add_arguments(parser)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    if not args.corpus.is_dir():
        parser.error(f"corpus not found: {args.corpus}")
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-admin-") as workdir:
        for db in (["sqlite", "pg"] if args.db == "both" else [args.db]):
            log(f"== {db}: building {args.items:,} items")
            results.append(run_db(db, args, Path(workdir)))
    report(results)
    figures.finish("admin", {"items": args.items, "runs": args.runs}, page_figures(results), args)
    return 0


def page_figures(results) -> dict:
    """Median server time and SQL queries of each page, per database."""
    out = {}
    for r in results:
        for name, page in r["pages"].items():
            out[f"{r['db']}: {name}: median"] = figures.figure(page["median_ms"], "ms")
            out[f"{r['db']}: {name}: queries"] = figures.figure(page["queries"], "queries")
    return out


if __name__ == "__main__":
    sys.exit(main())
