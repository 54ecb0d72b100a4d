"""`verify:uat_users`: the user ids read back from the emitted scripts (osddl/proofs/uat_users.py).

First the reader on hand-made scripts (per-table and single-file parts, deferred UPDATEs, rows out
of step, everything it must refuse); then the demo end to end: the proof passes on a fresh export
and fails on each planted defect; then the UPDATE script's effect: an equivalent built from the
same map on SQLite and PostgreSQL (the real script on SQL Server when one is configured) turns the
QA values into exactly the pre-transformed INSERT values, and a second run changes nothing.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from fixtures.demo import build_demo, uat_users_settings
from osddl.layout import path
from osddl.model.sqltype import parse_sql_type
from osddl.model.store import read_model
from osddl.proofs.uat_users import Column, UserTable, value_rows, verify_uat_users
from osddl.selection import SelectionOptions
from osddl.stages.uat_users import read_transformation_map, user_catalog
from osddl.stages.verify import UAT_USERS_OFF, user_tables
from osddl.tsql import normalise, qualified, quote
from osddl.uat_users.catalog import Catalog, CatalogColumn
from osddl.uat_users.discovery import column_ids
from osddl.uat_users.ids import IdKind, UserId, canonical
from osddl.uat_users.inventory import read_inventory
from osddl.uat_users.outcome import Outcome
from osddl.uat_users.remap_check import check_script
from osddl.uat_users.remap_sql import remap_script
from osddl.uat_users.settings import options_from_settings
from osddl.uat_users.transform import MapEntry, TransformationMap
from osddl.uat_users.verify import ValueRow
from tests.doit_runs import copy_project, doit, executed, tail

# ---- the reader on hand-made scripts ----------------------------------------------------------

INT = parse_sql_type("int")
Row = tuple[object, ...]
THING = "dbo.OSUSR_X_THING"
# The snapshot: Id, CreatedBy, UpdatedBy (QA ids; 7 and 8 are orphans, 1 is kept).
SNAPSHOT: dict[str, list[int | None]] = {
    "ID": [1, 2, 3, 4],
    "CREATEDBY": [7, 8, None, 1],
    "UPDATEDBY": [None, 7, 8, None],
}
MAP = {7: 5007, 8: 5008}
# What the INSERTs hold: (Id, Name, CreatedBy, UpdatedBy), the names with a comma and a quote.
EMITTED: list[Row] = [
    (1, "N'a, b'", "5007", "NULL"),
    (2, "N'O''Brien'", "5008", "5007"),
    (3, "N'c'", "NULL", "5008"),
    (4, "N'd'", "1", "NULL"),
]
EXPECTED: list[ValueRow] = [
    (THING, column, original, None if original is None else MAP.get(original, original))
    for index in range(4)
    for column, original in (
        ("CREATEDBY", SNAPSHOT["CREATEDBY"][index]),
        ("UPDATEDBY", SNAPSHOT["UPDATEDBY"][index]),
    )
]
LOAD = ":on error exit\n:r .\\M\\dbo.Thing.dynamic.sql\n:r .\\deferred_updates.sql\n"
LOAD_SINGLE = ":on error exit\n:r .\\all.dynamic.sql\n:r .\\deferred_updates.sql\n"
DEFERRED_HEAD = "-- deferred\nSET NOCOUNT ON;\nGO\n"


def thing(snapshot: Path) -> UserTable:
    return UserTable(
        THING, "dbo", "Thing", snapshot,
        keys=(Column("ID", "Id", INT),),
        columns=(Column("CREATEDBY", "CreatedBy", INT), Column("UPDATEDBY", "UpdatedBy", INT)),
    )  # fmt: skip


def part(source: str, table: str, rows: list[Row], *, batch: int = 2) -> str:
    """One table's part as the renderer lays it out: header, guard, INSERT batches."""
    text = (
        f"-- osddl DynamicData | module M | entity E | source {source} | rows {len(rows)}\n"
        f"SET NOCOUNT ON;\nGO\nIF EXISTS (SELECT 1 FROM {table})\n"
        f"    THROW 50001, N'{table} already holds rows', 1;\nGO\n"
        f"SET IDENTITY_INSERT {table} ON;\nGO\n"
    )
    for start in range(0, len(rows), batch):
        tuples = ",\n".join(
            "    (" + ", ".join(map(str, row)) + ")" for row in rows[start : start + batch]
        )
        text += (
            f"INSERT INTO {table} ([Id], [Name], [CreatedBy], [UpdatedBy])\nVALUES\n{tuples};\nGO\n"
        )
    return text + f"SET IDENTITY_INSERT {table} OFF;\nGO\n"


