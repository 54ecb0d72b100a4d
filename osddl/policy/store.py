"""Reading and writing decisions.json (and the schema of decision-report.json): typed, checked."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from osddl.policy.contract import (
    DECISIONS_VERSION,
    REPORT_VERSION,
    DecisionReport,
    DecisionsDocument,
)
from osddl.typed_json import TypedJson

DECISIONS_JSON: Final = TypedJson(
    DecisionsDocument, DECISIONS_VERSION, "decisions", "osddl decisions", "decide"
)
DECISION_REPORT_JSON: Final = TypedJson(
    DecisionReport, REPORT_VERSION, "decision-report", "osddl decision report", "decide"
)


def write_decisions(path: Path, document: DecisionsDocument) -> None:
    """Write decisions.json atomically (canonical JSON)."""
    DECISIONS_JSON.write(path, document)


def read_decisions(path: Path) -> DecisionsDocument:
    """decisions.json, version- and schema-checked; any problem is a one-line InputError."""
    return DECISIONS_JSON.read(path)
