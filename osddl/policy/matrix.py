"""The policy matrix as data: (constraint kind, signal) → outcome per mode, with rationale codes.

`decide.py` derives one signal per column, unique index and reference, then reads its outcome here.
`docs/policy.md` renders this table and `tests/test_policy_matrix.py` walks every row: the three
cannot drift apart.

Outcomes: `keep` (no constraint), `apply` (constraint, data already fits), `remediate` (constraint,
the data must be fixed first), and for foreign keys `nocheck` (created WITH NOCHECK, untrusted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Outcome = Literal["keep", "apply", "remediate", "nocheck"]
ConstraintKind = Literal["not_null", "unique", "foreign_key"]
MODES = ("cautious", "evidence-gated", "aggressive")


@dataclass(frozen=True)
class Row:
    kind: ConstraintKind
    signal: str
    when: str  # the situation in words (docs)
    cautious: Outcome
    evidence_gated: Outcome
    aggressive: Outcome
    rationales: tuple[str, ...]
    # The codes when the mode holds the constraint back (`keep`, or `nocheck` for an FK), where
    # `rationales` would claim more than was decided; None: the same as `rationales`.
    held_back: tuple[str, ...] | None = None

    def codes(self, mode: str) -> tuple[str, ...]:
        """The row's rationale codes in `mode` (see `rationale.CONSISTENCY`)."""
        if self.held_back is None or self.outcome(mode) in ("apply", "remediate"):
            return self.rationales
        return self.held_back

    def outcome(self, mode: str) -> Outcome:
        return {
            "cautious": self.cautious,
            "evidence-gated": self.evidence_gated,
            "aggressive": self.aggressive,
        }[mode]


