"""The fixtures: a byte-stable demo with every spec-01 scenario really in its data, the same
database on PostgreSQL, committed operator inputs in sync with their generator, every spec-05
(uat-users) situation really in the demo's data and inputs (checked by an independent reading of
the rules), the GUID and text user-id variants, and a scale DB of the asked shape."""

from __future__ import annotations

import csv
import hashlib
import re
import tomllib
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from fixtures import demo
from fixtures.outsystems import (
    MAX_NAME,
    EntitySpec,
    ModuleSpec,
    attr,
    constraint_name,
    ident,
    ref,
    sqlite_engine,
    write_outsystems,
)
from fixtures.scale import build_scale
from osddl.uat_users.settings import UAT_USERS_KEYS

FIXTURES = Path(demo.__file__).parent
INPUTS = ["qa_users.csv", "uat_users.csv", "user_map.csv"]
ATTRS = (
    'SELECT a.* FROM "ossys_Entity_Attr" a JOIN "ossys_Entity" e ON e."Id" = a."Entity_Id" '
    'WHERE e."Name" = :entity AND a."Name" = :attr'
)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    demo.build_demo(folder)
    return folder


@pytest.fixture(scope="module")
def qa(demo_folder: Path) -> Iterator[sa.Connection]:
    engine = sqlite_engine(demo_folder / demo.DB_NAME)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def scalar(connection: sa.Connection, sql: str, **params: object) -> Any:
    return connection.execute(sa.text(sql), params).scalar()


def attr_row(qa: sa.Connection, entity: str, name: str) -> sa.RowMapping:
    return qa.execute(sa.text(ATTRS), {"entity": entity, "attr": name}).mappings().one()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- determinism and atomic build ---


def test_two_builds_are_byte_identical(demo_folder: Path, tmp_path: Path) -> None:
    demo.build_demo(tmp_path)
    for name in ("qa.sqlite", "qa_billing.sqlite"):
        assert sha256(tmp_path / name) == sha256(demo_folder / name), name


