#!/usr/bin/env python
"""``make mutate``: mutation testing of Newsroom's core with mutmut 3 (issue 15).

Each module of ``mutation/targets.toml`` is run on its own, in ``mutation/work/<name>/``
(links to the project, mutmut's ``setup.cfg``, and mutmut's ``mutants/`` copy), with
only the functions named there mutated and only the tests named there run: the tests
that cover the module, so a mutant is judged by the tests meant to catch it. One
worker, at the lowest priority (the machine is shared); results stay in
``mutation/work/`` (not committed).

    python mutation/run.py                   # every module, then the report
    python mutation/run.py importer services # those modules only
    python mutation/run.py --report          # scores of the last runs, survivors listed
    python mutation/run.py --survivors uploads  # only the last survivors, after new tests
"""
import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / "mutation" / "targets.toml"
WORK = ROOT / "mutation" / "work"
LINKED = ["articles", "newsroom", "templates", "tests", "pytest.ini", "manage.py"]
# The project's settings with a fast password hasher: the desk tests log in, and the
# real hasher's rounds would be most of each mutant's time (nothing here tests hashing).
SETTINGS = """from newsroom.settings import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
"""
# mutmut 3's exit codes (mutmut/stats.py): 1 and 3 kill a mutant, 36 and the signals of
# its CPU limit are timeouts (a kill too: the mutant made the tests loop).
KILLED, TIMEOUT, SURVIVED = {1, 3}, {36, 24, -24, 152, 255}, {0}


def load_targets() -> dict:
    with TARGETS.open("rb") as f:
        return tomllib.load(f)["module"]


def prepare(name: str, target: dict) -> Path:
    """The module's work folder: links to the project and mutmut's configuration. A
    change of the configuration (tests, functions) starts the module afresh."""
    work = WORK / name
    work.mkdir(parents=True, exist_ok=True)
    for entry in LINKED:
        link = work / entry
        if not link.is_symlink():
            link.symlink_to(os.path.relpath(ROOT / entry, work))
    (work / "mutation_settings.py").write_text(SETTINGS)
    config = "\n".join([
        "[mutmut]",
        "source_paths = articles",
        f"only_mutate = {target['file']}",
        "also_copy =",
        *(f"    {entry}" for entry in LINKED if entry not in ("articles", "tests")),
        "    mutation_settings.py",
        "pytest_add_cli_args_test_selection =",
        *(f"    {test}" for test in target["tests"]),
        "pytest_add_cli_args =",
        "    -p",
        "    no:cacheprovider",
        "    -q",
        "",
    ])
    setup = work / "setup.cfg"
    tests = work / "tests.txt"
    if not tests.exists() or tests.read_text() != "\n".join(target["tests"]):
        shutil.rmtree(work / "mutants", ignore_errors=True)  # other tests: judged afresh
        tests.write_text("\n".join(target["tests"]))
    setup.write_text(config)
    return work


def patterns(target: dict) -> list[str]:
    """mutmut's mutant names of the functions in scope (``module.xǁClassǁmethod__mutmut_N``
    for a method, ``module.x_function__mutmut_N`` for a function)."""
    module = target["file"][:-3].replace("/", ".")
    out = []
    for function in target.get("functions", ["*"]):
        if "." in function:
            cls, method = function.split(".", 1)
            out.append(f"{module}.xǁ{cls}ǁ{method}__mutmut_*")
        else:
            out.append(f"{module}.x_{function}__mutmut_*")
    return out


def run(name: str, target: dict, max_children: int, survivors: bool = False) -> int:
    work = prepare(name, target)
    names = patterns(target)
    found = results(name, target)
    if found is not None and not survivors:
        # Carry on where the last run stopped: mutmut runs again every mutant it is named.
        names = [key for key, _code in found["other"]]
        if not names:
            return 0
    if survivors:
        # Only the last run's survivors, against the tests as they are now: mutmut maps
        # tests to functions once (mutmut-stats.json), so new tests need a new map.
        found = results(name, target)
        names = [key for key, _code in found["survived"]] if found else names
        if not names:
            return 0
        (work / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    mutmut = Path(sys.executable).with_name("mutmut")
    env = {**os.environ, "DJANGO_DEBUG": "1", "PYTHONDONTWRITEBYTECODE": "1", "DJANGO_SETTINGS_MODULE": "mutation_settings"}
    env.pop("CI", None)  # the corpus tests stay out (a skip, not a failure, in mutants/)
    print(f"== {name}: {target['file']} ({', '.join(target.get('functions', ['*']))})", flush=True)
    command = ["nice", "-n", "19", str(mutmut), "run", "--max-children", str(max_children), *names]
    return subprocess.call(command, cwd=work, env=env)


def results(name: str, target: dict) -> dict | None:
    meta = WORK / name / "mutants" / (target["file"] + ".meta")
    if not meta.exists():
        return None
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    wanted = patterns(target)
    codes = {key: code for key, code in codes.items() if any(fnmatch.fnmatch(key, p) for p in wanted)}
    out = {"killed": [], "timeout": [], "survived": [], "other": []}
    for key, code in sorted(codes.items()):
        bucket = "killed" if code in KILLED else "timeout" if code in TIMEOUT else "survived" if code in SURVIVED else "other"
        out[bucket].append((key, code))
    return out


def report(targets: dict, names) -> int:
    below = 0
    for name in names:
        found = results(name, targets[name])
        if found is None:
            print(f"{name:14} not run")
            continue
        caught = len(found["killed"]) + len(found["timeout"])
        judged = caught + len(found["survived"])
        score = 100.0 * caught / judged if judged else 0.0
        below += score < 90
        print(f"{name:14} {score:5.1f}%  killed {len(found['killed'])}, timeout {len(found['timeout'])}, "
              f"survived {len(found['survived'])}, not judged {len(found['other'])}  ({targets[name]['file']})")
        for key, _code in found["survived"]:
            print(f"    survived: {key}")
        for key, code in found["other"]:
            print(f"    not judged ({code}): {key}")
    print("(see a survivor: cd mutation/work/<module> && ../../../.venv/bin/mutmut show <name>)")
    return 1 if below else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="modules of mutation/targets.toml (default: all)")
    parser.add_argument("--report", action="store_true", help="only print the scores of the last runs")
    parser.add_argument("--survivors", action="store_true", help="run the last run's survivors again (after new tests)")
    parser.add_argument("--max-children", type=int, default=1, help="mutmut workers (default 1: a shared machine)")
    args = parser.parse_args(argv)
    targets = load_targets()
    names = args.modules or list(targets)
    unknown = [n for n in names if n not in targets]
    if unknown:
        parser.error(f"unknown modules {unknown}; known: {', '.join(targets)}")
    if not args.report:
        for name in names:
            status = run(name, targets[name], args.max_children, args.survivors)
            if status:
                print(f"mutmut failed on {name} (exit status {status})", file=sys.stderr)
                return status
    return report(targets, names)


if __name__ == "__main__":
    sys.exit(main())