MATRIX: tuple[Row, ...] = (
    # NOT NULL: candidates are mandatory attributes; sole columns of an enforced unique index and
    # columns of a created FK are "implied" (tightened only on clean evidence).
    Row("not_null", "pk", "column of the primary key", "apply", "apply", "apply", ("PK",)),
    Row(
        "not_null",
        "physical",
        "already NOT NULL in the database",
        "apply",
        "apply",
        "apply",
        ("PHYSICAL_NOT_NULL",),
    ),
    Row(
        "not_null",
        "forced_clean",
        "listed in policy.force_not_null, no NULLs",
        "apply",
        "apply",
        "apply",
        ("OVERRIDE_FORCED", "DATA_NO_NULLS"),
    ),
    Row(
        "not_null",
        "forced_dirty",
        "listed in policy.force_not_null, NULLs or no evidence",
        "remediate",
        "remediate",
        "remediate",
        ("OVERRIDE_FORCED",),
    ),
    Row(
        "not_null",
        "kept_nullable",
        "listed in policy.keep_nullable",
        "keep",
        "keep",
        "keep",
        ("OVERRIDE_NULLABLE",),
    ),
    Row(
        "not_null",
        "candidate_clean",
        "candidate, probe succeeded, no NULLs",
        "keep",
        "apply",
        "apply",
        ("DATA_NO_NULLS",),
    ),
    Row(
        "not_null",
        "candidate_budget",
        "candidate, NULLs within policy.null_budget",
        "keep",
        "remediate",
        "remediate",
        ("NULL_BUDGET_USED",),
        held_back=("DATA_HAS_NULLS",),
    ),
    Row(
        "not_null",
        "candidate_dirty",
        "candidate, NULLs beyond the budget",
        "keep",
        "keep",
        "remediate",
        ("DATA_HAS_NULLS",),
    ),
    Row(
        "not_null",
        "candidate_missing",
        "candidate, no usable evidence",
        "keep",
        "keep",
        "remediate",
        ("EVIDENCE_MISSING",),
    ),
    Row(
        "not_null",
        "candidate_sampled",
        "candidate, sampled evidence not accepted",
        "keep",
        "keep",
        "remediate",
        ("EVIDENCE_SAMPLED",),
    ),
    Row(
        "not_null",
        "implied_clean",
        "optional, sole column of an enforced unique index or an FK column, no NULLs",
        "keep",
        "apply",
        "apply",
        ("DATA_NO_NULLS",),
    ),
    Row(
        "not_null",
        "implied_other",
        "optional, unique/FK column with NULLs or no evidence",
        "keep",
        "keep",
        "keep",
        (),
    ),
    Row("not_null", "not_candidate", "optional attribute", "keep", "keep", "keep", ()),
    # UNIQUE: every unique index of the model, plus profile.unique_candidates.
    Row(
        "unique",
        "existing",
        "unique index enforced in the database",
        "apply",
        "apply",
        "apply",
        ("UNIQUE_CLEAN",),
    ),
    Row(
        "unique",
        "candidate_clean",
        "not enforced, probe found no duplicates",
        "keep",
        "apply",
        "apply",
        ("UNIQUE_CLEAN",),
    ),
    Row(
        "unique",
        "candidate_dirty",
        "not enforced, duplicates found",
        "keep",
        "keep",
        "remediate",
        ("UNIQUE_DUPLICATES",),
    ),
    Row(
        "unique",
        "candidate_missing",
        "not enforced, no usable evidence",
        "keep",
        "keep",
        "remediate",
        ("EVIDENCE_MISSING",),
    ),
    Row(
        "unique",
        "candidate_sampled",
        "not enforced, sampled evidence not accepted",
        "keep",
        "keep",
        "remediate",
        ("EVIDENCE_SAMPLED",),
    ),
    # FOREIGN KEY: every reference attribute.
    Row(
        "foreign_key",
        "existing_trusted",
        "a trusted FK exists",
        "apply",
        "apply",
        "apply",
        ("FK_EXISTING_TRUSTED",),
    ),
    Row(
        "foreign_key",
        "existing_untrusted_clean",
        "an untrusted FK exists, no orphans",
        "nocheck",
        "apply",
        "apply",
        ("FK_EXISTING_UNTRUSTED", "FK_ENFORCED"),
        held_back=("FK_EXISTING_UNTRUSTED",),
    ),
    Row(
        "foreign_key",
        "existing_untrusted_dirty",
        "an untrusted FK exists, orphans or no evidence",
        "nocheck",
        "nocheck",
        "remediate",
        ("FK_EXISTING_UNTRUSTED",),
    ),
    Row(
        "foreign_key",
        "creation_disabled",
        "no FK and foreign_keys.enable_creation is off",
        "keep",
        "keep",
        "keep",
        ("FK_CREATION_DISABLED",),
    ),
    Row(
        "foreign_key",
        "target_missing",
        "the target entity is not in the model",
        "keep",
        "keep",
        "keep",
        ("EVIDENCE_MISSING",),
    ),
    Row(
        "foreign_key",
        "cross_catalog",
        "target in another database, not allowed",
        "keep",
        "keep",
        "keep",
        ("CROSS_CATALOG",),
    ),
    Row(
        "foreign_key",
        "cross_schema",
        "target in another schema, not allowed",
        "keep",
        "keep",
        "keep",
        ("CROSS_SCHEMA",),
    ),
    Row(
        "foreign_key",
        "ignore_enforced",
        "Ignore rule, enforce_ignore_rule on, no orphans",
        "keep",
        "apply",
        "apply",
        ("DELETE_RULE_IGNORE", "FK_ENFORCED"),
        held_back=("DELETE_RULE_IGNORE",),
    ),
    Row(
        "foreign_key",
        "ignore",
        "Ignore rule (otherwise)",
        "keep",
        "keep",
        "keep",
        ("DELETE_RULE_IGNORE",),
    ),
    Row(
        "foreign_key",
        "rule_clean",
        "Protect/Delete/SetNull, no orphans",
        "keep",
        "apply",
        "apply",
        ("FK_ENFORCED",),
        held_back=(),
    ),
    Row(
        "foreign_key",
        "rule_dirty",
        "Protect/Delete/SetNull, orphans found",
        "keep",
        "keep",
        "remediate",
        ("DATA_HAS_ORPHANS",),
    ),
    Row(
        "foreign_key",
        "rule_missing",
        "Protect/Delete/SetNull, no usable evidence",
        "keep",
        "keep",
        "remediate",
        ("EVIDENCE_MISSING",),
    ),
    Row(
        "foreign_key",
        "rule_sampled",
        "Protect/Delete/SetNull, sampled evidence not accepted",
        "keep",
        "keep",
        "remediate",
        ("EVIDENCE_SAMPLED",),
    ),
)

ROWS: dict[tuple[str, str], Row] = {(r.kind, r.signal): r for r in MATRIX}


def lookup(kind: ConstraintKind, signal: str, mode: str) -> tuple[Outcome, tuple[str, ...]]:
    """The outcome and rationale codes; `remediate` adds REMEDIATION_REQUIRED."""
    row = ROWS[(kind, signal)]
    outcome = row.outcome(mode)
    codes = set(row.codes(mode))
    if outcome == "remediate":
        codes.add("REMEDIATION_REQUIRED")
    return outcome, tuple(sorted(codes))
