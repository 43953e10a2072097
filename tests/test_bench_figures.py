"""bench/figures.py: a benchmark run written as JSON and compared with the recorded one."""
import argparse
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import figures  # noqa: E402


def run_of(**values):
    """A run whose figures are ``name=(value, better)``."""
    return {"figures": {name: figures.figure(value, "u", better) for name, (value, better) in values.items()}}


def test_figures_more_than_a_quarter_worse_are_flagged_either_way():
    recorded = run_of(time=(100.0, "lower"), slower=(100.0, "lower"), rate=(1000, "higher"), fewer=(1000, "higher"),
                      queries=(4, "lower"), errors=(0, "lower"), better=(50.0, "lower"))
    run = run_of(time=(125.0, "lower"), slower=(126.0, "lower"), rate=(800, "higher"), fewer=(799, "higher"),
                 queries=(6, "lower"), errors=(1, "lower"), better=(20.0, "lower"), new=(1, "lower"))
    flagged, compared, new = figures.compare(recorded, run)
    assert {key for key, *_ in flagged} == {"slower", "fewer", "queries", "errors"}
    assert set(compared) == {"time", "slower", "rate", "fewer", "queries", "errors", "better"} and new == ["new"]
    assert dict((key, by) for key, _a, _b, _unit, by in flagged)["errors"] == float("inf")


def test_a_run_is_written_compared_and_recorded(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(figures, "RECORDED", tmp_path / "results")
    monkeypatch.setattr(figures, "ROOT", tmp_path)
    args = argparse.Namespace(json=tmp_path / "out" / "run.json", record=False)
    params = {"items": 1000, "runs": 3}
    assert figures.finish("demo", params, {"sqlite: home: median": figures.figure(10.0, "ms")}, args) == 0
    written = json.loads(args.json.read_text())
    assert written["benchmark"] == "demo" and written["params"] == params and len(written["commit"]) in (0, 40)
    assert "No recorded run" in capsys.readouterr().out

    args.record = True
    figures.finish("demo", params, {"sqlite: home: median": figures.figure(10.0, "ms")}, args)
    assert json.loads((tmp_path / "results" / "demo-1000.json").read_text())["figures"] == written["figures"]

    args.record = False
    assert figures.finish("demo", params, {"sqlite: home: median": figures.figure(13.0, "ms")}, args) == 1
    assert "WORSE by 30%: sqlite: home: median: 10.0 ms -> 13.0 ms" in capsys.readouterr().out


@pytest.mark.parametrize("old, new, expected", [
    (figures.figure(10, "ms"), figures.figure(10, "ms"), None),
    (figures.figure(10, "ms"), figures.figure(15, "ms"), 0.5),
    (figures.figure(10, "x", "higher"), figures.figure(5, "x", "higher"), 1.0),
    (figures.figure(10, "x", "higher"), figures.figure(20, "x", "higher"), None),
])
def test_worse(old, new, expected):
    assert figures.worse(old, new) == expected
