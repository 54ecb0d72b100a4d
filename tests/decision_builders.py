"""Typed decisions.json entries for tests: every field defaulted, overrides by keyword."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from osddl.policy.contract import (
    DecidedColumn,
    DecidedReference,
    DecidedUnique,
    DecisionCounts,
    DecisionsDocument,
    Setting,
)


def _place(schema: str, table: str, name: str) -> dict[str, str]:
    return {"schema": schema, "table": table, "physical": f"{schema}.{table}.{name}"}


def column(
    schema: str = "dbo", table: str = "CHILD", name: str = "A", **more: Any
) -> DecidedColumn:
    base = DecidedColumn(
        module="M",
        entity="Child",
        **_place(schema, table, name),
        attribute=name.title(),
        column=name,
        signal="mandatory",
        make_not_null=False,
        requires_remediation=False,
        rationales=["MANDATORY"],
        null_count=0,
    )
    return replace(base, **more)


def unique(
    schema: str = "dbo", table: str = "CHILD", name: str = "UIX_A", **more: Any
) -> DecidedUnique:
    base = DecidedUnique(
        module="M",
        entity="Child",
        **_place(schema, table, name),
        index=name,
        attributes=["A"],
        columns=["A"],
        signal="existing",
        enforce_unique=True,
        requires_remediation=False,
        rationales=["UNIQUE_CLEAN"],
        duplicate_rows=0,
    )
    return replace(base, **more)


def reference(
    schema: str = "dbo", table: str = "CHILD", name: str = "PARENTID", **more: Any
) -> DecidedReference:
    base = DecidedReference(
        module="M",
        entity="Child",
        **_place(schema, table, name),
        attribute="ParentId",
        column=name,
        referenced_schema="dbo",
        referenced_table="PARENT",
        referenced_column="ID",
        signal="clean",
        create_fk=True,
        with_check=True,
        on_delete="NO_ACTION",
        existing_constraint=None,
        requires_remediation=False,
        rationales=["FK_ENFORCED"],
        orphan_count=0,
    )
    return replace(base, **more)


def document(
    columns: list[DecidedColumn] | None = None,
    uniques: list[DecidedUnique] | None = None,
    references: list[DecidedReference] | None = None,
    mode: str = "evidence-gated",
) -> DecisionsDocument:
    """A decisions.json document whose counts agree with its entries."""
    columns, uniques, references = columns or [], uniques or [], references or []
    every = [*columns, *uniques, *references]
    return DecisionsDocument(
        mode=mode,
        options={"policy.mode": Setting(mode, "default")},
        counts=DecisionCounts(
            columns=len(columns),
            not_null=sum(c.make_not_null for c in columns),
            unique_indexes=len(uniques),
            unique_enforced=sum(u.enforce_unique for u in uniques),
            references=len(references),
            foreign_keys=sum(r.create_fk for r in references),
            requires_remediation=sum(d.requires_remediation for d in every),
        ),
        columns=columns,
        unique_indexes=uniques,
        references=references,
    )
