"""Benchmark: `doit load`'s work (load + verify:data) of a 1,000,000-row export, side by side.

    python bench/load.py            # one entity with 1,000,000 rows, three interleaved rounds
    python bench/load.py --quick    # 20,000 rows, one round: proves it still runs (CI)

The database is a generated OutSystems database (`fixtures/scale.py`: one entity, 10 attributes;
built once, exported once with `doit full_export`, uat-users off; neither is timed). Then, in
alternating order per round, each in this process through the stage functions a user's `doit load`
runs (`load_to_files`, `verify_data_to_file`):

- `sqlite`: load + verify into a fresh SQLite staging file;
- `postgresql`: load + verify into a throwaway PostgreSQL server (`tests/postgres_server.py`),
  when its binaries are installed;
- `copy`: the server's own bulk path, the baseline: `COPY ... FROM STDIN` of the same rows
  (read from the snapshot) into an unconstrained table of the same columns.

Median and range are printed with rows/s; the goal (>= 100,000 rows/s into SQLite) is reported,
not asserted; the run fails only if a load fails.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.noop import doit, environment  # noqa: E402

FULL_ROWS, QUICK_ROWS = 1_000_000, 20_000
ROUNDS, QUICK_ROUNDS = 3, 1
GOAL = 100_000  # rows/s into SQLite


def export(work: Path, rows: int) -> Path:
    from fixtures.scale import build_scale

    database = work / "rows.sqlite"
    build_scale(database, entities=1, attributes=10, rows=rows, fk_depth=4)
    seconds, _ = doit(ROOT / "dodo.py", work, "full_export", environment(work, database))
    print(f"built and exported 1 entity x {rows:,} rows (export {seconds:.1f} s)")
    return work / "out"


def load_and_verify(work: Path, url: str) -> float:
    from osddl.config import load_settings
    from osddl.layout import path
    from osddl.load.documents import DATA_INTEGRITY
    from osddl.options import verify_data_options
    from osddl.stages.load import load_to_files, verify_data_to_file
    from tests.project_settings import NO_SETTINGS

    env = environment(work, work / "rows.sqlite")
    options = verify_data_options(
        load_settings(NO_SETTINGS, environ=env, cli={"load.target_url": url})
    )
    start = time.perf_counter()
    load_to_files(options.load, work / "out")
    verify_data_to_file(options, work / "out")
    seconds = time.perf_counter() - start
    if DATA_INTEGRITY.read(work / "out" / path("data_integrity")).verdict != "pass":
        sys.exit(f"load into {url.split(':')[0]} failed: see {work / 'out/proofs'}")
    return seconds


def copy_baseline(out: Path, url: str) -> float:
    """COPY of the snapshot's rows into a plain table of the same columns (the server's bulk
    path; the snapshot read is included)."""
    import psycopg
    import pyarrow.parquet as pq
    from sqlalchemy.engine import make_url

    (snapshot,) = [p for p in (out / "data").rglob("*.parquet") if "USER" not in p.name.upper()]
    parsed = make_url(url)
    dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    start = time.perf_counter()
    table = pq.read_table(snapshot)
    with psycopg.connect(dsn) as connection:
        columns = ", ".join(f'"{c}" text' for c in table.column_names)
        connection.execute("DROP TABLE IF EXISTS bench_copy")
        connection.execute(f"CREATE TABLE bench_copy ({columns})")
        with connection.cursor().copy("COPY bench_copy FROM STDIN") as copy:
            for batch in table.to_batches(50_000):
                for row in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                    copy.write_row(row)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rows, rounds = (QUICK_ROWS, QUICK_ROUNDS) if args.quick else (FULL_ROWS, ROUNDS)
    from tests.postgres_server import PostgresServer, create_database, find_postgres_bindir

    with tempfile.TemporaryDirectory(prefix="osddl-bench-load-") as name:
        work = Path(name)
        out = export(work, rows)
        runs: dict[str, Callable[[], float]] = {
            "sqlite": lambda: load_and_verify(work, f"sqlite:///{work / 'staging.sqlite'}")
        }
        server = PostgresServer() if find_postgres_bindir() else None
        try:
            if server is not None:
                server.start()
                url = create_database(server.url, "bench_load")
                runs["postgresql"] = lambda: load_and_verify(work, url)
                runs["copy"] = lambda: copy_baseline(out, url)
            else:
                print("PostgreSQL binaries not found: SQLite only")
            times: dict[str, list[float]] = {kind: [] for kind in runs}
            kinds = list(runs)
            for round_ in range(rounds):
                for kind in kinds[round_ % len(kinds) :] + kinds[: round_ % len(kinds)]:
                    times[kind].append(runs[kind]())
        finally:
            if server is not None:
                server.stop()
    print(f"\n1 table x {rows:,} rows (+ users), median of {rounds} round(s), side by side")
    for kind, seconds in times.items():
        median = statistics.median(seconds)
        print(
            f"  {kind:<10} {median:8.2f} s  (range {min(seconds):.2f}-{max(seconds):.2f})"
            f"  {rows / median:>10,.0f} rows/s"
        )
    rate = rows / statistics.median(times["sqlite"])
    print(f"goal >= {GOAL:,} rows/s into SQLite: {'met' if rate >= GOAL else 'NOT met'}")
    if "copy" in times:
        ratio = statistics.median(times["postgresql"]) / statistics.median(times["copy"])
        print(f"postgresql load + verify / COPY: {ratio:.1f}x")


if __name__ == "__main__":
    main()
