"""Full export of small OutSystems databases, loaded back through the emitted DynamicData.

Each case writes a database with `fixtures/outsystems.py`, runs every stage function (extract,
profile, decide, static data, SSDT, load order, snapshots, DynamicData, load script) and loads
`DynamicData/load.sql` with the independent harness `tests/dynamic_loader.py` into SQLite tables
created from the emitted SSDT project, foreign keys enforced. The loaded rows must equal the
snapshot rows exactly.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from decimal import Context, Decimal
from pathlib import Path

import pytest

from fixtures.outsystems import (
    EntitySpec,
    ModuleSpec,
    Row,
    attr,
    ident,
    ref,
    sqlite_engine,
    system_module,
    write_outsystems,
)
from osddl.config import Settings
from osddl.errors import InputError
from osddl.export.load_order import LoadOrderDocument, read_load_order
from osddl.model.store import read_model
from osddl.options import (
    RenderTable,
    data_options,
    decide_options,
    extract_options,
    order_options,
    profile_stage_options,
    render_options,
    selection_options,
    snapshot_options,
    ssdt_stage_options,
    static_data_options,
)
from osddl.policy.store import read_decisions
from osddl.selection import select, table_id
from osddl.stages.decide import decide_to_files
from osddl.stages.dynamic_data import render_dynamic
from osddl.stages.extract_model import extract_to_file
from osddl.stages.load_script import load_script as write_load_script
from osddl.stages.order import order_to_files
from osddl.stages.profile import profile_to_files
from osddl.stages.snapshot import snapshot_one
from osddl.stages.ssdt import emit_ssdt
from osddl.stages.static_data import snapshot_static_entities
from tests.dynamic_loader import LoadError, LoadResult, load_dynamic, snapshot_rows
from tests.project_settings import env_settings

# ---- running the export -------------------------------------------------------------------------


def build(
    folder: Path, modules: Sequence[ModuleSpec], schemas: Sequence[str] = (), **env: str
) -> tuple[Settings, Path]:
    """Write the source database and run the schema stages; returns the settings and `out`."""
    source = folder / "qa.sqlite"
    engine = sqlite_engine(source, schemas=schemas)
    write_outsystems(engine, [system_module(), *modules])
    engine.dispose()
    config = env_settings(
        {
            "OSDDL_SOURCE_URL": f"sqlite:///{source}",
            "OSDDL_CACHE_DIR": str(folder / "cache"),
            **env,
        },
    )
    out = folder / "out"
    model = out / "model.json"
    extract_to_file(extract_options(config), model)
    profile_to_files(
        profile_stage_options(config), model, out / "profile.parquet", out / "profile-summary.json"
    )
    decide_to_files(decide_options(config), model, out / "profile.parquet", out)
    snapshot_static_entities(static_data_options(config), model, out)
    emit_ssdt(ssdt_stage_options(config), model, out / "decisions.json", out)
    return config, out


def export_data(config: Settings, out: Path) -> list[str]:
    """Load order, a snapshot and a DynamicData file per exported table, the load scripts."""
    model = out / "model.json"
    order_to_files(order_options(config), model, out / "decisions.json", out)
    selection = select(read_model(model), selection_options(config))
    tables = [table_id(e) for _, e in selection.exported]
    for table in tables:
        snapshot_one(snapshot_options(config), model, table, out)
        render_dynamic(RenderTable(render_options(config), ()), model, table, out)  # uat-users off
    write_load_script(data_options(config), model, out)
    return tables


def export(
    folder: Path, modules: Sequence[ModuleSpec], schemas: Sequence[str] = (), **env: str
) -> tuple[Path, list[str]]:
    config, out = build(folder, modules, schemas, **env)
    return out, export_data(config, out)


def load_and_compare(out: Path, tables: list[str], target: Path) -> LoadResult:
    """Load with FKs enforced; every exported table must hold exactly its snapshot's rows."""
    result = load_dynamic(out, target)
    assert sorted(result.rows) == sorted(tables)
    for table in tables:
        assert result.rows[table] == snapshot_rows(out, table), table
    return result


def plan(out: Path) -> LoadOrderDocument:
    return read_load_order(out / "work/load-order.json")


def column(result: LoadResult, table: str, name: str) -> dict[int, object]:
    return {row["ID"]: row[name] for row in result.rows[table]}


# ---- cycles -------------------------------------------------------------------------------------

A, B, C = "dbo.OSUSR_M_A", "dbo.OSUSR_M_B", "dbo.OSUSR_M_C"


