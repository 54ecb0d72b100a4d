"""A tiny parent/child model built in code, for profiling tests on any engine."""

from __future__ import annotations

import sqlalchemy as sa

from osddl.model.contract import (
    DEFAULT_INDEX_OPTIONS,
    Attribute,
    Entity,
    Index,
    IndexColumn,
    Model,
    Module,
    OnDisk,
    Reference,
    Source,
)
from tests.model_builders import make_entity


def disk(sql_type: str, nullable: bool) -> OnDisk:
    """An on-disk column with only type and nullability set (shared by the test models)."""
    return OnDisk(
        sql_type=sql_type,
        length=None,
        precision=None,
        scale=None,
        is_nullable=nullable,
        is_identity=False,
        identity_seed=None,
        identity_increment=None,
        is_computed=False,
        computed_definition=None,
        default_name=None,
        default_definition=None,
        collation=None,
    )


def _attr(name: str, identifier: bool = False, reference: Reference | None = None) -> Attribute:
    return Attribute(
        name=name,
        physical_name=name.upper(),
        emitted_name=name,
        data_type="Integer",
        sql_type="int",
        length=None,
        precision=None,
        scale=None,
        default=None,
        is_mandatory=identifier,
        is_identifier=identifier,
        is_auto_number=False,
        is_active=True,
        present_but_inactive=False,
        original_name=None,
        external_db_type=None,
        description=None,
        reference=reference,
        on_disk=disk("int", not identifier),
    )


def _pk(table: str, column: str) -> Index:
    return Index(
        name=f"PK_{table}",
        kind="PK",
        is_unique=True,
        is_platform_auto=False,
        is_disabled=False,
        filter=None,
        options=DEFAULT_INDEX_OPTIONS,
        columns=[IndexColumn(attribute="Id", column=column, direction="ASC", is_included=False)],
    )


def _unique(table: str, attrs: list[str]) -> Index:
    return Index(
        name=f"UIX_{table}_{'_'.join(attrs)}",
        kind="UIX",
        is_unique=True,
        is_platform_auto=False,
        is_disabled=False,
        filter=None,
        options=DEFAULT_INDEX_OPTIONS,
        columns=[
            IndexColumn(attribute=a, column=a.upper(), direction="ASC", is_included=False)
            for a in attrs
        ],
    )


def _ignore_reference(entity: str, table: str) -> Reference:
    """A reference with the Ignore rule: no FK in the database, so orphans can exist."""
    return Reference(
        module="M",
        entity=entity,
        physical_name=table,
        schema="dbo",
        delete_rule="Ignore",
        has_db_constraint=False,
        constraint_name=None,
        is_trusted=None,
    )


def _entity(name: str, table: str, attributes: list[Attribute], indexes: list[Index]) -> Entity:
    return make_entity(name, table, attributes, indexes=indexes)


def _model(*entities: Entity) -> Model:
    return Model(
        schema_version="osddl.model/1",
        source=Source(engine="test", database=None),
        modules=[
            Module(name="M", ss_key=None, is_system=False, is_active=True, entities=list(entities))
        ],
    )


def parent_child_model() -> Model:
    """Parent(Id); Child(Id, ParentId → Parent (Ignore, no FK), A, B); unique (A) and (A, B)."""
    ref = _ignore_reference("Parent", "PARENT")
    parent = _entity("Parent", "PARENT", [_attr("Id", True)], [_pk("PARENT", "ID")])
    child = _entity(
        "Child",
        "CHILD",
        [_attr("Id", True), _attr("ParentId", reference=ref), _attr("A"), _attr("B")],
        [_pk("CHILD", "ID"), _unique("CHILD", ["A"]), _unique("CHILD", ["A", "B"])],
    )
    return _model(parent, child)


def create_tables(
    engine: sa.Engine,
    parents: list[int],
    children: list[tuple[int, int | None, int | None, int | None]],
) -> None:
    """(Re)create PARENT and CHILD with the given rows (no constraints besides the keys)."""
    meta = sa.MetaData()
    parent = sa.Table(
        "PARENT", meta, sa.Column("ID", sa.Integer, primary_key=True, autoincrement=False)
    )
    child = sa.Table(
        "CHILD",
        meta,
        sa.Column("ID", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("PARENTID", sa.Integer),
        sa.Column("A", sa.Integer),
        sa.Column("B", sa.Integer),
    )
    with engine.begin() as connection:
        meta.drop_all(connection)
        meta.create_all(connection)
        if parents:
            connection.execute(parent.insert(), [{"ID": p} for p in parents])
        if children:
            connection.execute(
                child.insert(),
                [{"ID": i, "PARENTID": p, "A": a, "B": b} for i, p, a, b in children],
            )


def self_reference_model() -> Model:
    """Node(Id, ParentId → Node itself, Ignore rule, no FK): a table's reference to itself."""
    ref = _ignore_reference("Node", "NODE")
    attributes = [_attr("Id", True), _attr("ParentId", reference=ref)]
    return _model(_entity("Node", "NODE", attributes, [_pk("NODE", "ID")]))


# Node rows (id, parent id): 4 and 5 point at 99 and 98, which no row has; 3 points at itself.
SELF_ROWS: list[tuple[int, int | None]] = [(1, None), (2, 1), (3, 3), (4, 99), (5, 98), (6, 99)]


def create_self_table(engine: sa.Engine, rows: list[tuple[int, int | None]] = SELF_ROWS) -> None:
    """(Re)create NODE with the given (id, parent id) rows, without a constraint on PARENTID."""
    meta = sa.MetaData()
    node = sa.Table(
        "NODE",
        meta,
        sa.Column("ID", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("PARENTID", sa.Integer),
    )
    with engine.begin() as connection:
        meta.drop_all(connection)
        meta.create_all(connection)
        connection.execute(node.insert(), [{"ID": i, "PARENTID": p} for i, p in rows])
