#!/usr/bin/env python3
"""``make bench``: import/export benchmark of issue 2 on SQLite and PostgreSQL.

Builds a synthetic site of N items (default 100,000) from the shared corpus in a
temporary folder, then, for each database, measures in one run:

- baseline: the same item files read, parsed with libyaml's safe loader and inserted
  as one row each with one ``executemany`` in one transaction (run first and last; the
  reference is the mean of the two rates, the machine being shared);
- first import with ``--jobs 1`` and, into a second fresh database, with ``--jobs 2``;
- re-import of the unchanged site;
- export of the whole site into an empty folder with ``--jobs`` (then checked byte for
  byte), after its reference: the same files written by a bare loop (what the disk allows).

Every phase is a process of its own (``manage.py`` run under ``bench_import.py
measure``), so its time includes Python and Django start-up and its peak memory is its
own (``ru_maxrss`` of the process and of the ``--jobs`` workers it waited for).
Figures, ratios and PASS/MISS per goal are printed at the end. See bench/README.md.

    .venv/bin/python bench/run.py                       # 100,000 items, both databases
    .venv/bin/python bench/run.py --items 20000 --db sqlite
"""
from __future__ import annotations

import argparse
import filecmp
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import bench_import  # noqa: E402
import figures  # noqa: E402

PY = sys.executable
DEFAULT_CORPUS = (ROOT / ".." / "shared" / "corpus" / "everyday-powerapps").resolve()
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

GOALS = {
    "import_jobs1": 0.5,  # x baseline rate
    "import_jobs2": 1.0,  # x baseline rate (strictly faster)
    "reimport": 10.0,  # x first import rate
    "export": 10_000,  # items/s
    "memory": 400,  # MB, every phase
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Database:
    """A fresh database for one set of phases; dropped by ``drop()``."""

    def __init__(self, kind: str, workdir: Path, label: str):
        self.kind, self.label = kind, label
        if kind == "sqlite":
            self.path = workdir / f"{label}.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            self.name = f"newsroom_bench_{os.getpid()}_{label}"
            self.url = f"postgres://postgres@127.0.0.1:5432/{self.name}"

    def create(self):
        if self.kind == "pg":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}"', f'CREATE DATABASE "{self.name}"')

    def drop(self):
        if self.kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.path) + suffix).unlink(missing_ok=True)
        else:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    @staticmethod
    def _admin(*statements):
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for sql in statements:
                conn.execute(sql)


def django_env(db_url: str) -> dict:
    """Production settings (DEBUG off) against ``db_url``."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def run_checked(cmd, env):
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return proc.stdout


def phase(name: str, cmd: list, env: dict) -> dict:
    """Run ``cmd`` under the meter; return its time, peak memory and last output line."""
    log(f"  {name}: {' '.join(str(c) for c in cmd[1:])}")
    proc = subprocess.run(
        [PY, str(HERE / "bench_import.py"), "measure", "--", *map(str, cmd)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"meter failed: {proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    log(f"    {result['seconds']:.1f} s, peak {result['peak_mb']:.0f} MB, exit {result['returncode']}: {result['last_line']}")
    if result["returncode"] != 0:
        log(result["stderr_tail"])
    return result


def manage(*args) -> list:
    return [PY, str(ROOT / "manage.py"), *args]


def bench_database(kind: str, site: Path, workdir: Path, n_items: int, jobs: int) -> dict:
    """All phases on one kind of database. Returns {phase: result}."""
    results = {}
    base_db = Database(kind, workdir, "baseline")
    db1 = Database(kind, workdir, "jobs1")
    db2 = Database(kind, workdir, f"jobs{jobs}")
    out = workdir / f"export-{kind}"
    try:
        for db in (base_db, db1, db2):
            db.create()
            run_checked(manage("migrate", "--noinput", "-v", "0"), django_env(db.url))
        baseline_cmd = [PY, HERE / "bench_import.py", "baseline", "--site", site, "--db", base_db.url]
        results["baseline"] = phase("baseline (before)", baseline_cmd, django_env(base_db.url))
        results["import_jobs1"] = phase("import --jobs 1", manage("import_frontmatter", site), django_env(db1.url))
        results["import_jobs2"] = phase(f"import --jobs {jobs}", manage("import_frontmatter", site, "--jobs", jobs), django_env(db2.url))
        db2.drop()
        results["reimport"] = phase("re-import (unchanged)", manage("import_frontmatter", site), django_env(db1.url))
        if out.exists():
            shutil.rmtree(out)
        results["write_baseline"] = phase(
            "export baseline (bare loop writing the same files)",
            [PY, HERE / "bench_import.py", "write-baseline", "--site", site, "--out", workdir / f"written-{kind}"],
            django_env(db1.url),
        )
        results["export"] = phase(f"export --jobs {jobs}", manage("export_frontmatter", out, "--jobs", jobs), django_env(db1.url))
        # The machine is shared: the baseline runs again after the other phases, and the
        # reference is the mean of its two rates.
        results["baseline_after"] = phase("baseline (after)", baseline_cmd, django_env(base_db.url))
        base_db.drop()
        log("  checking the export against the site, byte for byte")
        results["export_identical"] = compare_items(site, out)
    finally:
        for db in (base_db, db1, db2):
            try:
                db.drop()
            except Exception as exc:  # noqa: BLE001 - report, keep dropping the others
                log(f"  could not drop {db.label}: {exc}")
    # The written folders are left for main() to delete at the very end: on ext4 without
    # a journal, creating files within minutes of deleting many is several times slower
    # (the inode allocator steps over every recently deleted inode), which would slow the
    # next database's export. See bench/README.md.
    return results


def compare_items(site: Path, out: Path) -> tuple[int, int]:
    """(identical, total) over the site's item files."""
    same = total = 0
    for path in bench_import.site_items(site):
        total += 1
        rel = path.relative_to(site)
        other = out / rel
        if other.is_file() and filecmp.cmp(path, other, shallow=False):
            same += 1
    return same, total