def files(
    rows: list[Row] = EMITTED, *, deferred: str = "", load: str = LOAD, extra: str = ""
) -> dict[str, str]:
    return {
        "load.sql": load,
        "M/dbo.Thing.dynamic.sql": part(THING, "[dbo].[Thing]", rows) + extra,
        "deferred_updates.sql": DEFERRED_HEAD + deferred + ("GO\n" if deferred else ""),
    }


def with_row(index: int, **cells: object) -> list[Row]:
    names = ("Id", "Name", "CreatedBy", "UpdatedBy")
    rows = list(EMITTED)
    rows[index] = tuple(cells.get(n, v) for n, v in zip(names, rows[index], strict=True))
    return rows


def single_file() -> dict[str, str]:
    """all.dynamic.sql: a part of a table without user columns (not even valid SQL: it is not
    parsed) before the catalogued table's part."""
    other = part("dbo.OSUSR_X_OTHER", "[dbo].[Other]", [(1, "N'x'", "2", "3")])
    junk = other.replace("INSERT INTO", "INSERT INTO ((( not sql")
    return {
        "load.sql": LOAD_SINGLE,
        "all.dynamic.sql": junk + part(THING, "[dbo].[Thing]", EMITTED, batch=3),
        "deferred_updates.sql": DEFERRED_HEAD,
    }


# name → the scripts; the reader must give EXPECTED with nothing unread.
READABLE: dict[str, Callable[[], dict[str, str]]] = {
    "per-table file": files,
    "single-file parts, other tables not parsed": single_file,
    "deferred UPDATE gives the final value": lambda: files(
        with_row(1, UpdatedBy="NULL"),
        deferred="UPDATE [dbo].[Thing] SET [UpdatedBy] = 5007 WHERE [Id] = 2;\n"
        "UPDATE [dbo].[Other] SET [X] = 1 WHERE [Id] = 2;\n",
    ),
    "rows out of key order pair by key": lambda: files(EMITTED[::-1]),
}

# name → (the scripts, what the `inserts-read-back` samples must say).
UNREADABLE: dict[str, tuple[Callable[[], dict[str, str]], str]] = {
    "a row dropped": (lambda: files(EMITTED[:2] + EMITTED[3:]), "key (3,) is not inserted"),
    "a row inserted twice": (
        lambda: files([*EMITTED, EMITTED[1]]),
        "key (2,) is inserted, but the snapshot has no such row (or it is inserted twice)",
    ),
    "a key the snapshot lacks": (
        lambda: files([*EMITTED, (9, "N'z'", "5007", "NULL")]),
        "key (9,) is inserted, but the snapshot has no such row",
    ),
    "the table is not included": (
        lambda: files(load=":on error exit\n:r .\\deferred_updates.sql\n"),
        f"{THING}: no INSERT script is included",
    ),
    "a second part of the table": (
        lambda: files(extra=part(THING, "[dbo].[Thing]", EMITTED)),
        f"{THING}: a second part",
    ),
    "a value that is no literal of the type": (
        lambda: files(with_row(0, CreatedBy="N'7'")),
        "row 1: \"N'7'\" is not a literal",
    ),
    "a batch that does not parse": (
        lambda: files(extra="INSERT INTO [dbo].[Thing] ((( VALUES;\nGO\n"),
        "unparsable-batch",
    ),
    "an INSERT into another table in the part": (
        lambda: files(extra="INSERT INTO [dbo].[Other] ([Id]) VALUES (1);\nGO\n"),
        f"an INSERT into dbo.Other in the part of {THING}",
    ),
    "a deferred UPDATE of a row never inserted": (
        lambda: files(deferred="UPDATE [dbo].[Thing] SET [CreatedBy] = 5007 WHERE [Id] = 9;\n"),
        "[dbo].[thing]: no INSERT row has key (9,)",
    ),
    "a deferred UPDATE not by key": (
        lambda: files(deferred="UPDATE [dbo].[Thing] SET [CreatedBy] = 5007 WHERE [Name] = 1;\n"),
        "is not the row key",
    ),
}


