"""Benchmark: one table to a DynamicData INSERT script (snapshot + render) against `sqlite3 .dump`.

    python bench/export.py             # 1,000,000 and 5,000,000 rows x 7 columns
    python bench/export.py --quick     # 20,000 rows, no 5M run, proves it still runs (CI)
    python bench/export.py --cprofile  # also cProfile one render step, top functions by own time
    python bench/export.py --postgres [--quick]  # PostgreSQL source against `COPY ... TO STDOUT`
    python bench/export.py --files [--quick]     # a table of files (Binary Data): peak RSS flat?

The table `OSUSR_BEN_ORDERS` (int identity key, nvarchar(100) text with quotes and unicode,
decimal(18,4), datetime, bit, an FK-like int, nvarchar(max) notes with an occasional newline) is
built once per size (not timed), with a one-entity model for it built in code. Each measurement then
runs in a fresh process, alternating over three rounds at each size (1M rows: all three kinds; 5M
rows: baseline and osddl), median and range reported:

- `baseline`: the `sqlite3` command-line shell (C) running `.dump OSUSR_BEN_ORDERS` into a file;
  when the shell is not installed, Python's `sqlite3` `iterdump()` instead (the output says so);
- `osddl`: what the snapshot and DynamicData tasks do, one pass per table: `write_snapshot`
  (table → Parquet, `data.fetch_rows` = 50,000) rendering the INSERT batches (`data.batch_rows`
  = 1,000) from the same batches (`osddl.export.prerender`), then the DynamicData task's part
  (`take` checks the key, `render_table` adds header and footer), timed together and
  separately; imports and the model are done before the clock. Peak RSS is that process's
  `ru_maxrss`. Each process is also timed whole from outside (interpreter start and imports
  included), baseline too;
- `two-pass`: the same without the one pass (`write_snapshot`, then `render_table` reading the
  Parquet back), as the tasks run when the render input changes after the snapshot.

The goals (export <= 1.5x the baseline at 1M rows and <= 1.2x at 5M, stretch <= 1.0x; peak RSS
< 300 MB and flat in row count) are reported, not asserted. The run fails only if the export's
row count is wrong.

`--postgres` (issue 13: "PostgreSQL source vs `COPY ... TO STDOUT` of the same table (record the
ratio)", no goal) loads the same rows into the same table with the type table's PostgreSQL types
(integer, varchar(100), numeric(18,4), timestamp(3), boolean, integer, text) on a throwaway server
(`tests/postgres_server.py`), then alternates, in fresh processes: `psql -c "COPY (SELECT ... ORDER
BY ID) TO STDOUT"` into a file (the psql process timed whole), the same COPY through psycopg into a
file in-process, and the same `write_snapshot` + `render_table`. Client CPU is each process's own,
server CPU the postmaster's and its reaped backends' (/proc) over each run.
"""

from __future__ import annotations

import argparse
import json
import os
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
STRETCH = 1.0
# (rows, goal: export <= goal x the baseline, what is measured at that size)
SIZES = [
    (1_000_000, 1.5, ("baseline", "osddl", "two-pass")),
    (5_000_000, 1.2, ("baseline", "osddl")),
]
QUICK_SIZES = [(20_000, None, ("baseline", "osddl", "two-pass"))]  # no goal at this size
RSS_GOAL_MB = 300
FETCH_ROWS, BATCH_ROWS = 50_000, 1000


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
    return bench_model(TABLE, "Orders", COLUMNS)