def rate(n, result):
    return n / result["seconds"] if result["seconds"] else float("inf")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(n_items: int, jobs: int, all_results: dict) -> tuple[bool, bool]:
    lines = []
    add = lines.append
    add("")
    add(f"Import/export benchmark: {n_items:,} items; {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; items/s = items / wall seconds of the whole command")
    all_ok = goals_ok = True
    for kind, res in all_results.items():
        base1, base2 = rate(n_items, res["baseline"]), rate(n_items, res["baseline_after"])
        base = (base1 + base2) / 2
        r1, r2 = rate(n_items, res["import_jobs1"]), rate(n_items, res["import_jobs2"])
        rr, re_ = rate(n_items, res["reimport"]), rate(n_items, res["export"])
        add("")
        add(f"== {'SQLite' if kind == 'sqlite' else 'PostgreSQL'}")
        add(f"{'phase':<30}{'seconds':>9}{'items/s':>10}{'peak MB':>9}{'CPU s':>8}  ratio / goal")
        checks = []

        def row(label, result, r, ratio_text, ok=None):
            add(f"{label:<30}{result['seconds']:>9.1f}{r:>10,.0f}{result['peak_mb']:>9.0f}{result.get('cpu_seconds', 0):>8.1f}  {ratio_text}"
                + (f"  {verdict(ok)}" if ok is not None else ""))
            if result["returncode"] != 0:
                add(f"{'':<30}exit status {result['returncode']}: {result['last_line']}")

        row("baseline, before", res["baseline"], base1, "libyaml + one executemany")
        row("baseline, after", res["baseline_after"], base2, f"reference: mean {base:,.0f} items/s")
        ok1 = r1 >= GOALS["import_jobs1"] * base
        row("first import --jobs 1", res["import_jobs1"], r1, f"{r1 / base:.2f}x baseline (goal >= 0.5x)", ok1)
        ok2 = r2 > GOALS["import_jobs2"] * base
        row(f"first import --jobs {jobs}", res["import_jobs2"], r2, f"{r2 / base:.2f}x baseline (goal > 1x)", ok2)
        ok3 = rr >= GOALS["reimport"] * r1
        row("re-import (unchanged)", res["reimport"], rr, f"{rr / r1:.2f}x first import (goal >= 10x)", ok3)
        wb = rate(n_items, res["write_baseline"])
        row("export baseline", res["write_baseline"], wb, "bare loop writing the same files (what the disk allows)")
        ok4 = re_ >= GOALS["export"]
        row(f"export --jobs {jobs}", res["export"], re_, f"{re_ / wb:.2f}x bare writes; goal >= 10,000 items/s", ok4)
        phases = ["import_jobs1", "import_jobs2", "reimport", "export"]
        peak_phase = max(phases, key=lambda p: res[p]["peak_mb"])
        peak = res[peak_phase]["peak_mb"]
        ok5 = peak < GOALS["memory"]
        add(f"peak memory (max of the four phases): {peak:.0f} MB in {peak_phase} (goal < 400 MB)  {verdict(ok5)}")
        same, total = res["export_identical"]
        add(f"export identical to the imported files, byte for byte: {same:,}/{total:,}")
        exits_ok = all(res[p]["returncode"] == 0 for p in ["baseline", "baseline_after", "write_baseline", *phases])
        if not exits_ok:
            add("some phase exited non-zero (see above)")
        checks = [ok1, ok2, ok3, ok4, ok5]
        add(f"goals: {sum(checks)}/5 PASS")
        all_ok = all_ok and exits_ok and same == total
        goals_ok = goals_ok and all(checks)
    print("\n".join(lines), flush=True)
    return all_ok, goals_ok


