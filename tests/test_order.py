"""Load order: the sorter (cycles, self-references, missing parents, determinism) and the
independent verifier of the emitted DynamicData scripts (passes good layouts, fails bad ones)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osddl.errors import InputError
from osddl.export.order import (
    FkEdge,
    LoadOrder,
    TableRef,
    edges_from_decisions,
    emitted_edges,
    load_order,
)
from osddl.io import canonical_json
from osddl.proofs.order import verify_order
from tests import decision_builders as decided
from tests.profile_models import parent_child_model

A, B, C = (TableRef("dbo", n) for n in "ABC")


def fk(
    child: TableRef,
    column: str,
    parent: TableRef,
    nullable: bool = True,
    on_delete: str = "NO_ACTION",
    label: str | None = None,
) -> FkEdge:
    return FkEdge(child, column, parent, "Id", nullable=nullable, on_delete=on_delete, label=label)


def names(edges: tuple[FkEdge, ...]) -> list[str]:
    return [e.name for e in edges]


# ---- sorter ------------------------------------------------------------------------------------


def test_two_table_cycle_defers_the_nullable_column() -> None:
    order = load_order([A, B], [fk(A, "BId", B, nullable=False), fk(B, "AId", A)])
    assert names(order.deferred) == ["dbo.B.AId"]
    assert [str(t) for t in order.tables] == ["dbo.B", "dbo.A"]
    proof = order.proof()
    assert proof["cycles"] == [{"tables": ["dbo.A", "dbo.B"], "deferred": ["dbo.B.AId"]}]
    assert proof["verdict"] == "pass" and proof["valid"] is True
    checks = {e["column"]: e["check"] for e in proof["edges"]}
    assert checks == {"BId": "parentIndex < childIndex", "AId": "deferred"}


def test_three_table_cycle_defers_one_column_and_orders_the_rest() -> None:
    edges = [fk(A, "BId", B, False), fk(B, "CId", C, True), fk(C, "AId", A, False)]
    order = load_order([C, B, A], edges)
    assert names(order.deferred) == ["dbo.B.CId"]
    assert [str(t) for t in order.tables] == ["dbo.B", "dbo.A", "dbo.C"]


def test_cycle_without_nullable_column_is_an_input_error() -> None:
    edges = [fk(A, "BId", B, False), fk(B, "CId", C, False), fk(C, "AId", A, False)]
    with pytest.raises(InputError) as error:
        load_order([A, B, C], edges)
    assert str(error.value) == (
        "load order: cycle dbo.A → dbo.B → dbo.C → dbo.A cannot be broken: none of its foreign "
        "key columns (dbo.A.BId, dbo.B.CId, dbo.C.AId) is nullable or listed in "
        "data.break_cycle; make one FK column nullable in the model, or list it in "
        "data.break_cycle"
    )


def test_break_cycle_wins_over_the_default_choice() -> None:
    edges = [fk(A, "BId", B), fk(B, "AId", A, label="Sales::B.A")]
    assert names(load_order([A, B], edges).deferred) == ["dbo.A.BId"]  # by name
    chosen = load_order([A, B], edges, break_cycle=["DBO.b.aid"])
    assert names(chosen.deferred) == ["dbo.B.AId"] and chosen.warnings == ()
    by_label = load_order([A, B], edges, break_cycle=["Sales::B.A"])
    assert names(by_label.deferred) == ["dbo.B.AId"]


def test_break_cycle_unlocks_a_not_null_column_with_a_warning() -> None:
    order = load_order(
        [A, B], [fk(A, "BId", B, False), fk(B, "AId", A, False)], break_cycle=["dbo.B.AId"]
    )
    assert names(order.deferred) == ["dbo.B.AId"]
    assert order.warnings == (
        "dbo.B.AId is NOT NULL but listed in data.break_cycle: the load must disable its "
        "constraint and re-enable it WITH CHECK afterwards",
    )


def test_stale_break_cycle_entries_are_warned_about() -> None:
    order = load_order([A, B], [fk(A, "BId", B)], break_cycle=["dbo.A.BId", "dbo.X.Y"])
    assert order.deferred == ()
    assert order.warnings == (
        "data.break_cycle entry 'dbo.A.BId' was not needed: no cycle runs through it, so the "
        "constraint stays enforced during the load",
        "data.break_cycle entry 'dbo.X.Y' names no exported foreign key column; spell it "
        "schema.table.column or Module::Entity.Attribute",
    )


def test_a_nullable_cascade_column_is_kept_when_another_can_be_deferred() -> None:
    edges = [fk(A, "BId", B, on_delete="CASCADE"), fk(B, "AId", A)]
    assert names(load_order([A, B], edges).deferred) == ["dbo.B.AId"]


def test_self_reference_is_reported_not_an_edge() -> None:
    order = load_order([A], [fk(A, "ParentId", A, nullable=False)])
    assert names(order.self_references) == ["dbo.A.ParentId"]
    assert order.deferred == () and order.cycles == ()
    assert order.proof()["edges"][0]["check"] == "selfReference"


def test_missing_parent_is_an_error_unless_allowed() -> None:
    with pytest.raises(InputError) as error:
        load_order([A], [fk(A, "BId", B)])
    assert str(error.value) == (
        "load order: foreign keys point at tables outside the export: dbo.A.BId → dbo.B; add "
        "the parent's module to the selection, or set data.allow_missing_parents = true"
    )
    order = load_order([A], [fk(A, "BId", B)], allow_missing_parents=True)
    assert order.warnings == (
        "dbo.A.BId → dbo.B: parent table is not exported (data.allow_missing_parents = true); "
        "its rows must already be in the target",
    )
    assert order.proof()["missingParents"] == ["dbo.A.BId → dbo.B"]


def test_preloaded_parent_and_out_of_scope_child() -> None:
    order = load_order([A], [fk(A, "BId", B), fk(C, "AId", A)], preloaded=[B])
    assert order.warnings == () and names(order.preloaded) == ["dbo.A.BId"]
    assert [e["check"] for e in order.proof()["edges"]] == ["preloaded"]


def test_tables_match_case_insensitively_and_keep_their_spelling() -> None:
    order = load_order(
        [TableRef("Sales", "Order"), TableRef("Sales", "Customer")],
        [FkEdge(TableRef("SALES", "ORDER"), "CustomerId", TableRef("sales", "customer"), "Id")],
    )
    assert order.proof()["order"] == ["Sales.Customer", "Sales.Order"]
    assert order.proof()["edges"][0]["child"] == "Sales.Order"


def test_edges_from_decisions_use_target_nullability_and_emitted_names() -> None:
    model = parent_child_model()
    created = decided.reference("dbo", "CHILD", "PARENTID", referenced_column="ID")
    skipped = decided.reference("dbo", "CHILD", "A", create_fk=False)
    decisions = decided.document(references=[created, skipped])
    (edge,) = edges_from_decisions(decisions, model)
    assert (edge.name, str(edge.parent), edge.nullable) == (
        "dbo.CHILD.PARENTID",
        "dbo.PARENT",
        True,
    )
    assert edge.label == "M::Child.ParentId"
    tightened = decided.column("dbo", "CHILD", "PARENTID", make_not_null=True)
    (strict,) = edges_from_decisions(replace(decisions, columns=[tightened]), model)
    assert strict.nullable is False
    (shown,) = emitted_edges([edge], model)
    assert (shown.name, str(shown.parent), shown.parent_column) == (
        "dbo.Child.ParentId",
        "dbo.Parent",
        "Id",
    )


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[TableRef], list[FkEdge]]:
    """A random DAG (any nullability) plus nullable back edges that close cycles."""
    count = draw(st.integers(1, 12))
    tables = [TableRef(draw(st.sampled_from(["dbo", "Sales"])), f"T{i:02d}") for i in range(count)]
    pairs = st.tuples(st.integers(0, count - 1), st.integers(0, count - 1))
    forward = draw(st.lists(st.tuples(pairs, st.booleans()), max_size=30))
    back = draw(st.lists(pairs, max_size=8))
    edges = [
        fk(tables[max(p)], f"F{n}", tables[min(p)], nullable)
        for n, (p, nullable) in enumerate(forward)
        if p[0] != p[1]
    ] + [fk(tables[min(p)], f"R{n}", tables[max(p)], True) for n, p in enumerate(back)]
    return tables, edges


def assert_valid(order: LoadOrder) -> None:
    index = {t.key: i for i, t in enumerate(order.tables)}
    deferred = {e.identity for e in order.deferred}
    for edge in order.edges:
        if edge.child.key == edge.parent.key:
            continue
        before = index[edge.parent.key] < index[edge.child.key]
        # deferred ⇔ out of order: the deferred set is minimal, nothing deferred needlessly
        assert before == (edge.identity not in deferred), edge
        assert before or edge.nullable


@settings(max_examples=200, deadline=None)
@given(graphs(), st.randoms())
def test_order_respects_every_edge_and_is_deterministic(
    graph: tuple[list[TableRef], list[FkEdge]], rng: random.Random
) -> None:
    tables, edges = graph
    order = load_order(tables, edges)
    assert_valid(order)
    assert sorted(t.key for t in order.tables) == sorted({t.key for t in tables})
    shuffled_tables, shuffled_edges = tables[:], edges[:]
    rng.shuffle(shuffled_tables)
    rng.shuffle(shuffled_edges)
    again = load_order(shuffled_tables, shuffled_edges)
    assert canonical_json(again.proof()) == canonical_json(order.proof())


# ---- verifier: a hand-written DynamicData layout ---------------------------------------------


@dataclass
class Table:
    module: str
    ref: TableRef
    columns: list[str]
    rows: list[tuple[object, ...]]

    @property
    def file(self) -> str:
        return f"{self.module}/{self.ref.schema}.{self.ref.table}.dynamic.sql"


@dataclass
class Layout:
    """The DynamicData contract: per-table files, load.sql, deferred_updates.sql."""

    tables: list[Table]
    updates: list[tuple[TableRef, str, object, object]] = field(default_factory=list)
    batch_rows: int = 2

    def write(self, root: Path, includes: list[str] | None = None) -> Path:
        folder = root / "DynamicData"
        for table in self.tables:
            path = folder / table.file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render_table(table, self.batch_rows), encoding="utf-8")
        (folder / "deferred_updates.sql").write_text(render_updates(self.updates), encoding="utf-8")
        order = (
            includes
            if includes is not None
            else [*(t.file for t in self.tables), "deferred_updates.sql"]
        )
        lines = ["-- osddl DynamicData load script", ":on error exit"]
        lines += [":r .\\" + include.replace("/", "\\") for include in order]
        (folder / "load.sql").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return folder


def literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return "N'" + str(value).replace("'", "''") + "'"


def render_table(table: Table, batch_rows: int) -> str:
    ref = table.ref
    target = f"[{ref.schema}].[{ref.table}]"
    out = [
        f"-- osddl DynamicData | module {table.module} | entity {ref.table} | source "
        f"{ref.schema}.OSUSR_X_{ref.table.upper()} | rows {len(table.rows)}",
        "SET NOCOUNT ON;",
        "SET XACT_ABORT ON;",
        "GO",
        f"IF EXISTS (SELECT 1 FROM {target}) THROW 50001, N'{ref} already holds rows', 1;",
        "GO",
        f"SET IDENTITY_INSERT {target} ON;",
        "GO",
    ]
    columns = ", ".join(f"[{c}]" for c in table.columns)
    for start in range(0, len(table.rows), batch_rows):
        rows = table.rows[start : start + batch_rows]
        tuples = ",\n".join("    (" + ", ".join(literal(v) for v in row) + ")" for row in rows)
        out += [f"INSERT INTO {target} ({columns})", "VALUES", tuples + ";", "GO"]
    out += [f"SET IDENTITY_INSERT {target} OFF;", "GO"]
    return "\n".join(out) + "\n"


def render_updates(updates: list[tuple[TableRef, str, object, object]]) -> str:
    out = ["-- osddl DynamicData deferred updates", "SET NOCOUNT ON;", "GO"]
    for ref, column, value, key in updates:
        out.append(
            f"UPDATE [{ref.schema}].[{ref.table}] SET [{column}] = {literal(value)} "
            f"WHERE [Id] = {literal(key)};"
        )
    return "\n".join([*out, "GO"]) + "\n"


CUSTOMER, ORDER, EMPLOYEE = (
    TableRef("dbo", "Customer"),
    TableRef("Sales", "Order"),
    TableRef("dbo", "Employee"),
)
EDGES = [
    FkEdge(ORDER, "CustomerId", CUSTOMER, "Id", nullable=False),
    FkEdge(CUSTOMER, "LastOrderId", ORDER, "Id"),  # closes a cycle: deferred
    FkEdge(ORDER, "HandledBy", EMPLOYEE, "Id"),
]
SELF = [FkEdge(EMPLOYEE, "ManagerId", EMPLOYEE, "Id")]


def good_layout() -> Layout:
    """Customer (LastOrderId deferred), Employee (self-references), then Order."""
    return Layout(
        tables=[
            Table(
                "Core",
                CUSTOMER,
                ["Id", "Name", "LastOrderId"],
                [(1, "O'Brien", None), (2, "Zoë", None), (3, "Ann", None)],
            ),
            Table(
                "Core",
                EMPLOYEE,
                ["Id", "Name", "ManagerId"],
                [
                    (1, "Boss", None),
                    (2, "Amy", 1),
                    (3, "Self", 3),
                    (4, "Bob", None),
                    (5, "Late", 2),
                ],
            ),
            Table("Sales", ORDER, ["Id", "CustomerId", "HandledBy"], [(10, 1, 2), (11, 2, None)]),
        ],
        updates=[
            (CUSTOMER, "LastOrderId", 10, 1),
            (CUSTOMER, "LastOrderId", 11, 2),
            (EMPLOYEE, "ManagerId", 5, 4),  # row 4's manager is inserted after it
        ],
    )


def failures(folder: Path) -> list[tuple[str, str, str]]:
    proof = verify_order(folder, EDGES, SELF)
    assert proof["verdict"] == ("pass" if not proof["failures"] else "fail")
    return [(f["kind"], f["file"], f["detail"]) for f in proof["failures"]]


def kinds(folder: Path) -> list[str]:
    return [kind for kind, _, _ in failures(folder)]


def test_verifier_passes_a_correct_layout(tmp_path: Path) -> None:
    folder = good_layout().write(tmp_path)
    proof = verify_order(folder, EDGES, SELF)
    assert proof["schemaVersion"] == "osddl.order-verification/1"
    assert proof["verdict"] == "pass", proof["failures"]
    edge_results = {c["subject"]: c["result"] for c in proof["checks"] if c["kind"] == "edge"}
    assert edge_results == {
        "Sales.Order.CustomerId → dbo.Customer": "parent-first",
        "dbo.Customer.LastOrderId → Sales.Order": "deferred",
        "Sales.Order.HandledBy → dbo.Employee": "parent-first",
    }
    assert canonical_json(proof) == canonical_json(verify_order(folder, EDGES, SELF))


def test_verifier_fails_two_tables_swapped_in_load_sql(tmp_path: Path) -> None:
    layout = good_layout()
    order = [t.file for t in layout.tables]
    order[0], order[2] = order[2], order[0]  # Order before Customer and Employee
    found = failures(layout.write(tmp_path, [*order, "deferred_updates.sql"]))
    assert [(k, f) for k, f, _ in found] == [
        ("child-before-parent", "Sales/Sales.Order.dynamic.sql")
    ] * 2
    assert found[0][2] == (
        "Sales.Order.CustomerId → dbo.Customer: Sales.Order is inserted before its parent "
        "dbo.Customer (Sales/Sales.Order.dynamic.sql before Core/dbo.Customer.dynamic.sql) and "
        "CustomerId is not NULL (batch 4, row 1 holds 1); load the parent first or insert NULL "
        "and set it in deferred_updates.sql"
    )


def test_verifier_fails_a_missing_include(tmp_path: Path) -> None:
    folder = good_layout().write(tmp_path)
    (folder / "Core/dbo.Employee.dynamic.sql").unlink()
    found = failures(folder)
    assert (
        "missing-include",
        "Core/dbo.Employee.dynamic.sql",
        "load.sql line :r Core/dbo.Employee.dynamic.sql: file not found",
    ) in found
    assert "table-not-loaded" in [k for k, _, _ in found]


def test_verifier_fails_a_deferred_column_that_is_not_null(tmp_path: Path) -> None:
    layout = good_layout()
    layout.tables[0].rows[0] = (1, "O'Brien", 10)
    found = failures(layout.write(tmp_path))
    assert [k for k, _, _ in found] == ["deferred-not-null", "update-not-null"]
    assert "dbo.Customer.LastOrderId → Sales.Order" in found[0][2] and "holds 10" in found[0][2]


def test_verifier_fails_an_update_of_a_non_deferred_column(tmp_path: Path) -> None:
    layout = good_layout()
    layout.updates += [(ORDER, "CustomerId", 3, 10), (CUSTOMER, "Name", "X", 1)]
    found = failures(layout.write(tmp_path))
    assert found == [
        (
            "update-not-deferred",
            "deferred_updates.sql",
            "UPDATE [dbo].[Customer] SET [Name] WHERE [Id] = 1 (batch 2): this column is no "
            "foreign key or self-reference, so it is never deferred; its value belongs in the "
            "INSERT",
        ),
        (
            "update-not-null",
            "deferred_updates.sql",
            "UPDATE [Sales].[Order] SET [CustomerId] WHERE [Id] = 10 (batch 2): the INSERT "
            "already holds a value; a deferred column is NULL there",
        ),
    ]


def test_verifier_fails_a_self_reference_to_a_later_row(tmp_path: Path) -> None:
    layout = good_layout()
    layout.tables[1].rows[3] = (4, "Bob", 5)
    layout.updates.pop()
    found = failures(layout.write(tmp_path))
    assert found == [
        (
            "self-reference-forward",
            "Core/dbo.Employee.dynamic.sql",
            "dbo.Employee.ManagerId = 5 at batch 5, row 4 refers to a row not inserted yet; "
            "insert NULL there and set it in deferred_updates.sql",
        )
    ]


def test_verifier_fails_a_stray_data_file(tmp_path: Path) -> None:
    folder = good_layout().write(tmp_path)
    (folder / "Core/dbo.Old.dynamic.sql").write_text("-- stale\n", encoding="utf-8")
    assert failures(folder) == [
        ("not-included", "Core/dbo.Old.dynamic.sql", "no :r line in load.sql loads this file")
    ]


def test_verifier_fails_when_deferred_updates_are_not_last(tmp_path: Path) -> None:
    layout = good_layout()
    files = [t.file for t in layout.tables]
    assert kinds(layout.write(tmp_path, [files[0], "deferred_updates.sql", *files[1:]])) == [
        "deferred-not-last"
    ]


def test_verifier_fails_a_file_included_twice(tmp_path: Path) -> None:
    layout = good_layout()
    files = [t.file for t in layout.tables]
    assert kinds(layout.write(tmp_path, [*files, files[2], "deferred_updates.sql"])) == [
        "included-twice"
    ]


def test_verifier_fails_updates_of_unknown_or_repeated_rows(tmp_path: Path) -> None:
    layout = good_layout()
    layout.updates += [(CUSTOMER, "LastOrderId", 10, 99), (CUSTOMER, "LastOrderId", 10, 1)]
    assert kinds(layout.write(tmp_path)) == ["update-duplicate", "update-unknown-row"]


def test_verifier_fails_an_unparsable_batch(tmp_path: Path) -> None:
    folder = good_layout().write(tmp_path)
    path = folder / "Sales/Sales.Order.dynamic.sql"
    path.write_text(
        path.read_text(encoding="utf-8").replace("VALUES", "VALUES ((", 1), encoding="utf-8"
    )
    assert "unparsable-batch" in kinds(folder)


def test_verifier_without_load_script(tmp_path: Path) -> None:
    assert kinds(tmp_path) == [
        "missing-include",
        "missing-load-script",
        *["table-not-loaded"] * 3,
    ]


def test_verifier_fails_without_exit_on_error(tmp_path: Path) -> None:
    folder = good_layout().write(tmp_path)
    load = folder / "load.sql"
    load.write_text(load.read_text(encoding="utf-8").replace(":on error exit\n", ""), "utf-8")
    assert kinds(folder) == ["no-exit-on-error"]


def test_verifier_does_not_skip_data_hidden_in_a_guard_batch(tmp_path: Path) -> None:
    folder = good_layout().write(tmp_path)
    path = folder / "Sales/Sales.Order.dynamic.sql"
    text = path.read_text(encoding="utf-8").replace(
        "already holds rows', 1;", "already holds rows', 1;\nDELETE FROM [dbo].[Customer];"
    )
    path.write_text(text, encoding="utf-8")
    found = failures(folder)
    assert found and {f for _, f, _ in found} == {"Sales/Sales.Order.dynamic.sql"}
    assert found[0][0] in ("unexpected-statement", "unparsable-batch")


def test_verifier_fails_an_unexpected_statement(tmp_path: Path) -> None:
    folder = good_layout().write(tmp_path)
    path = folder / "Sales/Sales.Order.dynamic.sql"
    path.write_text(
        path.read_text(encoding="utf-8") + "DELETE FROM [dbo].[Customer];\nGO\n", "utf-8"
    )
    assert failures(folder) == [
        (
            "unexpected-statement",
            "Sales/Sales.Order.dynamic.sql",
            "batch 6: 'DELETE FROM [dbo].[Customer]' is not INSERT INTO [schema].[table] "
            "([c], ...) VALUES ...",
        )
    ]


# ---- sorter and verifier together -------------------------------------------------------------


def render(order: LoadOrder, self_refs: list[FkEdge], rng: random.Random) -> Layout:
    """What a renderer does: parents first; deferred columns and forward self-references NULL
    in the INSERT and set in deferred_updates.sql."""
    deferred = {e.identity for e in order.deferred}
    tables: list[Table] = []
    updates: list[tuple[TableRef, str, object, object]] = []
    for ref in order.tables:
        fks = [e for e in order.edges if e.child.key == ref.key and e.parent.key != ref.key]
        mine = [e for e in self_refs if e.child.key == ref.key]
        columns = ["Id", *(e.column for e in fks + mine)]
        rows = []
        for key in range(1, 4):
            row: list[object] = [key]
            for edge in fks + mine:
                value = rng.randint(1, 3)
                late = edge.identity in deferred or (edge in mine and value > key)
                row.append(None if late else value)
                if late:
                    updates.append((ref, edge.column, value, key))
            rows.append(tuple(row))
        tables.append(Table("M", ref, columns, rows))
    return Layout(tables, updates)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(graphs(), st.randoms(use_true_random=False))
def test_rendered_order_verifies_and_a_swap_is_caught(
    tmp_path_factory: pytest.TempPathFactory,
    graph: tuple[list[TableRef], list[FkEdge]],
    rng: random.Random,
) -> None:
    tables, edges = graph
    self_refs = [fk(t, "ParentId", t) for t in tables[::3]]
    order = load_order(tables, edges + self_refs)
    layout = render(order, self_refs, rng)
    root = tmp_path_factory.mktemp("dyn")
    all_edges = [e for e in order.edges if e.child.key != e.parent.key]
    proof = verify_order(layout.write(root), all_edges, self_refs)
    assert proof["verdict"] == "pass", proof["failures"]
    enforced = [e for e in all_edges if e.identity not in {d.identity for d in order.deferred}]
    if enforced:
        edge = enforced[0]
        files = [t.file for t in layout.tables]
        parent = next(t.file for t in layout.tables if t.ref.key == edge.parent.key)
        child = next(t.file for t in layout.tables if t.ref.key == edge.child.key)
        i, j = files.index(parent), files.index(child)
        files[i], files[j] = files[j], files[i]
        broken = verify_order(
            layout.write(root / "swapped", [*files, "deferred_updates.sql"]), all_edges, self_refs
        )
        assert "child-before-parent" in [f["kind"] for f in broken["failures"]]


def test_replace_keeps_computed_keys() -> None:
    edge = replace(fk(A, "BId", B), child=C)
    assert edge.identity[0] == C.key and edge.sort_key[0] == C.key
