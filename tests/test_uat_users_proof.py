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
from osddl.tsql import normalise, qualified
from osddl.uat_users.catalog import Catalog, CatalogColumn
from osddl.uat_users.discovery import column_ids
from osddl.uat_users.ids import UserId, canonical
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
THING = "dbo.OSUSR_X_THING"
# The snapshot: Id, CreatedBy, UpdatedBy (QA ids; 7 and 8 are orphans, 1 is kept).
SNAPSHOT = {"ID": [1, 2, 3, 4], "CREATEDBY": [7, 8, None, 1], "UPDATEDBY": [None, 7, 8, None]}
MAP = {7: 5007, 8: 5008}
# What the INSERTs hold: (Id, Name, CreatedBy, UpdatedBy), the names with a comma and a quote.
EMITTED = [
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

Row = tuple[object, ...]


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
    "a row inserted twice": (lambda: files([*EMITTED, EMITTED[1]]), "key (2,) is inserted twice"),
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
        lambda: files(extra=part(THING, "[dbo].[Thing]", []).replace("SET IDENTITY", "--")
                      + "INSERT INTO [dbo].[Other] ([Id]) VALUES (1);\nGO\n"),
        "an INSERT into dbo.Other in the part of",
    ),  # fmt: skip
    "a deferred UPDATE of a row never inserted": (
        lambda: files(deferred="UPDATE [dbo].[Thing] SET [CreatedBy] = 5007 WHERE [Id] = 9;\n"),
        "[dbo].[thing]: no INSERT row has key (9,)",
    ),
    "a deferred UPDATE not by key": (
        lambda: files(deferred="UPDATE [dbo].[Thing] SET [CreatedBy] = 5007 WHERE [Name] = 1;\n"),
        "is not the row key",
    ),
}


def written(folder: Path, scripts: dict[str, str]) -> Path:
    dynamic = folder / "DynamicData"
    for name, text in scripts.items():
        (dynamic / name).parent.mkdir(parents=True, exist_ok=True)
        (dynamic / name).write_text(text, encoding="utf-8")
    pq.write_table(
        pa.table({name: pa.array(values, pa.int32()) for name, values in SNAPSHOT.items()}),
        folder / "thing.parquet",
    )
    return dynamic


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
    key = {column: index for index, column in enumerate(["CREATEDBY", "UPDATEDBY"])}
    assert sorted(rows, key=lambda r: (SNAPSHOT["CREATEDBY"].index(r[2]) if False else 0)) == rows
    assert sorted(rows, key=lambda r: key[r[1]]) == sorted(EXPECTED, key=lambda r: key[r[1]])
    assert sorted(map(repr, rows)) == sorted(map(repr, EXPECTED))


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_what_the_reader_cannot_read_back_fails_inserts_read_back(
    tmp_path: Path, case: str
) -> None:
    make, said = UNREADABLE[case]
    _, read = read_back(tmp_path, make())
    assert not read.passed
    samples = read.samples["inserts-read-back"]
    assert any(said in sample for sample in samples), samples


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
        column_ids(column, [(7, 1), (8, 1), (1, 1)], 4, 1 if column.column == "CREATEDBY" else 2)
        if column.column == "CREATEDBY"
        else column_ids(column, [(7, 1), (8, 1)], 4, 2)
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