def import_figures(n_items: int, all_results: dict) -> dict:
    """Per database: each phase's seconds and peak memory, and the ratios the goals
    judge (the machine's speed moves from run to run; the ratios to the baseline of the
    same run move less)."""
    out = {}
    for kind, res in all_results.items():
        for phase in ("baseline", "import_jobs1", "import_jobs2", "reimport", "write_baseline", "export", "baseline_after"):
            out[f"{kind}: {phase}: seconds"] = figures.figure(round(res[phase]["seconds"], 2), "s")
            out[f"{kind}: {phase}: peak memory"] = figures.figure(round(res[phase]["peak_mb"]), "MB")
        base = (rate(n_items, res["baseline"]) + rate(n_items, res["baseline_after"])) / 2
        first = rate(n_items, res["import_jobs1"])
        ratios = {
            "first import --jobs 1 / baseline": first / base,
            "first import --jobs N / baseline": rate(n_items, res["import_jobs2"]) / base,
            "re-import / first import": rate(n_items, res["reimport"]) / first,
            "export / bare writes": rate(n_items, res["export"]) / rate(n_items, res["write_baseline"]),
        }
        for name, value in ratios.items():
            out[f"{kind}: {name}"] = figures.figure(round(value, 3), "x", better="higher")
        out[f"{kind}: export rate"] = figures.figure(round(rate(n_items, res["export"])), "items/s", better="higher")
        same, total = res["export_identical"]
        out[f"{kind}: exported files not identical"] = figures.figure(total - same, "files")
    return out


def pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except Exception as exc:  # noqa: BLE001
        log(f"PostgreSQL is not reachable at 127.0.0.1:5432 ({exc})")
        return False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000, help="items in the synthetic site (default 100000)")
    parser.add_argument("--db", choices=["sqlite", "pg", "both"], default="both")
    parser.add_argument("--jobs", type=int, default=2, help="--jobs of the parallel first import and of the export (default 2)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--tmp", type=Path, default=None, help="where the temporary folder goes (default: the system's)")
    figures.add_arguments(parser)
    parser.add_argument("--strict", action="store_true", help="exit status 1 when a goal is missed too")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        log(f"corpus not found at {args.corpus}")
        return 2
    kinds = ["sqlite", "pg"] if args.db == "both" else [args.db]
    if "pg" in kinds and not pg_available():
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-", dir=args.tmp))
    try:
        site = workdir / "site"
        started = time.monotonic()
        size = bench_import.build_site(args.corpus, site, args.items)
        log(f"synthetic site: {args.items:,} items, {size / 1e6:.0f} MB, in {site} ({time.monotonic() - started:.0f} s)")
        all_results = {}
        for kind in kinds:
            log(f"== {kind}")
            all_results[kind] = bench_database(kind, site, workdir, args.items, args.jobs)
        ran_ok, goals_ok = report(args.items, args.jobs, all_results)
        ok = ran_ok and (goals_ok or not args.strict)
        figures.finish("import", {"items": args.items, "jobs": args.jobs}, import_figures(args.items, all_results), args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
