"""Benchmark: uat-users at scale, against a baseline, and the rerun after an inventory edit.

    python bench/uat_users.py            # the numbers docs/performance.md quotes (~2 minutes)
    python bench/uat_users.py --quick    # small sizes: proves the benchmark runs (CI, < 1 minute)
    python bench/uat_users.py --only analysis --data DIR  # keep (and reuse) the inputs in DIR
    python bench/uat_users.py --only analysis --cprofile  # also one analysis under cProfile

**analysis**: 100 user-reference columns (25 tables `OSUSR_UBN_T00`.. with CreatedBy, UpdatedBy,
AssignedTo and ApprovedBy, logical references to the users entity), 5,000,000 rows in all (200,000
per table, 10% NULL per column), 1,000,000 distinct QA user ids plus 100 ids in neither inventory;
QA and UAT inventories of 1,000,000 users each (`--quick`: 12 columns, 240,000 rows, 48,000
users). Each table references its own block of 40,000 users (a team works in its module), each
about 5 times per column: 40,000 distinct ids per column, 4,000,000 (column, id) pairs. Ids: half
are kept (same id, same person in UAT), 35% move to a new UAT id with the same EMail (in another
case), 10% with the same Username only, 3% collide (UAT gives their id to someone else; their twin
matches by EMail), 2% have no twin (round-robin fallback); one twin in a thousand is inactive in
UAT and one EMail in a thousand belongs to two UAT users (both go to the fallback); one name in
seven needs quoting; a map row for each id in neither inventory (`unknown_ids = map`). The inputs
are generated deterministically (Parquet with pyarrow, CSV with the `csv` module; not timed).
Then, alternating over the rounds (3; median reported), each in a fresh process whose peak RSS
(`VmHWM`, else `ru_maxrss`) is reported:

- `baseline`: the minimum work on the same inputs: every user column read from the Parquet files
  with pyarrow and counted with `pyarrow.compute.value_counts`, and both inventories read row by
  row with the `csv` module;
- `osddl`: `osddl.uat_users.analysis.analyse` (input validation, catalog, discovery,
  classification, matching, transformation map); imports and the model before the clock. The time
  of each step is reported too.

**rerun**: a scale database (`fixtures/scale.py`: 500 entities x 10 attributes, 3 rows each, every
tenth entity with a CreatedBy reference, so 50 tables with a catalogued column; `--quick`: 50 and
5) with its inventories (`write_scale_inventories`: half the users kept, half matched by EMail);
`python -m doit -f dodo.py --dir <tmp> full_export` cold, then once more with nothing changed
(the no-op, for reference), then the UAT inventory is edited (one UAT user gets a new id, so one
QA user gets another target) and `full_export` runs again: wall times (each a fresh process, as an
operator runs it), the ratio to the cold run, and the tasks the rerun executed.

Goals (reported, not asserted): analysis < 10 s and peak RSS < 500 MB; rerun <= 10% of the cold
run. The run fails only if a command fails or the analysis does not pass its own validation.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, sys.path[0] is bench/, whose profile.py would shadow the standard library's
# `profile` module that cProfile imports: the project root takes its place.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

ROUNDS = 3
SECONDS_GOAL, RSS_GOAL_MB, RERUN_GOAL = 10.0, 500, 0.10
KINDS = ("baseline", "osddl")
STEPS = ("read_inputs", "scan_snapshots", "classify", "match", "build_map")
USER_COLUMNS = ("CreatedBy", "UpdatedBy", "AssignedTo", "ApprovedBy")
UNKNOWN_IDS = 100  # ids referenced by the data, in neither inventory (each has a map row)
# Row i of column c of table t holds user t * block + ((c * rows + i) * STRIDE mod block) + 1,
# block = users / tables; STRIDE is coprime with the block sizes.
STRIDE = 611_953
UAT_ID0 = 10_000_000  # UAT ids of the moved users: UAT_ID0 + QA id
SERVICE_USERS = (9_000_001, 9_000_002)  # UAT only: the fallback's and the map's targets
MATCH = ("email", "attribute:Username")


@dataclass(frozen=True)
class Size:
    columns: int
    rows: int  # in all tables together
    users: int

    @property
    def tables(self) -> int:
        return self.columns // len(USER_COLUMNS)

    @property
    def label(self) -> str:
        return f"{self.columns} columns, {self.rows:,} rows, {self.users:,} users"


FULL = Size(100, 5_000_000, 1_000_000)
QUICK = Size(12, 240_000, 48_000)
RERUN_FULL, RERUN_QUICK = 500, 50  # entities of the scale database


# --- analysis: generated inputs ---------------------------------------------------------------


def table_name(t: int) -> str:
    return f"OSUSR_UBN_T{t:02d}"


def qa_person(n: int) -> tuple[str, str, str, str]:
    """QA's Username, EMail, Name and External_Id of user n."""
    name = f"Doe, User {n}" if n % 7 == 0 else f"User {n}"  # some names need quoting
    return f"user{n}", f"user{n}@example.com", name, f"EXT-{n}" if n % 3 == 0 else ""


