"""Benchmark: profiling one wide table against a single COUNT scan of the same table.

    python bench/profile.py            # 1,000,000 rows x 20 nullable columns
    python bench/profile.py --quick    # 20,000 rows, proves the benchmark still runs (CI)

The table is built once (not timed). Each measurement then runs in a fresh process, alternating
between the baseline (one `SELECT COUNT(c1), ..., COUNT(c20)` through plain sqlite3) and two
`profile_model` configurations, three rounds, median reported:

- `default`: `ProfileOptions(parallel_tables=1)`; the table is above `profile.distinct_threshold`
  (100,000 rows), so only the null scan reads it, with every column's value-fit measures (longest
  text, MIN/MAX of numbers and datetimes, decimals past the scale) in the same pass.
- `with_distinct`: `distinct_threshold` equal to the row count, so the exact distinct-count
  statement runs as well (what a table under the threshold costs).

Each run records wall time and the process's CPU time (SQLite runs inside the measuring process, so
CPU time is the same work without the waits of a shared machine); both ratios are printed. The
baseline reads every column of every row: `COUNT(*)` alone would not (SQLite answers it by counting
b-tree cells, about 10x cheaper), so it is not the yardstick.

The goal (profile <= 2x the baseline) is reported, not asserted. The run fails only if the profile's
null counts disagree with the baseline's counts.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TABLE = "OSUSR_BEN_WIDE"
COLUMNS = [f"C{k}" for k in range(1, 21)]
# (SQLite declaration, model sql_type, OutSystems data type, on-disk type, length, precision, scale)
TYPES = [
    ("INTEGER", "int", "Integer", "int", None, None, None),
    ("NVARCHAR(50)", "nvarchar(50)", "Text", "nvarchar", 50, None, None),
    ("DECIMAL(18,4)", "decimal(18,4)", "Decimal", "decimal", None, 18, 4),
    ("DATETIME", "datetime", "DateTime", "datetime", None, None, None),
    ("BIT", "bit", "Boolean", "bit", None, None, None),
]
CHUNK = 50_000
ROUNDS = 3
GOAL = 2.0
KINDS = ("baseline", "default", "with_distinct")


def column_type(k: int) -> tuple[Any, ...]:
    return TYPES[k % len(TYPES)]


def null_share(k: int) -> float:
    """10% NULLs for c1 rising to 30% for c20."""
    return 0.10 + 0.20 * k / (len(COLUMNS) - 1)


def build_table(path: Path, rows: int) -> None:
    """Deterministic data from random.Random(7): one transaction, inserts in chunks of 50k."""
    rng = random.Random(7)
    start = datetime(2020, 1, 1)
    makers = [
        lambda: rng.randrange(100_000),
        lambda: f"value {rng.randrange(50_000)}",
        lambda: f"{rng.randrange(10**8)}.{rng.randrange(10**4):04d}",
        lambda: (start + timedelta(seconds=rng.randrange(3 * 365 * 86_400))).isoformat(" "),
        lambda: rng.randrange(2),
    ]
    generators = [(null_share(k), makers[k % len(makers)]) for k in range(len(COLUMNS))]
    declared = ", ".join(f"{c} {column_type(k)[0]}" for k, c in enumerate(COLUMNS))
    placeholders = ", ".join("?" * (len(COLUMNS) + 1))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute(f"CREATE TABLE {TABLE} (ID INTEGER NOT NULL PRIMARY KEY, {declared})")
    conn.execute("BEGIN")
    for first in range(1, rows + 1, CHUNK):
        chunk = [
            (i, *(None if rng.random() < share else make() for share, make in generators))
            for i in range(first, min(first + CHUNK, rows + 1))
        ]
        conn.executemany(f"INSERT INTO {TABLE} VALUES ({placeholders})", chunk)
    conn.execute("COMMIT")
    conn.close()


def wide_model() -> Any:
    """Module Bench, entity Wide: identifier ID plus c1..c20, nullable, one PK index."""
    from osddl.model.contract import (
        DEFAULT_INDEX_OPTIONS,
        Attribute,
        Entity,
        Index,
        IndexColumn,
        Model,
        Module,
        OnDisk,
        Source,
    )

    def attribute(name: str, column: str, shape: tuple[Any, ...], identifier: bool) -> Attribute:
        _, sql_type, data_type, disk_type, length, precision, scale = shape
        return Attribute(
            name=name,
            physical_name=column,
            emitted_name=name,
            data_type="Identifier" if identifier else data_type,
            sql_type=sql_type,
            length=length,
            precision=precision,
            scale=scale,
            default=None,
            is_mandatory=identifier,
            is_identifier=identifier,
            is_auto_number=False,
            is_active=True,
            present_but_inactive=False,
            original_name=None,
            external_db_type=sql_type,
            description=None,
            reference=None,
            on_disk=OnDisk(
                sql_type=disk_type,
                length=length,
                precision=precision,
                scale=scale,
                is_nullable=not identifier,
                is_identity=False,
                identity_seed=None,
                identity_increment=None,
                is_computed=False,
                computed_definition=None,
                default_name=None,
                default_definition=None,
                collation=None,
            ),
        )

    attributes = [attribute("Id", "ID", TYPES[0], True)] + [
        attribute(c.lower(), c, column_type(k), False) for k, c in enumerate(COLUMNS)
    ]
    pk = Index(
        name=f"OSPRK_{TABLE}",
        kind="PK",
        is_unique=True,
        is_platform_auto=True,
        is_disabled=False,
        filter=None,
        columns=[IndexColumn(attribute="Id", column="ID", direction="ASC", is_included=False)],
        options=DEFAULT_INDEX_OPTIONS,
    )
    entity = Entity(
        name="Wide",
        physical_name=TABLE,
        emitted_name="Wide",
        schema="dbo",
        catalog=None,
        ss_key=None,
        is_static=False,
        is_external=False,
        is_active=True,
        description=None,
        attributes=attributes,
        indexes=[pk],
    )
    module = Module(name="Bench", ss_key=None, is_system=False, is_active=True, entities=[entity])
    return Model(
        schema_version="osddl.model/1",
        source=Source(engine="sqlite", database="bench"),
        modules=[module],
    )


def measure_baseline(path: Path) -> dict[str, Any]:
    counts = ", ".join(f"COUNT({c})" for c in COLUMNS)
    start, cpu = time.perf_counter(), time.process_time()
    conn = sqlite3.connect(path)
    row = conn.execute(f"SELECT {counts} FROM {TABLE}").fetchone()
    conn.close()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "counts": list(row), "statements": 1}


def measure_profile(path: Path, distinct_threshold: int) -> dict[str, Any]:
    import sqlalchemy as sa

    from osddl.profile.run import ProfileOptions, profile_model
    from osddl.source.engine import StatementCounter, create_source_engine

    model = wide_model()
    engine = create_source_engine(f"sqlite:///{path}")
    counter = StatementCounter(engine)
    texts: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: texts.append(a[2]))
    options = ProfileOptions(parallel_tables=1, distinct_threshold=distinct_threshold)
    start, cpu = time.perf_counter(), time.process_time()
    evidence = profile_model(engine, model, options)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    engine.dispose()
    columns = {e.name: e for e in evidence if e.kind == "column"}
    probes = [t for t in texts if TABLE in t]  # catalog statements never name the table
    return {
        "seconds": seconds,
        "cpu": cpu,
        "statements": counter.count,
        "probe_statements": len(probes),
        "distinct_ran": any("DISTINCT" in t.upper() for t in probes),
        "statuses": sorted({e.status for e in evidence}),
        "row_count": columns["ID"].row_count,
        "fit_measured": sum(
            e.max_length is not None or e.min_value is not None for e in columns.values()
        ),
        "counts": [
            None if e.null_count is None else e.row_count - e.null_count
            for e in (columns[c] for c in COLUMNS)
        ],
    }


def measure_one(kind: str, path: Path, rows: int) -> dict[str, Any]:
    if kind == "baseline":
        return measure_baseline(path)
    return measure_profile(path, 100_000 if kind == "default" else rows)


def run_one(kind: str, path: Path, rows: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--one", kind, str(path), str(rows)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--one", nargs=3, metavar=("KIND", "PATH", "ROWS"))
    args = parser.parse_args()
    if args.one:
        kind, path, rows = args.one
        print(json.dumps(measure_one(kind, Path(path), int(rows))))
        return
    rows = 20_000 if args.quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "wide.sqlite"
        start = time.perf_counter()
        build_table(path, rows)
        built = time.perf_counter() - start
        size_mb = path.stat().st_size / 2**20
        print(f"built {rows:,} rows x {len(COLUMNS)} columns ({size_mb:.0f} MB) in {built:.1f} s")
        results: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
        for round_ in range(ROUNDS):
            order = KINDS[round_ % len(KINDS) :] + KINDS[: round_ % len(KINDS)]
            for kind in order:
                results[kind].append(run_one(kind, path, rows))
    baseline = statistics.median(r["seconds"] for r in results["baseline"])
    baseline_cpu = statistics.median(r["cpu"] for r in results["baseline"])
    expected = results["baseline"][0]["counts"]
    print(
        f"{'configuration':<13} {'rows':>9} {'columns':>7} {'baseline s':>10} "
        f"{'profile s':>9} {'ratio':>6} {'cpu ratio':>9} {'statements':>10} {'on table':>8} "
        f"{'distinct':>8} {'fit cols':>8}"
    )
    agree = True
    for kind in KINDS[1:]:
        runs = results[kind]
        seconds = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        last = runs[-1]
        agree &= all(r["counts"] == expected and r["row_count"] == rows for r in runs)
        print(
            f"{kind.replace('_', ' '):<13} {rows:>9,} {len(COLUMNS):>7} {baseline:>10.2f} "
            f"{seconds:>9.2f} {seconds / baseline:>5.2f}x {cpu / baseline_cpu:>8.2f}x "
            f"{last['statements']:>10} "
            f"{last['probe_statements']:>8} {'ran' if last['distinct_ran'] else 'skipped':>8} "
            f"{last['fit_measured']:>8}"
        )
        if last["statuses"] != ["succeeded"]:
            print(f"  {kind}: evidence statuses {last['statuses']}")
    for kind in KINDS:
        runs = ", ".join(f"{r['seconds']:.2f}" for r in results[kind])
        cpus = ", ".join(f"{r['cpu']:.2f}" for r in results[kind])
        print(f"  {kind.replace('_', ' ')} runs (s): {runs}; cpu (s): {cpus}")
    print(
        f"goal: profile <= {GOAL:.0f}x one COUNT scan (median of {ROUNDS} alternating runs each); "
        f"statements: all sent through the engine, 'on table' = those reading {TABLE}; "
        "'fit cols' = columns with value-fit measures (bit has none)"
    )
    print(f"null counts agree with the baseline: {'yes' if agree else 'NO'}")
    if not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()
