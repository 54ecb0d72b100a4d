"""Every row of the policy matrix, as a worked case, in every mode: the test reads the same table
that the code evaluates and docs/policy.md shows."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from osddl.errors import InputError
from osddl.model.contract import Attribute, Entity, Model
from osddl.policy.decide import Decisions, PolicyOptions, decide
from osddl.policy.matrix import MATRIX, MODES, Row
from osddl.profile.evidence import Evidence
from tests.profile_models import parent_child_model

CHILD_A = "M::Child.A"


def _edit(model: Model, entity: str, **changes: Any) -> Model:
    module = model.modules[0]
    entities = [replace(e, **changes) if e.name == entity else e for e in module.entities]
    return replace(model, modules=[replace(module, entities=entities)])


def _attribute(model: Model, name: str, **changes: Any) -> Model:
    child = next(e for e in model.modules[0].entities if e.name == "Child")
    attrs = [replace(a, **changes) if a.name == name else a for a in child.attributes]
    return _edit(model, "Child", attributes=attrs)


def _nullable(a: Attribute, nullable: bool = True) -> Any:
    assert a.on_disk is not None
    return replace(a.on_disk, is_nullable=nullable)


def _child(model: Model) -> Entity:
    return next(e for e in model.modules[0].entities if e.name == "Child")


def evidence(kind: str, name: str, status: str = "succeeded", **counts: Any) -> Evidence:
    return Evidence(
        kind=kind,
        module="M",
        entity="Child",
        schema="dbo",
        table="CHILD",
        name=name,  # type: ignore[arg-type]
        columns=[name],
        attributes=[name],
        status=status,
        row_count=100,
        **counts,
    )  # type: ignore[arg-type]


def column_case(
    mandatory: bool = False,
    physical_null: bool = True,
    nulls: int | None = 0,
    status: str = "succeeded",
    unique: bool = False,
    **options: Any,
) -> tuple[Model, list[Evidence], PolicyOptions]:
    model = parent_child_model()
    a = next(x for x in _child(model).attributes if x.name == "A")
    model = _attribute(model, "A", is_mandatory=mandatory, on_disk=_nullable(a, physical_null))
    if not unique:
        model = _edit(model, "Child", indexes=[i for i in _child(model).indexes if i.kind == "PK"])
    rows = [evidence("column", "A", status, null_count=nulls if status != "timeout" else None)]
    return model, rows, PolicyOptions(**options)


def unique_case(
    disabled: bool = True, dupes: int | None = 0, status: str = "succeeded"
) -> tuple[Model, list[Evidence], PolicyOptions]:
    model = parent_child_model()
    indexes = [
        replace(i, is_disabled=disabled) if i.name == "UIX_CHILD_A" else i
        for i in _child(model).indexes
        if i.name != "UIX_CHILD_A_B"
    ]
    model = _edit(model, "Child", indexes=indexes)
    found = evidence(
        "unique", "UIX_CHILD_A", status, duplicate_groups=dupes, duplicate_rows=2 * (dupes or 0)
    )
    return model, [found], PolicyOptions()


def reference_case(
    rule: str = "Protect",
    db: bool = False,
    trusted: bool | None = None,
    orphans: int | None = 0,
    status: str = "succeeded",
    target: str = "PARENT",
    parent: dict[str, Any] | None = None,
    **options: Any,
) -> tuple[Model, list[Evidence], PolicyOptions]:
    model = parent_child_model()
    ref = next(a for a in _child(model).attributes if a.name == "ParentId").reference
    assert ref is not None
    model = _attribute(
        model,
        "ParentId",
        reference=replace(
            ref,
            delete_rule=rule,
            has_db_constraint=db,
            is_trusted=trusted,
            physical_name=target,
            constraint_name="FK_EXISTING" if db else None,
        ),
    )
    if parent:
        model = _edit(model, "Parent", **parent)
        if "schema" in parent:
            model = _attribute(
                model,
                "ParentId",
                reference=replace(_child(model).attributes[1].reference, schema=parent["schema"]),
            )
    found = evidence(
        "reference", "ParentId", status, orphan_count=orphans, orphan_distinct_values=orphans
    )
    return model, [found], PolicyOptions(**options)


# One worked case per matrix row: (kind, signal) → the situation that must produce it.
SITUATIONS: dict[tuple[str, str], Any] = {
    ("not_null", "pk"): (lambda: column_case(), "ID"),
    ("not_null", "physical"): (lambda: column_case(physical_null=False), "A"),
    ("not_null", "forced_clean"): (lambda: column_case(force_not_null=(CHILD_A,)), "A"),
    ("not_null", "forced_dirty"): (lambda: column_case(nulls=3, force_not_null=(CHILD_A,)), "A"),
    ("not_null", "kept_nullable"): (
        lambda: column_case(mandatory=True, keep_nullable=(CHILD_A,)),
        "A",
    ),
    ("not_null", "candidate_clean"): (lambda: column_case(mandatory=True), "A"),
    ("not_null", "candidate_budget"): (
        lambda: column_case(mandatory=True, nulls=1, null_budget=0.05),
        "A",
    ),
    ("not_null", "candidate_dirty"): (lambda: column_case(mandatory=True, nulls=10), "A"),
    ("not_null", "candidate_missing"): (lambda: column_case(mandatory=True, status="timeout"), "A"),
    ("not_null", "candidate_sampled"): (lambda: column_case(mandatory=True, status="sampled"), "A"),
    ("not_null", "implied_clean"): (lambda: column_case(unique=True), "A"),
    ("not_null", "implied_other"): (lambda: column_case(unique=True, nulls=5), "A"),
    ("not_null", "not_candidate"): (lambda: column_case(), "A"),
    ("unique", "existing"): (lambda: unique_case(disabled=False), "UIX_CHILD_A"),
    ("unique", "candidate_clean"): (lambda: unique_case(), "UIX_CHILD_A"),
    ("unique", "candidate_dirty"): (lambda: unique_case(dupes=2), "UIX_CHILD_A"),
    ("unique", "candidate_missing"): (
        lambda: unique_case(dupes=None, status="error"),
        "UIX_CHILD_A",
    ),
    ("unique", "candidate_sampled"): (lambda: unique_case(status="sampled"), "UIX_CHILD_A"),
    ("foreign_key", "existing_trusted"): (
        lambda: reference_case(db=True, trusted=True),
        "PARENTID",
    ),
    ("foreign_key", "existing_untrusted_clean"): (
        lambda: reference_case(db=True, trusted=False),
        "PARENTID",
    ),
    ("foreign_key", "existing_untrusted_dirty"): (
        lambda: reference_case(db=True, trusted=False, orphans=3),
        "PARENTID",
    ),
    ("foreign_key", "creation_disabled"): (
        lambda: reference_case(enable_fk_creation=False),
        "PARENTID",
    ),
    ("foreign_key", "target_missing"): (lambda: reference_case(target="NOPE"), "PARENTID"),
    ("foreign_key", "cross_catalog"): (
        lambda: reference_case(parent={"catalog": "Other"}),
        "PARENTID",
    ),
    ("foreign_key", "cross_schema"): (
        lambda: reference_case(parent={"schema": "billing"}),
        "PARENTID",
    ),
    ("foreign_key", "ignore_enforced"): (
        lambda: reference_case(rule="Ignore", enforce_ignore_rule=True),
        "PARENTID",
    ),
    ("foreign_key", "ignore"): (lambda: reference_case(rule="Ignore", orphans=2), "PARENTID"),
    ("foreign_key", "rule_clean"): (lambda: reference_case(), "PARENTID"),
    ("foreign_key", "rule_dirty"): (lambda: reference_case(orphans=4), "PARENTID"),
    ("foreign_key", "rule_missing"): (
        lambda: reference_case(orphans=None, status="timeout"),
        "PARENTID",
    ),
    ("foreign_key", "rule_sampled"): (lambda: reference_case(status="sampled"), "PARENTID"),
}


def _decision(decisions: Decisions, kind: str, name: str) -> Any:
    items = {
        "not_null": decisions.columns,
        "unique": decisions.uniques,
        "foreign_key": decisions.references,
    }[kind]
    return next(
        d
        for d in items
        if d.place.table == "CHILD"
        and getattr(d, "index" if kind == "unique" else "column") == name
    )


FLAGS = {"not_null": "make_not_null", "unique": "enforce_unique", "foreign_key": "create_fk"}


def _outcome(kind: str, decision: Any) -> str:
    if not getattr(decision, FLAGS[kind]):
        return "keep"
    if decision.requires_remediation:
        return "remediate"
    if kind == "foreign_key" and not decision.with_check:
        return "nocheck"
    return "apply"


def test_every_matrix_row_has_a_worked_case() -> None:
    assert set(SITUATIONS) == {(r.kind, r.signal) for r in MATRIX}


@pytest.mark.parametrize("row", MATRIX, ids=lambda r: f"{r.kind}:{r.signal}")
@pytest.mark.parametrize("mode", MODES)
def test_matrix_row_outcome(row: Row, mode: str) -> None:
    build, name = SITUATIONS[(row.kind, row.signal)]
    model, rows, options = build()
    decision = _decision(decide(model, rows, replace(options, mode=mode)), row.kind, name)
    assert decision.signal == row.signal
    assert _outcome(row.kind, decision) == row.outcome(mode)
    assert set(row.codes(mode)) <= set(decision.rationales)
    assert ("REMEDIATION_REQUIRED" in decision.rationales) == decision.requires_remediation


def test_ignore_rule_never_creates_fk_without_the_toggle() -> None:
    model, rows, options = reference_case(rule="Ignore")
    for mode in MODES:
        decision = _decision(
            decide(model, rows, replace(options, mode=mode)), "foreign_key", "PARENTID"
        )
        assert not decision.create_fk and "DELETE_RULE_IGNORE" in decision.rationales


def test_delete_rule_sets_the_delete_action() -> None:
    for rule, action in (("Delete", "CASCADE"), ("Protect", "NO_ACTION"), ("SetNull", "SET_NULL")):
        model, rows, options = reference_case(rule=rule)
        decision = _decision(decide(model, rows, options), "foreign_key", "PARENTID")
        assert decision.create_fk and decision.on_delete == action


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            PolicyOptions(keep_nullable=("M::Child.Aa",)),
            "policy.keep_nullable[0]: 'M::Child.Aa' names no attribute of the model; expected "
            "Module::Entity.Attribute; did you mean 'M::Child.A'?",
        ),
        (
            PolicyOptions(force_not_null=("M::Child.A", "X::Y.Z")),
            "policy.force_not_null[1]: 'X::Y.Z' names no attribute of the model; expected "
            "Module::Entity.Attribute",
        ),
    ],
)
def test_override_naming_an_unknown_attribute(options: PolicyOptions, message: str) -> None:
    model, rows, _ = column_case()
    with pytest.raises(InputError) as error:
        decide(model, rows, options)
    assert str(error.value) == message