def two_table_cycle(rows_a: Sequence[Row], rows_b: Sequence[Row]) -> ModuleSpec:
    """A.BId → B nullable (deferred in the source too), B.AId → A NOT NULL; both Protect."""
    a = EntitySpec(
        "A",
        (
            ident(),
            attr("Name", "Text", "nvarchar(50)"),
            ref("BId", "M.B", "Protect", deferred=True),
        ),
        rows=rows_a,
    )
    b = EntitySpec(
        "B",
        (ident(), ref("AId", "M.A", "Protect", mandatory=True, nullable=False)),
        rows=rows_b,
    )
    return ModuleSpec("M", "M", (a, b))


def test_two_table_cycle_loads_with_fks_enforced(tmp_path: Path) -> None:
    rows_a = [
        {"Id": 1, "Name": "a1", "BId": 3},  # forward: B 3 comes later
        {"Id": 2, "Name": "a2", "BId": 1},
        {"Id": 3, "Name": "a3", "BId": None},
        {"Id": 4, "Name": "a4", "BId": 2},
    ]
    rows_b = [{"Id": 1, "AId": 4}, {"Id": 2, "AId": 1}, {"Id": 3, "AId": 1}]
    out, tables = export(tmp_path, [two_table_cycle(rows_a, rows_b)])
    assert plan(out).deferred == {A: ["BID"]}
    assert plan(out).tables == [A, B]
    result = load_and_compare(out, tables, tmp_path / "target.sqlite")
    assert column(result, A, "BID") == {1: 3, 2: 1, 3: None, 4: 2}
    assert column(result, B, "AID") == {1: 4, 2: 1, 3: 1}
    assert result.updates == 3  # one per non-NULL deferred value
    assert result.files == ["dbo.A.dynamic.sql", "dbo.B.dynamic.sql", "deferred_updates.sql"]


def test_three_table_cycle_defers_its_one_nullable_edge(tmp_path: Path) -> None:
    a = EntitySpec(
        "A",
        (ident(), ref("BId", "M.B", "Protect", mandatory=True, nullable=False)),
        rows=[{"Id": 1, "BId": 2}, {"Id": 2, "BId": 1}],
    )
    b = EntitySpec(
        "B",
        (ident(), ref("CId", "M.C", "Protect", mandatory=True, nullable=False)),
        rows=[{"Id": 1, "CId": 2}, {"Id": 2, "CId": 1}],
    )
    c = EntitySpec(
        "C",
        (ident(), ref("AId", "M.A", "Protect", deferred=True), attr("Tag", "Text", "nvarchar(9)")),
        rows=[
            {"Id": 1, "AId": 2, "Tag": "c1"},
            {"Id": 2, "AId": None, "Tag": "c2"},
            {"Id": 3, "AId": 1, "Tag": None},
        ],
    )
    out, tables = export(tmp_path, [ModuleSpec("M", "M", (a, b, c))])
    assert plan(out).deferred == {C: ["AID"]}
    assert plan(out).tables == [C, B, A]
    result = load_and_compare(out, tables, tmp_path / "target.sqlite")
    assert column(result, C, "AID") == {1: 2, 2: None, 3: 1}
    assert column(result, A, "BID") == {1: 2, 2: 1}
    assert result.updates == 2


def test_self_reference_with_forward_managers(tmp_path: Path) -> None:
    """Managers with higher ids than their reports, a self-managed row, in a non-dbo schema."""
    managers = {1: 5, 2: 1, 3: 6, 4: None, 5: 4, 6: 6, 7: 3}
    employee = EntitySpec(
        "Employee",
        (
            ident(),
            attr("Name", "Text", "nvarchar(20)", mandatory=True),
            ref("ManagerId", "HR.Employee", "Protect", deferred=True),
        ),
        rows=[{"Id": i, "Name": f"e{i}", "ManagerId": m} for i, m in managers.items()],
        schema="hr",
    )
    out, tables = export(tmp_path, [ModuleSpec("HR", "HR", (employee,))], schemas=["hr"])
    table = "hr.OSUSR_HR_EMPLOYEE"
    assert tables == [table]
    assert plan(out).self_references == {table: ["MANAGERID"]}
    assert plan(out).deferred == {}
    result = load_and_compare(out, tables, tmp_path / "target.sqlite")
    assert column(result, table, "MANAGERID") == managers
    assert result.updates == 2  # 1 → 5 and 3 → 6; 6 → 6 refers to the row itself


