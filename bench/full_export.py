"""Benchmark: a cold `doit full_export` (every stage, every proof) against `sqlite3 DB .dump`.

    python bench/full_export.py            # one entity with 1,000,000 rows (goal: <= 3x .dump)
    python bench/full_export.py --quick    # 20,000 rows, one round: proves it still runs (CI)

The database is a generated OutSystems database (`fixtures/scale.py`: one entity, 10 attributes,
FK depth 4; built once, not timed). Alternating over three rounds (median reported), each as its
own process timed from the outside, as an operator sees it:

- `baseline`: the `sqlite3` command-line shell running `.dump` of the whole file into a file
  (Python's `iterdump()` when the shell is not installed; the output says so);
- `osddl`: `doit full_export` in a fresh working copy (`bench/noop.py`'s environment: source,
  output and cache folders inside it, uat-users off), cold.

The per-task split of the last osddl round comes from its `out/run-log.jsonl` (seconds per task,
sorted by time), with rows/s of the proofs that read every emitted INSERT back (`verify:order`,
`verify:fit`). The goal (<= 3x the baseline) is reported, not asserted; the run fails only if a
command fails.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.noop import doit, environment  # noqa: E402

ROUNDS, QUICK_ROUNDS = 3, 1
FULL_ROWS, QUICK_ROWS = 1_000_000, 20_000
GOAL = 3.0
READERS = ("_verify_order", "_verify_fit")  # run-log names of the proofs reading every row


def build(database: Path, rows: int) -> None:
    from fixtures.scale import build_scale

    start = time.perf_counter()
    build_scale(database, entities=1, attributes=10, rows=rows, fk_depth=4)
    print(f"built 1 entity x {rows:,} rows in {time.perf_counter() - start:.1f} s")


def baseline(database: Path, target: Path) -> float:
    """Seconds for `sqlite3 DB .dump > target` (or iterdump without the shell)."""
    start = time.perf_counter()
    if shutil.which("sqlite3"):
        with target.open("wb") as handle:
            subprocess.run(["sqlite3", str(database), ".dump"], stdout=handle, check=True)
    else:
        connection = sqlite3.connect(database)
        with target.open("w", encoding="utf-8") as handle:
            for line in connection.iterdump():
                handle.write(line + "\n")
        connection.close()
    return time.perf_counter() - start


def cold_run(database: Path, tmp: Path, round_: int) -> tuple[float, dict[str, float]]:
    """Seconds of a cold `doit full_export` and seconds per task from its run log."""
    workdir = tmp / f"run{round_}"
    workdir.mkdir()
    seconds, _ = doit(ROOT / "dodo.py", workdir, "full_export", environment(workdir, database))
    per_task: dict[str, float] = {}
    for line in (workdir / "out/run-log.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        per_task[entry["task"]] = per_task.get(entry["task"], 0.0) + float(entry["seconds"])
    shutil.rmtree(workdir)
    return seconds, per_task


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rows, rounds = (QUICK_ROWS, QUICK_ROUNDS) if args.quick else (FULL_ROWS, ROUNDS)
    with tempfile.TemporaryDirectory(prefix="osddl-bench-full-") as name:
        tmp = Path(name)
        database = tmp / "rows.sqlite"
        build(database, rows)
        times: dict[str, list[float]] = {"baseline": [], "osddl": []}
        split: dict[str, float] = {}
        for round_ in range(rounds):
            for kind in ("baseline", "osddl") if round_ % 2 == 0 else ("osddl", "baseline"):
                if kind == "baseline":
                    times[kind].append(baseline(database, tmp / "dump.sql"))
                else:
                    seconds, split = cold_run(database, tmp, round_)
                    times[kind].append(seconds)
        tool = "sqlite3 .dump" if shutil.which("sqlite3") else "Python iterdump()"
        base, osddl = (statistics.median(times[k]) for k in ("baseline", "osddl"))
        ratio = osddl / base
        print(f"\n1 table x {rows:,} rows, median of {rounds} round(s)")
        print(f"  baseline ({tool}): {base:8.2f} s  (range {min(times['baseline']):.2f}-"
              f"{max(times['baseline']):.2f})")  # fmt: skip
        print(f"  doit full_export (cold): {osddl:8.2f} s  (range {min(times['osddl']):.2f}-"
              f"{max(times['osddl']):.2f})  {ratio:.1f}x  goal <= {GOAL:.0f}x: "
              f"{'met' if ratio <= GOAL else 'NOT met'}")  # fmt: skip
        print("\nper task (last osddl round, out/run-log.jsonl):")
        for task, seconds in sorted(split.items(), key=lambda item: -item[1]):
            rate = f"  {rows / seconds:>12,.0f} rows/s" if task in READERS and seconds else ""
            print(f"  {task:<40} {seconds:8.2f} s{rate}")


if __name__ == "__main__":
    main()