def test_build_replaces_old_files_and_leaves_no_scratch(tmp_path: Path) -> None:
    (tmp_path / "qa.sqlite").write_bytes(b"stale")
    demo.build_demo(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["qa.sqlite", "qa_billing.sqlite", *INPUTS]
    engine = sqlite_engine(tmp_path / "qa.sqlite")
    with engine.connect() as connection:
        assert scalar(connection, 'SELECT COUNT(*) FROM "ossys_User"') == demo.COUNTS["users"]
    engine.dispose()


def test_build_writes_the_inputs_beside_the_database_unless_told_not_to(tmp_path: Path) -> None:
    demo.build_demo(tmp_path / "with")
    for name in INPUTS:
        assert (tmp_path / "with" / name).read_bytes() == (FIXTURES / "demo" / name).read_bytes()
    demo.build_demo(tmp_path / "without", inputs=False)
    assert sorted(p.name for p in (tmp_path / "without").iterdir()) == [
        "qa.sqlite",
        "qa_billing.sqlite",
    ]


@pytest.mark.parametrize("user_ids", ["guid", "text"])
def test_variants_never_overwrite_the_committed_demo(user_ids: demo.UserIds) -> None:
    with pytest.raises(ValueError, match="holds the integer demo"):
        demo.build_demo(demo.DEMO_DIR, user_ids)
    with pytest.raises(ValueError, match="holds the integer demo"):
        demo.write_demo_inputs(demo.DEMO_DIR, user_ids)


# --- every scenario is in the data (one query each; README lists where) ---

SCENARIOS = [
    ("system module", """SELECT COUNT(*) FROM "ossys_Espace" WHERE "Name" = '(System)'
        AND "Is_System" = 1""", 1),
    ("user entity over ossys_User", """SELECT COUNT(*) FROM "ossys_Entity" e JOIN "ossys_Espace" m
        ON m."Id" = e."Espace_Id" WHERE e."Name" = 'User' AND e."Physical_Table_Name" = 'ossys_User'
        AND m."Name" = '(System)'""", 1),
    ("at least 3 other modules", """SELECT COUNT(*) >= 3 FROM "ossys_Espace"
        WHERE "Is_System" = 0 AND "Is_Active" = 1""", 1),
    ("25-80 users", 'SELECT COUNT(*) BETWEEN 25 AND 80 FROM "ossys_User"', 1),
    ("inactive module with inactive entity", """SELECT COUNT(*) FROM "ossys_Espace" m
        JOIN "ossys_Entity" e ON e."Espace_Id" = m."Id" WHERE m."Is_Active" = 0
        AND e."Is_Active" = 0""", 1),
    ("inactive module's table has rows", 'SELECT COUNT(*) > 0 FROM "OSUSR_LEG_OLDINVOICE"', 1),
    ("static entity", """SELECT COUNT(*) FROM "ossys_Entity" WHERE "Name" = 'OrderStatus'
        AND "Data_Kind" = 'staticEntity'""", 1),
    ("static entity records", 'SELECT COUNT(*) FROM "OSUSR_SAL_ORDERSTATUS"', 5),
    ("external entity in schema billing", """SELECT COUNT(*) FROM "ossys_Entity"
        WHERE "Is_External" = 1 AND "Physical_Table_Name" = 'billing.BILLING_ACCOUNT'""", 1),
    ("external table holds rows", 'SELECT COUNT(*) FROM billing."BILLING_ACCOUNT"', 150),
    ("mandatory nullable with NULLs", """SELECT COUNT(*) > 0 FROM "OSUSR_HRM_EMPLOYEE"
        WHERE "HIREDATE" IS NULL""", 1),
    ("mandatory nullable without NULLs", """SELECT COUNT(*) FROM "OSUSR_HRM_EMPLOYEE"
        WHERE "FIRSTNAME" IS NULL""", 0),
    ("Customer.Email has duplicates", """SELECT COUNT(*) > 0 FROM (SELECT "EMAIL"
        FROM "OSUSR_SAL_CUSTOMER" GROUP BY "EMAIL" HAVING COUNT(*) > 1)""", 1),
    ("Product.Sku has none", """SELECT COUNT(*) - COUNT(DISTINCT "SKU")
        FROM "OSUSR_CAT_PRODUCT" """, 0),
    ("Ignore reference with orphans", """SELECT COUNT(*) > 0 FROM "OSUSR_SAL_CUSTOMER"
        WHERE "ACCOUNTMANAGERID" NOT IN (SELECT "ID" FROM "OSUSR_HRM_EMPLOYEE")""", 1),
    ("self-reference used", """SELECT COUNT(*) > 0 FROM "OSUSR_HRM_EMPLOYEE"
        WHERE "MANAGERID" IS NOT NULL""", 1),
    ("cycle closed by the UPDATE pass", """SELECT COUNT(*) FROM "OSUSR_HRM_DEPARTMENT" d
        JOIN "OSUSR_HRM_EMPLOYEE" e ON e."ID" = d."HEADEMPLOYEEID"
        AND e."DEPARTMENTID" = d."ID" """, 7),
    ("cycle: one department without head", """SELECT COUNT(*) FROM "OSUSR_HRM_DEPARTMENT"
        WHERE "HEADEMPLOYEEID" IS NULL""", 1),
    ("user references NULL", """SELECT COUNT(*) > 0 FROM "OSUSR_SAL_ORDER"
        WHERE "CREATEDBY" IS NULL""", 1),
    ("one Protect reference to the users entity", """SELECT COUNT(*) FROM "ossys_Entity_Attr" a
        JOIN "ossys_Entity" e ON e."Id" = a."Referenced_Entity_Id"
        WHERE e."Physical_Table_Name" = 'ossys_User' AND a."Delete_Rule" = 'Protect'""", 1),
    ("user FK column with values and NULLs", """SELECT COUNT("ASSIGNEDTO") > 0
        AND COUNT(*) > COUNT("ASSIGNEDTO") FROM "OSUSR_SAL_ORDER" """, 1),
    ("user FK holds users UAT lacks", """SELECT COUNT(*) > 0 FROM "OSUSR_SAL_ORDER"
        WHERE "ASSIGNEDTO" IN (7, 12, 13, 21, 29, 34, 38)""", 1),
    ("user ids in a column with no reference", """SELECT COUNT("APPROVEDBY") > 0
        AND COUNT(*) > COUNT("APPROVEDBY") FROM "OSUSR_CAT_PRODUCT" """, 1),
    ("unknown user id in the data", """SELECT COUNT(*) > 0 FROM "OSUSR_CAT_PRODUCT"
        WHERE "APPROVEDBY" = 99 AND 99 NOT IN (SELECT "Id" FROM "ossys_User")""", 1),
    ("unknown user id in an Ignore reference", """SELECT COUNT(*) FROM "OSUSR_CAT_CATEGORY"
        WHERE "UPDATEDBY" = 99""", 1),
    ("binary data", """SELECT COUNT(*) > 0 FROM "OSUSR_HRM_EMPLOYEE"
        WHERE typeof("PHOTO") = 'blob' AND instr("PHOTO", X'89504E47') = 1""", 1),
    ("decimals with scale", """SELECT COUNT(*) > 0 FROM "OSUSR_CAT_PRODUCT"
        WHERE "PRICE" <> CAST("PRICE" AS INTEGER)""", 1),
    ("booleans", 'SELECT COUNT(DISTINCT "ISVIP") FROM "OSUSR_SAL_CUSTOMER"', 2),
    ("inactive attribute holds data", 'SELECT COUNT("FAX") > 0 FROM "OSUSR_HRM_EMPLOYEE"', 1),
    ("junction rows", 'SELECT COUNT(*) > 0 FROM "OSUSR_CAT_PRODUCTTAG"', 1),
    ("attribute Is_Active NULL", """SELECT COUNT(*) >= 2 FROM "ossys_Entity_Attr"
        WHERE "Is_Active" IS NULL""", 1),
    ("references left to the bt type", """SELECT COUNT(*) >= 2 FROM "ossys_Entity_Attr"
        WHERE "Type" LIKE 'bt%*%' AND "Referenced_Entity_Id" IS NULL""", 1),
    ("three delete rules", 'SELECT COUNT(DISTINCT "Delete_Rule") FROM "ossys_Entity_Attr"', 3),
    ("a few thousand rows", """SELECT (SELECT COUNT(*) FROM "OSUSR_SAL_ORDERLINE")
        + (SELECT COUNT(*) FROM "OSUSR_SAL_ORDER") BETWEEN 2000 AND 5000""", 1),
]  # fmt: skip


@pytest.mark.parametrize(
    ("sql", "expected"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS]
)
def test_scenario_is_in_the_data(qa: sa.Connection, sql: str, expected: int) -> None:
    assert scalar(qa, sql) == expected


@pytest.mark.parametrize(
    ("entity", "name", "expected"),
    [
        ("Employee", "HireDate", {"Is_Mandatory": 1, "Type": "rtDate"}),
        ("Employee", "FirstName", {"Is_Mandatory": 1, "Length": 50}),
        ("Employee", "Fax", {"Is_Active": 0, "Physical_Column_Name": "FAX"}),
        ("Customer", "MobilePhone", {"Physical_Column_Name": "PHONE", "Original_Name": "Phone"}),
        ("Customer", "AccountManagerId", {"Delete_Rule": "Ignore"}),
        ("Customer", "Name", {"Is_Active": None}),
        ("OrderLine", "OrderId", {"Delete_Rule": "Delete"}),
        ("OrderLine", "ProductId", {"Delete_Rule": "Protect", "Referenced_Entity_Id": None}),
        ("Order", "SalesRepId", {"Delete_Rule": "Ignore", "Referenced_Entity_Id": None}),
        ("Tag", "CreatedBy", {"Delete_Rule": "Ignore", "Referenced_Entity_Id": None}),
        ("Order", "AssignedTo", {"Delete_Rule": "Protect", "Physical_Column_Name": "ASSIGNEDTO"}),
        (
            "Product",
            "ApprovedBy",
            {"Type": "rtInteger", "Referenced_Entity_Id": None, "Delete_Rule": None},
        ),
        ("Order", "Total", {"Type": "rtCurrency", "Precision": 37, "Decimals": 8}),
        ("Product", "Price", {"Type": "rtDecimal", "Precision": 18, "Decimals": 4}),
        ("Employee", "IsActive", {"Default_Value": "True", "Delete_Rule": None}),
        ("Employee", "Id", {"Type": "rtIdentifier", "Is_Identifier": 1, "Is_AutoNumber": 1}),
        ("OrderStatus", "Id", {"Is_Identifier": 1, "Is_AutoNumber": 0}),
        ("ProductTag", "ProductId", {"Is_Identifier": 1, "Delete_Rule": "Delete"}),
        ("BillingAccount", "ExternalRef", {"External_Column_Type": "uniqueidentifier"}),
        ("BillingAccount", "AccountNumber", {"Physical_Column_Name": "ACCOUNT_NUMBER"}),
    ],
)
def test_attribute_metadata(
    qa: sa.Connection, entity: str, name: str, expected: dict[str, Any]
) -> None:
    row = attr_row(qa, entity, name)
    assert {key: row[key] for key in expected} == expected


def test_awkward_texts_round_trip(qa: sa.Connection) -> None:
    for table, column in (("OSUSR_SAL_CUSTOMER", "NOTES"), ("OSUSR_SAL_ORDER", "COMMENT")):
        values = set(qa.execute(sa.text(f'SELECT "{column}" FROM "{table}"')).scalars())
        assert set(demo.AWKWARD_TEXTS) <= values, table
        assert any("GO" in str(v).splitlines() and str(v) != "GO" for v in values)
        assert any("\r\n" in str(v) for v in values) and any("🎉" in str(v) for v in values)


def test_datetimes_keep_sub_second_precision(qa: sa.Connection) -> None:
    created = list(qa.execute(sa.text('SELECT "CREATEDON" FROM "OSUSR_SAL_ORDER"')).scalars())
    millis = {value[-6:] for value in created if value}
    assert all(m.endswith("000") and m[2] in "037" for m in millis), "SQL Server datetime ticks"
    assert len(millis) > 100
    placed = qa.execute(sa.text('SELECT "PLACEDAT" FROM "OSUSR_SAL_ORDER"')).scalars()
    assert any(not value.endswith("000") for value in placed), "datetime2 keeps microseconds"


def test_guids_are_well_formed_text(qa: sa.Connection) -> None:
    refs = list(
        qa.execute(sa.text('SELECT "EXTERNAL_REF" FROM billing."BILLING_ACCOUNT"')).scalars()
    )
    pattern = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
    assert len(set(refs)) == len(refs) and all(pattern.match(r) for r in refs)


def user_columns(
    modules: tuple[ModuleSpec, ...] = demo.MODULES, active_only: bool = False
) -> list[tuple[str, str, str]]:
    """(module, table, column) of every column holding user ids, ossys_User.Id excepted."""
    return [
        (module.name, entity.table or f"OSUSR_{module.key}_{entity.name.upper()}", name.upper())
        for module in modules[1:]
        if module.active or not active_only
        for entity in module.entities
        for name in demo.user_columns(module, entity)
    ]


def referenced_users(qa: sa.Connection, active_only: bool = True) -> dict[object, int]:
    """Every non-NULL value of the user columns with its rows (exported modules only)."""
    found: dict[object, int] = {}
    for _, table, column in user_columns(active_only=active_only):
        sql = f'SELECT "{column}", COUNT(*) FROM "{table}" WHERE "{column}" IS NOT NULL GROUP BY 1'
        for value, rows in qa.execute(sa.text(sql)):
            found[value] = found.get(value, 0) + rows
    return found


def test_user_references_include_qa_users_missing_from_uat(qa: sa.Connection) -> None:
    columns = user_columns()
    assert len(columns) >= 20 and len({module for module, _, _ in columns}) >= 4
    for _, table, column in columns:
        sql = f'SELECT COUNT(*) > COUNT("{column}"), COUNT("{column}") > 0 FROM "{table}"'
        assert tuple(qa.execute(sa.text(sql)).one()) == (1, 1), f"{table}.{column}: NULLs and ids"
    used = set(referenced_users(qa))
    users = set(qa.execute(sa.text('SELECT "Id" FROM "ossys_User"')).scalars())
    assert set(demo.MISSING_IN_UAT) <= used
    assert used - users == set(demo.UNKNOWN_USER_IDS), "only the unknown ids dangle"


# --- metadata and catalog agree ---


def entity_tables(qa: sa.Connection) -> list[tuple[int, str | None, str]]:
    rows = qa.execute(sa.text('SELECT "Id", "Physical_Table_Name" FROM "ossys_Entity"')).all()
    return [(i, *name.split(".")) if "." in name else (i, None, name) for i, name in rows]


def test_metadata_columns_are_the_physical_columns(qa: sa.Connection) -> None:
    inspector = sa.inspect(qa)
    for entity_id, schema, table in entity_tables(qa):
        sql = 'SELECT "Physical_Column_Name" FROM "ossys_Entity_Attr" WHERE "Entity_Id" = :id'
        described = set(qa.execute(sa.text(sql), {"id": entity_id}).scalars())
        physical = {c["name"] for c in inspector.get_columns(table, schema=schema)}
        assert described == physical, table


def test_every_bt_type_names_its_target(qa: sa.Connection) -> None:
    keys = qa.execute(
        sa.text("""SELECT e."Id", m."SS_Key", e."SS_Key" FROM "ossys_Entity" e
        JOIN "ossys_Espace" m ON m."Id" = e."Espace_Id" """)
    ).all()
    targets = {f"bt{module}*{entity}": entity_id for entity_id, module, entity in keys}
    sql = (
        """SELECT "Type", "Referenced_Entity_Id" FROM "ossys_Entity_Attr" WHERE "Type" LIKE 'bt%'"""
    )
    references = qa.execute(sa.text(sql)).all()
    assert len(references) >= 20
    for type_, referenced in references:
        assert type_ in targets and referenced in (None, targets[type_])


def test_foreign_keys_follow_delete_rules(qa: sa.Connection) -> None:
    """Protect and Delete get a real FK (Delete cascades); Ignore never gets one."""
    inspector = sa.inspect(qa)
    tables = {entity_id: (schema, table) for entity_id, schema, table in entity_tables(qa)}
    sql = """SELECT "Entity_Id", "Physical_Column_Name", "Delete_Rule" FROM "ossys_Entity_Attr"
             WHERE "Delete_Rule" IS NOT NULL"""
    for entity_id, column, rule in qa.execute(sa.text(sql)):
        schema, table = tables[entity_id]
        fks = [
            fk for fk in inspector.get_foreign_keys(table, schema=schema)
            if fk["constrained_columns"] == [column]
        ]  # fmt: skip
        assert len(fks) == (0 if rule == "Ignore" else 1), (table, column, rule)
        for fk in fks:
            assert fk["name"] == constraint_name("OSFRK", table, fk["referred_table"], column)
            assert fk["options"].get("ondelete") == ("CASCADE" if rule == "Delete" else None)


@pytest.mark.parametrize(
    ("table", "name", "columns", "unique"),
    [
        ("OSUSR_CAT_TAG", "OSIDX_OSUSR_CAT_TAG_NAME", ["NAME"], True),
        ("OSUSR_HRM_EMPLOYEE", "OSIDX_OSUSR_HRM_EMPLOYEE_EMPLOYEENUMBER", ["EMPLOYEENUMBER"], True),
        ("OSUSR_SAL_ORDERLINE", "OSIDX_OSUSR_SAL_ORDERLINE_ORDERID_LINENUMBER",
         ["ORDERID", "LINENUMBER"], True),
        ("OSUSR_SAL_CUSTOMER", "OSIDX_OSUSR_SAL_CUSTOMER_EMAIL", ["EMAIL"], False),
        ("OSUSR_SAL_ORDER", "OSIDX_OSUSR_SAL_ORDER_CUSTOMERID", ["CUSTOMERID"], False),
    ],
)  # fmt: skip
def test_indexes(
    qa: sa.Connection, table: str, name: str, columns: list[str], unique: bool
) -> None:
    found = {i["name"]: i for i in sa.inspect(qa).get_indexes(table)}
    assert found[name]["column_names"] == columns and bool(found[name]["unique"]) is unique


def test_would_be_unique_sku_has_no_index(qa: sa.Connection) -> None:
    indexed = {
        c for i in sa.inspect(qa).get_indexes("OSUSR_CAT_PRODUCT") for c in i["column_names"]
    }
    assert "SKU" not in indexed


def test_primary_keys_have_platform_names(qa: sa.Connection) -> None:
    inspector = sa.inspect(qa)
    junction = inspector.get_pk_constraint("OSUSR_CAT_PRODUCTTAG")
    assert junction == {
        "name": "OSPRK_OSUSR_CAT_PRODUCTTAG",
        "constrained_columns": ["PRODUCTID", "TAGID"],
    }
    for _, schema, table in entity_tables(qa):
        assert inspector.get_pk_constraint(table, schema=schema)["name"] == f"OSPRK_{table}"


def test_sqlite_columns_show_sql_server_types(qa: sa.Connection) -> None:
    info = {row[1]: row[2] for row in qa.exec_driver_sql('PRAGMA table_info("OSUSR_HRM_EMPLOYEE")')}
    assert info["ID"] == "INTEGER" and info["SALARY"] == "DECIMAL(37,8)"
    assert info["PHOTO"] == "VARBINARY(MAX)" and info["NOTES"] == "NVARCHAR(MAX)"
    assert (info["HIREDATE"], info["ISACTIVE"], info["CREATEDON"]) == ("DATE", "BIT", "DATETIME")
    sql = scalar(qa, "SELECT sql FROM sqlite_master WHERE name = 'OSUSR_HRM_EMPLOYEE'")
    assert (
        '"ID" INTEGER NOT NULL CONSTRAINT "OSPRK_OSUSR_HRM_EMPLOYEE" PRIMARY KEY AUTOINCREMENT'
        in sql
    )
    assert '"ISACTIVE" BIT DEFAULT 1 NOT NULL' in sql


# --- PostgreSQL gets the same database ---


def catalog(connection: sa.Connection) -> dict[tuple[str | None, str], tuple[object, ...]]:
    """Row count and constraint/index names of every table, comparable across engines."""
    inspector = sa.inspect(connection)
    result: dict[tuple[str | None, str], tuple[object, ...]] = {}
    for schema in (None, "billing"):
        for table in inspector.get_table_names(schema=schema):
            count = connection.execute(
                sa.select(sa.func.count()).select_from(sa.table(table, schema=schema))
            ).scalar()
            pk = inspector.get_pk_constraint(table, schema=schema)
            fks = sorted(
                (fk["name"], tuple(fk["constrained_columns"]), fk["referred_table"],
                 fk["options"].get("ondelete"))
                for fk in inspector.get_foreign_keys(table, schema=schema)
            )  # fmt: skip
            indexes = sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table, schema=schema)
            )
            result[schema, table] = (
                count,
                pk["name"],
                tuple(pk["constrained_columns"]),
                fks,
                indexes,
            )
    return result


