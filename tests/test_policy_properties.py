"""Properties of the tightening policy over generated models, profiles and options
(docs: spec 02, "The tightening policy"): monotone in mode and in evidence, deterministic,
independent of input order, and every decision explained by a closed, sorted set of codes."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osddl.model.contract import Model
from osddl.policy.decide import (
    ColumnDecision,
    Decisions,
    PolicyOptions,
    ReferenceDecision,
    UniqueDecision,
    decide,
)
from osddl.policy.matrix import MODES
from osddl.policy.rationale import CONSISTENCY, MODE_CODES, RATIONALES, DecisionKind, consistent
from osddl.profile.evidence import EVIDENCE_STATUSES, Evidence
from tests.policy_strategies import cases

Case = tuple[Model, list[Evidence], PolicyOptions]
Where = tuple[str, str, str]

PROPERTY = settings(max_examples=150, deadline=None)
# The count that makes evidence "dirty", per kind of row.
BAD_COUNT = {"column": "null_count", "unique": "duplicate_groups", "reference": "orphan_count"}


def constraints(decisions: Decisions) -> tuple[set[Where], set[Where], set[Where]]:
    """(NOT NULL columns, enforced unique indexes, created FKs), by physical place."""
    return (
        {(d.place.schema, d.place.table, d.column) for d in decisions.columns if d.make_not_null},
        {(d.place.schema, d.place.table, d.index) for d in decisions.uniques if d.enforce_unique},
        {(d.place.schema, d.place.table, d.column) for d in decisions.references if d.create_fk},
    )


def at_least(bigger: Decisions, smaller: Decisions) -> None:
    for kind, big, small in zip(
        ("not null", "unique", "foreign key"),
        constraints(bigger),
        constraints(smaller),
        strict=True,
    ):
        assert small <= big, f"{kind}: {sorted(small - big)} lost"


def every_decision(
    decisions: Decisions,
) -> list[ColumnDecision | UniqueDecision | ReferenceDecision]:
    return [*decisions.columns, *decisions.uniques, *decisions.references]


def in_mode(options: PolicyOptions, mode: str) -> PolicyOptions:
    return replace(options, mode=mode)


# ---- monotone in mode ----------------------------------------------------------------------


@PROPERTY
@given(cases())
def test_each_mode_keeps_every_constraint_of_the_mode_before(case: Case) -> None:
    model, evidence, options = case
    cautious, gated, aggressive = (decide(model, evidence, in_mode(options, m)) for m in MODES)
    at_least(gated, cautious)
    at_least(aggressive, gated)


@PROPERTY
@given(cases())
def test_cautious_asks_for_remediation_only_when_an_override_forces_it(case: Case) -> None:
    model, evidence, options = case
    decisions = decide(model, evidence, in_mode(options, "cautious"))
    for d in every_decision(decisions):
        if d.requires_remediation:
            assert d.signal == "forced_dirty", d


# ---- monotone in evidence ------------------------------------------------------------------


@st.composite
def cleaner(draw: st.DrawFn) -> tuple[Case, list[tuple[str, list[Evidence]]]]:
    """A case, and for each row with a null, duplicate or orphan count: the profile with that one
    count lowered (zero half the time; same status, the other counts kept consistent)."""
    model, evidence, options = draw(cases())
    variants = []
    for k, row in enumerate(evidence):
        field = BAD_COUNT[row.kind]
        bad = getattr(row, field)
        if row.status not in EVIDENCE_STATUSES or not bad:
            continue
        lower = draw(st.just(0) | st.integers(0, bad - 1))
        changes: dict[str, int] = {field: lower}
        if row.kind == "unique":
            assert row.duplicate_rows is not None
            changes["duplicate_rows"] = (
                draw(st.integers(2 * lower, row.duplicate_rows)) if lower else 0
            )
        if row.kind == "reference":
            assert row.orphan_distinct_values is not None
            changes["orphan_distinct_values"] = min(row.orphan_distinct_values, lower)
        what = f"{row.kind} {row.table}.{row.name} ({row.status}): {field} {bad} -> {lower}"
        cleaner_row = copy.copy(row)
        for name, value in changes.items():
            setattr(cleaner_row, name, value)
        variants.append((what, [*evidence[:k], cleaner_row, *evidence[k + 1 :]]))
    return (model, evidence, options), variants


@settings(PROPERTY, max_examples=200)
@given(cleaner())
def test_fewer_nulls_duplicates_or_orphans_never_remove_a_constraint(
    args: tuple[Case, list[tuple[str, list[Evidence]]]],
) -> None:
    (model, evidence, options), variants = args
    for mode in MODES:
        before = decide(model, evidence, in_mode(options, mode))
        for what, lowered in variants:
            after = decide(model, lowered, in_mode(options, mode))
            try:
                at_least(after, before)
            except AssertionError as error:
                raise AssertionError(f"{mode}, after lowering {what}: {error}") from None


# ---- deterministic and independent of input order ------------------------------------------


@PROPERTY
@given(cases())
def test_decide_is_deterministic_and_leaves_its_inputs_alone(case: Case) -> None:
    model, evidence, options = case
    snapshot = copy.deepcopy((model, evidence, options))
    first = decide(model, evidence, options)
    assert decide(model, iter(evidence), options) == first
    assert (model, evidence, options) == snapshot


@st.composite
def reordered(draw: st.DrawFn) -> tuple[Case, Model, list[Evidence]]:
    """A case, and the same model and profile in another order (modules, entities, attributes,
    indexes, evidence rows); each attribute keeps its own identifier flag."""
    model, evidence, options = draw(cases())
    modules = [
        replace(
            module,
            entities=[
                replace(
                    entity,
                    attributes=list(draw(st.permutations(entity.attributes))),
                    indexes=list(draw(st.permutations(entity.indexes))),
                )
                for entity in draw(st.permutations(module.entities))
            ],
        )
        for module in draw(st.permutations(model.modules))
    ]
    shuffled = replace(model, modules=modules)
    return (model, evidence, options), shuffled, list(draw(st.permutations(evidence)))


@PROPERTY
@given(reordered())
def test_decisions_do_not_depend_on_input_order(
    args: tuple[Case, Model, list[Evidence]],
) -> None:
    (model, evidence, options), shuffled_model, shuffled_evidence = args
    for mode in MODES:
        assert decide(shuffled_model, shuffled_evidence, in_mode(options, mode)) == decide(
            model, evidence, in_mode(options, mode)
        )


# ---- rationales ----------------------------------------------------------------------------


@PROPERTY
@given(cases())
def test_every_decision_is_explained_by_sorted_known_codes(case: Case) -> None:
    model, evidence, options = case
    for mode in MODES:
        decisions = decide(model, evidence, in_mode(options, mode))
        assert decisions.mode == mode
        for d in every_decision(decisions):
            codes = d.rationales
            where = f"{mode}: {d}"
            assert list(codes) == sorted(set(codes)), where
            assert set(codes) <= set(RATIONALES), where
            assert [c for c in codes if c.startswith("MODE_")] == [MODE_CODES[mode]], where
            remediation = d.requires_remediation
            assert remediation == ("REMEDIATION_REQUIRED" in codes), where


def _outcome(
    d: ColumnDecision | UniqueDecision | ReferenceDecision,
) -> tuple[DecisionKind, bool, bool]:
    """(kind, constrained, checked) of one decision."""
    if isinstance(d, ColumnDecision):
        return "column", d.make_not_null, d.make_not_null
    if isinstance(d, UniqueDecision):
        return "unique", d.enforce_unique, d.enforce_unique
    return "reference", d.create_fk, d.create_fk and d.with_check


@PROPERTY
@given(cases())
def test_every_rationale_code_agrees_with_the_decision_it_explains(case: Case) -> None:
    model, evidence, options = case
    for mode in MODES:
        for d in every_decision(decide(model, evidence, in_mode(options, mode))):
            kind, constrained, checked = _outcome(d)
            for code in d.rationales:
                assert consistent(
                    code,
                    kind,
                    mode,
                    constrained=constrained,
                    checked=checked,
                    remediation=d.requires_remediation,
                ), f"{mode}: {code} ({CONSISTENCY[code]}) contradicts {d}"


def test_every_rationale_code_has_a_consistency_rule() -> None:
    assert list(CONSISTENCY) == list(RATIONALES)


@pytest.mark.parametrize(
    ("code", "kind", "constrained", "checked", "remediation"),
    [
        ("FK_ENFORCED", "reference", False, False, False),  # the contradiction of issue 11
        ("FK_ENFORCED", "reference", True, False, False),  # WITH NOCHECK is not enforced
        ("NULL_BUDGET_USED", "column", False, False, False),
        ("DATA_HAS_ORPHANS", "reference", True, True, False),
        ("OVERRIDE_NULLABLE", "column", True, True, False),
        ("PK", "reference", True, True, False),
        ("MODE_AGGRESSIVE", "column", True, True, False),  # decided in Cautious
    ],
)
def test_contradictions_are_caught(
    code: str, kind: DecisionKind, constrained: bool, checked: bool, remediation: bool
) -> None:
    assert not consistent(
        code,
        kind,
        "cautious",
        constrained=constrained,
        checked=checked,
        remediation=remediation,
    )
