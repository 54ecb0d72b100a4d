"""The closed set of rationale codes; docs/policy.md shows this table, one line each."""

from __future__ import annotations

RATIONALES: dict[str, str] = {
    "PK": "The column is part of the primary key.",
    "PHYSICAL_NOT_NULL": "The column is already NOT NULL in the database.",
    "MANDATORY": "The attribute is mandatory in the OutSystems model.",
    "DATA_NO_NULLS": "The profile found no NULLs.",
    "DATA_HAS_NULLS": "The profile found NULLs (more than the null budget allows).",
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
