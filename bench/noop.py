"""Benchmark: task overhead of the doit graph: no-op reruns against `doit list`, and a cold run.

    python bench/noop.py              # the numbers docs/performance.md quotes (about 8 minutes)
    python bench/noop.py --quick      # small sizes, proves the benchmark still runs (CI, < 1 min)
    python bench/noop.py --cprofile   # also one cold run of the entities database under cProfile
    python bench/noop.py --dodo OTHER/dodo.py   # another tree (e.g. a copy before a change)

Two generated OutSystems databases (`fixtures/scale.py`, 10 attributes per entity, FK depth 4;
the build is not timed):

- `entities`: 500 entities of 3 rows each (about 1,000 tasks: one snapshot and one DynamicData
  task per table), so the time is task overhead, not data;
- `rows`: one entity with 1,000,000 rows (13 tasks), so the time is data.

(`--quick`: 50 entities; 2,000 rows; two rounds.) For each, `doit full_export` runs once, cold, in
a temporary working copy (`--dir`, with `OSDDL_SOURCE_URL`, `OSDDL_OUTPUT_DIR` and
`OSDDL_CACHE_DIR` pointing into it, and `OSDDL_UAT_USERS_ENABLED=false`: a generated database has
no user inventories). Then, alternating over three rounds (median reported), each as its own
`python -m doit` process timed from the outside (interpreter start-up included, as an operator
sees it):

- `list`: `doit list` on the same dodo and working copy (the baseline: loading the task graph);
- `no-op`: `doit full_export` again, nothing changed.

Goals (reported, not asserted): the no-op < 2 s and <= 1.5x `doit list` at both sizes; the cold
run of the entities database < 30 s. The run fails only if a doit command fails.
"""

from __future__ import annotations

import argparse
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, sys.path[0] is bench/, whose profile.py would shadow the standard library's
# `profile` module that cProfile imports: the project root takes its place.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

ROUNDS = 3
NOOP_SECONDS, NOOP_RATIO, COLD_SECONDS = 2.0, 1.5, 30.0
KINDS = ("list", "no-op")


@dataclass(frozen=True)
class Scenario:
    name: str
    entities: int
    rows: int

    @property
    def label(self) -> str:
        if self.entities == 1:
            return f"1 table, {self.rows:,} rows"
        return f"{self.entities} entities x {self.rows} rows"


FULL = (Scenario("entities", 500, 3), Scenario("rows", 1, 1_000_000))
QUICK = (Scenario("entities", 50, 3), Scenario("rows", 1, 2_000))
QUICK_ROUNDS = 2


@dataclass
class Result:
    scenario: Scenario
    cold: float = 0.0
    cold_tasks: int = 0
    times: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    reran: list[str] = field(default_factory=list)

    def median(self, kind: str) -> float:
        return statistics.median(self.times[kind])

    @property
    def ratio(self) -> float:
        return self.median("no-op") / self.median("list")


