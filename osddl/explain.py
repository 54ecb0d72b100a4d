"""`osddl explain`: why a column was (not) tightened, read from decisions.json, not recomputed.

Each decided item prints as one block: what was decided, the evidence the profile gave, and every
rationale code with its text (the reference tool's `policy explain`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from osddl.errors import InputError
from osddl.policy.contract import (
    DecidedColumn,
    DecidedReference,
    DecidedUnique,
    DecisionsDocument,
)
from osddl.policy.rationale import RATIONALES
from osddl.policy.store import read_decisions

Decided = DecidedColumn | DecidedUnique | DecidedReference


@dataclass(frozen=True)
class ExplainFilter:
    module: str | None = None
    entity: str | None = None
    rationale: str | None = None

    def keeps(self, item: Decided) -> bool:
        return (
            _same(self.module, item.module)
            and _same(self.entity, item.entity)
            and (self.rationale is None or self.rationale.upper() in item.rationales)
        )


def _same(wanted: str | None, value: str) -> bool:
    return wanted is None or wanted.casefold() == value.casefold()


def explain_file(decisions_file: Path, chosen: ExplainFilter) -> str:
    """The explanation of every decision `chosen` keeps; an unknown filter value is an error that
    lists what exists."""
    decisions = read_decisions(decisions_file)
    _check_filter(decisions, chosen)
    items = [item for item in _items(decisions) if chosen.keeps(item)]
    blocks = [_block(item) for item in items]
    summary = f"{len(items)} decision(s) in {decisions_file} (mode {decisions.mode})"
    return "\n\n".join([*blocks, summary]) + "\n"


def _items(decisions: DecisionsDocument) -> Iterator[Decided]:
    yield from decisions.columns
    yield from decisions.unique_indexes
    yield from decisions.references


def _check_filter(decisions: DecisionsDocument, chosen: ExplainFilter) -> None:
    known = {
        "--module": sorted({i.module for i in _items(decisions)}, key=str.casefold),
        "--entity": sorted({i.entity for i in _items(decisions)}, key=str.casefold),
    }
    for option, value in (("--module", chosen.module), ("--entity", chosen.entity)):
        if value is not None and value.casefold() not in {k.casefold() for k in known[option]}:
            raise InputError(
                f"explain {option} {value!r}: not decided; known: {', '.join(known[option])}"
            )
    if chosen.rationale is not None and chosen.rationale.upper() not in RATIONALES:
        raise InputError(
            f"explain --rationale {chosen.rationale!r}: unknown code; "
            f"known: {', '.join(RATIONALES)}"
        )


def _block(item: Decided) -> str:
    decision, evidence = _decision_and_evidence(item)
    lines = [
        f"{item.module}::{item.entity} {_subject(item)}  ({item.physical})",
        f"  decision: {decision}{'  [needs remediation]' if item.requires_remediation else ''}",
        f"  evidence: {evidence}",
        *(f"  {code}: {RATIONALES.get(code, '(unknown code)')}" for code in item.rationales),
    ]
    return "\n".join(lines)


def _subject(item: Decided) -> str:
    if isinstance(item, DecidedUnique):
        return f"unique index {item.index} ({', '.join(item.attributes)})"
    if isinstance(item, DecidedReference):
        return f"reference {item.attribute} → {item.referenced_schema}.{item.referenced_table}"
    return f"column {item.attribute}"


def _count(value: int | None, what: str) -> str:
    return f"no evidence of {what}" if value is None else f"{value} {what}"


def _decision_and_evidence(item: Decided) -> tuple[str, str]:
    if isinstance(item, DecidedColumn):
        decision = "NOT NULL" if item.make_not_null else "stays nullable"
        return decision, f"{_count(item.null_count, 'NULLs')}; signal {item.signal}"
    if isinstance(item, DecidedUnique):
        decision = "UNIQUE" if item.enforce_unique else "not unique"
        return decision, f"{_count(item.duplicate_rows, 'duplicate rows')}; signal {item.signal}"
    if item.create_fk:
        check = "WITH CHECK" if item.with_check else "WITH NOCHECK"
        decision = f"FOREIGN KEY {check}, ON DELETE {item.on_delete}"
    else:
        decision = "no foreign key"
    existing = f"; existing {item.existing_constraint}" if item.existing_constraint else ""
    return decision, f"{_count(item.orphan_count, 'orphans')}; signal {item.signal}{existing}"