def bench_model(table: str, name: str, columns: list[tuple[Any, ...]]) -> Any:
    """Module Bench with one entity: an identity key plus nullable columns, one PK index."""
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
        name=f"OSPRK_{table}",
        kind="PK",
        is_unique=True,
        is_platform_auto=True,
        is_disabled=False,
        filter=None,
        columns=[IndexColumn(attribute="Id", column="ID", direction="ASC", is_included=False)],
        options=DEFAULT_INDEX_OPTIONS,
    )
    entity = Entity(
        name=name,
        physical_name=table,
        emitted_name=name,
        schema="dbo",
        catalog=None,
        ss_key=None,
        is_static=False,
        is_external=False,
        is_active=True,
        description=None,
        attributes=[attribute(c) for c in columns],
        indexes=[pk],
    )
    module = Module(name="Bench", ss_key=None, is_system=False, is_active=True, entities=[entity])
    return Model(
        schema_version="osddl.model/1",
        source=Source(engine="sqlite", database="bench"),
        modules=[module],
    )


def measure_baseline(path: Path, workdir: Path, table: str = TABLE) -> dict[str, Any]:
    target = workdir / "dump.sql"
    shell = shutil.which("sqlite3")
    start = time.perf_counter()
    if shell:
        with target.open("wb") as handle:
            subprocess.run([shell, str(path), f".dump {table}"], stdout=handle, check=True)
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


