"""Load test of the public site (issue 3): gunicorn with 2 workers on loopback, driven by
wrk (Debian's package), on a database of 100,000 published items.

    .venv/bin/python bench/load.py                       # SQLite and PostgreSQL, 20 s each
    .venv/bin/python bench/load.py --db sqlite --duration 10 --connections 16

For each database: the database is built by ``bench_public.py``'s builder (the corpus
imported once, then cloned with INSERT ... SELECT), static files collected, and
``gunicorn newsroom.wsgi -w 2`` started on 127.0.0.1 with the production settings
(``DJANGO_DEBUG=0``, persistent database connections: ``DJANGO_CONN_MAX_AGE=600``,
``DJANGO_SQLITE_CONN_MAX_AGE=600``). wrk then requests a mix of public URLs in turn (API pages, a
filtered API page, the home page and its page 2, a topic page, a provider page, item
pages, the RSS feed), ``--connections`` at a time on 2 threads, for ``--duration``
seconds, after a 3-second warm-up. Printed: requests/s, latency p50/p90/p95/p99 and
max, errors (non-2xx/3xx answers, socket errors and timeouts).

Each database is measured twice by default (``--page-cache both``): with the
server-side page cache (rendered answers kept per worker under the content stamp, as in
production) and without it (every request rendered).

Goal (issue 3): zero errors, p95 under 150 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import bench_public  # noqa: E402
import figures  # noqa: E402

WRK_SCRIPT = r"""
local paths = {}
for line in io.lines("%(paths)s") do table.insert(paths, line) end
local i = 0
request = function()
  i = (i %% #paths) + 1
  return wrk.format("GET", paths[i], {["Host"] = "localhost"})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "JSON{\"requests\": %%d, \"duration_us\": %%d, \"p50_us\": %%d, \"p90_us\": %%d, \"p95_us\": %%d, \"p99_us\": %%d, \"max_us\": %%d, \"connect\": %%d, \"read\": %%d, \"write\": %%d, \"timeout\": %%d, \"status\": %%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_database(kind: str, items: int, tmp: Path, static_root: str) -> tuple[str, str | None, list[str]]:
    """Make and fill the database (in a child process); return its URL, the PostgreSQL
    database to drop, and the URL paths to request."""
    if kind == "sqlite":
        url, drop = f"sqlite:///{tmp / 'load.sqlite3'}", None
    else:
        drop = f"newsroom_bench_load_{os.getpid()}"
        subprocess.run(["psql", bench_public.PG_SERVER + "/postgres", "-qc", f"CREATE DATABASE {drop}"], check=True)
        url = f"{bench_public.PG_SERVER}/{drop}"
    code = f"""
import os, sys, json
sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / 'bench')!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
import django; django.setup()
from django.core.management import call_command
call_command("collectstatic", verbosity=0, interactive=False)
import bench_public
built = bench_public.build({items}, bench_public.CORPUS)
from articles.models import Article
ids = list(Article.objects.published().filter(collection="news").order_by("-published_at").values_list("pk", flat=True)[:2000:100])
print(json.dumps({{"built": built, "ids": ids}}))
"""
    proc = subprocess.run([sys.executable, "-c", code], env=bench_public.production_env(url, static_root),
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"load: building the {kind} database failed")
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    paths = [
        "/api/news/index.json", "/api/news/page/2/index.json", "/api/news/canvas-apps/index.json",
        "/api/news/index.json?topic=power-apps&min_quality=70", "/", "/?page=2", "/topics/canvas-apps/",
        "/providers/microsoft.com/", "/feeds/latest.rss",
    ] + [f"/items/{pk}/" for pk in info["ids"]]
    print(f"{kind}: {info['built']['items']:,} items built in {info['built']['build_s']} s")
    return url, drop, paths


def run(kind: str, args, tmp: Path, url: str, paths: list[str], page_cache: bool) -> dict:
    static_root = str(tmp / f"static-{kind}")
    port = free_port()
    env = bench_public.production_env(url, static_root, page_cache=page_cache)
    env["DJANGO_CONN_MAX_AGE"] = "600"
    # Persistent connections, as a deployment behind gunicorn's sync workers would use
    # (SQLite's page cache lives in the connection; see README, Configuration).
    env["DJANGO_SQLITE_CONN_MAX_AGE"] = os.environ.get("DJANGO_SQLITE_CONN_MAX_AGE", "600")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "newsroom.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--access-logfile", "-" if args.verbose else "/dev/null", "--error-logfile", str(tmp / f"gunicorn-{kind}.log")],
        env=env, cwd=ROOT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                with urllib.request.urlopen(urllib.request.Request(base + "/api/news/index.json", headers={"Host": "localhost"})) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("load: gunicorn did not answer")
        paths_file = tmp / "paths.txt"
        paths_file.write_text("\n".join(paths) + "\n")
        script = tmp / "mix.lua"
        script.write_text(WRK_SCRIPT % {"paths": paths_file})
        wrk = shutil.which("wrk")
        common = [wrk, "-t2", f"-c{args.connections}", "-s", str(script), "--timeout", "5s", base]
        subprocess.run(common[:3] + ["-d3s"] + common[3:], capture_output=True, check=True)  # warm-up
        proc = subprocess.run(common[:3] + [f"-d{args.duration}s"] + common[3:], capture_output=True, text=True, check=True)
        line = next(l for l in proc.stdout.splitlines() if l.startswith("JSON"))
        figures = json.loads(line[4:])
    finally:
        server.terminate()
        server.wait(timeout=30)
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(figures[k] for k in ("connect", "read", "write", "timeout", "status"))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "pg", "both"], default="both")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--tmp", default=None)
    parser.add_argument("--page-cache", choices=["on", "off", "both"], default="both",
                        help="the server-side page cache (keyed by the content stamp)")
    parser.add_argument("--verbose", action="store_true")
    figures.add_arguments(parser)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("load: wrk is not installed (apt-get install wrk, or make bench-web)")
    tmp = Path(tempfile.mkdtemp(prefix="newsroom-load-", dir=args.tmp))
    ok, measured = True, {}
    try:
        for kind in (["sqlite", "pg"] if args.db == "both" else [args.db]):
            url, drop, paths = build_database(kind, args.items, tmp, str(tmp / f"static-{kind}"))
            try:
                modes = [True, False] if args.page_cache == "both" else [args.page_cache == "on"]
                results = [(mode, run(kind, args, tmp, url, paths, mode)) for mode in modes]
            finally:
                if drop:
                    subprocess.run(["psql", bench_public.PG_SERVER + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {drop}"], check=False)
            for mode, f in results:
                label = f"{kind}, page cache {'on' if mode else 'off'}"
                measured[f"{label}: requests/s"] = figures.figure(round(f["rps"], 1), "req/s", better="higher")
                for p in ("p50", "p95", "p99"):
                    measured[f"{label}: latency {p}"] = figures.figure(round(f[f"{p}_us"] / 1000, 2), "ms")
                measured[f"{label}: errors"] = figures.figure(f["errors"], "errors")
                met = f["errors"] == 0 and f["p95_us"] < 150_000
                ok &= met
                print(f"== {kind}, page cache {'on' if mode else 'off'}: gunicorn -w 2, "
                      f"wrk -t2 -c{args.connections} -d{args.duration}s, {len(paths)} URLs in turn")
                print(f"   {f['requests']:,} requests, {f['rps']:.0f} req/s; latency p50 {f['p50_us'] / 1000:.1f} ms, "
                      f"p90 {f['p90_us'] / 1000:.1f} ms, p95 {f['p95_us'] / 1000:.1f} ms, "
                      f"p99 {f['p99_us'] / 1000:.1f} ms, max {f['max_us'] / 1000:.1f} ms; errors {f['errors']} "
                      f"(status {f['status']}, timeouts {f['timeout']}, socket {f['connect'] + f['read'] + f['write']})"
                      f"  goal zero errors, p95 < 150 ms: {'met' if met else 'MISSED'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("all goals met" if ok else "some goals MISSED")
    params = {"items": args.items, "duration": args.duration, "connections": args.connections}
    figures.finish("load", params, measured, args)


if __name__ == "__main__":
    main()