def scripts_in(folder: Path, scripts: dict[str, str]) -> Path:
    dynamic = folder / "DynamicData"
    for name, text in scripts.items():
        (dynamic / name).parent.mkdir(parents=True, exist_ok=True)
        (dynamic / name).write_text(text, encoding="utf-8")
    return dynamic


def written(folder: Path, scripts: dict[str, str]) -> Path:
    """The scripts under folder/DynamicData and SNAPSHOT as folder/thing.parquet."""
    pq.write_table(
        pa.table({name: pa.array(values, pa.int32()) for name, values in SNAPSHOT.items()}),
        folder / "thing.parquet",
    )
    return scripts_in(folder, scripts)


def read_back(folder: Path, scripts: dict[str, str]) -> tuple[list[ValueRow], Outcome]:
    dynamic = written(folder, scripts)
    read = Outcome()
    read.check("inserts-read-back")
    return list(value_rows(dynamic, [thing(folder / "thing.parquet")], read)), read


@pytest.mark.parametrize("case", sorted(READABLE))
def test_the_reader_gives_every_catalogued_value_paired_with_its_snapshot_row(
    tmp_path: Path, case: str
) -> None:
    rows, read = read_back(tmp_path, READABLE[case]())
    assert read.passed, read.samples
    assert Counter(rows) == Counter(EXPECTED)


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_what_the_reader_cannot_read_back_fails_inserts_read_back(
    tmp_path: Path, case: str
) -> None:
    make, said = UNREADABLE[case]
    _, read = read_back(tmp_path, make())
    assert not read.passed
    samples = read.samples["inserts-read-back"]
    assert any(said in sample for sample in samples), samples


GUID = "0C5E7A52-3F0E-4C1B-9D7E-5A1E0DE5E700"


@pytest.mark.parametrize(
    ("sql_type", "stored", "literal", "emitted"),
    [
        ("uniqueidentifier", GUID.lower(), f"'{GUID}'", GUID),  # SQLite keeps GUIDs lower case
        ("nvarchar(50)", "u00007", "N'u00007'", "u00007"),
    ],
    ids=["guid", "text"],
)
def test_guid_and_text_ids_are_read_back(
    tmp_path: Path, sql_type: str, stored: str, literal: str, emitted: str
) -> None:
    created = Column("CREATEDBY", "CreatedBy", parse_sql_type(sql_type))
    table = UserTable(THING, "dbo", "Thing", tmp_path / "thing.parquet",
                      keys=(Column("ID", "Id", INT),), columns=(created,))  # fmt: skip
    pq.write_table(pa.table({"ID": [1, 2], "CREATEDBY": [stored, None]}), table.snapshot)
    insert = f"INSERT INTO [dbo].[Thing] ([Id], [CreatedBy])\nVALUES\n    (1, {literal}),\n"
    scripts = {
        "load.sql": LOAD,
        "M/dbo.Thing.dynamic.sql": part(THING, "[dbo].[Thing]", [])
        + insert
        + "    (2, NULL);\nGO\n",
        "deferred_updates.sql": DEFERRED_HEAD,
    }
    read = Outcome()
    rows = list(value_rows(scripts_in(tmp_path, scripts), [table], read))
    assert read.passed, read.samples
    assert rows == [(THING, "CREATEDBY", stored, emitted), (THING, "CREATEDBY", None, None)]


