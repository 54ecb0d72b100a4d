"""Orphan discovery, step two: each referenced id classified by identity, not by id alone.

- `in_uat`: the id is in both inventories as the same person (same Username or EMail,
  case-insensitive; blank never matches): kept as is.
- `collision`: the id is in UAT but as a different person, or the person cannot be confirmed
  because QA does not list the id: an orphan, unless `trust_matching_ids` keeps it.
- `orphan_known`: a QA user UAT does not have under that id.
- `orphan_unknown`: in neither inventory (dangling data).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

from osddl.uat_users.discovery import ColumnIds
from osddl.uat_users.ids import UserId, sort_key
from osddl.uat_users.inventory import Inventory, User

Classification = Literal["in_uat", "collision", "orphan_known", "orphan_unknown"]
CLASSIFICATIONS: Final[tuple[Classification, ...]] = (
    "in_uat",
    "collision",
    "orphan_known",
    "orphan_unknown",
)


@dataclass(frozen=True)
class ReferencedId:
    """A distinct id of the data, its class and provenance (column label → rows)."""

    id: UserId
    classification: Classification
    rows: int
    columns: tuple[tuple[str, int], ...]  # sorted by column label
    qa: User | None
    uat: User | None

    def needs_target(self, trust_matching_ids: bool) -> bool:
        """Orphans need a target; a collision too unless ids are trusted."""
        if self.classification == "collision":
            return not trust_matching_ids
        return self.classification != "in_uat"

    def columns_text(self, limit: int = 3) -> str:
        shown = [f"{label}: {rows}" for label, rows in self.columns[:limit]]
        more = len(self.columns) - limit
        return ", ".join(shown) + (f", and {more} more columns" if more > 0 else "")


def same_identity(qa: User, uat: User) -> bool:
    """Same Username or same EMail, case-insensitive; blank values never match."""

    def same(a: str, b: str) -> bool:
        return bool(a) and a.casefold() == b.casefold()

    return same(qa.username, uat.username) or same(qa.email, uat.email)


def classify_id(user_id: UserId, qa: Inventory, uat: Inventory) -> Classification:
    qa_user, uat_user = qa.get(user_id), uat.get(user_id)
    if uat_user is not None:
        if qa_user is not None and same_identity(qa_user, uat_user):
            return "in_uat"
        return "collision"
    return "orphan_known" if qa_user is not None else "orphan_unknown"


def classify(
    columns: Iterable[ColumnIds], qa: Inventory, uat: Inventory
) -> tuple[ReferencedId, ...]:
    """Every distinct id of the scanned columns, sorted by id."""
    provenance: dict[UserId, dict[str, int]] = {}
    for scanned in columns:
        for user_id, rows in scanned.counts:
            per_column = provenance.setdefault(user_id, {})
            label = scanned.column.label
            per_column[label] = per_column.get(label, 0) + rows
    out = []
    for user_id in sorted(provenance, key=sort_key):
        per_column = provenance[user_id]
        out.append(
            ReferencedId(
                id=user_id,
                classification=classify_id(user_id, qa, uat),
                rows=sum(per_column.values()),
                columns=tuple(sorted(per_column.items(), key=lambda i: (i[0].casefold(), i[0]))),
                qa=qa.get(user_id),
                uat=uat.get(user_id),
            )
        )
    return tuple(out)
