"""Helpers of the import/export benchmark (``bench/run.py``): the synthetic site, the
memory meter and the baseline.

Used as a program, it has two sub-commands, each run by ``bench/run.py`` in a process
of its own so that no two phases share memory:

``measure -- CMD...``
    Runs CMD, waits for it, and prints one JSON line: wall seconds, exit status, the
    peak resident memory of CMD *and every process it waited for* (the ``--jobs``
    workers) from ``getrusage(RUSAGE_CHILDREN).ru_maxrss``, and CMD's last output line.

``write-baseline --site DIR --out DIR``
    The export's reference: the site's item files copied by a bare loop, each to a
    temporary file renamed into place, in one process (what the disk allows).

``baseline --site DIR --db URL``
    The reference the importer is compared with: the same item files read, their front
    matter parsed with libyaml's safe loader (``yaml.CSafeLoader``) and inserted as one
    row each with a single ``executemany`` in one transaction.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

# Folders of a site that hold content items (what the importer calls articles).
ITEM_SUFFIXES = (".md", ".markdown", ".html", ".htm")


# --------------------------------------------------------------------------------------
# The synthetic site
# --------------------------------------------------------------------------------------
def corpus_items(corpus: Path) -> list[Path]:
    """The corpus's content item files (collection folders, not _data, not api/)."""
    items = []
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir() and p.name.startswith("_") and p.name != "_data"):
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames):
                if name.lower().endswith(ITEM_SUFFIXES):
                    items.append(Path(dirpath) / name)
    return items


_TOP_KEYS = re.compile(r"^(title|name|originalUrl|webUrl): (.*)$")


def _vary_value(key: str, value: str, copy: int) -> str:
    """``value`` (YAML text of a top-level scalar) made distinct for copy ``copy``."""
    if key in ("title", "name"):
        extra = f" ({copy})"
    else:
        extra = ("&" if "?" in value else "?") + f"copy={copy}"
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[:-1] + extra + value[-1]
    if not value or value[0] in "|>&*!" or value in ("null", "~"):
        return value
    return value + extra


def vary(text: str, copy: int) -> str:
    """A copy of an item file whose title and URLs differ (copy 0 is the file itself).

    Only top-level ``title``/``name``/``originalUrl``/``webUrl`` lines of the front
    matter change; everything else (formatting, CRLF, BOM, body) is kept.
    """
    if copy == 0:
        return text
    lines = text.split("\n")
    for i in range(1, len(lines)):
        line = lines[i]
        if line.rstrip("\r") == "---":
            break
        cr = "\r" if line.endswith("\r") else ""
        match = _TOP_KEYS.match(line[: len(line) - len(cr)])
        if match:
            key, value = match.groups()
            lines[i] = f"{key}: {_vary_value(key, value, copy)}{cr}"
    return "\n".join(lines)


def build_site(corpus: Path, out: Path, n_items: int) -> int:
    """Write a site of ``n_items`` items made from the corpus's items under ``out``.

    The corpus's providers, topics and _config.yml are copied once; item ``i`` is a
    copy of corpus item ``i % len(items)`` at a path of its own, with its title and URLs
    made distinct. Returns the number of bytes of item files written.
    """
    sources = corpus_items(corpus)
    if not sources:
        raise SystemExit(f"no content items under {corpus}")
    out.mkdir(parents=True, exist_ok=True)
    if (corpus / "_config.yml").is_file():
        shutil.copy(corpus / "_config.yml", out / "_config.yml")
    if (corpus / "_data").is_dir():
        shutil.copytree(corpus / "_data", out / "_data", dirs_exist_ok=True)
    texts = [(src.relative_to(corpus), src.read_bytes().decode("utf-8")) for src in sources]
    made_dirs = set()
    total = 0
    for i in range(n_items):
        rel, text = texts[i % len(texts)]
        copy = i // len(texts)
        if copy:
            rel = rel.with_name(f"{rel.stem}-copy{copy}{rel.suffix}")
        target = out / rel
        if target.parent not in made_dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            made_dirs.add(target.parent)
        data = vary(text, copy).encode("utf-8")
        target.write_bytes(data)
        total += len(data)
    return total