def hand_made_catalog() -> Catalog:
    def column(name: str, emitted: str) -> CatalogColumn:
        return CatalogColumn("dbo", "OSUSR_X_THING", name, "M", "Thing", emitted, "int", "Thing",
                             emitted, None, True, False)  # fmt: skip

    return Catalog((column("CREATEDBY", "CreatedBy"), column("UPDATEDBY", "UpdatedBy")))


def hand_made_map() -> TransformationMap:
    entries = tuple(MapEntry(s, t, "email", "auto", "orphan_known") for s, t in MAP.items())
    return TransformationMap("int", entries, (1,))


@pytest.mark.parametrize(
    ("scripts", "failed"),
    [
        (files, set()),
        (
            lambda: files(EMITTED[:2] + EMITTED[3:]),
            {"inserts-read-back", "row-counts", "nulls-preserved", "mapped-values",
             "insert-update-cross-check"},
        ),
        (lambda: files(with_row(3, CreatedBy="7")), {"no-orphan-left", "values-are-uat-ids",
                                                     "mapped-values", "insert-update-cross-check"}),
    ],
    ids=["untouched", "row dropped", "orphan left"],
)  # fmt: skip
def test_the_proof_on_hand_made_scripts(
    tmp_path: Path, scripts: Callable[[], dict[str, str]], failed: set[str]
) -> None:
    catalog, tmap = hand_made_catalog(), hand_made_map()
    dynamic = written(tmp_path, scripts())
    expected = [
        column_ids(
            column,
            Counter(v for v in SNAPSHOT[column.column] if v is not None).items(),
            len(SNAPSHOT[column.column]),
            SNAPSHOT[column.column].count(None),
        )
        for column in catalog.columns
    ]
    document = verify_uat_users(
        dynamic, [thing(tmp_path / "thing.parquet")], remap_script(tmap, catalog.columns),
        catalog, tmap, {1, 5007, 5008}, expected,
    )  # fmt: skip
    statuses = {rule["rule"]: rule["status"] for rule in document["rules"]}
    assert {rule for rule, status in statuses.items() if status == "fail"} == failed
    assert document["status"] == ("fail" if failed else "pass")
    assert "not-checked" not in statuses.values()


# ---- the demo end to end ------------------------------------------------------------------------

VERIFICATION = path("uat:uat-users-verification.json")
TAG = "DynamicData/Catalog/dbo.Tag.dynamic.sql"  # Id, Name, CreatedBy, CreatedOn, UpdatedBy, ...
TAG_SOURCE = "dbo.OSUSR_CAT_TAG"
REMAP = path("uat:02_apply_user_remap.sql")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo after `doit full_export` with the demo's uat-users settings."""
    work = tmp_path_factory.mktemp("uat-proof")
    build_demo(work)
    result = doit(work, "full_export")
    assert result.returncode == 0, tail(result)
    assert "verify:uat_users: pass" in result.stdout, tail(result)
    assert re.search(r"^verify: uat-users verification +pass ", result.stdout, re.M), tail(result)
    return work


def transformation(out: Path) -> TransformationMap:
    return read_transformation_map(out)


def _edit_tag_row(
    out: Path, pick: Callable[[list[str]], bool], new: Callable[[list[str]], Row]
) -> None:
    """Rewrite (or, when `new` gives (), drop) the first dbo.Tag row `pick` accepts, in its own
    file or in its part of all.dynamic.sql; Tag's text values hold no `, `, so a row splits into
    its six cells."""
    file = out / TAG if (out / TAG).is_file() else out / path("single_file")
    lines = file.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if f"| source {TAG_SOURCE} |" in line)
    for index in range(start + 1, len(lines)):
        if lines[index].startswith("-- osddl DynamicData |"):
            break  # the next table's part
        found = re.fullmatch(r"    \((.*)\)(,?)", lines[index])  # not a batch's last row (`);`)
        cells = found[1].split(", ") if found else []
        if found and len(cells) == 6 and pick(cells):
            changed = new(cells)
            if changed:
                lines[index] = "    (" + ", ".join(map(str, changed)) + ")" + found[2]
            else:
                del lines[index]
            file.write_text("\n".join(lines), encoding="utf-8")
            return
    raise AssertionError("no dbo.Tag row to tamper with")


