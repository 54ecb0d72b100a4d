"""Benchmark: one table to a DynamicData INSERT script (snapshot + render) against `sqlite3 .dump`.

    python bench/export.py             # 1,000,000 rows x 7 columns; peak RSS at 1M and 5M rows
    python bench/export.py --quick     # 20,000 rows, no 5M run, proves it still runs (CI)
    python bench/export.py --cprofile  # also cProfile one render step, top functions by own time

The table `OSUSR_BEN_ORDERS` (int identity key, nvarchar(100) text with quotes and unicode,
decimal(18,4), datetime, bit, an FK-like int, nvarchar(max) notes with an occasional newline) is
built once per size (not timed), with a one-entity model for it built in code. Each measurement then
runs in a fresh process, alternating over three rounds, median reported:

- `baseline`: the `sqlite3` command-line shell (C) running `.dump OSUSR_BEN_ORDERS` into a file;
  when the shell is not installed, Python's `sqlite3` `iterdump()` instead (the output says so);
- `osddl`: `write_snapshot` (table → Parquet, `data.fetch_rows` = 50,000) then `render_table`
  (Parquet → INSERT script, `data.batch_rows` = 1,000), timed together and separately; imports
  and the model are done before the clock. Peak RSS is that process's `ru_maxrss`. Each process
  is also timed whole from outside (interpreter start and imports included), baseline too.

The goals (export <= 1.5x the baseline, stretch <= 1.0x; peak RSS < 300 MB and flat in row count)
are reported, not asserted. The run fails only if the export's row count is wrong.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
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
# Run as a script, sys.path[0] is bench/, whose profile.py would shadow the standard library's
# `profile` module that cProfile imports: the project root takes its place.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

TABLE = "OSUSR_BEN_ORDERS"
# (attribute, column, SQLite declaration, model sql_type, OutSystems type, on-disk type, length,
#  precision, scale)
COLUMNS = [
    ("Id", "ID", "INTEGER NOT NULL PRIMARY KEY", "int", "Identifier", "int", None, None, None),
    ("Name", "NAME", "NVARCHAR(100)", "nvarchar(100)", "Text", "nvarchar", 100, None, None),
    ("Amount", "AMOUNT", "DECIMAL(18,4)", "decimal(18,4)", "Decimal", "decimal", None, 18, 4),
    ("CreatedOn", "CREATEDON", "DATETIME", "datetime", "DateTime", "datetime", None, None, None),
    ("IsActive", "ISACTIVE", "BIT", "bit", "Boolean", "bit", None, None, None),
    ("ParentId", "PARENTID", "INT", "int", "Integer", "int", None, None, None),
    ("Notes", "NOTES", "TEXT", "nvarchar(max)", "Text", "nvarchar", -1, None, None),
]
CHUNK = 50_000
ROUNDS = 3
GOAL, STRETCH = 1.5, 1.0
RSS_GOAL_MB = 300
FETCH_ROWS, BATCH_ROWS = 50_000, 1000
KINDS = ("baseline", "osddl")


def build_table(path: Path, rows: int) -> None:
    """Deterministic data from random.Random(7): one transaction, inserts in chunks of 50k."""
    rng = random.Random(7)
    start = datetime(2020, 1, 1)
    names = ["Customer {}", "O'Brien & Sons {}", "Zoë Ångström 東京 {}", "it''s \"quoted\" {}"]

    def row(i: int) -> tuple[Any, ...]:
        name = names[0 if i % 5 else (i // 5) % len(names)].format(i)
        cents = rng.randrange(-(10**12), 10**12)
        amount = f"{'-' if cents < 0 else ''}{abs(cents) // 10**4}.{abs(cents) % 10**4:04d}"
        moment = start + timedelta(seconds=rng.randrange(3 * 365 * 86_400))
        created = moment.isoformat(" ") + f".{rng.randrange(1000):03d}"
        parent = rng.randrange(1, i) if i > 1 and rng.random() < 0.9 else None
        pick = rng.random()
        notes = (
            None
            if pick < 0.5
            else f"first line {i}\nsecond line, 50% off"
            if pick < 0.52
            else f"note {rng.randrange(10**6)}: ok"
        )
        return (i, name, amount, created, rng.randrange(2), parent, notes)

    declared = ", ".join(f"{c[1]} {c[2]}" for c in COLUMNS)
    placeholders = ", ".join("?" * len(COLUMNS))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute(f"CREATE TABLE {TABLE} ({declared})")
    conn.execute("BEGIN")
    for first in range(1, rows + 1, CHUNK):
        chunk = [row(i) for i in range(first, min(first + CHUNK, rows + 1))]
        conn.executemany(f"INSERT INTO {TABLE} VALUES ({placeholders})", chunk)
    conn.execute("COMMIT")
    conn.close()


def orders_model() -> Any:
    """Module Bench, entity Orders: identity key ID plus six nullable columns, one PK index."""
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

    def attribute(shape: tuple[Any, ...]) -> Attribute:
        name, column, _, sql_type, data_type, disk_type, length, precision, scale = shape
        identifier = data_type == "Identifier"
        return Attribute(
            name=name,
            physical_name=column,
            emitted_name=name,
            data_type=data_type,
            sql_type=sql_type,
            length=length,
            precision=precision,
            scale=scale,
            default=None,
            is_mandatory=False,
            is_identifier=identifier,
            is_auto_number=identifier,
            is_active=True,
            present_but_inactive=False,
            original_name=None,
            external_db_type=None,
            description=None,
            reference=None,
            on_disk=OnDisk(
                sql_type=disk_type,
                length=length,
                precision=precision,
                scale=scale,
                is_nullable=not identifier,
                is_identity=identifier,
                identity_seed=1 if identifier else None,
                identity_increment=1 if identifier else None,
                is_computed=False,
                computed_definition=None,
                default_name=None,
                default_definition=None,
                collation=None,
            ),
        )

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
        name="Orders",
        physical_name=TABLE,
        emitted_name="Orders",
        schema="dbo",
        catalog=None,
        ss_key=None,
        is_static=False,
        is_external=False,
        is_active=True,
        description=None,
        attributes=[attribute(c) for c in COLUMNS],
        indexes=[pk],
    )
    module = Module(name="Bench", ss_key=None, is_system=False, is_active=True, entities=[entity])
    return Model(
        schema_version="osddl.model/1",
        source=Source(engine="sqlite", database="bench"),
        modules=[module],
    )


def measure_baseline(path: Path, workdir: Path) -> dict[str, Any]:
    target = workdir / "dump.sql"
    shell = shutil.which("sqlite3")
    start = time.perf_counter()
    if shell:
        with target.open("wb") as handle:
            subprocess.run([shell, str(path), f".dump {TABLE}"], stdout=handle, check=True)
    else:
        conn = sqlite3.connect(path)
        with target.open("w", encoding="utf-8") as handle:
            for line in conn.iterdump():  # whole database: it holds only this table
                handle.write(line + "\n")
        conn.close()
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "tool": f"sqlite3 shell ({shell})" if shell else "Python sqlite3 iterdump() (no shell)",
        "bytes": target.stat().st_size,
    }


def measure_osddl(path: Path, workdir: Path, cprofile: bool = False) -> dict[str, Any]:
    from osddl.export.dynamic import render_table
    from osddl.export.load_order import LoadOrderDocument
    from osddl.export.snapshot import write_snapshot
    from osddl.layout import path as layout_path
    from osddl.source.engine import create_source_engine
    from osddl.stages.dynamic_data import table_load

    model = orders_model()
    module = model.modules[0]
    entity = module.entities[0]
    plan = LoadOrderDocument(tables=[], deferred={}, self_references={})
    load = table_load(module, entity, plan, "sqlite")
    engine = create_source_engine(f"sqlite:///{path}")
    snapshot = workdir / layout_path("snapshot", module, entity)
    target = workdir / layout_path("dynamic", module, entity)
    fragment = workdir / layout_path("deferred_fragment", module, entity)
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    snapshot_rows = write_snapshot(engine, entity, snapshot, FETCH_ROWS)
    middle = time.perf_counter()
    rss_snapshot = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    profile_text = ""
    if cprofile:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        rows = profiler.runcall(render_table, load, snapshot, target, fragment, BATCH_ROWS)
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(10)
        profile_text = stream.getvalue()
    else:
        rows = render_table(load, snapshot, target, fragment, BATCH_ROWS)
    end = time.perf_counter()
    rss_end = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    engine.dispose()
    return {
        "seconds": end - start,
        "snapshot_seconds": middle - start,
        "render_seconds": end - middle,
        "rows": rows,
        "snapshot_rows": snapshot_rows,
        "parquet_bytes": snapshot.stat().st_size,
        "bytes": target.stat().st_size,
        "rss_start_mb": rss_start / 1024,
        "rss_snapshot_mb": rss_snapshot / 1024,
        "peak_rss_mb": rss_end / 1024,
        "profile": profile_text,
    }


def run_one(kind: str, path: Path, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    """One measurement in a fresh process; `process_seconds` is that whole process (interpreter,
    imports and all) as seen from here, for the baseline too."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--one", kind, str(path), *extra],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - start
    return result