def test_cycle_of_not_null_columns_is_an_input_error(tmp_path: Path) -> None:
    """A.BId has no source FK (Ignore rule, created by the policy); both columns NOT NULL."""
    a = EntitySpec(
        "A",
        (ident(), ref("BId", "M.B", "Ignore", mandatory=True, nullable=False)),
        rows=[{"Id": 1, "BId": 1}],
    )
    b = EntitySpec(
        "B",
        (ident(), ref("AId", "M.A", "Protect", mandatory=True, nullable=False)),
        rows=[{"Id": 1, "AId": 1}],
    )
    config, out = build(
        tmp_path,
        [ModuleSpec("M", "M", (a, b))],
        OSDDL_FOREIGN_KEYS_ENFORCE_IGNORE_RULE="true",
    )
    decisions = read_decisions(out / "decisions.json")
    assert all(r.create_fk for r in decisions.references if r.table.startswith("OSUSR"))
    with pytest.raises(InputError) as error:
        order_to_files(order_options(config), out / "model.json", out / "decisions.json", out)
    message = str(error.value)
    assert A in message and B in message, message
    assert "data.break_cycle" in message, message


def test_cycle_column_made_not_null_by_the_policy_is_not_deferred(tmp_path: Path) -> None:
    """A.BId is mandatory and never NULL, so evidence-gated decide makes it NOT NULL in the
    target: with B.AId NOT NULL too, the cycle cannot be broken and the order must say so."""
    rows_a = [{"Id": 1, "Name": "a1", "BId": 2}, {"Id": 2, "Name": "a2", "BId": 1}]
    module = two_table_cycle(rows_a, [{"Id": 1, "AId": 2}, {"Id": 2, "AId": 1}])
    a = module.entities[0]
    mandatory = tuple(
        ref("BId", "M.B", "Protect", deferred=True, mandatory=True) if x.name == "BId" else x
        for x in a.attrs
    )
    module = ModuleSpec("M", "M", (EntitySpec("A", mandatory, rows=rows_a), module.entities[1]))
    config, out = build(tmp_path, [module])
    decisions = read_decisions(out / "decisions.json")
    assert any(c.column == "BID" and c.make_not_null for c in decisions.columns)
    with pytest.raises(InputError, match=r"data\.break_cycle"):
        export_data(config, out)


# ---- values and batches -------------------------------------------------------------------------

LONG = "\n".join(f"line {i:04}: it's GO time $(x) \t{'é' * (i % 7)}" for i in range(400))
LONG_VALUE = (LONG + "x" * 10_000)[:10_000]
AWKWARD = [
    "O'Brien said ''hi''",
    "cr\rlf\nboth\r\nend\n",
    "before\nGO\nafter",
    "GO",
    "nul\x00byte",
    "tab\there",
    "unicode: Zoë Straße 東京 😀 \u2028 \u2029 \u0085 \u00a0",
    "$(SQLCMDSERVER) and $ (x) and $",
    "",
    "trailing  ",
    LONG_VALUE,
    None,
]
AMOUNTS = [
    "0.0000000001",
    "-0.0000000001",
    "99999.9999999999",
    "-12345.6789012345",
    "999999999999999",
    "0",
    None,
]
STAMPS = [
    "2024-02-29 23:59:59.1234567",
    "0001-01-01 00:00:00.0000000",
    "9999-12-31 23:59:59.9999999",
    "2024-01-01T00:00:00.0000001",
    None,
]


def ansi(value: str | None) -> str | None:
    """The awkward values a varchar(100) can hold: CHAR(n) instead of NCHAR(n) pieces."""
    return value if value is not None and value.isascii() and len(value) <= 100 else None


def scale_10(value: str) -> Decimal:
    return Decimal(value).quantize(Decimal("1e-10"), context=Context(prec=38))


def values_module(amounts: Sequence[str | None]) -> ModuleSpec:
    rows = [
        {
            "Id": i,
            "Body": AWKWARD[i - 1],
            "Code": ansi(AWKWARD[i - 1]),
            "Amount": None if a is None else Decimal(a),
            "Stamp": STAMPS[(i - 1) % len(STAMPS)],
        }
        for i, a in enumerate(
            [*amounts, *([None] * (len(AWKWARD) - len(amounts)))],
            start=1,
        )
    ]
    doc = EntitySpec(
        "Doc",
        (
            ident(),
            attr("Body", "Text", "nvarchar(max)"),
            attr("Code", "Text", "varchar(100)"),
            attr("Amount", "Decimal", "decimal(38,10)"),
            attr("Stamp", "DateTime", "datetime2(7)"),
        ),
        rows=rows,
    )
    return ModuleSpec("V", "V", (doc,))


