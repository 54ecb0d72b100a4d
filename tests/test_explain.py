"""`osddl explain`: decisions with their evidence and rationale texts, filtered by module, entity
and rationale code; a filter naming nothing decided is one message listing what exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from osddl.errors import InputError
from osddl.explain import ExplainFilter, explain_file
from osddl.policy.rationale import RATIONALES
from osddl.policy.store import write_decisions
from tests.decision_builders import column, document, reference, unique


@pytest.fixture
def decisions(tmp_path: Path) -> Path:
    file = tmp_path / "decisions.json"
    doc = document(
        columns=[
            column(name="NAME", make_not_null=True, rationales=["DATA_NO_NULLS", "MANDATORY"]),
            column(
                name="NOTE",
                module="Sales",
                entity="Order",
                null_count=7,
                rationales=["DATA_HAS_NULLS"],
            ),
        ],
        uniques=[unique(duplicate_rows=None, enforce_unique=False,
                        rationales=["EVIDENCE_MISSING"])],
        references=[reference(orphan_count=3, create_fk=False, requires_remediation=True,
                              rationales=["DATA_HAS_ORPHANS", "REMEDIATION_REQUIRED"])],
    )  # fmt: skip
    write_decisions(file, doc)
    return file


def test_every_decision_with_evidence_and_rationale_text(decisions: Path) -> None:
    text = explain_file(decisions, ExplainFilter())
    assert "M::Child column Name  (dbo.CHILD.NAME)\n  decision: NOT NULL\n" in text
    assert "  evidence: 0 NULLs; signal mandatory\n" in text
    assert f"  DATA_NO_NULLS: {RATIONALES['DATA_NO_NULLS']}\n" in text
    assert "Sales::Order column Note" in text and "  evidence: 7 NULLs;" in text
    assert "  decision: not unique\n  evidence: no evidence of duplicate rows;" in text
    assert "  decision: no foreign key  [needs remediation]\n  evidence: 3 orphans;" in text
    assert text.endswith(f"4 decision(s) in {decisions} (mode evidence-gated)\n")


@pytest.mark.parametrize(
    ("chosen", "count", "present"),
    [
        (ExplainFilter(module="sales"), 1, "Sales::Order column Note"),
        (ExplainFilter(entity="CHILD"), 3, "M::Child column Name"),
        (ExplainFilter(module="M", rationale="remediation_required"), 1, "reference ParentId"),
        (ExplainFilter(rationale="DATA_HAS_NULLS"), 1, "Sales::Order column Note"),
    ],
)
def test_filters_keep_only_matching_decisions(
    decisions: Path, chosen: ExplainFilter, count: int, present: str
) -> None:
    text = explain_file(decisions, chosen)
    assert text.endswith(f"{count} decision(s) in {decisions} (mode evidence-gated)\n")
    assert present in text
    assert text.count("  decision: ") == count


@pytest.mark.parametrize(
    ("chosen", "message"),
    [
        (
            ExplainFilter(module="Billing"),
            "explain --module 'Billing': not decided; known: M, Sales",
        ),
        (ExplainFilter(entity="Nope"), "explain --entity 'Nope': not decided; known: Child, Order"),
        (ExplainFilter(rationale="WHY"), "explain --rationale 'WHY': unknown code; known: PK,"),
    ],
)
def test_an_unknown_filter_lists_what_exists(
    decisions: Path, chosen: ExplainFilter, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        explain_file(decisions, chosen)
    assert str(caught.value).startswith(message)