def build(path: Path, rows: int) -> None:
    start = time.perf_counter()
    build_table(path, rows)
    built = time.perf_counter() - start
    size_mb = path.stat().st_size / 2**20
    print(f"built {rows:,} rows x {len(COLUMNS)} columns ({size_mb:.0f} MB) in {built:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cprofile", action="store_true", help="cProfile one render step")
    parser.add_argument("--one", nargs=2, metavar=("KIND", "PATH"))
    args = parser.parse_args()
    if args.one:
        kind, path = args.one
        with tempfile.TemporaryDirectory() as tmp:
            if kind == "baseline":
                row = measure_baseline(Path(path), Path(tmp))
            else:
                row = measure_osddl(Path(path), Path(tmp), cprofile=args.cprofile)
        print(json.dumps(row))
        return
    rows = 20_000 if args.quick else 1_000_000
    rss_sizes = [] if args.quick else [5_000_000]
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.sqlite"
        build(path, rows)
        results: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
        for round_ in range(ROUNDS):
            order = KINDS[round_ % len(KINDS) :] + KINDS[: round_ % len(KINDS)]
            for kind in order:
                results[kind].append(run_one(kind, path))
        profiled = run_one("osddl", path, ("--cprofile",)) if args.cprofile else None
        big: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        for size in rss_sizes:
            path.unlink()
            build(path, size)
            big.append((size, run_one("baseline", path), run_one("osddl", path)))
    baseline = statistics.median(r["seconds"] for r in results["baseline"])
    runs = results["osddl"]
    total = statistics.median(r["seconds"] for r in runs)
    snapshot = statistics.median(r["snapshot_seconds"] for r in runs)
    render = statistics.median(r["render_seconds"] for r in runs)
    print(f"baseline: {results['baseline'][0]['tool']}")
    print(
        f"{'rows':>9} {'baseline s':>10} {'snapshot s':>10} {'render s':>8} {'osddl s':>7} "
        f"{'ratio':>6} {'dump MB':>7} {'script MB':>9} {'parquet MB':>10} {'peak RSS MB':>11}"
    )

    def line(count: int, base: dict[str, Any] | float, parts: list[dict[str, Any]]) -> str:
        b = base if isinstance(base, float) else base["seconds"]
        t = statistics.median(r["seconds"] for r in parts)
        s = statistics.median(r["snapshot_seconds"] for r in parts)
        r_ = statistics.median(r["render_seconds"] for r in parts)
        dump = (results["baseline"][0] if isinstance(base, float) else base)["bytes"]
        last = parts[-1]
        return (
            f"{count:>9,} {b:>10.2f} {s:>10.2f} {r_:>8.2f} {t:>7.2f} {t / b:>5.2f}x "
            f"{dump / 2**20:>7.0f} {last['bytes'] / 2**20:>9.0f} "
            f"{last['parquet_bytes'] / 2**20:>10.0f} {max(p['peak_rss_mb'] for p in parts):>11.1f}"
        )

    print(line(rows, baseline, runs))
    failed |= any(r["rows"] != rows or r["snapshot_rows"] != rows for r in runs)
    for size, base, one in big:
        print(line(size, base, [one]) + "  (single run)")
        failed |= one["rows"] != size
    for kind in KINDS:
        listed = ", ".join(f"{r['seconds']:.2f}" for r in results[kind])
        whole = ", ".join(f"{r['process_seconds']:.2f}" for r in results[kind])
        print(f"  {kind} runs (s): {listed}; whole processes (s): {whole}")
    processes = {k: statistics.median(r["process_seconds"] for r in results[k]) for k in KINDS}
    print(
        f"  whole processes, median: baseline {processes['baseline']:.2f} s, osddl "
        f"{processes['osddl']:.2f} s ({processes['osddl'] / processes['baseline']:.2f}x)"
    )
    print(
        "  osddl peak RSS (MB) after imports / after snapshot / after render: "
        + "; ".join(
            f"{r['rss_start_mb']:.0f} / {r['rss_snapshot_mb']:.0f} / {r['peak_rss_mb']:.0f}"
            for r in runs + [one for _, _, one in big]
        )
    )
    ratio = total / baseline
    verdict = "met" if ratio <= GOAL else "NOT met"
    stretch = "met" if ratio <= STRETCH else "not met"
    print(
        f"goal: snapshot + render <= {GOAL}x the baseline: {verdict} ({ratio:.2f}x; "
        f"snapshot {snapshot / baseline:.2f}x + render {render / baseline:.2f}x); "
        f"stretch <= {STRETCH}x: {stretch}"
    )
    peaks = [max(r["peak_rss_mb"] for r in runs)] + [one["peak_rss_mb"] for _, _, one in big]
    flat = "flat" if max(peaks) <= 1.2 * min(peaks) else "GROWS"
    print(
        f"goal: peak RSS < {RSS_GOAL_MB} MB: {'met' if max(peaks) < RSS_GOAL_MB else 'NOT met'} "
        f"(max {max(peaks):.0f} MB); in row count: {flat if big else 'not measured (--quick)'}"
    )
    print(f"row counts of snapshot and script match the table: {'NO' if failed else 'yes'}")
    if profiled:
        print("render step under cProfile (top functions by own time):")
        print(profiled["profile"])
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