def plant_orphan(out: Path) -> set[str]:
    tmap = transformation(out)
    orphan = next(e.source for e in tmap.entries if e.source not in tmap.targets)
    _edit_tag_row(out, lambda c: c[2] != "NULL", lambda c: (*c[:2], orphan, *c[3:]))
    return {"no-orphan-left", "mapped-values"}


def foreign_target(out: Path) -> set[str]:
    _edit_tag_row(out, lambda c: c[2] != "NULL", lambda c: (*c[:2], 999_999, *c[3:]))
    return {"values-are-uat-ids", "mapped-values"}


def null_becomes_value(out: Path) -> set[str]:
    target = transformation(out).entries[0].target
    _edit_tag_row(out, lambda c: c[4] == "NULL", lambda c: (*c[:4], target, c[5]))
    return {"nulls-preserved", "mapped-values"}


def drop_row(out: Path) -> set[str]:
    _edit_tag_row(out, lambda c: c[0] == "5", lambda c: ())
    return {"inserts-read-back", "row-counts"}


def script_gains_a_non_orphan(out: Path) -> set[str]:
    tmap = transformation(out)
    file = out / REMAP
    text = file.read_text(encoding="utf-8")
    head = "INSERT INTO #osddl_uat_user_map ([Source], [Target]) VALUES\n"
    assert head in text
    row = f"    ({tmap.kept[0]}, {tmap.entries[0].target}),\n"
    file.write_text(text.replace(head, head + row, 1), encoding="utf-8")
    return {"script-sources-are-orphans"}


@pytest.mark.parametrize(
    "tamper",
    [plant_orphan, foreign_target, null_becomes_value, drop_row, script_gains_a_non_orphan],
    ids=lambda f: f.__name__,
)
def test_verify_fails_on_each_planted_defect(
    exported: Path, tmp_path: Path, tamper: Callable[[Path], set[str]]
) -> None:
    work = copy_project(exported, tmp_path / "w")
    rules = tamper(work / "out")
    result = doit(work, "verify")
    assert result.returncode != 0
    assert "verify:uat_users: FAIL" in result.stdout, tail(result)
    assert re.search(r"^verify: uat-users verification +fail ", result.stdout, re.M)
    document = json.loads((work / "out" / VERIFICATION).read_text(encoding="utf-8"))
    failed = {r["rule"] for r in document["rules"] if r["status"] == "fail"}
    assert document["status"] == "fail" and rules <= failed, failed


def test_verify_passes_on_the_untouched_export(exported: Path, tmp_path: Path) -> None:
    work = copy_project(exported, tmp_path / "w")
    (work / "out" / VERIFICATION).unlink()  # the proof must be computed again, and pass
    result = doit(work, "verify")
    assert result.returncode == 0, tail(result)
    assert "verify:uat_users" in executed(result)
    document = json.loads((work / "out" / VERIFICATION).read_text(encoding="utf-8"))
    assert document["status"] == "pass"
    assert {r["status"] for r in document["rules"]} == {"pass"}


def test_single_file_mode_is_read_back_part_by_part(exported: Path, tmp_path: Path) -> None:
    work = copy_project(exported, tmp_path / "w")
    single = {"OSDDL_DATA_INSERT_MODE": "single-file"}
    result = doit(work, "full_export", **single)
    assert result.returncode == 0, tail(result)
    assert "verify:uat_users" in executed(result) and "verify:uat_users: pass" in result.stdout
    plant_orphan(work / "out")
    result = doit(work, "verify", **single)
    assert "verify:uat_users: FAIL" in result.stdout, tail(result)
    assert "no-orphan-left" in result.stdout


def test_switched_off_the_verdict_says_ids_were_not_remapped(
    exported: Path, tmp_path: Path
) -> None:
    work = copy_project(exported, tmp_path / "w")
    result = doit(work, "full_export", OSDDL_UAT_USERS_ENABLED="0")
    assert result.returncode == 0, tail(result)
    assert f"verify: {UAT_USERS_OFF}" in result.stdout
    assert "verify:uat_users" not in executed(result)
    assert not (work / "out" / VERIFICATION).exists()  # swept with the rest of out/uat-users
    again = doit(work, "verify", OSDDL_UAT_USERS_ENABLED="0")
    assert again.returncode == 0 and f"verify: {UAT_USERS_OFF}" in again.stdout, tail(again)