def category(n: int) -> str:
    slot = n % 100
    if slot < 50:
        return "kept"
    if slot < 85:
        return "email"
    if slot < 95:
        return "username"
    return "collision" if slot < 98 else "gone"


def inventory_rows(size: Size, role: str) -> Iterator[tuple[object, ...]]:
    """Rows of one inventory, header first."""
    yield ("Id", "Username", "EMail", "Name", "External_Id", "Is_Active", "Creation_Date",
           "Last_Login")  # fmt: skip
    created = "2024-01-02 03:04:05.123"
    for n in range(1, size.users + 1):
        username, email, name, external = qa_person(n)
        login = f"2025-{n % 12 + 1:02d}-{n % 28 + 1:02d} 10:00:00" if n % 2 else ""
        if role == "qa":
            yield (n, username, email, name, external, 1, created, login)
            continue
        kind, moved = category(n), UAT_ID0 + n
        active = 0 if n % 1000 == 551 else 1  # an inactive twin: its match is refused
        if kind == "kept":
            yield (n, username, email, name, external, 1, created, login)
        elif kind == "email":
            yield (moved, f"u{n}.uat", email.upper(), name, "", active, created, "")
            if n % 1000 == 777:  # a second UAT account with that EMail: ambiguous
                yield (2 * UAT_ID0 + n, f"u{n}.admin", email, name, "", 1, created, "")
        elif kind == "username":
            yield (moved, username, f"user{n}@uat.example.com", name, "", active, created, "")
        elif kind == "collision":
            yield (n, f"other{n}", f"other{n}@uat.example.com", "Someone Else", "", 1, created, "")
            yield (moved, f"u{n}.uat", email, name, "", active, created, "")
    for n in SERVICE_USERS:
        yield (n, f"service{n}", f"service{n}@example.com", "Service account", "", 1, created, "")