def test_awkward_values_round_trip_exactly(tmp_path: Path) -> None:
    assert len(LONG_VALUE) == 10_000 and LONG_VALUE.count("\n") > 250
    out, tables = export(tmp_path, [values_module(AMOUNTS)])
    table = "dbo.OSUSR_V_DOC"
    text = (out / "DynamicData/V/dbo.Doc.dynamic.sql").read_text("utf-8")
    assert "$(" not in text and "\x00" not in text and "\r" not in text
    result = load_and_compare(out, tables, tmp_path / "target.sqlite")
    loaded = result.rows[table]
    assert [r["BODY"] for r in loaded] == AWKWARD
    assert [r["CODE"] for r in loaded] == [ansi(v) for v in AWKWARD]
    assert "CHAR(13)" in text and "CHAR(0)" in text
    assert [r["AMOUNT"] for r in loaded][: len(AMOUNTS)] == [
        None if a is None else scale_10(a) for a in AMOUNTS
    ]
    assert loaded[0]["STAMP"] == "2024-02-29T23:59:59.1234567"
    assert {r["STAMP"] for r in loaded} == {
        None if s is None else s.replace(" ", "T") for s in STAMPS
    }


def test_decimal_38_10_beyond_28_digits_round_trips(tmp_path: Path) -> None:
    """SQLite keeps 15 significant digits (REAL), so these are exact there; at scale 10 they
    need 31 and 38 digits."""
    amounts = ["100000000000000000000", "-1234567890123450000000000000", "1e27"]
    out, tables = export(tmp_path, [values_module(amounts)])
    result = load_and_compare(out, tables, tmp_path / "target.sqlite")
    assert [r["AMOUNT"] for r in result.rows["dbo.OSUSR_V_DOC"]][:3] == [
        scale_10(a) for a in amounts
    ]


def test_batches_of_1000_rows(tmp_path: Path) -> None:
    rows = [{"Id": i, "Value": i * 7 - 5000} for i in range(1, 2002)]
    item = EntitySpec("Item", (ident(), attr("Value", "Integer", "int")), rows=rows)
    out, tables = export(tmp_path, [ModuleSpec("N", "N", (item,))])
    text = (out / "DynamicData/N/dbo.Item.dynamic.sql").read_text("utf-8")
    assert text.count("INSERT INTO [dbo].[Item]") == 3
    result = load_and_compare(out, tables, tmp_path / "target.sqlite")
    assert result.batches == {"dbo.OSUSR_N_ITEM": [1000, 1000, 1]}
    assert len(result.rows["dbo.OSUSR_N_ITEM"]) == 2001
    assert result.rows["dbo.OSUSR_N_ITEM"][-1] == {"ID": 2001, "VALUE": 2001 * 7 - 5000}


# ---- the harness catches what it is there to catch -------------------------------------------


@pytest.fixture
def cycle_export(tmp_path: Path) -> tuple[Path, list[str]]:
    rows_a = [{"Id": 1, "Name": "a1", "BId": 1}, {"Id": 2, "Name": "a2", "BId": None}]
    (tmp_path / "source").mkdir()
    return export(tmp_path / "source", [two_table_cycle(rows_a, [{"Id": 1, "AId": 2}])])


def test_harness_raises_on_an_fk_violation(
    cycle_export: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """Children before parents (load.sql reordered) must fail on the first orphan."""
    out = tmp_path / "out"
    shutil.copytree(cycle_export[0], out)
    load = out / "DynamicData/load.sql"
    lines = load.read_text("utf-8").splitlines()
    first, second = (i for i, line in enumerate(lines) if line.endswith(".dynamic.sql"))
    lines[first], lines[second] = lines[second], lines[first]
    load.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(LoadError, match="FOREIGN KEY"):
        load_dynamic(out, tmp_path / "target.sqlite")


def test_harness_raises_when_a_deferred_value_is_inserted_early(
    cycle_export: tuple[Path, list[str]], tmp_path: Path
) -> None:
    """A.BId written in A's INSERT instead of the deferred UPDATE: B does not exist yet."""
    out = tmp_path / "out"
    shutil.copytree(cycle_export[0], out)
    script = out / "DynamicData/M/dbo.A.dynamic.sql"
    text = script.read_text("utf-8")
    assert "(1, N'a1', NULL)" in text
    script.write_text(text.replace("(1, N'a1', NULL)", "(1, N'a1', 1)"), "utf-8")
    with pytest.raises(LoadError, match="FOREIGN KEY"):
        load_dynamic(out, tmp_path / "target.sqlite")


def test_harness_guard_refuses_a_second_load(
    cycle_export: tuple[Path, list[str]], tmp_path: Path
) -> None:
    out, tables = cycle_export
    load_and_compare(out, tables, tmp_path / "target.sqlite")
    with pytest.raises(LoadError, match="already holds"):
        load_dynamic(out, tmp_path / "target.sqlite", fresh=False)