# ---- the UPDATE script's effect -----------------------------------------------------------------

MSSQL_URL = os.environ.get("OSDDL_TEST_MSSQL_URL", "")
MAP_TABLE = "osddl_uat_user_map"
Cell = tuple[str, str]  # (schema.table, physical column)


@dataclass(frozen=True)
class Remap:
    """What the UPDATE path needs, read from a finished export: the tables with catalogued
    columns, the pairs of `02_apply_user_remap.sql` (parsed back), and the pre-transformed values
    read back from the INSERTs (per column, in key order), with the rows they changed."""

    kind: IdKind
    tables: list[UserTable]
    pairs: dict[UserId, UserId]
    emitted: dict[Cell, list[object]]
    changed: dict[Cell, int]


def remap(project: Path) -> Remap:
    out = project / "out"
    model = read_model(out / path("model"))
    catalog = user_catalog(model, options_from_settings(uat_users_settings("int", project)))
    tmap = read_transformation_map(out)
    uat, _ = read_inventory(project / "uat_users.csv", "uat")
    assert uat is not None
    script = check_script((out / REMAP).read_text("utf-8"), catalog.columns, tmap, uat.users)
    assert script.outcome.passed, script.outcome.samples
    assert script.pairs == {e.source: e.target for e in tmap.entries}
    # No target is also a source: one UPDATE per column is idempotent, like the script's chunks.
    assert not tmap.has_chains()
    tables = user_tables(model, catalog, SelectionOptions(), out)
    labels = {f"{t.schema}.{t.emitted}.{c.emitted}".casefold() for t in tables for c in t.columns}
    assert labels <= script.columns
    read = Outcome()
    emitted: dict[Cell, list[object]] = {}
    changed: dict[Cell, int] = {}
    for table, column, original, value in value_rows(out / "DynamicData", tables, read):
        before, after = (None if v is None else canonical(v, tmap.kind) for v in (original, value))
        emitted.setdefault((table, column), []).append(after)
        changed[(table, column)] = changed.get((table, column), 0) + (before != after)
    assert read.passed, read.samples
    return Remap(tmap.kind, tables, script.pairs, emitted, changed)


def _id_type(kind: IdKind) -> sa.types.TypeEngine[Any]:
    return sa.BigInteger() if kind == "int" else sa.String(100)


def _key_type(column: Column) -> sa.types.TypeEngine[Any]:
    return _id_type("int" if column.sql_type.name in ("int", "bigint", "smallint") else "text")


def target_tables(case: Remap, name: Callable[[UserTable], str]) -> dict[str, sa.Table]:
    metadata = sa.MetaData()
    return {
        t.table_id: sa.Table(
            name(t), metadata,
            *(sa.Column(k.emitted, _key_type(k), primary_key=True) for k in t.keys),
            *(sa.Column(c.emitted, _id_type(case.kind)) for c in t.columns),
        )
        for t in case.tables
    }  # fmt: skip


def load_qa_values(connection: sa.Connection, case: Remap, tables: dict[str, sa.Table]) -> None:
    """The snapshots' key and user columns, QA ids untransformed (in the ids' canonical form)."""
    for table in case.tables:
        target = tables[table.table_id]
        target.create(connection)
        wanted = [*table.keys, *table.columns]
        snapshot = pq.read_table(table.snapshot, columns=[c.physical for c in wanted]).to_pylist()
        rows = [
            {k.emitted: normalise(row[k.physical], k.sql_type) for k in table.keys}
            | {c.emitted: _qa_id(row[c.physical], case.kind) for c in table.columns}
            for row in snapshot
        ]
        connection.execute(target.insert(), rows)


def _qa_id(value: object, kind: IdKind) -> UserId | None:
    return None if value is None else canonical(value, kind)