def write_inputs(size: Size, folder: Path) -> None:
    """Inventories, map and snapshots in `folder` (kept when they are there already)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    done = folder / "complete.json"
    if done.is_file() and json.loads(done.read_text()) == asdict(size):
        return
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for role in ("qa", "uat"):
        with open(folder / f"{role}_users.csv", "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\r\n").writerows(inventory_rows(size, role))
    with open(folder / "user_map.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(("SourceUserId", "TargetUserId", "Note"))
        for k in range(UNKNOWN_IDS):
            writer.writerow((size.users + 1 + k, SERVICE_USERS[0], "deleted from QA's ossys_User"))
    per_table = size.rows // size.tables
    index = pa.array(range(per_table), pa.int64())
    block = size.users // size.tables

    def modulo(values: Any, by: int) -> Any:
        return pc.subtract(values, pc.multiply(pc.divide(values, by), by))

    for t in range(size.tables):
        columns: dict[str, Any] = {"ID": pc.add(index, 1)}
        for c, name in enumerate(USER_COLUMNS):
            k = t * len(USER_COLUMNS) + c
            cell = pc.multiply(pc.add(index, c * per_table), STRIDE)
            user = pc.add(modulo(cell, block), t * block + 1)
            nulls = pc.equal(modulo(index, 10), k % 10)
            if k == 0:  # the unknown ids, in the first rows of the first column
                first = pc.less(index, UNKNOWN_IDS)
                user = pc.if_else(first, pc.add(index, size.users + 1), user)
                nulls = pc.and_(nulls, pc.invert(first))
            columns[name.upper()] = pc.if_else(nulls, pa.scalar(None, pa.int64()), user)
        pq.write_table(pa.table(columns), folder / f"{table_name(t)}.parquet")
    done.write_text(json.dumps(asdict(size)))
    print(f"analysis: generated {size.label} in {time.perf_counter() - start:.1f} s")


def options() -> Any:
    from osddl.uat_users.settings import UatUsersOptions

    return UatUsersOptions(
        qa_inventory="qa_users.csv",
        uat_inventory="uat_users.csv",
        map="user_map.csv",
        match=MATCH,
        fallback="round-robin:" + ",".join(map(str, SERVICE_USERS)),
        unknown_ids="map",
    )


def bench_model(size: Size) -> Any:
    """Module UserBench: one entity per table, Id plus four logical references to User."""
    from osddl.model.contract import Attribute, Entity, Model, Module, Reference, Source
    from osddl.model.users import builtin_users_module

    def attribute(name: str, reference: Reference | None) -> Attribute:
        key = reference is None
        return Attribute(
            name=name, physical_name=name.upper(), emitted_name=name,
            data_type="Identifier" if key else "Integer", sql_type="int", length=None,
            precision=None, scale=None, default=None, is_mandatory=key, is_identifier=key,
            is_auto_number=key, is_active=True, present_but_inactive=False, original_name=None,
            external_db_type=None, description=None, reference=reference, on_disk=None,
        )  # fmt: skip

    users = Reference(
        module="Users", entity="User", physical_name="ossys_User", schema="dbo",
        delete_rule="Ignore", has_db_constraint=False, constraint_name=None, is_trusted=None,
    )  # fmt: skip
    attributes = [attribute("Id", None), *(attribute(c, users) for c in USER_COLUMNS)]
    entities = [
        Entity(
            name=f"T{t:02d}",
            physical_name=table_name(t),
            emitted_name=f"T{t:02d}",
            schema="dbo",
            catalog=None,
            ss_key=None,
            is_static=False,
            is_external=False,
            is_active=True,
            description=None,
            attributes=attributes,
            foreign_keys=[],
        )
        for t in range(size.tables)
    ]
    return Model(
        schema_version="osddl.model/1",
        source=Source(engine="sqlite", database="bench"),
        modules=[Module("UserBench", None, False, True, entities), builtin_users_module()],
    )


def snapshots(size: Size, folder: Path) -> dict[str, Path]:
    return {f"dbo.{table_name(t)}": folder / f"{table_name(t)}.parquet" for t in range(size.tables)}


# --- analysis: one measurement (a child process) -----------------------------------------------


def rss_mb() -> float:
    """This process's peak RSS so far: VmHWM (Linux), which starts afresh at exec, unlike
    `ru_maxrss`, which keeps the peak of the parent's pages the child had before exec."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_baseline(size: Size, folder: Path) -> dict[str, Any]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    imported = rss_mb()
    start = time.perf_counter()
    for path in snapshots(size, folder).values():
        table = pq.read_table(path, columns=[c.upper() for c in USER_COLUMNS])
        for column in table.columns:
            pc.value_counts(column)
        del table
    for role in ("qa", "uat"):
        with open(folder / f"{role}_users.csv", newline="", encoding="utf-8") as handle:
            for _ in csv.reader(handle):
                pass
    return {"seconds": time.perf_counter() - start, "rss": rss_mb(), "imported": imported}


