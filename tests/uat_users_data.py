"""Generated uat-users test data: a small model with user references, QA/UAT inventories, a user
map and Parquet snapshots, in three id kinds (integer, GUID, text).

Every situation of spec 05 is in it: a kept id, email / attribute / regex / External_Id matches,
a collision (same id, another person) resolved by email, an inactive UAT twin, a user with no
match (fallback), a manual override, an unknown id, NULL references, a physical FK, a logical-only
reference, an included and an excluded column, quoted commas and newlines in the CSV files.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from osddl.model.contract import (
    Attribute,
    Entity,
    ForeignKey,
    Model,
    Module,
    Reference,
    Source,
)
from osddl.model.users import builtin_users_module
from osddl.uat_users.ids import IdKind, UserId
from osddl.uat_users.inventory import COLUMNS, User, inventory_of
from osddl.uat_users.settings import UatUsersOptions
from tests.model_builders import make_entity

SQL_TYPES: dict[str, str] = {"int": "int", "guid": "uniqueidentifier", "text": "nvarchar(50)"}
ARROW_TYPES: dict[str, pa.DataType] = {"int": pa.int64(), "guid": pa.string(), "text": pa.string()}

# (id, Username, EMail, Name, External_Id, Is_Active)
QA_USERS: tuple[tuple[int, str, str, str, str, bool], ...] = (
    (1, "admin", "admin@example.com", "Administrator", "AD\\admin", True),
    (2, "bob", "bob@example.com", "Bob, Jr.", "", True),
    (3, "carol", "carol@qa.example.com", "Carol", "", True),
    (4, "dave.qa", "dave@qa.example.com", "Dave", "", True),
    (5, "erin", "erin@example.com", "Erin", "", True),
    (6, "frank", "frank@example.com", "Frank", "", True),
    (7, "gina", "gina@qa.example.com", "Gina", "", True),
    (8, "hank", "hank@example.com", "Hank", "", True),
    (9, "ivan.q", "ivan@qa.example.com", "Ivan", "EXT-9", True),
    (10, "jane", "jane@example.com", 'Jane "JJ"\nJones', "", False),
)
UAT_USERS: tuple[tuple[int, str, str, str, str, bool], ...] = (
    (1, "admin", "ADMIN@example.com", "Administrator", "AD\\admin", True),
    (5, "zed", "zed@example.com", "Zed (UAT only)", "", True),
    (5002, "robert", "BOB@EXAMPLE.COM", "Bob", "", True),
    (5003, "carol", "carol@uat.example.com", "Carol", "", True),
    (5004, "dave", "dave@uat.example.com", "Dave", "", True),
    (5005, "erin", "erin@example.com", "Erin", "", True),
    (5006, "frank", "frank@example.com", "Frank", "", False),
    (5008, "hank", "hank@example.com", "Hank", "", True),
    (5009, "ivan.smith", "ivan@uat.example.com", "Ivan", "EXT-9", True),
    (5900, "release.manager", "rm@example.com", "Release Manager", "", True),
    (5901, "uat.support", "support@example.com", "UAT Support, Level 2", "", True),
)
MAP_ROWS: tuple[tuple[int, int, str], ...] = (
    (8, 5900, "handed over;\nsee ticket 42"),
    (99, 5901, "dangling id in QA"),
)
UNKNOWN = 99

# Expected outcome, in base (integer) ids: source → (target, strategy).
EXPECTED: dict[int, tuple[int, str]] = {
    2: (5002, "email"),
    3: (5003, "attribute:Username"),
    4: (5004, r"regex:^(.*)\.qa$"),
    5: (5005, "email"),
    6: (5900, "round-robin"),
    7: (5901, "round-robin"),
    8: (5900, "manual"),
    9: (5009, "attribute:External_Id"),
    99: (5901, "manual"),
}
KEPT = (1,)

OPTIONS = UatUsersOptions(
    qa_inventory="qa_users.csv",
    uat_inventory="uat_users.csv",
    map="user_map.csv",
    match=("email", "attribute:Username", r"regex:^(.*)\.qa$", "attribute:External_Id"),
    fallback="round-robin:5900,5901",
    include_columns=("Sales::Order.AssignedTo",),
    exclude_columns=("HR::Employee.ApprovedBy",),
    unknown_ids="map",
)

# Rows of the snapshots, in base ids (None = NULL). Order: (Id, CreatedBy, UpdatedBy, AssignedTo)
ORDER_ROWS: tuple[tuple[int, int | None, int | None, int | None], ...] = (
    (1, 1, 2, None),
    (2, 2, 3, 4),
    (3, 3, None, 5),
    (4, 4, 5, 6),
    (5, 5, 6, 7),
    (6, 6, 7, 8),
    (7, 7, 8, 9),
    (8, 8, 9, UNKNOWN),
    (9, 9, 1, None),
    (10, None, None, None),
    (11, UNKNOWN, 2, 2),
    (12, 1, 1, 1),
)
# (Id, CreatedBy, ApprovedBy) — ApprovedBy is excluded from the catalog.
EMPLOYEE_ROWS: tuple[tuple[int, int | None, int | None], ...] = (
    (1, 2, 6),
    (2, 5, 7),
    (3, None, 8),
    (4, 1, 5),
)


def ident(n: int, kind: IdKind, for_csv: bool = False) -> UserId:
    """The id of base number `n` in a kind: GUIDs are upper case in snapshots, lower in CSVs."""
    if kind == "int":
        return n
    if kind == "guid":
        text = str(uuid.UUID(int=0x1000 + n))
        return text if for_csv else text.upper()
    return f"u{n:04d}"


def expected_map(kind: IdKind) -> dict[UserId, UserId]:
    return {ident(s, kind): ident(t, kind) for s, (t, _) in EXPECTED.items()}


def options(kind: IdKind) -> UatUsersOptions:
    fallback = "round-robin:" + ",".join(str(ident(n, kind)) for n in (5900, 5901))
    return replace(OPTIONS, fallback=fallback)


# --- the model ---------------------------------------------------------------------------------


def attribute(name: str, sql_type: str, reference: Reference | None = None) -> Attribute:
    return Attribute(
        name=name,
        physical_name=name.upper(),
        emitted_name=name,
        data_type="Integer" if sql_type == "int" else "Text",
        sql_type=sql_type,
        length=None,
        precision=None,
        scale=None,
        default=None,
        is_mandatory=False,
        is_identifier=name == "Id",
        is_auto_number=name == "Id",
        is_active=True,
        present_but_inactive=False,
        original_name=None,
        external_db_type=None,
        description=None,
        reference=reference,
        on_disk=None,
    )


def users_reference(constraint: str | None = None) -> Reference:
    return Reference(
        module="Users",
        entity="User",
        physical_name="ossys_User",
        schema="dbo",
        delete_rule="Protect" if constraint else "Ignore",
        has_db_constraint=constraint is not None,
        constraint_name=constraint,
        is_trusted=True if constraint else None,
    )


def entity(
    name: str, table: str, attributes: list[Attribute], fks: Sequence[ForeignKey] = ()
) -> Entity:
    return make_entity(name, table, attributes, foreign_keys=list(fks))


def model(kind: IdKind) -> Model:
    user = SQL_TYPES[kind]
    order = entity(
        "Order",
        "OSUSR_SAL_ORDER",
        [
            attribute("Id", "int"),
            attribute("CreatedBy", user, users_reference()),
            attribute("UpdatedBy", user),  # no logical reference: only the physical FK
            attribute("AssignedTo", user),  # no reference at all: include_columns
            attribute("Title", "nvarchar(100)"),
        ],
        [
            ForeignKey(
                name="OSFRK_OSUSR_SAL_ORDER_OSSYS_USER_UPDATEDBY",
                columns=["UPDATEDBY"],
                referenced_schema="dbo",
                referenced_table="ossys_User",
                referenced_columns=["ID"],
                on_delete="NO_ACTION",
                on_update="NO_ACTION",
                is_trusted=True,
            )
        ],
    )
    employee = entity(
        "Employee",
        "OSUSR_HR_EMPLOYEE",
        [
            attribute("Id", "int"),
            attribute("CreatedBy", user, users_reference()),
            attribute("ApprovedBy", user, users_reference()),  # excluded
        ],
    )
    return Model(
        schema_version="osddl.model/1",
        source=Source(engine="sqlite", database="qa"),
        modules=[
            Module("HR", None, False, True, [employee]),
            Module("Sales", None, False, True, [order]),
            builtin_users_module(),
        ],
    )


# --- files ---------------------------------------------------------------------------------------


def csv_text(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def inventory_csv(users: Sequence[tuple[int, str, str, str, str, bool]], kind: IdKind) -> str:
    rows = [
        (ident(n, kind, True), u, e, name, ext, int(active), "2024-01-02 03:04:05.123", "")
        for n, u, e, name, ext, active in users
    ]
    return csv_text(COLUMNS, rows)


def map_csv(kind: IdKind, rows: Sequence[tuple[int, int, str]] = MAP_ROWS) -> str:
    return csv_text(
        ("SourceUserId", "TargetUserId", "Note"),
        [(ident(s, kind, True), ident(t, kind, True), note) for s, t, note in rows],
    )


def users(raw: Sequence[tuple[int, str, str, str, str, bool]], kind: IdKind) -> list[User]:
    return [
        User(ident(n, kind), u, e, name, ext, active, k + 2)
        for k, (n, u, e, name, ext, active) in enumerate(raw)
    ]


def inventories(kind: IdKind) -> tuple[Any, Any]:
    return (
        inventory_of("qa", kind, users(QA_USERS, kind)),
        inventory_of("uat", kind, users(UAT_USERS, kind)),
    )


def _column(values: Sequence[int | None], kind: IdKind) -> pa.Array:
    return pa.array([None if v is None else ident(v, kind) for v in values], type=ARROW_TYPES[kind])


def tables(kind: IdKind) -> dict[str, pa.Table]:
    order = list(zip(*ORDER_ROWS, strict=True))
    employee = list(zip(*EMPLOYEE_ROWS, strict=True))
    return {
        "dbo.OSUSR_SAL_ORDER": pa.table(
            {
                "ID": pa.array(order[0], type=pa.int64()),
                "CREATEDBY": _column(order[1], kind),
                "UPDATEDBY": _column(order[2], kind),
                "ASSIGNEDTO": _column(order[3], kind),
                "TITLE": pa.array([f"order {n}" for n in order[0]]),
            }
        ),
        "dbo.OSUSR_HR_EMPLOYEE": pa.table(
            {
                "ID": pa.array(employee[0], type=pa.int64()),
                "CREATEDBY": _column(employee[1], kind),
                "APPROVEDBY": _column(employee[2], kind),
            }
        ),
    }


@dataclass
class Written:
    folder: Path
    options: UatUsersOptions
    snapshots: dict[str, Path] = field(default_factory=dict)


def write_scenario(folder: Path, kind: IdKind = "int", batch_rows: int = 3) -> Written:
    """Inventories, map and snapshots under `folder` (snapshots in small row groups, so the
    discovery streams several batches)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "qa_users.csv").write_text(inventory_csv(QA_USERS, kind), encoding="utf-8")
    (folder / "uat_users.csv").write_text(inventory_csv(UAT_USERS, kind), encoding="utf-8")
    (folder / "user_map.csv").write_text(map_csv(kind), encoding="utf-8")
    snapshots = {}
    for table_id, table in tables(kind).items():
        path = folder / "data" / f"{table_id}.parquet"
        path.parent.mkdir(exist_ok=True)
        pq.write_table(table, path, row_group_size=batch_rows)
        snapshots[table_id] = path
    return Written(folder, options(kind), snapshots)


def labels(written: Written) -> dict[str, str]:
    return {k: f"data/{k}.parquet" for k in written.snapshots}
