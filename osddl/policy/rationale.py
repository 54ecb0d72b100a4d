"""The closed set of rationale codes, and what each code says about the decision it explains.

`docs/policy.md` shows both tables (generated); `tests/test_policy_properties.py` checks every
decision of generated models against `CONSISTENCY`, so a code can never contradict its decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RATIONALES: dict[str, str] = {
    "PK": "The column is part of the primary key.",
    "PHYSICAL_NOT_NULL": "The column is already NOT NULL in the database.",
    "MANDATORY": "The attribute is mandatory in the OutSystems model.",
    "DATA_NO_NULLS": "The profile found no NULLs.",
    "DATA_HAS_NULLS": "The profile found NULLs (more than the null budget allows, or the mode "
    "does not use the budget).",
    "NULL_BUDGET_USED": "NULLs within `policy.null_budget`; they need a back-fill.",
    "UNIQUE_CLEAN": "The profile found no duplicate keys.",
    "UNIQUE_DUPLICATES": "The profile found duplicate keys.",
    "FK_ENFORCED": "The foreign key is created with a check of existing rows.",
    "FK_EXISTING_TRUSTED": "A trusted foreign key already exists in the database.",
    "FK_EXISTING_UNTRUSTED": "A foreign key exists but is not trusted (created or re-enabled "
    "WITH NOCHECK).",
    "DATA_HAS_ORPHANS": "The profile found child values without a parent row.",
    "DELETE_RULE_IGNORE": "The reference's delete rule is Ignore: dangling ids are expected.",
    "CROSS_SCHEMA": "The target is in another schema; `foreign_keys.allow_cross_schema` is off.",
    "CROSS_CATALOG": "The target is in another database and `foreign_keys.allow_cross_catalog` is "
    "off.",
    "FK_CREATION_DISABLED": "`foreign_keys.enable_creation` is off.",
    "EVIDENCE_MISSING": "No usable evidence: the probe timed out, failed or was skipped, or the "
    "target is not in the model.",
    "EVIDENCE_SAMPLED": "Evidence from a sample (`policy.accept_sampled_evidence` decides).",
    "REMEDIATION_REQUIRED": "The data must be fixed before the constraint can be applied "
    "(see the remediation pack).",
    "OVERRIDE_NULLABLE": "`policy.keep_nullable` lists this attribute.",
    "OVERRIDE_FORCED": "`policy.force_not_null` lists this attribute.",
    "MODE_CAUTIOUS": "Decided in Cautious mode.",
    "MODE_EVIDENCE_GATED": "Decided in EvidenceGated mode.",
    "MODE_AGGRESSIVE": "Decided in Aggressive mode.",
}

MODE_CODES: dict[str, str] = {
    "cautious": "MODE_CAUTIOUS",
    "evidence-gated": "MODE_EVIDENCE_GATED",
    "aggressive": "MODE_AGGRESSIVE",
}


# ---- what a code says about its decision ------------------------------------------------------
# A decision is a column (NOT NULL), a unique index or a reference (FK). "Constrained": the
# constraint is emitted (`makeNotNull`, `enforceUnique`, `createFk`); "checked": it checks the
# existing rows (always for NOT NULL and UNIQUE; `withCheck` for an FK).

DecisionKind = Literal["column", "unique", "reference"]
Requirement = Literal[
    "any",  # evidence or context only: consistent with every outcome
    "constrained",  # the constraint is emitted
    "kept",  # the constraint is not emitted
    "checked",  # the constraint is emitted and checks the existing rows
    "remediated",  # the constraint is emitted and needs remediation first
    "remediated_if_checked",  # dirty or unknown data: a checked constraint needs remediation
    "mode",  # the decision's own mode (MODE_*)
]
ALL_KINDS: tuple[DecisionKind, ...] = ("column", "unique", "reference")


@dataclass(frozen=True)
class Consistency:
    kinds: tuple[DecisionKind, ...]  # decisions the code may explain
    requires: Requirement


CONSISTENCY: dict[str, Consistency] = {
    "PK": Consistency(("column",), "constrained"),
    "PHYSICAL_NOT_NULL": Consistency(("column",), "constrained"),
    "MANDATORY": Consistency(("column",), "any"),
    "DATA_NO_NULLS": Consistency(("column",), "any"),
    "DATA_HAS_NULLS": Consistency(("column",), "remediated_if_checked"),
    "NULL_BUDGET_USED": Consistency(("column",), "remediated"),
    "UNIQUE_CLEAN": Consistency(("unique",), "any"),
    "UNIQUE_DUPLICATES": Consistency(("unique",), "remediated_if_checked"),
    "FK_ENFORCED": Consistency(("reference",), "checked"),
    "FK_EXISTING_TRUSTED": Consistency(("reference",), "checked"),
    "FK_EXISTING_UNTRUSTED": Consistency(("reference",), "constrained"),
    "DATA_HAS_ORPHANS": Consistency(("reference",), "remediated_if_checked"),
    "DELETE_RULE_IGNORE": Consistency(("reference",), "any"),
    "CROSS_SCHEMA": Consistency(("reference",), "kept"),
    "CROSS_CATALOG": Consistency(("reference",), "kept"),
    "FK_CREATION_DISABLED": Consistency(("reference",), "kept"),
    "EVIDENCE_MISSING": Consistency(ALL_KINDS, "remediated_if_checked"),
    "EVIDENCE_SAMPLED": Consistency(ALL_KINDS, "any"),
    "REMEDIATION_REQUIRED": Consistency(ALL_KINDS, "remediated"),
    "OVERRIDE_NULLABLE": Consistency(("column",), "kept"),
    "OVERRIDE_FORCED": Consistency(("column",), "constrained"),
    "MODE_CAUTIOUS": Consistency(ALL_KINDS, "mode"),
    "MODE_EVIDENCE_GATED": Consistency(ALL_KINDS, "mode"),
    "MODE_AGGRESSIVE": Consistency(ALL_KINDS, "mode"),
}

REQUIREMENTS: dict[Requirement, str] = {
    "any": "any decision",
    "constrained": "the constraint is emitted",
    "kept": "no constraint is emitted",
    "checked": "the constraint is emitted and checks existing rows (an FK WITH CHECK)",
    "remediated": "the constraint is emitted and `requiresRemediation`",
    "remediated_if_checked": "a checked constraint must be `requiresRemediation`",
    "mode": "the decision's own mode",
}


def consistent(
    code: str,
    kind: DecisionKind,
    mode: str,
    *,
    constrained: bool,
    checked: bool,
    remediation: bool,
) -> bool:
    """Whether `code` may explain a decision of `kind` with these outcomes (the table above)."""
    rule = CONSISTENCY[code]
    if kind not in rule.kinds:
        return False
    return {
        "any": True,
        "constrained": constrained,
        "kept": not constrained,
        "checked": checked,
        "remediated": constrained and remediation,
        "remediated_if_checked": remediation or not checked,
        "mode": MODE_CODES.get(mode) == code,
    }[rule.requires]
