"""osddl.tsql.types: one SQL Server type table, every consumer agreeing with it, valid types only,
and IDENTITY from the model where the catalog cannot say."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import sqlalchemy as sa
import sqlglot
from sqlglot import exp

from osddl.compare.ddl import _DEFAULT_ARGS
from osddl.errors import InputError
from osddl.export.dynamic import _renderer
from osddl.export.load_order import LoadOrderDocument
from osddl.export.snapshot import arrow_field
from osddl.model.advanced_sql import import_advanced_sql
from osddl.model.contract import Attribute, Entity, Model, Module, OnDisk, Source
from osddl.model.finish import ModelOptions, _own_sql_type, finish_model
from osddl.model.validate import findings
from osddl.source.pgtypes import TO_POSTGRES, to_postgres
from osddl.ssdt.plan import SsdtOptions, _column
from osddl.stages.dynamic_data import table_load
from osddl.tsql import literal, normalise, parse_literal
from osddl.tsql.types import MAX, TYPES, SqlType, parse_sql_type

FLAT = Path(__file__).parent / "data" / "advanced_sql" / "flat.json"

# --- the known disagreements, now one answer ----------------------------------------------------


def _attribute(sql_type: str, **changes: Any) -> Attribute:
    base = Attribute(
        name="Col",
        physical_name="COL",
        emitted_name="Col",
        data_type="Text",
        sql_type=sql_type,
        length=None,
        precision=None,
        scale=None,
        default=None,
        is_mandatory=False,
        is_identifier=False,
        is_auto_number=False,
        is_active=True,
        present_but_inactive=False,
        original_name=None,
        external_db_type=None,
        description=None,
        reference=None,
        on_disk=None,
    )
    return replace(base, **changes)


def _on_disk(sql_type: SqlType, identity: bool = False) -> OnDisk:
    return OnDisk(
        sql_type=sql_type.name,
        length=sql_type.length,
        precision=sql_type.precision,
        scale=sql_type.scale,
        is_nullable=True,
        is_identity=identity,
        identity_seed=1 if identity else None,
        identity_increment=1 if identity else None,
        is_computed=False,
        computed_definition=None,
        default_name=None,
        default_definition=None,
        collation=None,
    )


@pytest.mark.parametrize("value", ["1.005", "-1.005", "2.675", Decimal("0.125"), 1.005])
def test_snapshot_rounds_half_away_from_zero_like_normalise(value: object) -> None:
    sql_type = parse_sql_type("decimal(10,2)")
    _, convert = arrow_field(_attribute("decimal(10,2)"))
    assert convert(value) == normalise(value, sql_type)
    assert normalise("1.005", sql_type) == Decimal("1.01")


@pytest.mark.parametrize(
    ("sql_type", "value"),
    [("tinyint", 300), ("tinyint", -1), ("smallint", 2**15), ("int", 2**31), ("bigint", 2**63)],
)
def test_fast_path_refuses_what_literal_refuses(sql_type: str, value: int) -> None:
    parsed = parse_sql_type(sql_type)
    with pytest.raises(ValueError, match="not a value"):
        literal(value, parsed)
    with pytest.raises(ValueError, match="not a value"):
        _renderer(parsed)(value)


@pytest.mark.parametrize(
    ("sql_type", "value"),
    [
        ("decimal(5,2)", Decimal("123.45")),
        ("decimal(5,2)", Decimal("1234.50")),  # 6 digits: refused by both
        ("decimal", Decimal("7")),
        ("tinyint", 255),
        ("bit", True),
        ("nvarchar(10)", "it's"),
        ("datetime", "2024-01-02T03:04:05.1234567"),
    ],
)
def test_fast_path_and_literal_give_the_same_bytes(sql_type: str, value: object) -> None:
    parsed = parse_sql_type(sql_type)
    try:
        expected = literal(value, parsed)
    except ValueError:
        with pytest.raises(ValueError):
            _renderer(parsed)(value)
        return
    assert _renderer(parsed)(value) == expected
    assert parse_literal(expected, parsed) == normalise(value, parsed)


def test_decimal_without_precision_is_decimal_18_0_everywhere() -> None:
    bare = parse_sql_type("decimal")
    assert bare.precision_scale() == (18, 0)
    assert arrow_field(_attribute("decimal"))[0] == pa.decimal128(18, 0)
    assert to_postgres(bare) == "NUMERIC(18,0)"
    assert _DEFAULT_ARGS["decimal"] == ("18", "0")
    assert normalise("1" * 18, bare) == Decimal("1" * 18)
    with pytest.raises(ValueError, match="more than 18 digits"):
        normalise("1" * 19, bare)


def test_every_type_has_one_record_and_parses_by_name() -> None:
    names = [t.name for t in TYPES]
    assert len(names) == len(set(names))
    for info in TYPES:
        assert parse_sql_type(info.name).name == info.name
        assert (info.kind is None) == (info.name in ("rowversion", "timestamp", "sql_variant"))


# --- valid types only: a walk over the table's limits ---------------------------------------------

# SQL Server 2016+ limits, written out here (not read from the table): the validator must not be the
# emitter. None: the type takes no (max).
LENGTHS = {
    "char": (8000, False),
    "varchar": (8000, True),
    "nchar": (4000, False),
    "nvarchar": (4000, True),
    "binary": (8000, False),
    "varbinary": (8000, True),
}
FRACTIONAL = {"time": 7, "datetime2": 7, "datetimeoffset": 7}


def _valid_on_sql_server(column_sql: str) -> bool:
    """Parse `CREATE TABLE t (<column>)` with sqlglot and check the type against LENGTHS etc."""
    tree = sqlglot.parse_one(f"CREATE TABLE t ({column_sql})", read="tsql")
    column = next(tree.find_all(exp.ColumnDef))
    kind = column.args["kind"]
    name = column_sql.split()[1].split("(")[0].lower()
    args = [p.sql(dialect="tsql").lower() for p in kind.expressions]
    if name in LENGTHS:
        largest, allows_max = LENGTHS[name]
        return not args or (args == ["max"] and allows_max) or 1 <= int(args[0]) <= largest
    if name in ("decimal", "numeric") and args:
        precision, scale = int(args[0]), int(args[1]) if len(args) > 1 else 0
        return 1 <= precision <= 38 and 0 <= scale <= precision
    if name in FRACTIONAL and args:
        return 0 <= int(args[0]) <= FRACTIONAL[name]
    return not args


def _walk() -> list[tuple[SqlType, bool]]:
    """(type, valid as declared) at and past every limit of every type in the table."""
    cases: list[tuple[SqlType, bool]] = []
    for info in TYPES:
        if info.args == "length":
            largest = info.max_length or 0
            cases += [
                (SqlType(info.name, length=n), n <= largest) for n in (1, largest, largest + 1)
            ]
            cases += [(SqlType(info.name, length=2_000_000), False)]
            cases += [(SqlType(info.name, length=MAX), info.allows_max)]
        elif info.args == "precision_scale":
            cases += [
                (SqlType(info.name, precision=p, scale=s), True) for p, s in ((1, 0), (38, 38))
            ]
            cases += [(SqlType(info.name, precision=39, scale=0), False)]
            cases += [(SqlType(info.name, precision=10, scale=11), False)]
        elif info.args == "scale":
            cases += [(SqlType(info.name, scale=s), s <= 7) for s in (0, 7, 8)]
        else:
            cases.append((SqlType(info.name), True))
    return cases


@pytest.mark.parametrize(("sql_type", "valid"), _walk(), ids=lambda v: str(v))
def test_type_walk_model_to_ssdt_is_valid_or_an_error(sql_type: SqlType, valid: bool) -> None:
    attribute = _attribute("", on_disk=_on_disk(sql_type))
    entity = Entity("E", "E", "E", "dbo", None, None, False, False, True, None, [attribute])
    impossible = sql_type.name in ("decimal", "numeric") and not valid
    if impossible:
        with pytest.raises(InputError, match=r"Col\).*decimal|Col\).*numeric"):
            _own_sql_type(attribute, "model.json $.x")
        return
    emitted = replace(attribute, sql_type=_own_sql_type(attribute, "model.json $.x"))
    column = _column(entity, emitted, "[dbo].[E]", False, "mssql", SsdtOptions())
    assert _valid_on_sql_server(column), column
    model = Model("osddl.model/1", Source("sqlite", None), [Module("M", None, False, True, [])])
    model = replace(model, modules=[replace(model.modules[0], entities=[entity])])
    warnings = [f for f in findings(model) if "sqlType" in f.path]
    assert bool(warnings) == (not valid)


def test_sqlite_nvarchar_2000000_becomes_max_with_a_warning() -> None:
    attribute = _attribute("", on_disk=_on_disk(SqlType("nvarchar", length=2_000_000)))
    assert _own_sql_type(attribute, "$") == "nvarchar(max)"
    entity = Entity("E", "E", "E", "dbo", None, None, False, False, True, None, [attribute])
    model = Model(
        "osddl.model/1", Source("sqlite", None), [Module("M", None, False, True, [entity])]
    )
    (warning,) = [f for f in findings(model) if f.path.endswith("sqlType")]
    assert warning.severity == "warning"
    assert "nvarchar(2000000)" in warning.message and "nvarchar(max)" in warning.message


# --- IDENTITY from the model --------------------------------------------------------------------


def _advanced(tmp_path: Path, engine: str | None = None) -> Model:
    """flat.json with Customer.Id an AutoNumber whose onDisk says nothing about identity."""
    payload = json.loads(FLAT.read_text(encoding="utf-8"))
    customer = payload["modules"][0]["entities"][0]
    ident = next(a for a in customer["attributes"] if a["name"] == "Id")
    for key in ("isIdentity", "identitySeed", "identityIncrement"):
        ident["onDisk"].pop(key, None)
    ident["isAutoNumber"] = 1
    path = tmp_path / "export.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    model = finish_model(import_advanced_sql(path), ModelOptions(), "model.json")
    return replace(model, source=Source(engine, None)) if engine else model


def _customer(model: Model) -> tuple[Module, Entity]:
    return next((m, e) for m in model.modules for e in m.entities if e.name == "Customer")


@pytest.mark.parametrize("engine", [None, "sqlite"])
def test_auto_number_without_catalog_identity_is_identity(tmp_path: Path, engine: str) -> None:
    model = _advanced(tmp_path, engine)
    module, customer = _customer(model)
    ident = next(a for a in customer.attributes if a.name == "Id")
    assert ident.is_auto_number and ident.on_disk is not None and not ident.on_disk.is_identity
    column = _column(customer, ident, "[dbo].[Customer]", True, model.source.engine, SsdtOptions())
    assert "IDENTITY (1, 1)" in column
    plan = LoadOrderDocument(tables=[], deferred={}, self_references={})
    assert table_load(module, customer, plan, model.source.engine).identity
    assert not [f for f in findings(model) if "isAutoNumber" in f.path]


def test_catalog_that_can_say_wins_and_a_disagreement_is_a_warning(tmp_path: Path) -> None:
    model = _advanced(tmp_path, "mssql")
    module, customer = _customer(model)
    ident = next(a for a in customer.attributes if a.name == "Id")
    column = _column(customer, ident, "[dbo].[Customer]", True, "mssql", SsdtOptions())
    assert "IDENTITY" not in column
    plan = LoadOrderDocument(tables=[], deferred={}, self_references={})
    assert not table_load(module, customer, plan, "mssql").identity
    (warning,) = [f for f in findings(model) if "isAutoNumber" in f.path]
    assert warning.severity == "warning" and "not IDENTITY on disk" in warning.message


# ---- the walk's PostgreSQL leg: the emitted types, mapped, on a real server ------------------


def _postgres_cases() -> list[tuple[SqlType, object, bool]]:
    """(emitted type, value, accepted) at and just past each limit PostgreSQL can enforce with the
    mapped type (`pgtypes.to_postgres`): integer ranges, varchar(n) length, numeric(p,s)."""
    cases: list[tuple[SqlType, object, bool]] = []
    for sql_type, valid in _walk():
        template = TO_POSTGRES.get(sql_type.name)
        if not valid or template is None:
            continue
        info = sql_type.info
        if info.integer_range is not None:
            low, high = info.integer_range
            cases += [(sql_type, low, True), (sql_type, high, True)]
            cases += [(sql_type, low - 1, False), (sql_type, high + 1, False)]
        elif "{n}" in template and sql_type.length not in (None, MAX):
            n = sql_type.length or 0
            cases += [(sql_type, "x" * n, True), (sql_type, "x" * (n + 1), False)]
        elif "{p}" in template:
            precision, scale = sql_type.precision_scale()
            top = Decimal(
                "9" * (precision - scale) + "." + "9" * scale if scale else "9" * precision
            )
            cases += [(sql_type, top, True), (sql_type, top.copy_negate(), True)]
            cases += [(sql_type, Decimal(10) ** (precision - scale), False)]
    return cases


POSTGRES_CASES = _postgres_cases()


def test_the_postgres_leg_covers_every_limit_postgres_can_enforce() -> None:
    names = {t.name for t, _, _ in POSTGRES_CASES}
    assert names == {"bigint", "int", "smallint", "nvarchar", "decimal"}
    assert {v for t, v, ok in POSTGRES_CASES if t.name == "nvarchar" and ok} == {"x", "x" * 4000}


@pytest.mark.slow
def test_type_walk_postgres_rehearsal_accepts_each_limit_and_refuses_past_it(
    postgres_url: str,
) -> None:
    """Each emitted type as a column of its own table on PostgreSQL: the value at the limit is
    stored unchanged, the value just past it is refused by PostgreSQL itself."""
    engine = sa.create_engine(postgres_url)
    wrong = []
    with engine.connect() as connection:
        for number, (sql_type, value, accepted) in enumerate(POSTGRES_CASES):
            table = f"walk_{number}"
            connection.execute(sa.text(f"CREATE TABLE {table} (c {to_postgres(sql_type)})"))
            try:
                with connection.begin_nested():
                    connection.execute(sa.text(f"INSERT INTO {table} VALUES (:v)"), {"v": value})
                stored = connection.execute(sa.text(f"SELECT c FROM {table}")).scalar_one()
                refused = False
            except sa.exc.DBAPIError:
                refused, stored = True, None
            if refused == accepted or (accepted and stored != value):
                wrong.append((sql_type.render(), to_postgres(sql_type), str(value)[:20], stored))
        connection.commit()
    engine.dispose()
    assert wrong == []
