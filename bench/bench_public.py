"""Benchmark of the public site (issue 3): server time of API pages and HTML pages with
100,000 published items, on SQLite and PostgreSQL, against a plain baseline.

    .venv/bin/python bench/bench_public.py                 # both databases, 100,000 items
    .venv/bin/python bench/bench_public.py --db sqlite --items 20000 --runs 30

For each database, in a process of its own, on the production settings
(``DJANGO_DEBUG=0``, manifest static files collected to a temporary folder):

1. a fresh database is migrated and the shared corpus imported once
   (``manage.py import_frontmatter``); then its items are cloned with
   ``INSERT ... SELECT`` (items, topic links, images; paths, titles and dates made
   distinct, every clone published) until the table holds ``--items`` published items;
   ``ANALYZE`` runs, as it would on a live database;
2. each URL is requested ``--runs`` times through Django's full stack (middleware,
   URL routing, view, templates; the test client, no network) after two warm-up
   requests, with the server-side page cache turned off (every request renders;
   ``bench/load.py`` measures with it on and off), and the median, p90 and best server times are printed with the SQL query
   count of one request;
3. the baseline is the least a JSON page can cost here: a view returning
   ``JsonResponse(list(Article.objects.order_by().values(...)[:25]))`` (one query, no
   ordering, no joins, no filtering, no published-only rule, no item shaping, no HTTP
   validators), measured the same way.

Goals (issue 3): median under 50 ms for an API page and under 100 ms for the home page.
The SQLite file and PostgreSQL database are made under ``--tmp`` / as
``newsroom_bench_public_<pid>`` and removed at the end (``--keep`` keeps the SQLite
file, e.g. for ``bench/load.py --sqlite FILE``).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import figures  # noqa: E402
CORPUS = (ROOT / ".." / "shared" / "corpus" / "everyday-powerapps").resolve()
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")

URLS = [
    ("api: news page 1", "/api/news/index.json"),
    ("api: news page 40", "/api/news/page/40/index.json"),
    ("api: topic page 1", "/api/news/canvas-apps/index.json"),
    ("api: filtered (topic+quality+since)", "/api/news/index.json?topic=power-apps&min_quality=70&since=2020-01-01"),
    ("api: text search", "/api/news/index.json?q=dataverse"),
    ("home", "/"),
    ("home page 2", "/?page=2"),
    ("home filtered by topic", "/?topic=canvas-apps"),
    ("item page", None),  # filled in with a real item
    ("topic page", "/topics/canvas-apps/"),
    ("provider page", "/providers/microsoft.com/"),
    ("RSS feed", "/feeds/latest.rss"),
    ("304 (If-None-Match)", "/api/news/index.json#304"),
]
GOALS = {"api: news page 1": 50.0, "home": 100.0}


def production_env(database_url: str, static_root: str, page_cache: bool = False) -> dict:
    env = dict(os.environ)
    env["NEWSROOM_PUBLIC_CACHE_ENTRIES"] = "2000" if page_cache else "0"
    env.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-" + "x" * 60,
        DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        STATIC_ROOT=static_root,
        NEWSROOM_RELEASE="bench",
    )
    return env


# --------------------------------------------------------------------------------------
# Building the database (in the child process, Django set up)
# --------------------------------------------------------------------------------------
def build(items: int, corpus: Path) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction

    from articles.models import Article, ArticleImage, ArticleTopic

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("import_frontmatter", str(corpus), verbosity=0)
    Article.objects.update(published=True)  # every clone and original is public
    originals = Article.objects.count()
    top = Article.objects.order_by("-pk").values_list("pk", flat=True).first()
    qn = connection.ops.quote_name
    art = Article._meta.db_table
    columns = [f.column for f in Article._meta.concrete_fields if f.column != "id"]
    vendor = connection.vendor
    concat = (lambda a, b: f"{a} || {b}")

    def shifted(column, copy):
        if vendor == "postgresql":
            return f"{qn(column)} - interval '{copy} days'"
        return f"strftime('%Y-%m-%d %H:%M:%f', {qn(column)}, '-{copy} days')"

    copies = 0
    while originals * (copies + 1) < items:
        copies += 1
        exprs = []
        for column in columns:
            if column == "path":
                exprs.append(concat(qn("path"), f"'~{copies}'"))
            elif column in ("title", "web_url", "original_url"):
                exprs.append(f"CASE WHEN {qn(column)} IS NULL THEN NULL ELSE {concat(qn(column), repr(f' ~{copies}'))} END")
            elif column == "published_at":
                exprs.append(f"CASE WHEN {qn(column)} IS NULL THEN NULL ELSE {shifted(column, copies)} END")
            else:
                exprs.append(qn(column))
        with transaction.atomic(), connection.cursor() as cursor:
            remaining = items - originals * copies
            cursor.execute(
                f"INSERT INTO {qn(art)} ({', '.join(qn(c) for c in columns)}) "
                f"SELECT {', '.join(exprs)} FROM {qn(art)} WHERE id <= %s ORDER BY id LIMIT %s",
                [top, remaining],
            )
            for model, cols in (
                (ArticleTopic, ["topic_id", "position", "label"]),
                (ArticleImage, ["position", "url", "width", "height", "is_cached", "title", "extra"]),
            ):
                table = model._meta.db_table
                cursor.execute(
                    f"INSERT INTO {qn(table)} (article_id, {', '.join(qn(c) for c in cols)}) "
                    f"SELECT new.id, {', '.join('child.' + qn(c) for c in cols)} FROM {qn(table)} child "
                    f"JOIN {qn(art)} old ON old.id = child.article_id AND old.id <= %s "
                    f"JOIN {qn(art)} new ON new.path = {concat('old.path', repr(f'~{copies}'))}",
                    [top],
                )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "items": Article.objects.count(),
        "published": Article.objects.published().count(),
        "news": Article.objects.published().filter(collection="news").count(),
        "build_s": round(time.perf_counter() - started, 1),
    }


# --------------------------------------------------------------------------------------
# Measuring (in the child process)
# --------------------------------------------------------------------------------------
def baseline_view(request):
    from django.http import JsonResponse

    from articles.models import Article

    return JsonResponse({"value": list(Article.objects.order_by().values(
        "path", "title", "excerpt", "web_url", "original_url", "published_at", "type", "heat",
    )[:25])})


def measure(runs: int) -> list[dict]:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.urls import clear_url_caches, path

    from articles.models import Article

    # The baseline view, mounted beside the real ones for this process only.
    import newsroom.urls as project_urls

    project_urls.urlpatterns.insert(0, path("bench-baseline/", baseline_view))
    clear_url_caches()

    client = Client(HTTP_HOST="localhost")
    item = Article.objects.published().filter(collection="news").order_by("-published_at").values_list("pk", flat=True)[500]
    urls = [(name, url if url else f"/items/{item}/") for name, url in URLS]
    urls.append(("baseline: values()[:25] as JSON", "/bench-baseline/"))
    results = []
    for name, url in urls:
        headers = {}
        if url.endswith("#304"):
            url = url[:-4]
            headers["HTTP_IF_NONE_MATCH"] = client.get(url)["ETag"]
        for _ in range(2):
            client.get(url, **headers)
        queries = []
        with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
            response = client.get(url, **headers)
        assert response.status_code in (200, 304), (url, response.status_code)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get(url, **headers)
            times.append((time.perf_counter() - start) * 1000)
            reset_queries()
        times.sort()
        results.append({
            "name": name, "url": url, "status": response.status_code, "queries": len(queries),
            "bytes": len(response.content), "median_ms": statistics.median(times),
            "p90_ms": times[int(len(times) * 0.9) - 1], "best_ms": times[0],
        })
    return results


def child(args) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("collectstatic", verbosity=0, interactive=False)
    built = build(args.items, Path(args.corpus))
    results = measure(args.runs)
    print(json.dumps({"built": built, "results": results}))


# --------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------
def run_db(kind: str, args, tmp: Path) -> dict:
    static_root = str(tmp / "static")
    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'public.sqlite3'}"
        drop = None
    else:
        name = f"newsroom_bench_public_{os.getpid()}"
        subprocess.run(["psql", PG_SERVER + "/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        url = f"{PG_SERVER}/{name}"
        drop = name
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", "--items", str(args.items), "--runs", str(args.runs),
             "--corpus", str(args.corpus)],
            env=production_env(url, static_root), cwd=ROOT, capture_output=True, text=True,
        )
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-4000:])
            raise SystemExit(f"bench_public: the {kind} run failed")
        return json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        if drop and args.keep_pg:
            print(f"kept PostgreSQL database {drop}")
        elif drop:
            subprocess.run(["psql", PG_SERVER + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {drop}"], check=False)


def report(kind: str, data: dict) -> bool:
    built = data["built"]
    print(f"\n== {kind}: {built['items']:,} items ({built['published']:,} published, "
          f"{built['news']:,} news), built in {built['build_s']} s")
    print(f"{'page':40} {'median ms':>10} {'p90 ms':>8} {'best ms':>8} {'queries':>8} {'bytes':>9}")
    ok = True
    baseline = next(r for r in data["results"] if r["name"].startswith("baseline"))
    for r in data["results"]:
        goal = GOALS.get(r["name"])
        verdict = ""
        if goal:
            met = r["median_ms"] < goal
            ok &= met
            verdict = f"  goal < {goal:.0f} ms: {'met' if met else 'MISSED'}"
        print(f"{r['name']:40} {r['median_ms']:10.1f} {r['p90_ms']:8.1f} {r['best_ms']:8.1f} "
              f"{r['queries']:8d} {r['bytes']:9,d}{verdict}")
    api = next(r for r in data["results"] if r["name"] == "api: news page 1")
    print(f"API page 1 / baseline: {api['median_ms'] / baseline['median_ms']:.1f}x the time of a bare "
          f"values()[:25] JSON response ({baseline['median_ms']:.1f} ms)")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--db", choices=["sqlite", "pg", "both"], default="both")
    parser.add_argument("--corpus", default=str(CORPUS))
    parser.add_argument("--tmp", default=None, help="where the temporary folder goes")
    parser.add_argument("--keep", default=None, help="copy the SQLite database to this file")
    parser.add_argument("--keep-pg", action="store_true", help="keep the PostgreSQL database (its name is printed)")
    figures.add_arguments(parser)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if not Path(args.corpus).is_dir():
        raise SystemExit(f"bench_public: no corpus at {args.corpus}")
    tmp = Path(tempfile.mkdtemp(prefix="newsroom-bench-public-", dir=args.tmp))
    all_ok, raw = True, {}
    try:
        for kind in (["sqlite", "pg"] if args.db == "both" else [args.db]):
            raw[kind] = run_db(kind, args, tmp)
            all_ok &= report(kind, raw[kind])
            if kind == "sqlite" and args.keep:
                shutil.copy(tmp / "public.sqlite3", args.keep)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\nall goals met" if all_ok else "\nsome goals MISSED")
    figures.finish("public", {"items": args.items, "runs": args.runs}, page_figures(raw), args)


def page_figures(raw: dict) -> dict:
    """Median server time and SQL queries of each page, per database."""
    out = {}
    for kind, data in raw.items():
        for r in data["results"]:
            out[f"{kind}: {r['name']}: median"] = figures.figure(round(r["median_ms"], 2), "ms")
            out[f"{kind}: {r['name']}: queries"] = figures.figure(r["queries"], "queries")
    return out


if __name__ == "__main__":
    main()
