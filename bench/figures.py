"""Benchmark figures as JSON, and each run compared with the last recorded one.

Every benchmark hands its figures to ``finish()``, which

1. writes the run as JSON to ``bench/out/<benchmark>-<items>.json`` (or ``--json FILE``):
   the commit it ran on, the machine, the parameters, and each figure with its unit and
   whether lower or higher is better;
2. compares it with the run recorded for the same benchmark and size,
   ``bench/results/<benchmark>-<items>.json`` (kept in the repository), figure by
   figure, and flags every figure more than 25% worse (a time 1.25 times as long, a rate
   below 0.8 times, a count from 0 to more);
3. with ``--record``, makes this run the recorded one (commit the file with the change
   it measures).

``python bench/figures.py RECORDED.json RUN.json`` compares two runs written earlier.
"""
from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RECORDED = HERE / "results"
OUT = HERE / "out"
WORSE_BY = 0.25


def figure(value, unit: str, better: str = "lower") -> dict:
    assert better in ("lower", "higher")
    return {"value": value, "unit": unit, "better": better}


def add_arguments(parser) -> None:
    parser.add_argument("--json", type=Path, default=None,
                        help="where this run's figures go (default bench/out/<benchmark>-<items>.json)")
    parser.add_argument("--record", action="store_true",
                        help="make this run the recorded one, bench/results/<benchmark>-<items>.json")


def _git(*args) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _machine() -> dict:
    info = {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    try:
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    import sqlite3

    info["sqlite"] = sqlite3.sqlite_version
    return info


def document(benchmark: str, params: dict, figures: dict) -> dict:
    return {
        "benchmark": benchmark,
        "commit": _git("rev-parse", "HEAD"),
        # Uncommitted changes to tracked files: the figures are not those of the commit.
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "date": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        "machine": _machine(),
        "params": params,
        "figures": figures,
    }


def worse(old: dict, new: dict) -> float | None:
    """By how much ``new`` is worse than ``old`` (0.3: 30% worse), None if it is not."""
    a, b = old["value"], new["value"]
    if a is None or b is None:
        return None
    if old["better"] == "lower":
        if b <= a:
            return None
        return float("inf") if a == 0 else b / a - 1
    if b >= a:
        return None
    return float("inf") if b == 0 else a / b - 1


def compare(recorded: dict, run: dict) -> tuple[list, list, list]:
    """(worse by more than WORSE_BY, compared, only in this run) over the figures."""
    flagged, compared, new = [], [], []
    for key, now in run["figures"].items():
        before = recorded["figures"].get(key)
        if before is None:
            new.append(key)
            continue
        compared.append(key)
        by = worse(before, now)
        if by is not None and by > WORSE_BY:
            flagged.append((key, before["value"], now["value"], now["unit"], by))
    return flagged, compared, new


def _value(value, unit):
    if isinstance(value, float):
        text = f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    else:
        text = f"{value:,}"
    return f"{text} {unit}".rstrip()


def print_comparison(recorded: dict, run: dict, *, source: str = "") -> int:
    flagged, compared, new = compare(recorded, run)
    commit = (recorded.get("commit") or "?")[:10] + (" (uncommitted changes)" if recorded.get("dirty") else "")
    print(f"\nCompared with the recorded run {source or ''}of {recorded.get('date', '?')}, commit {commit}: "
          f"{len(compared)} figures")
    if recorded.get("params") != run.get("params"):
        print(f"  (parameters differ: recorded {recorded.get('params')}, now {run.get('params')})")
    for key, before, now, unit, by in flagged:
        print(f"  WORSE by {'more than 100x' if by == float('inf') else f'{by:.0%}'}: {key}: "
              f"{_value(before, unit)} -> {_value(now, unit)}")
    if new:
        print(f"  {len(new)} figures not in the recorded run (not compared)")
    print(f"  {len(flagged)} figures more than {WORSE_BY:.0%} worse" if flagged
          else f"  no figure more than {WORSE_BY:.0%} worse")
    return len(flagged)


def finish(benchmark: str, params: dict, figures: dict, args) -> int:
    """Write, compare, record (see the module's docstring); returns the number of
    figures more than 25% worse than the recorded run."""
    run = document(benchmark, params, figures)
    name = f"{benchmark}-{params['items']}.json"
    out = args.json or OUT / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(run, indent=2) + "\n")
    print(f"\nFigures written to {out}")
    recorded_path = RECORDED / name
    flagged = 0
    if recorded_path.exists():
        flagged = print_comparison(json.loads(recorded_path.read_text()), run, source=f"({recorded_path.relative_to(ROOT)}) ")
    else:
        print(f"No recorded run to compare with ({recorded_path.relative_to(ROOT)}); --record makes this one it.")
    if args.record:
        if run["dirty"]:
            print("Note: the worktree has uncommitted changes; the recorded commit is not exactly what ran.")
        RECORDED.mkdir(exist_ok=True)
        recorded_path.write_text(json.dumps(run, indent=2) + "\n")
        print(f"Recorded as {recorded_path.relative_to(ROOT)}: commit it.")
    return flagged


def main(argv=None) -> int:
    if len(argv or sys.argv[1:]) != 2:
        print("usage: bench/figures.py RECORDED.json RUN.json", file=sys.stderr)
        return 2
    recorded, run = (json.loads(Path(p).read_text()) for p in (argv or sys.argv[1:]))
    return 1 if print_comparison(recorded, run) else 0


if __name__ == "__main__":
    sys.exit(main())