def measure_osddl(
    path: Path | str,
    workdir: Path,
    cprofile: bool = False,
    one_pass: bool = True,
    model: Any = None,
) -> dict[str, Any]:
    """`path`: a SQLite file, or (a str) a database URL; `model`: the orders table's by default."""
    from osddl.export.dynamic import render_table
    from osddl.export.load_order import LoadOrderDocument
    from osddl.export.prerender import BodyWriter, Entry, take
    from osddl.export.snapshot import write_snapshot
    from osddl.layout import path as layout_path
    from osddl.source.engine import create_source_engine
    from osddl.stages.dynamic_data import table_load

    model = model or orders_model()
    module = model.modules[0]
    entity = module.entities[0]
    plan = LoadOrderDocument(tables=[], deferred={}, self_references={})
    engine = create_source_engine(path if isinstance(path, str) else f"sqlite:///{path}")
    load = table_load(module, entity, plan, engine.dialect.name)
    snapshot = workdir / layout_path("snapshot", module, entity)
    target = workdir / layout_path("dynamic", module, entity)
    fragment = workdir / layout_path("deferred_fragment", module, entity)
    entry = Entry.of(workdir, entity.schema, entity.physical_name)
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu = time.process_time()
    start = time.perf_counter()
    writer = BodyWriter(load, entry, BATCH_ROWS) if one_pass else None
    snapshot_rows = write_snapshot(engine, entity, snapshot, FETCH_ROWS, consume=writer)
    if writer is not None:
        writer.save(snapshot)
    middle = time.perf_counter()
    rss_snapshot = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    profile_text = ""

    def render() -> int:
        taken = take(entry, load, BATCH_ROWS, snapshot) if one_pass else None
        assert taken is not None or not one_pass, "the one-pass entry was not taken"
        body = (taken.body, taken.fragment) if taken else None
        return render_table(load, snapshot, target, fragment, BATCH_ROWS, body)

    if cprofile:
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        rows = profiler.runcall(render)
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(10)
        profile_text = stream.getvalue()
    else:
        rows = render()
    end = time.perf_counter()
    rss_end = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    engine.dispose()
    return {
        "seconds": end - start,
        "cpu_seconds": time.process_time() - cpu,
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


def run_one(kind: str, path: Path | str, extra: tuple[str, ...] = ()) -> dict[str, Any]:
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


# -- PostgreSQL source (`--postgres`) ----------------------------------------------------------

PG_DATABASE = "bench_export"
PG_KINDS = ("pg-psql", "pg-psycopg", "pg-osddl")
PG_LABELS = {
    "pg-psql": "psql COPY TO STDOUT",
    "pg-psycopg": "psycopg COPY TO STDOUT",
    "pg-osddl": "osddl snapshot + render",
}


def libpq_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def copy_statement() -> str:
    """`COPY (...) TO STDOUT` of the very SELECT the snapshot's Arrow reader runs."""
    from osddl.export.fetch import query
    from osddl.model.sqltype import parse_sql_type

    columns = [(c[1], parse_sql_type(c[3])) for c in COLUMNS]
    return f"COPY ({query('postgresql', 'public', TABLE, columns, ['ID'])}) TO STDOUT"


def load_postgres(url: str, path: Path) -> None:
    """The SQLite table's rows into the same table on PostgreSQL, with the PostgreSQL types the
    type table gives the model's SQL Server types (`osddl.source.pgtypes.to_postgres`)."""
    import psycopg

    from osddl.model.sqltype import parse_sql_type
    from osddl.source.pgtypes import to_postgres

    declared = ", ".join(
        f'"{c[1]}" {to_postgres(parse_sql_type(c[3]))}'
        + (" NOT NULL PRIMARY KEY" if c[4] == "Identifier" else "")
        for c in COLUMNS
    )
    source = sqlite3.connect(path)
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(f'CREATE TABLE "{TABLE}" ({declared})')
        names = ", ".join(f'"{c[1]}"' for c in COLUMNS)
        with conn.cursor().copy(f'COPY "{TABLE}" ({names}) FROM STDIN') as copy:
            for row in source.execute(f"SELECT {names} FROM {TABLE} ORDER BY ID"):
                copy.write_row(row)
        conn.execute(f'VACUUM (FREEZE, ANALYZE) "{TABLE}"')
    source.close()


def psql_binary() -> str:
    from tests.postgres_server import find_postgres_bindir

    found = find_postgres_bindir()
    beside = found.bindir / "psql" if found else None
    binary = str(beside) if beside and beside.is_file() else shutil.which("psql")
    if binary is None:
        raise SystemExit("psql not found (Debian package postgresql-client)")
    return binary


def measure_copy(kind: str, url: str, workdir: Path) -> dict[str, Any]:
    """`COPY ... TO STDOUT` into a file: through the psql process (its CPU from RUSAGE_CHILDREN)
    or through psycopg in this process."""
    target = workdir / "copy.tsv"
    statement = copy_statement()
    if kind == "pg-psql":
        command = [psql_binary(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", statement]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        with target.open("wb") as handle:
            subprocess.run([*command, libpq_url(url)], stdout=handle, check=True)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    else:
        import psycopg

        with psycopg.connect(libpq_url(url)) as conn, target.open("wb") as handle:
            cpu = time.process_time()
            start = time.perf_counter()
            with conn.cursor().copy(statement) as copy:
                for data in copy:
                    handle.write(data)
            seconds = time.perf_counter() - start
            cpu = time.process_time() - cpu
    with target.open("rb") as handle:  # COPY's text format escapes newlines: one line a row
        rows = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return {"seconds": seconds, "cpu_seconds": cpu, "rows": rows, "bytes": target.stat().st_size}


def server_cpu(datadir: Path) -> float:
    """CPU seconds of the postmaster and its reaped children (backends, parallel workers)."""
    pid = (datadir / "postmaster.pid").read_text().split()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime .. cstime


def run_postgres(kind: str, url: str, datadir: Path) -> dict[str, Any]:
    before = server_cpu(datadir)
    result = run_one(kind, url)
    time.sleep(0.2)  # the backend exits after its client: let the postmaster reap it
    result["server_cpu_seconds"] = server_cpu(datadir) - before
    return result


def postgres_main(quick: bool) -> None:
    from tests.postgres_server import PostgresServer, create_database, find_postgres_bindir

    if find_postgres_bindir() is None:
        raise SystemExit("PostgreSQL server binaries not found: apt install postgresql")
    rows, rounds = (20_000, 1) if quick else (1_000_000, ROUNDS)
    results: dict[str, list[dict[str, Any]]] = {k: [] for k in PG_KINDS}
    with tempfile.TemporaryDirectory() as tmp, PostgresServer() as server:
        path = Path(tmp) / "orders.sqlite"
        build(path, rows)
        url = create_database(server.url, PG_DATABASE)
        start = time.perf_counter()
        load_postgres(url, path)
        print(f"loaded into PostgreSQL in {time.perf_counter() - start:.1f} s (not timed)")
        version = subprocess.run(
            [psql_binary(), "-X", "-At", "-c", "SHOW server_version", libpq_url(url)],
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        ).stdout.strip()
        for round_ in range(rounds):
            order = PG_KINDS[round_ % len(PG_KINDS) :] + PG_KINDS[: round_ % len(PG_KINDS)]
            for kind in order:
                results[kind].append(run_postgres(kind, url, server.datadir))
    print(
        f"PostgreSQL {version} source, {rows:,} rows x {len(COLUMNS)} columns, "
        f"median of {rounds} round(s) (range), each run a fresh process; load average "
        + " / ".join(f"{n:.2f}" for n in os.getloadavg())
    )
    print(
        f"  {'':<24} {'wall s':>18} {'client CPU s':>12} {'server CPU s':>12} "
        f"{'process s':>9} {'file MB':>7}"
    )

    def median(kind: str, key: str) -> float:
        return _median(results[kind], key)

    for kind in PG_KINDS:
        runs = results[kind]
        low, high = min(r["seconds"] for r in runs), max(r["seconds"] for r in runs)
        wall = f"{median(kind, 'seconds'):.2f} ({low:.2f}-{high:.2f})"
        print(
            f"  {PG_LABELS[kind]:<24} {wall:>18} {median(kind, 'cpu_seconds'):>12.2f}"
            f" {median(kind, 'server_cpu_seconds'):>12.2f}"
            f" {median(kind, 'process_seconds'):>9.2f} {runs[-1]['bytes'] / 2**20:>7.0f}"
        )
    print(
        f"  osddl: snapshot {median('pg-osddl', 'snapshot_seconds'):.2f} s, render "
        f"{median('pg-osddl', 'render_seconds'):.2f} s, peak RSS "
        f"{max(r['peak_rss_mb'] for r in results['pg-osddl']):.0f} MB"
    )
    osddl = median("pg-osddl", "seconds")
    for kind in PG_KINDS[:2]:
        print(
            f"ratio osddl / {PG_LABELS[kind]}: {osddl / median(kind, 'seconds'):.2f}x wall, "
            f"{median('pg-osddl', 'process_seconds') / median(kind, 'process_seconds'):.2f}x "
            "whole processes"
        )
    wrong = [
        kind
        for kind in PG_KINDS
        for r in results[kind]
        if r["rows"] != rows or r.get("snapshot_rows", rows) != rows
    ]
    verdict = "NO: " + ", ".join(sorted(set(wrong))) if wrong else "yes"
    print(f"row counts of every output match the table: {verdict}")
    if wrong:
        sys.exit(1)


# -- a table of files (`--files`) ---------------------------------------------------------------

FILES_TABLE = "OSUSR_BEN_FILES"
FILE_COLUMNS = [
    ("Id", "ID", "INTEGER NOT NULL PRIMARY KEY", "int", "Identifier", "int", None, None, None),
    ("Name", "NAME", "NVARCHAR(100)", "nvarchar(100)", "Text", "nvarchar", 100, None, None),
    ("Data", "DATA", "BLOB", "varbinary(max)", "BinaryData", "varbinary", -1, None, None),
]
FILE_BYTES = 500_000
FILE_SIZES, QUICK_FILE_SIZES = (2_000, 4_000), (40, 80)


def build_files(path: Path, rows: int, size: int) -> None:
    """`rows` files of `size` random bytes (random.Random(7)), named `file n.pdf`."""
    rng = random.Random(7)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    declared = ", ".join(f"{c[1]} {c[2]}" for c in FILE_COLUMNS)
    conn.execute(f"CREATE TABLE {FILES_TABLE} ({declared})")
    conn.execute("BEGIN")
    for n in range(1, rows + 1):
        conn.execute(
            f"INSERT INTO {FILES_TABLE} VALUES (?, ?, ?)", (n, f"file {n}.pdf", rng.randbytes(size))
        )
    conn.execute("COMMIT")
    conn.close()


def files_main(quick: bool) -> None:
    """Peak RSS of the one pass over a table of files at two sizes (flat?), against `.dump`."""
    sizes = QUICK_FILE_SIZES if quick else FILE_SIZES
    size = FILE_BYTES // 5 if quick else FILE_BYTES
    rounds = 1 if quick else ROUNDS
    print(f"a table of files: {FILES_TABLE} (id, name, varbinary(max) of {size:,} random bytes)")
    peaks = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "files.sqlite"
        for rows in sizes:
            path.unlink(missing_ok=True)
            build_files(path, rows, size)
            runs: dict[str, list[dict[str, Any]]] = {"files-baseline": [], "files": []}
            for round_ in range(rounds):
                for kind in sorted(runs, reverse=bool(round_ % 2)):
                    runs[kind].append(run_one(kind, path))
            base, ours = runs["files-baseline"], runs["files"]
            peak = max(r["peak_rss_mb"] for r in ours)
            peaks.append(peak)
            print(
                f"{rows:>6,} files ({rows * size / 2**30:.2f} GiB): .dump "
                f"{_median(base, 'seconds'):.2f} s, osddl {_median(ours, 'seconds'):.2f} s "
                f"({_median(ours, 'seconds') / _median(base, 'seconds'):.2f}x), script "
                f"{ours[-1]['bytes'] / 2**20:,.0f} MB, peak RSS {peak:,.0f} MB"
            )
            if any(r["rows"] != rows for r in ours):
                sys.exit("row count of the script does not match the table")
    flat = "flat" if max(peaks) <= 1.2 * min(peaks) else "GROWS"
    judged = "not judged (--quick: sizes too small)" if quick else flat
    print(f"peak RSS in the table's size: {judged} ({' / '.join(f'{p:,.0f}' for p in peaks)} MB)")


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def _spread(runs: list[dict[str, Any]], base: list[dict[str, Any]]) -> str:
    """The lowest and highest ratio of a run to the baseline run of the same round."""
    ratios = [r["seconds"] / b["seconds"] for r, b in zip(runs, base, strict=True)]
    return f"{min(ratios):.2f}-{max(ratios):.2f}x"


def _line(rows: int, base: list[dict[str, Any]], runs: list[dict[str, Any]]) -> str:
    """Medians of the runs at one size against the median baseline."""
    b, t = _median(base, "seconds"), _median(runs, "seconds")
    last = runs[-1]
    return (
        f"{rows:>9,} {b:>10.2f} {_median(runs, 'snapshot_seconds'):>10.2f} "
        f"{_median(runs, 'render_seconds'):>8.2f} {t:>7.2f} {t / b:>5.2f}x "
        f"{base[0]['bytes'] / 2**20:>7.0f} {last['bytes'] / 2**20:>9.0f} "
        f"{last['parquet_bytes'] / 2**20:>10.0f} {max(r['peak_rss_mb'] for r in runs):>11.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cprofile", action="store_true", help="cProfile one render step")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL source against COPY")
    parser.add_argument("--files", action="store_true", help="a table of files: peak RSS")
    parser.add_argument("--one", nargs=2, metavar=("KIND", "PATH"))
    args = parser.parse_args()
    if args.postgres:
        postgres_main(args.quick)
        return
    if args.files:
        files_main(args.quick)
        return
    if args.one:
        kind, path = args.one
        with tempfile.TemporaryDirectory() as tmp:
            if kind == "pg-osddl":  # `path` is the database URL
                row = measure_osddl(path, Path(tmp))
            elif kind in PG_KINDS:
                row = measure_copy(kind, path, Path(tmp))
            elif kind == "baseline":
                row = measure_baseline(Path(path), Path(tmp))
            elif kind == "files-baseline":
                row = measure_baseline(Path(path), Path(tmp), FILES_TABLE)
            elif kind == "files":
                files = bench_model(FILES_TABLE, "Files", FILE_COLUMNS)
                row = measure_osddl(Path(path), Path(tmp), model=files)
            else:
                one_pass = kind != "two-pass"
                row = measure_osddl(Path(path), Path(tmp), args.cprofile, one_pass)
        print(json.dumps(row))
        return
    sizes = QUICK_SIZES if args.quick else SIZES
    failed = False
    measured: list[tuple[int, float | None, dict[str, list[dict[str, Any]]]]] = []
    profiled = None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.sqlite"
        for rows, goal, kinds in sizes:
            path.unlink(missing_ok=True)
            build(path, rows)
            results: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
            for round_ in range(ROUNDS):
                for kind in kinds[round_ % len(kinds) :] + kinds[: round_ % len(kinds)]:
                    results[kind].append(run_one(kind, path))
            if args.cprofile and profiled is None:
                profiled = run_one("osddl", path, ("--cprofile",))
            measured.append((rows, goal, results))
            failed |= any(
                r["rows"] != rows or r["snapshot_rows"] != rows
                for kind in kinds
                if kind != "baseline"
                for r in results[kind]
            )
    print(f"baseline: {measured[0][2]['baseline'][0]['tool']}")
    print(
        f"{'rows':>9} {'baseline s':>10} {'snapshot s':>10} {'render s':>8} {'osddl s':>7} "
        f"{'ratio':>6} {'dump MB':>7} {'script MB':>9} {'parquet MB':>10} {'peak RSS MB':>11}"
    )
    notes = {"osddl": "one pass: snapshot = the pass, render = the take", "two-pass": "two passes"}
    for rows, _, results in measured:
        base = results["baseline"]
        for kind in results:
            if kind != "baseline":
                print(f"{_line(rows, base, results[kind])}  ({notes[kind]})")
    for rows, _, results in measured:
        for kind, runs in results.items():
            listed = ", ".join(f"{r['seconds']:.2f}" for r in runs)
            whole = ", ".join(f"{r['process_seconds']:.2f}" for r in runs)
            print(f"  {rows:,} rows, {kind} runs (s): {listed}; whole processes (s): {whole}")
    for rows, goal, results in measured:
        base, runs = results["baseline"], results["osddl"]
        ratio = _median(runs, "seconds") / _median(base, "seconds")
        processes = _median(runs, "process_seconds") / _median(base, "process_seconds")
        snapshot = _median(runs, "snapshot_seconds") / _median(base, "seconds")
        verdict = "no goal" if goal is None else "met" if ratio <= goal else "NOT met"
        print(
            f"goal at {rows:,} rows: snapshot + render <= {goal or '-'}x the baseline: {verdict} "
            f"({ratio:.2f}x, range "
            f"{_spread(runs, base)}; snapshot {snapshot:.2f}x + render {ratio - snapshot:.2f}x); "
            f"stretch <= {STRETCH}x: {'met' if ratio <= STRETCH else 'not met'}; whole processes "
            f"(interpreter start and imports included) {processes:.2f}x"
        )
    runs = [r for _, _, results in measured for r in results["osddl"]]
    print(
        "  osddl peak RSS (MB) after imports / after snapshot / after render: "
        + "; ".join(
            f"{r['rss_start_mb']:.0f} / {r['rss_snapshot_mb']:.0f} / {r['peak_rss_mb']:.0f}"
            for r in runs
        )
    )
    peaks = [max(r["peak_rss_mb"] for r in results["osddl"]) for _, _, results in measured]
    flat = "flat" if max(peaks) <= 1.2 * min(peaks) else "GROWS"
    print(
        f"goal: peak RSS < {RSS_GOAL_MB} MB: {'met' if max(peaks) < RSS_GOAL_MB else 'NOT met'} "
        f"(max {max(peaks):.0f} MB); in row count: "
        f"{flat if len(peaks) > 1 else 'not measured (--quick)'}"
    )
    print(f"row counts of snapshot and script match the table: {'NO' if failed else 'yes'}")
    if profiled:
        print("render step under cProfile (top functions by own time):")
        print(profiled["profile"])
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
