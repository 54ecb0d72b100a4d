"""Benchmark: a no-op `doit full_export` rerun against `doit list` on the same dodo.

    python bench/noop.py            # 500 entities x 10 attributes, 3 rows each, FK depth 4
    python bench/noop.py --quick    # 50 entities, proves the benchmark still runs (CI)

A scale database (`fixtures/scale.py`) is generated (not timed) and `doit full_export` runs once,
cold, in a temporary working copy (`--dir`, with `OSDDL_SOURCE_URL`, `OSDDL_OUTPUT_DIR` and
`OSDDL_CACHE_DIR` pointing into it; that run is timed and reported but is not the measurement).
Then, alternating over three rounds, median reported, each as its own `python -m doit` process
timed from the outside (interpreter start-up included, as an operator sees it):

- `list`: `doit list` on the same dodo and working copy (the baseline: loading the task graph);
- `no-op`: `doit full_export` again, nothing changed.

The goals (no-op < 2 s and <= 3x `doit list`) are reported, not asserted. The run fails only if the
cold export fails (its output is printed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROUNDS = 3
GOAL_SECONDS, GOAL_RATIO = 2.0, 3.0
KINDS = ("list", "no-op")


def doit(workdir: Path, command: str, env: dict[str, str]) -> tuple[float, str, int]:
    """Run `python -m doit -f dodo.py --dir workdir <command>`: seconds, output, exit code."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"), "--dir", str(workdir), command],
        capture_output=True,
        text=True,
        env=env,
    )
    seconds = time.perf_counter() - start
    return seconds, result.stdout + result.stderr, result.returncode


def tasks_run(output: str) -> list[str]:
    """Tasks doit executed (`.  name`); up-to-date ones are printed as `-- name`."""
    return [line[3:].strip() for line in output.splitlines() if line.startswith(".  ")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    entities = 50 if args.quick else 500
    from fixtures.scale import build_scale

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        database = workdir / "scale.sqlite"
        start = time.perf_counter()
        build_scale(database, entities=entities, attributes=10, rows=3, fk_depth=4)
        print(
            f"built {entities} entities x 10 attributes x 3 rows "
            f"in {time.perf_counter() - start:.1f} s"
        )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("OSDDL_")},
            "OSDDL_SOURCE_URL": f"sqlite:///{database}",
            "OSDDL_OUTPUT_DIR": str(workdir / "out"),
            "OSDDL_CACHE_DIR": str(workdir / "cache"),
        }
        cold, output, code = doit(workdir, "full_export", env)
        if code != 0:
            print(f"cold `doit full_export` failed (exit {code}) after {cold:.1f} s:")
            print(output[-4000:])
            sys.exit(1)
        cold_tasks = len(tasks_run(output))
        results: dict[str, list[float]] = {k: [] for k in KINDS}
        ran: list[str] = []
        listed = 0
        for round_ in range(ROUNDS):
            order = KINDS[round_ % len(KINDS) :] + KINDS[: round_ % len(KINDS)]
            for kind in order:
                seconds, output, code = doit(
                    workdir, "full_export" if kind == "no-op" else "list", env
                )
                if code != 0:
                    print(f"`doit {kind}` failed (exit {code}):\n{output[-4000:]}")
                    sys.exit(1)
                results[kind].append(seconds)
                if kind == "no-op":
                    ran = tasks_run(output)
                else:
                    listed = len(output.splitlines())
    baseline = statistics.median(results["list"])
    noop = statistics.median(results["no-op"])
    print(
        f"{'entities':>8} {'cold s':>7} {'tasks':>6} {'list s':>7} {'no-op s':>7} {'ratio':>6} "
        f"{'re-ran':>6}"
    )
    print(
        f"{entities:>8} {cold:>7.2f} {cold_tasks:>6} {baseline:>7.2f} {noop:>7.2f} "
        f"{noop / baseline:>5.2f}x {len(ran):>6}"
    )
    for kind in KINDS:
        print(f"  {kind} runs (s): {', '.join(f'{s:.2f}' for s in results[kind])}")
    print(
        f"  `doit list` printed {listed} lines; "
        f"tasks the no-op executed: {', '.join(ran) or 'none'}"
    )
    seconds_ok = "met" if noop < GOAL_SECONDS else "NOT met"
    ratio_ok = "met" if noop / baseline <= GOAL_RATIO else "NOT met"
    print(
        f"goal: no-op < {GOAL_SECONDS:.0f} s: {seconds_ok} ({noop:.2f} s); "
        f"<= {GOAL_RATIO:.0f}x `doit list`: {ratio_ok} ({noop / baseline:.2f}x)"
    )


if __name__ == "__main__":
    main()
