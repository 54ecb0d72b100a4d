"""decisions.json (`osddl.decisions/1`) and decision-report.json as typed dataclasses.

Python names are snake_case; JSON keys are the same names in camelCase (the codec in
`osddl.model.codec` converts both ways and generates the JSON Schemas under `docs/schemas/`).
Every field is required in JSON (null where unknown). These are the files' contracts, flattened
for readers; the policy's own working types are in `decide.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

from osddl.model.contract import FkAction

DECISIONS_VERSION: Final = "osddl.decisions/1"
REPORT_VERSION: Final = "osddl.decision-report/1"

RiskKind = Literal["notNull", "unique", "foreignKey"]

# ---- decisions.json ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One `policy.*` or `foreign_keys.*` setting and where its value came from."""

    value: Any
    source: str


@dataclass(frozen=True)
class DecisionCounts:
    columns: int
    not_null: int
    unique_indexes: int
    unique_enforced: int
    references: int
    foreign_keys: int
    requires_remediation: int


@dataclass(frozen=True)
class DecidedColumn:
    """NOT NULL or not, for one column; `physical` is `schema.table.column`."""

    module: str
    entity: str
    schema: str
    table: str
    physical: str
    attribute: str
    column: str
    signal: str
    make_not_null: bool
    requires_remediation: bool
    rationales: list[str]
    null_count: int | None


@dataclass(frozen=True)
class DecidedUnique:
    """Enforce or not, for one unique index or candidate; `physical` is `schema.table.index`."""

    module: str
    entity: str
    schema: str
    table: str
    physical: str
    index: str
    attributes: list[str]
    columns: list[str]
    signal: str
    enforce_unique: bool
    requires_remediation: bool
    rationales: list[str]
    duplicate_rows: int | None


@dataclass(frozen=True)
class DecidedReference:
    """Create the FK or not, for one reference; `physical` is `schema.table.column`."""

    module: str
    entity: str
    schema: str
    table: str
    physical: str
    attribute: str
    column: str
    referenced_schema: str
    referenced_table: str
    referenced_column: str | None
    signal: str
    create_fk: bool
    with_check: bool
    on_delete: FkAction
    existing_constraint: str | None
    requires_remediation: bool
    rationales: list[str]
    orphan_count: int | None


@dataclass(frozen=True)
class DecisionsDocument:
    """Every decision, keyed by module/entity and physical name, sorted by schema, table, name."""

    mode: str
    options: dict[str, Setting]
    counts: DecisionCounts
    columns: list[DecidedColumn]
    unique_indexes: list[DecidedUnique]
    references: list[DecidedReference]
    schema_version: Literal["osddl.decisions/1"] = DECISIONS_VERSION


# ---- decision-report.json ---------------------------------------------------------------------


@dataclass(frozen=True)
class SkippedForeignKey:
    entity: str
    attribute: str
    target: str  # schema.table
    reasons: list[str]


@dataclass(frozen=True)
class ModuleRollup:
    module: str
    columns_tightened: int
    uniques_enforced: int
    foreign_keys_created: int
    foreign_keys_skipped: list[SkippedForeignKey]
    remediation_needed: int


@dataclass(frozen=True)
class Risk:
    kind: RiskKind
    module: str
    entity: str
    name: str
    rows: int | None
    rationales: list[str]


@dataclass(frozen=True)
class ValueMisfit:
    """A column whose profiled values its emitted type refuses (or rounds), and the remedies:
    widen the type to `widenTo` (None: no SQL Server type holds them), or fix the rows `listing`
    selects."""

    module: str
    entity: str
    attribute: str
    physical: str  # schema.table.column
    emitted_type: str
    observed: str
    problem: str
    widen_to: str | None
    listing: str


@dataclass(frozen=True)
class DecisionReport:
    """Per-module rollups, the ten remediation items with the most affected rows, and the values
    that do not fit their emitted type."""

    mode: str
    counts: DecisionCounts
    modules: list[ModuleRollup]
    top_risks: list[Risk]
    value_fit: list[ValueMisfit]  # values that do not fit their emitted type (profile evidence)
    schema_version: Literal["osddl.decision-report/1"] = REPORT_VERSION