def apply_equivalent(connection: sa.Connection, case: Remap, tables: dict[str, sa.Table]) -> int:
    """`02_apply_user_remap.sql` for SQLite and PostgreSQL: its pairs in a mapping table, then per
    column `UPDATE t SET c = m.Target FROM map m WHERE t.c = m.Source AND t.c IS NOT NULL`."""
    mapping = sa.Table(
        MAP_TABLE, sa.MetaData(),
        sa.Column("source", _id_type(case.kind), primary_key=True),
        sa.Column("target", _id_type(case.kind), nullable=False),
    )  # fmt: skip
    mapping.drop(connection, checkfirst=True)
    mapping.create(connection)
    pairs = sorted(case.pairs.items(), key=lambda pair: str(pair[0]))
    connection.execute(mapping.insert(), [{"source": s, "target": t} for s, t in pairs])
    changed = 0
    for table in case.tables:
        target = tables[table.table_id]
        for column in table.columns:
            value = target.c[column.emitted]
            update = (
                sa.update(target)
                .values({column.emitted: mapping.c.target})
                .where(value == mapping.c.source, value.is_not(None))
            )
            changed += connection.execute(update).rowcount
    mapping.drop(connection)
    return changed


def loaded(
    connection: sa.Connection, case: Remap, tables: dict[str, sa.Table]
) -> dict[Cell, list[object]]:
    """Per user column, its values in key order (as the INSERTs hold them)."""
    found: dict[Cell, list[object]] = {}
    for table in case.tables:
        target = tables[table.table_id]
        query = sa.select(*(target.c[c.emitted] for c in table.columns)).order_by(
            *(target.c[k.emitted] for k in table.keys)
        )
        for row in connection.execute(query):
            for column, value in zip(table.columns, row, strict=True):
                found.setdefault((table.table_id, column.physical), []).append(value)
    return found


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_update_path_gives_exactly_the_pre_transformed_values(
    exported: Path, tmp_path: Path, request: pytest.FixtureRequest, database: str
) -> None:
    case = remap(exported)
    url = (
        f"sqlite:///{tmp_path / 'uat.sqlite'}"
        if database == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    engine = sa.create_engine(url)
    tables = target_tables(case, lambda t: f"{t.schema}_{t.emitted}")
    try:
        with engine.begin() as connection:
            load_qa_values(connection, case, tables)
        with engine.begin() as connection:
            changed = apply_equivalent(connection, case, tables)
        with engine.connect() as connection:
            assert loaded(connection, case, tables) == case.emitted
        assert changed == sum(case.changed.values()) > 0  # the INSERT path changed these rows
        with engine.begin() as connection:
            assert apply_equivalent(connection, case, tables) == 0  # a second run: no row
        with engine.connect() as connection:
            assert loaded(connection, case, tables) == case.emitted
    finally:
        engine.dispose()


@pytest.mark.skipif(
    not MSSQL_URL,
    reason="set OSDDL_TEST_MSSQL_URL=mssql+pymssql://user:pw@host:1433/DB to run the real "
    "02_apply_user_remap.sql on SQL Server (on temporary tables)",
)
def test_the_real_update_script_on_sql_server(exported: Path) -> None:
    """The script itself, on temporary tables named in place of the catalogued ones (so nothing
    of the server's database is touched), run twice."""
    case = remap(exported)
    script = (exported / "out" / REMAP).read_text(encoding="utf-8")
    tables = target_tables(case, lambda t: f"#osddl_uat_{t.schema}_{t.emitted}")
    for table in case.tables:
        script = script.replace(qualified(table.schema, table.emitted),
                                quote(tables[table.table_id].name))  # fmt: skip
    engine = sa.create_engine(MSSQL_URL)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            load_qa_values(connection, case, tables)
            connection.exec_driver_sql(script)
            assert loaded(connection, case, tables) == case.emitted
            connection.exec_driver_sql(script)  # a second run: nothing left to remap
            assert loaded(connection, case, tables) == case.emitted
    finally:
        engine.dispose()