def doit(
    dodo: Path, workdir: Path, command: str, env: dict[str, str], wrap: tuple[str, ...] = ()
) -> tuple[float, str]:
    """Run `python -m doit -f dodo --dir workdir <command>`: seconds and output; exit on failure."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, *wrap, "-m", "doit", "-f", str(dodo), "--dir", str(workdir), command],
        capture_output=True,
        text=True,
        env=env,
    )
    seconds = time.perf_counter() - start
    output = result.stdout + result.stderr
    if result.returncode != 0:
        print(f"`doit {command}` failed (exit {result.returncode}) after {seconds:.1f} s:")
        print(output[-4000:])
        sys.exit(1)
    return seconds, output


def tasks_run(output: str) -> list[str]:
    """Tasks doit executed (`.  name`); up-to-date ones are printed as `-- name`."""
    return [line[3:].strip() for line in output.splitlines() if line.startswith(".  ")]


def environment(workdir: Path, database: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("OSDDL_")},
        "OSDDL_SOURCE_URL": f"sqlite:///{database}",
        "OSDDL_OUTPUT_DIR": str(workdir / "out"),
        "OSDDL_CACHE_DIR": str(workdir / "cache"),
        # A generated database has no QA/UAT user inventories to remap (the explicit opt-out).
        "OSDDL_UAT_USERS_ENABLED": "false",
    }


def build(scenario: Scenario, database: Path) -> None:
    from fixtures.scale import build_scale

    start = time.perf_counter()
    build_scale(database, entities=scenario.entities, attributes=10, rows=scenario.rows, fk_depth=4)
    print(f"{scenario.name}: built {scenario.label} in {time.perf_counter() - start:.1f} s")


def measure(scenario: Scenario, dodo: Path, rounds: int, tmp: Path) -> Result:
    workdir = tmp / scenario.name
    workdir.mkdir()
    database = tmp / f"{scenario.name}.sqlite"
    build(scenario, database)
    env = environment(workdir, database)
    result = Result(scenario)
    result.cold, output = doit(dodo, workdir, "full_export", env)
    result.cold_tasks = len(tasks_run(output))
    print(f"{scenario.name}: cold full_export {result.cold:.2f} s, {result.cold_tasks} tasks")
    for round_ in range(rounds):
        order = KINDS[round_ % len(KINDS) :] + KINDS[: round_ % len(KINDS)]
        for kind in order:
            seconds, output = doit(dodo, workdir, "full_export" if kind == "no-op" else "list", env)
            result.times[kind].append(seconds)
            if kind == "no-op":
                result.reran = tasks_run(output)
    return result


def cprofile_cold(scenario: Scenario, dodo: Path, tmp: Path) -> None:
    """One more cold run under cProfile; the top functions by own and by cumulative time."""
    workdir = tmp / f"{scenario.name}-cprofile"
    workdir.mkdir()
    database = tmp / f"{scenario.name}.sqlite"
    stats_file = tmp / "cold.prof"
    seconds, output = doit(
        dodo,
        workdir,
        "full_export",
        environment(workdir, database),
        ("-m", "cProfile", "-o", str(stats_file)),
    )
    tasks = len(tasks_run(output))
    print(f"\ncold full_export under cProfile: {seconds:.1f} s, {tasks} tasks")
    stats = pstats.Stats(str(stats_file))
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(r"osddl/|tasks/|doit/dependency", 30)


def report(results: list[Result], quick: bool) -> None:
    print(
        f"\n{'database':<28} {'cold s':>7} {'tasks':>6} {'ms/task':>8} {'list s':>7} "
        f"{'no-op s':>8} {'ratio':>6} {'re-ran':>6}"
    )
    for r in results:
        print(
            f"{r.scenario.label:<28} {r.cold:>7.2f} {r.cold_tasks:>6} "
            f"{1000 * r.cold / max(r.cold_tasks, 1):>8.1f} {r.median('list'):>7.2f} "
            f"{r.median('no-op'):>8.2f} {r.ratio:>5.2f}x {len(r.reran):>6}"
        )
    for r in results:
        for kind in KINDS:
            runs = ", ".join(f"{s:.2f}" for s in r.times[kind])
            print(f"  {r.scenario.name} {kind} runs (s): {runs}")
        print(f"  {r.scenario.name}: tasks the no-op executed: {', '.join(r.reran) or 'none'}")
    if quick:
        print("goals (quick sizes; the goals are about the full sizes):")
    for r in results:
        noop, ratio = r.median("no-op"), r.ratio
        seconds_ok = "met" if noop < NOOP_SECONDS else "NOT met"
        ratio_ok = "met" if ratio <= NOOP_RATIO else "NOT met"
        print(
            f"goal {r.scenario.name}: no-op < {NOOP_SECONDS:.0f} s: {seconds_ok} ({noop:.2f} s); "
            f"<= {NOOP_RATIO}x `doit list`: {ratio_ok} ({ratio:.2f}x)"
        )
    cold = next((r for r in results if r.scenario.name == "entities"), None)
    if cold is None:
        return
    cold_ok = "met" if cold.cold < COLD_SECONDS else "NOT met"
    print(
        f"goal entities: cold full_export < {COLD_SECONDS:.0f} s: {cold_ok} ({cold.cold:.2f} s, "
        f"{1000 * cold.cold / max(cold.cold_tasks, 1):.1f} ms per task)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument("--rounds", type=int, help=f"rounds of list/no-op (default {ROUNDS})")
    parser.add_argument("--dodo", type=Path, default=ROOT / "dodo.py", help="dodo file to run")
    parser.add_argument("--only", choices=["entities", "rows"], help="one database only")
    parser.add_argument("--cprofile", action="store_true", help="profile a cold entities run")
    args = parser.parse_args()
    scenarios = [s for s in (QUICK if args.quick else FULL) if args.only in (None, s.name)]
    rounds = args.rounds or (QUICK_ROUNDS if args.quick else ROUNDS)
    print(f"dodo: {args.dodo.resolve()}")
    with tempfile.TemporaryDirectory(prefix="osddl-noop-") as name:
        tmp = Path(name)
        results = [measure(s, args.dodo.resolve(), rounds, tmp) for s in scenarios]
        report(results, args.quick)
        entities = next((s for s in scenarios if s.name == "entities"), None)
        if args.cprofile and entities is not None:
            cprofile_cold(entities, args.dodo.resolve(), tmp)


if __name__ == "__main__":
    main()