SAME_ROWS = (
    'SELECT * FROM "ossys_Entity_Attr" ORDER BY "Id"',
    'SELECT "ID", "NOTES" FROM "OSUSR_SAL_CUSTOMER" ORDER BY "ID"',
)


def test_postgres_gets_the_same_tables_names_and_rows(qa: sa.Connection, postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    try:
        demo.build_demo_into(engine)
        with engine.connect() as pg:
            assert catalog(pg) == catalog(qa)
            for sql in SAME_ROWS:
                assert pg.execute(sa.text(sql)).all() == qa.execute(sa.text(sql)).all()
    finally:
        engine.dispose()


def user_values(connection: sa.Connection) -> list[tuple[str, str, list[str | None]]]:
    """Every user column's values in key order, as text (PostgreSQL returns uuid objects)."""
    out = []
    for _, table, column in [("", "ossys_User", "Id"), *user_columns()]:
        key = "Username" if table == "ossys_User" else "ID"  # an order the id kind keeps
        sql = f'SELECT "{column}" FROM "{table}" ORDER BY "{key}"'
        if table == "OSUSR_CAT_PRODUCTTAG":
            sql = f'SELECT "{column}" FROM "{table}" ORDER BY "PRODUCTID", "TAGID"'
        values = connection.execute(sa.text(sql)).scalars()
        out.append((table, column, [None if v is None else str(v) for v in values]))
    return out


@pytest.fixture(scope="module")
def guid_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo-guid")
    demo.build_demo(folder, "guid")
    return folder


def test_postgres_gets_the_same_guid_variant(guid_folder: Path, postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    lite = sqlite_engine(guid_folder / demo.DB_NAME)
    try:
        demo.build_demo_into(engine, "guid")
        with engine.connect() as pg, lite.connect() as connection:
            assert catalog(pg) == catalog(connection)
            assert user_values(pg) == user_values(connection)
    finally:
        engine.dispose()
        lite.dispose()


def test_identities_continue_after_the_loaded_ids(demo_folder: Path, postgres_url: str) -> None:
    pg = sa.create_engine(postgres_url)
    lite = sqlite_engine(demo_folder / demo.DB_NAME)
    try:
        demo.build_demo_into(pg)
        for engine in (pg, lite):
            with engine.connect() as connection:
                insert = 'INSERT INTO "ossys_User" ("Username", "Name") VALUES (\'new\', \'New\')'
                connection.execute(sa.text(insert))
                assert scalar(connection, 'SELECT MAX("Id") FROM "ossys_User"') == 41
                connection.rollback()
    finally:
        pg.dispose()
        lite.dispose()


# --- operator inputs ---


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_committed_inputs_equal_their_generator(tmp_path: Path) -> None:
    for written in demo.write_demo_inputs(tmp_path):
        committed = FIXTURES / "demo" / written.name
        assert committed.read_bytes() == written.read_bytes(), (
            f"rerun write_demo_inputs: {written.name}"
        )


def test_demo_config_holds_every_uat_users_key_with_the_demo_values() -> None:
    """osddl.toml [uat_users] is `uat_users_settings()`, one value per key."""
    config = tomllib.loads((FIXTURES.parent / "osddl.toml").read_text(encoding="utf-8"))
    written = {f"uat_users.{name}": value for name, value in config["uat_users"].items()}
    assert written == demo.uat_users_settings()
    assert sorted(written) == sorted(key.name for key in UAT_USERS_KEYS)


def test_qa_inventory_is_the_ossys_user_table(qa: sa.Connection) -> None:
    inventory = read_csv(FIXTURES / "demo/qa_users.csv")
    table = qa.execute(
        sa.text('SELECT "Id", "Username", "EMail", "Is_Active" FROM "ossys_User"')
    ).all()
    assert [(int(r["Id"]), r["Username"], r["EMail"], int(r["Is_Active"])) for r in inventory] == [
        tuple(row) for row in table
    ]
    assert list(inventory[0]) == list(demo.INVENTORY_HEADER)


def by_id(rows: list[dict[str, str]], kind: str) -> dict[str, dict[str, str]]:
    return {canonical(row["Id"], kind): row for row in rows}


def canonical(value: object, kind: str) -> str:
    """An id as text, compared the spec's way: GUIDs case-insensitively."""
    return str(value).upper() if kind == "guid" else str(value)


def strategy_key(strategy: str, user: Mapping[str, str], uat_side: bool) -> str | None:
    """What a strategy compares: EMail (any case), a column (exact), or the username's capture
    (a UAT username the pattern does not match is compared whole); blank never matches."""
    if strategy == "email":
        return user["EMail"].casefold() or None
    if strategy.startswith("attribute:"):
        return user[strategy.partition(":")[2]] or None
    found = re.fullmatch(strategy.partition(":")[2], user["Username"])
    if found is None:
        return user["Username"].casefold() if uat_side else None
    return (found[1] if found.re.groups else found[0]).casefold()


def by_the_rules(
    referenced: set[str], folder: Path, kind: str, settings: Mapping[str, Any]
) -> dict[str, tuple[str, str, str]]:
    """Spec 05 read independently of osddl: each referenced id classified by identity (same
    Username or EMail), then the manual row, the strategies in order (exactly one active UAT user)
    and the round-robin fallback in id order."""
    qa = by_id(read_csv(folder / "qa_users.csv"), kind)
    uat = by_id(read_csv(folder / "uat_users.csv"), kind)
    manual = {
        canonical(row["SourceUserId"], kind): canonical(row["TargetUserId"], kind)
        for row in read_csv(folder / "user_map.csv")
    }

    def same(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
        return any(a[c] and a[c].casefold() == b[c].casefold() for c in ("Username", "EMail"))

    out: dict[str, tuple[str, str, str]] = {}
    pending: list[tuple[str, str]] = []
    order = (lambda i: (int(i), "")) if kind == "int" else (lambda i: (0, i))
    for user_id in sorted(referenced, key=order):
        qa_user, uat_user = qa.get(user_id), uat.get(user_id)
        if uat_user is not None:
            kind_of = "in_uat" if qa_user and same(qa_user, uat_user) else "collision"
        else:
            kind_of = "orphan_known" if qa_user else "orphan_unknown"
        if kind_of == "in_uat":
            out[user_id] = (kind_of, "kept", user_id)
            continue
        if user_id in manual:
            out[user_id] = (kind_of, "manual", manual[user_id])
            continue
        assert qa_user is not None, f"{user_id}: unknown and unmapped"
        for strategy in settings["uat_users.match"]:
            key = strategy_key(strategy, qa_user, uat_side=False)
            found = [
                canonical(u["Id"], kind) for u in uat.values()
                if u["Is_Active"] == "1" and key and strategy_key(strategy, u, True) == key
            ]  # fmt: skip
            if len(found) == 1:
                out[user_id] = (kind_of, strategy, found[0])
                break
        else:
            pending.append((user_id, kind_of))
    rule, _, ids = settings["uat_users.fallback"].partition(":")
    targets = [canonical(i, kind) for i in ids.split(",")]
    for k, (user_id, kind_of) in enumerate(pending):
        out[user_id] = (kind_of, rule, targets[k % len(targets)])
    return out


@pytest.fixture(scope="module")
def variants(demo_folder: Path, guid_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    built = {"int": demo_folder, "guid": guid_folder}

    def folder(kind: demo.UserIds) -> Path:
        if kind not in built:
            built[kind] = tmp_path_factory.mktemp(f"demo-{kind}")
            demo.build_demo(built[kind], kind)
        return built[kind]

    return folder


@pytest.mark.parametrize("kind", demo.USER_ID_KINDS)
def test_every_uat_users_situation_is_in_the_demo(kind: demo.UserIds, variants: Any) -> None:
    """The declared outcome (`demo_outcome`) is what the spec's rules give on the built data and
    inputs, and it holds every classification and every rule."""
    folder = variants(kind)
    engine = sqlite_engine(folder / demo.DB_NAME)
    with engine.connect() as connection:
        referenced = {canonical(v, kind) for v in referenced_users(connection)}
    engine.dispose()
    declared = {
        canonical(i, kind): (how, rule, canonical(target, kind))
        for i, (how, rule, target) in demo.demo_outcome(kind).items()
    }
    settings = demo.uat_users_settings(kind, folder)
    assert by_the_rules(referenced, folder, kind, settings) == declared
    assert {how for how, _, _ in declared.values()} == {
        "in_uat", "collision", "orphan_known", "orphan_unknown",
    }  # fmt: skip
    assert {rule for _, rule, _ in declared.values()} == {
        "kept", "email", "attribute:Username", demo.REGEX_STRATEGY, "manual", "round-robin",
    }  # fmt: skip


def test_uat_inventory_scenarios() -> None:
    qa = {int(r["Id"]): r for r in read_csv(FIXTURES / "demo/qa_users.csv")}
    uat = read_csv(FIXTURES / "demo/uat_users.csv")
    uat_ids = {int(r["Id"]): r for r in uat}
    twin = {r["EMail"].casefold(): r for r in uat} | {r["Username"]: r for r in uat}
    assert len(uat_ids) == len(uat)
    for user_id in demo.MISSING_IN_UAT:
        assert qa[user_id]["EMail"].casefold() not in twin and qa[user_id]["Username"] not in twin
    for user_id in demo.KEPT_IDS:  # same id, same person
        assert uat_ids[user_id]["Username"] == qa[user_id]["Username"]
    assert uat_ids[12]["Username"] != qa[12]["Username"]  # collision
    assert uat_ids[12]["EMail"] != qa[12]["EMail"]
    assert twin[qa[9]["EMail"]]["EMail"] == qa[9]["EMail"].upper()  # EMail in another case
    assert twin[qa[11]["EMail"]]["Username"] == qa[11]["Username"] + ".uat"  # renamed
    assert qa[15]["EMail"] not in twin and qa[15]["Username"] in twin  # Username only
    regex = twin[qa[19]["Username"] + ".uat"]  # neither EMail nor Username: the regex
    assert qa[19]["EMail"] not in twin and qa[19]["Username"] not in twin
    assert regex["EMail"] == qa[19]["EMail"].replace("@", "@uat.")
    assert twin[qa[17]["EMail"]]["Is_Active"] == "0"  # inactive UAT twin
    assert (qa[5]["Is_Active"], twin[qa[5]["EMail"]]["Is_Active"]) == ("0", "1")
    assert '"Kowalski, Carla"' in (FIXTURES / "demo/uat_users.csv").read_text(encoding="utf-8")
    assert (FIXTURES / "demo/uat_users.csv").read_bytes().count(b"\r\n") == len(uat) + 1
    user_map = {int(r["SourceUserId"]): int(r["TargetUserId"])
                for r in read_csv(FIXTURES / "demo/user_map.csv")}  # fmt: skip
    assert set(user_map.values()) <= set(uat_ids)
    assert set(user_map) == {7, 13, 21, 25, *demo.UNKNOWN_USER_IDS}
    override = twin[qa[25]["EMail"]]  # a manual row over an active EMail match
    assert override["Is_Active"] == "1" and user_map[25] != int(override["Id"])


@pytest.mark.parametrize("kind", ["guid", "text"])
def test_variant_is_the_same_demo_in_other_ids(
    kind: demo.UserIds, variants: Any, qa: sa.Connection
) -> None:
    """Same rows, same people: every user id translated by `demo_user_id` (GUIDs lower case in
    the database, upper case in the inventories), the user columns typed for the kind."""
    folder = variants(kind)
    engine = sqlite_engine(folder / demo.DB_NAME)
    with engine.connect() as connection:
        translated = [
            (table, column, [None if v is None else str(demo.demo_user_id(int(v), kind))
                             for v in values])
            for table, column, values in user_values(qa)
        ]  # fmt: skip
        assert user_values(connection) == translated
        pragma = connection.exec_driver_sql('PRAGMA table_info("OSUSR_SAL_ORDER")')
        types = {row[1]: row[2] for row in pragma}
        expected = demo.USER_ID_SQL[kind].upper()
        assert types["ASSIGNEDTO"] == types["CREATEDBY"] == expected
        assert str(attr_row(connection, "Product", "ApprovedBy")["Type"]) == "rtText"
    engine.dispose()
    for name in ("qa_users.csv", "uat_users.csv"):
        ints = read_csv(FIXTURES / "demo" / name)
        rows = read_csv(folder / name)
        assert [r["Id"] for r in rows] == [
            str(demo.demo_user_id(int(r["Id"]), kind, inventory=True)) for r in ints
        ]
        assert [{**r, "Id": ""} for r in rows] == [{**r, "Id": ""} for r in ints]
    if kind == "guid":
        assert all(r["Id"] == str(uuid.UUID(r["Id"])).upper() for r in rows)


def test_readme_names_every_demo_entity() -> None:
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    for module in demo.MODULES:
        for entity in module.entities:
            assert f"{module.name}.{entity.name}" in readme


# --- the writer refuses descriptions it cannot write the same way everywhere ---


def two_entities(
    rule: str, *, deferred: bool = False, nullable: bool = True, schema: str | None = None
) -> ModuleSpec:
    """A → B with `rule`, B → A (Protect): a cycle unless A's column is deferred."""
    a_to_b = ref("BId", "M.B", rule, deferred=deferred, nullable=nullable)
    return ModuleSpec("M", "M", (
        EntitySpec("A", (ident(), a_to_b)),
        EntitySpec("B", (ident(), ref("AId", "M.A", "Protect")), schema=schema),
    ))  # fmt: skip


@pytest.mark.parametrize(
    ("module", "message"),
    [
        (two_entities("Protect"), "FK cycle"),
        (two_entities("Ignore", schema="other"), "FK across schemas"),
        (two_entities("Cascade"), "delete rule 'Cascade'"),
        (two_entities("Protect", deferred=True, nullable=False), "a deferred column is nullable"),
        (ModuleSpec("M", "M", (EntitySpec("A", (ident(),), rows=[{"Nope": 1}]),)), "unknown attr"),
        (
            ModuleSpec("M", "M", (EntitySpec("A", (attr("X", "Text", "nvarchar(5)"),)),)),
            "one ident",
        ),
    ],
)
def test_writer_refuses(tmp_path: Path, module: ModuleSpec, message: str) -> None:
    engine = sqlite_engine(tmp_path / "x.sqlite", schemas=["other"])
    with pytest.raises(ValueError, match=message):
        write_outsystems(engine, [module])
    engine.dispose()


def test_deferred_column_breaks_a_cycle(tmp_path: Path) -> None:
    module = two_entities("Protect", deferred=True)
    rows = {"A": [{"Id": 1, "BId": 1}], "B": [{"Id": 1, "AId": 1}]}
    entities = tuple(EntitySpec(e.name, e.attrs, rows=rows[e.name]) for e in module.entities)
    engine = sqlite_engine(tmp_path / "x.sqlite", schemas=[])
    write_outsystems(engine, [ModuleSpec("M", "M", entities)])
    with engine.connect() as connection:
        assert scalar(connection, 'SELECT "BID" FROM "OSUSR_M_A"') == 1
    engine.dispose()


def test_long_constraint_names_are_cut_stably() -> None:
    name = constraint_name("OSFRK", "OSUSR_ABC_" + "X" * 40, "OSUSR_ABC_" + "Y" * 40, "COLUMN")
    assert len(name) == MAX_NAME and name == constraint_name(
        "OSFRK", "OSUSR_ABC_" + "X" * 40, "OSUSR_ABC_" + "Y" * 40, "COLUMN"
    )
    assert constraint_name("OSPRK", "T") == "OSPRK_T"


# --- scale generator ---


APP_ENTITIES = """SELECT e."Id", e."Physical_Table_Name" FROM "ossys_Entity" e
    JOIN "ossys_Espace" m ON m."Id" = e."Espace_Id" WHERE NOT m."Is_System" """
ATTRS_PER_ENTITY = """SELECT COUNT(*) FROM "ossys_Entity_Attr" a
    JOIN "ossys_Entity" e ON e."Id" = a."Entity_Id" JOIN "ossys_Espace" m ON m."Id" = e."Espace_Id"
    WHERE NOT m."Is_System" GROUP BY a."Entity_Id" """
CHAIN_LINKS = """SELECT "Entity_Id", "Referenced_Entity_Id" FROM "ossys_Entity_Attr"
    WHERE "Name" = 'ParentId'"""


def scale_shape(connection: sa.Connection) -> tuple[int, set[int], int, int]:
    """(entities, attribute counts per entity, modules, longest FK chain) outside (System)."""
    entities = [row[0] for row in connection.execute(sa.text(APP_ENTITIES))]
    counts = set(connection.execute(sa.text(ATTRS_PER_ENTITY)).scalars())
    modules = scalar(connection, 'SELECT COUNT(*) FROM "ossys_Espace" WHERE NOT "Is_System"')
    parent = {int(child): int(target) for child, target in connection.execute(sa.text(CHAIN_LINKS))}

    def depth(entity: int) -> int:
        return 1 + depth(parent[entity]) if entity in parent else 0

    return len(entities), counts, modules, max(depth(e) for e in entities)


def test_scale_has_the_requested_shape(tmp_path: Path) -> None:
    path = tmp_path / "scale.sqlite"
    build_scale(path, entities=120, attributes=9, rows=2, fk_depth=3)
    engine = sqlite_engine(path)
    with engine.connect() as connection:
        assert scale_shape(connection) == (120, {9}, 3, 3)
        assert scalar(connection, 'SELECT COUNT(*) FROM "OSUSR_S003_ENTITY00119"') == 2
        sql = 'SELECT COUNT(*) FROM "ossys_Entity_Attr" WHERE "Name" = \'CreatedBy\''
        assert scalar(connection, sql) == 12
    engine.dispose()


def test_scale_rebuilds_over_an_old_file_and_loads_into_postgres(
    tmp_path: Path, postgres_url: str
) -> None:
    path = tmp_path / "scale.sqlite"
    build_scale(path, entities=60, attributes=5, rows=1, fk_depth=2)
    build_scale(path, entities=60, attributes=5, rows=1, fk_depth=2)
    engine = sa.create_engine(postgres_url)
    build_scale(engine, entities=60, attributes=5, rows=1, fk_depth=2)
    lite = sqlite_engine(path)
    with engine.connect() as pg, lite.connect() as connection:
        assert scale_shape(pg) == scale_shape(connection) == (60, {5}, 2, 2)
    engine.dispose()
    lite.dispose()