def timed_steps(module: Any) -> dict[str, float]:
    """Wrap the steps `analyse` calls, to time each (the wrappers add microseconds)."""
    spent: dict[str, float] = {}

    def wrapped(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def step(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

        return step

    for name in STEPS:
        setattr(module, name, wrapped(name, getattr(module, name)))
    return spent


def run_osddl(size: Size, folder: Path, profile: Path | None = None) -> dict[str, Any]:
    import pyarrow.compute as pc

    from osddl.uat_users import analysis as module
    from osddl.uat_users.classify import CLASSIFICATIONS

    model, opts, files = bench_model(size), options(), snapshots(size, folder)
    steps = timed_steps(module) if profile is None else {}
    imported = rss_mb()
    start = time.perf_counter()
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        analysis = profiler.runcall(module.analyse, model, opts, files, base=folder)
        profiler.dump_stats(profile)
    else:
        analysis = module.analyse(model, opts, files, base=folder)
    seconds = time.perf_counter() - start
    rss = rss_mb()
    referenced, tmap = analysis.referenced, analysis.tmap
    if hasattr(referenced, "codes"):  # column-wise (`classify.Referenced`, `transform.MapEntries`)
        counts = pc.value_counts(referenced.codes).to_pylist()
        classes = {CLASSIFICATIONS[c["values"]]: c["counts"] for c in counts}
        found = pc.value_counts(tmap.entries.column("origin")).to_pylist() if tmap else []
        origins = {c["values"]: c["counts"] for c in found}
    else:  # objects (a tree before the column-wise analysis, e.g. for a before/after)
        classes = dict(Counter(r.classification for r in referenced))
        origins = dict(Counter(e.origin for e in tmap.entries)) if tmap else {}
    return {
        "seconds": seconds,
        "rss": rss,
        "imported": imported,
        "steps": steps,
        "passed": analysis.passed,
        "errors": [f.text() for f in analysis.findings if f.is_error][:5],
        "columns": len(analysis.catalog),
        "distinct": len(referenced),
        "classes": classes,
        "mapped": len(tmap.entries) if tmap else 0,
        "origins": origins,
        "kept": len(tmap.kept) if tmap else 0,
    }


def child(kind: str, size: Size, folder: Path) -> dict[str, Any]:
    """One measurement in a fresh process; its own peak RSS is part of the result."""
    command = [sys.executable, __file__, "--one", kind, "--data", str(folder)]
    command += ["--size", json.dumps(asdict(size))]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        print(f"{kind} failed (exit {result.returncode}):\n{result.stderr[-4000:]}")
        sys.exit(1)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def measure_analysis(size: Size, folder: Path, rounds: int, cprofile: bool) -> None:
    write_inputs(size, folder)
    runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    before = load()
    for round_ in range(rounds):
        for kind in KINDS[round_ % 2 :] + KINDS[: round_ % 2]:
            runs[kind].append(child(kind, size, folder))
    last = runs["osddl"][-1]
    if not last["passed"]:
        print(f"the analysis did not pass its validation: {last['errors']}")
        sys.exit(1)
    print(f"\nanalysis: {size.label} (median of {rounds}; peak RSS of each process)")
    print(f"{'measure':<10} {'seconds':>8} {'peak RSS MB':>11} {'after imports MB':>16}")
    medians: dict[str, float] = {}
    for kind in KINDS:
        medians[kind] = statistics.median(r["seconds"] for r in runs[kind])
        rss = max(r["rss"] for r in runs[kind])
        imported = max(r["imported"] for r in runs[kind])
        print(f"{kind:<10} {medians[kind]:>8.2f} {rss:>11.1f} {imported:>16.1f}")
    osddl_s, osddl_rss = medians["osddl"], max(r["rss"] for r in runs["osddl"])
    print(f"ratio osddl / baseline: {osddl_s / medians['baseline']:.2f}x")
    for kind in KINDS:
        shown = ", ".join(f"{r['seconds']:.2f} s / {r['rss']:.0f} MB" for r in runs[kind])
        print(f"  {kind} runs: {shown}")
    median_run = sorted(runs["osddl"], key=lambda r: r["seconds"])[len(runs["osddl"]) // 2]
    steps = ", ".join(f"{name} {median_run['steps'].get(name, 0):.2f}" for name in STEPS)
    print(f"  osddl steps (s, median run): {steps}")
    print(
        f"  catalog {last['columns']} columns; {last['distinct']:,} distinct ids {last['classes']}"
    )
    print(f"  mapped {last['mapped']:,} {last['origins']}; kept {last['kept']:,}")
    print(f"  load average before / after: {before} / {load()} (CPUs: {os.cpu_count()})")
    time_ok = "met" if osddl_s < SECONDS_GOAL else "NOT met"
    rss_ok = "met" if osddl_rss < RSS_GOAL_MB else "NOT met"
    print(f"goal analysis < {SECONDS_GOAL:.0f} s: {time_ok} ({osddl_s:.2f} s); "
          f"peak RSS < {RSS_GOAL_MB} MB: {rss_ok} ({osddl_rss:.0f} MB)")  # fmt: skip
    if cprofile:
        import pstats

        child("cprofile", size, folder)
        stats = pstats.Stats(str(folder / "analysis.prof"))
        stats.sort_stats("tottime").print_stats(20)
        stats.sort_stats("cumulative").print_stats(r"osddl/", 25)


# --- rerun after an inventory edit -------------------------------------------------------------

LAUNCHER = (
    "import runpy, sys; sys.setrecursionlimit({}); sys.argv[0] = 'doit'; "
    "runpy.run_module('doit', run_name='__main__', alter_sys=True)"
)
RECURSION_HINT = (
    "verify:uat_users parses 02_apply_user_remap.sql with sqlglot, which nests every statement "
    "after the script's first `IF ... DROP TABLE` inside that IF: 25 to 30 recursion levels per "
    "catalogued column, past Python's default limit from about 35 columns. Rerun with "
    "--recursion-limit 20000 to measure anyway."
)


def doit(
    workdir: Path, env: dict[str, str], recursion_limit: int, *args: str
) -> tuple[float, list[str]]:
    """`python -m doit -f dodo.py --dir workdir ...`: seconds and the tasks it executed. With a
    `recursion_limit`, the same through a launcher that raises Python's limit first."""
    arguments = ["-f", str(ROOT / "dodo.py"), "--dir", str(workdir), *args]
    command = [sys.executable, "-m", "doit", *arguments]
    if recursion_limit:
        command = [sys.executable, "-c", LAUNCHER.format(recursion_limit), *arguments]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        output = result.stdout + result.stderr
        print(f"`doit {' '.join(args)}` failed (exit {result.returncode}) after {seconds:.1f} s:")
        print(output[-4000:])
        if "RecursionError" in output:
            print(RECURSION_HINT)
        sys.exit(1)
    ran = [line[3:].strip() for line in result.stdout.splitlines() if line.startswith(".  ")]
    return seconds, ran


def edit_uat_inventory(path: Path, source: int, new_id: int) -> None:
    """Give the UAT user with Id `source` the id `new_id` (one QA user then gets another target)."""
    text = path.read_text(encoding="utf-8")
    edited, count = re.subn(rf"(?m)^{source},", f"{new_id},", text)
    if count != 1:
        raise SystemExit(f"{path}: no single UAT user {source} to edit")
    path.write_text(edited, encoding="utf-8", newline="")


def grouped(tasks: list[str]) -> str:
    """`name` or `family:* xN` per task family, in the order they ran."""
    families: dict[str, int] = {}
    for task in tasks:
        family = task.split(":", 1)[0] + (":*" if ":" in task else "")
        families[family] = families.get(family, 0) + 1
    return ", ".join(f"{name} x{n}" if n > 1 else name for name, n in families.items())


def measure_rerun(entities: int, tmp: Path, recursion_limit: int) -> None:
    from fixtures.scale import build_scale, write_scale_inventories
    from osddl.config import KEYS_BY_NAME

    workdir = tmp / "rerun"
    database = tmp / "scale.sqlite"
    start = time.perf_counter()
    build_scale(database, entities=entities, attributes=10, rows=3, fk_depth=4)
    qa_file, uat_file = write_scale_inventories(workdir)
    print(f"rerun: built {entities} entities in {time.perf_counter() - start:.1f} s")
    settings = {
        "uat_users.enabled": "1",
        "uat_users.qa_inventory": qa_file.name,
        "uat_users.uat_inventory": uat_file.name,
        "uat_users.map": "user_map.csv",  # no such file: no manual rows
    }
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OSDDL_")},
        "OSDDL_SOURCE_URL": f"sqlite:///{database}",
        "OSDDL_OUTPUT_DIR": "out",
        "OSDDL_CACHE_DIR": "cache",
        **{KEYS_BY_NAME[name].env: value for name, value in settings.items()},
    }
    cold, cold_tasks = doit(workdir, env, recursion_limit, "full_export")
    print(f"rerun: cold full_export {cold:.2f} s, {len(cold_tasks)} tasks")
    noop, noop_tasks = doit(workdir, env, recursion_limit, "full_export")
    tmap_file = workdir / "out" / "uat-users" / "transformation-map.json"
    document = json.loads(tmap_file.read_text())
    moved = next(e for e in document["entries"] if e["origin"] == "auto")
    edit_uat_inventory(uat_file, moved["target"], moved["target"] + 1_000_000)
    rerun, ran = doit(workdir, env, recursion_limit, "full_export")
    changed = [
        e for e in json.loads(tmap_file.read_text())["entries"] if e not in document["entries"]
    ]
    ratio = rerun / cold
    print(f"\nrerun: {entities} entities; UAT user {moved['target']} renumbered "
          f"({len(changed)} map entry changed)")  # fmt: skip
    if recursion_limit:
        print(f"(doit run with sys.setrecursionlimit({recursion_limit}); see --help)")
    print(f"{'cold s':>7} {'tasks':>6} {'no-op s':>8} {'tasks':>6} {'rerun s':>8} {'tasks':>6} "
          f"{'ratio':>6}")  # fmt: skip
    print(f"{cold:>7.2f} {len(cold_tasks):>6} {noop:>8.2f} {len(noop_tasks):>6} {rerun:>8.2f} "
          f"{len(ran):>6} {ratio:>6.1%}")  # fmt: skip
    print(f"  tasks the rerun executed: {grouped(ran)}")
    print(f"  tasks the no-op executed: {grouped(noop_tasks) or 'none'}")
    print(f"  load average: {load()} (CPUs: {os.cpu_count()})")
    ok = "met" if ratio <= RERUN_GOAL else "NOT met"
    print(f"goal rerun <= {RERUN_GOAL:.0%} of the cold run: {ok} ({ratio:.1%})")


# --- entry point --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (CI)")
    parser.add_argument("--rounds", type=int, help=f"analysis rounds (default {ROUNDS}, quick 1)")
    parser.add_argument("--only", choices=["analysis", "rerun"], help="one part only")
    parser.add_argument("--data", type=Path, help="folder for the analysis inputs (kept)")
    parser.add_argument("--cprofile", action="store_true", help="profile one analysis")
    parser.add_argument(
        "--recursion-limit", type=int, default=0, help="run doit with this Python recursion limit"
    )
    parser.add_argument("--one", choices=[*KINDS, "cprofile"], help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        size, folder = Size(**json.loads(args.size)), args.data
        if args.one == "baseline":
            print(json.dumps(run_baseline(size, folder)))
        else:
            profile = folder / "analysis.prof" if args.one == "cprofile" else None
            print(json.dumps(run_osddl(size, folder, profile)))
        return
    size = QUICK if args.quick else FULL
    rounds = args.rounds or (1 if args.quick else ROUNDS)
    with tempfile.TemporaryDirectory(prefix="osddl-uat-bench-") as name:
        tmp = Path(name)
        if args.only in (None, "analysis"):
            measure_analysis(size, args.data or tmp / "analysis", rounds, args.cprofile)
        if args.only in (None, "rerun"):
            entities = RERUN_QUICK if args.quick else RERUN_FULL
            measure_rerun(entities, tmp, args.recursion_limit)


if __name__ == "__main__":
    main()