def site_items(site: Path) -> list[Path]:
    return corpus_items(site)


# --------------------------------------------------------------------------------------
# measure
# --------------------------------------------------------------------------------------
def measure(cmd: list[str]) -> dict:
    started = time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    out_lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    return {
        "seconds": seconds,
        "peak_mb": usage.ru_maxrss / 1024,  # Linux: kilobytes
        "cpu_seconds": usage.ru_utime + usage.ru_stime,  # the command and its workers
        "returncode": proc.returncode,
        "last_line": out_lines[-1] if out_lines else "",
        "stderr_tail": proc.stderr[-2000:],
    }


# --------------------------------------------------------------------------------------
# baseline
# --------------------------------------------------------------------------------------
def _json_default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(type(value))


def baseline(site: Path, db_url: str) -> dict:
    """Read, parse with CSafeLoader, one executemany in one transaction. Returns counts."""
    import yaml

    started = time.monotonic()
    rows = []
    for path in site_items(site):
        text = path.read_bytes().decode("utf-8")
        if text.startswith("\ufeff"):
            text = text[1:]
        head, sep, body = text[4:].partition("\n---")
        data = yaml.load(head, Loader=yaml.CSafeLoader)
        body = body.split("\n", 1)[1] if "\n" in body else ""
        rel = path.relative_to(site).as_posix()
        rows.append((rel, data.get("title"), json.dumps(data, default=_json_default, ensure_ascii=False), body))
    parsed = time.monotonic()
    create = (
        "CREATE TABLE baseline_item (id {pk}, path varchar(500) NOT NULL UNIQUE, "
        "title text NULL, data text NOT NULL, body text NOT NULL)"
    )
    if db_url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(db_url.split("sqlite:///", 1)[1], isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("DROP TABLE IF EXISTS baseline_item")
        conn.execute(create.format(pk="integer PRIMARY KEY AUTOINCREMENT"))
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO baseline_item (path, title, data, body) VALUES (?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
        count = conn.execute("SELECT count(*) FROM baseline_item").fetchone()[0]
        conn.close()
    else:
        import psycopg

        with psycopg.connect(db_url.replace("postgres://", "postgresql://", 1)) as conn:
            with conn.cursor() as cur:
                cur.execute("DROP TABLE IF EXISTS baseline_item")
                cur.execute(create.format(pk="bigserial PRIMARY KEY"))
            conn.commit()
            with conn.transaction():
                with conn.cursor() as cur:
                    cur.executemany("INSERT INTO baseline_item (path, title, data, body) VALUES (%s, %s, %s, %s)", rows)
            with conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM baseline_item")
                count = cur.fetchone()[0]
    return {"rows": count, "parse_seconds": parsed - started, "insert_seconds": time.monotonic() - parsed}


def write_baseline(site: Path, out: Path) -> int:
    """The export's reference: each item file of ``site`` copied to ``out`` by a bare loop,
    written the way the exporter writes (a temporary file renamed into place), in one
    process. What the disk allows, with no database and no rendering."""
    made = set()
    count = 0
    for path in site_items(site):
        data = path.read_bytes()
        target = out / path.relative_to(site)
        folder = target.parent
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        tmp = folder / f".{target.name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, target)
        count += 1
    return count


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("measure", help="run a command, print its time and peak memory as JSON")
    m.add_argument("cmd", nargs=argparse.REMAINDER)
    b = sub.add_parser("baseline", help="the libyaml + executemany baseline")
    b.add_argument("--site", required=True, type=Path)
    b.add_argument("--db", required=True, help="sqlite:///FILE or postgres://...")
    w = sub.add_parser("write-baseline", help="the bare-loop reference of the export")
    w.add_argument("--site", required=True, type=Path)
    w.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    if args.command == "write-baseline":
        print(f"write baseline: {write_baseline(args.site, args.out)} files written")
    elif args.command == "measure":
        cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
        print(json.dumps(measure(cmd)))
    else:
        result = baseline(args.site, args.db)
        print(f"baseline: {result['rows']} rows (parse {result['parse_seconds']:.1f} s, insert {result['insert_seconds']:.1f} s)")


if __name__ == "__main__":
    sys.exit(main())
