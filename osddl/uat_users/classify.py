"""Orphan discovery, step two: each referenced id classified by identity, not by id alone.

- `in_uat`: the id is in both inventories as the same person (same Username or EMail,
  case-insensitive; blank never matches): kept as is.
- `collision`: the id is in UAT but as a different person, or the person cannot be confirmed
  because QA does not list the id: an orphan, unless `trust_matching_ids` keeps it.
- `orphan_known`: a QA user UAT does not have under that id.
- `orphan_unknown`: in neither inventory (dangling data).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import pyarrow as pa
import pyarrow.compute as pc

from osddl.uat_users.discovery import ColumnIds
from osddl.uat_users.ids import UserId
from osddl.uat_users.inventory import Inventory, User

Classification = Literal["in_uat", "collision", "orphan_known", "orphan_unknown"]
CLASSIFICATIONS: Final[tuple[Classification, ...]] = (
    "in_uat",
    "collision",
    "orphan_known",
    "orphan_unknown",
)


@dataclass(frozen=True, slots=True)
class ReferencedId:
    """A distinct id of the data, its class and its total rows (per-column provenance comes
    from `provenance`, only for the ids a report needs)."""

    id: UserId
    classification: Classification
    rows: int
    qa: User | None
    uat: User | None

    def needs_target(self, trust_matching_ids: bool) -> bool:
        """Orphans need a target; a collision too unless ids are trusted."""
        if self.classification == "collision":
            return not trust_matching_ids
        return self.classification != "in_uat"


def same_identity(qa: User, uat: User) -> bool:
    """Same Username or same EMail, case-insensitive; blank values never match."""

    def same(a: str, b: str) -> bool:
        return bool(a) and a.casefold() == b.casefold()

    return same(qa.username, uat.username) or same(qa.email, uat.email)


def classify_id(qa_user: User | None, uat_user: User | None) -> Classification:
    if uat_user is not None:
        if qa_user is not None and same_identity(qa_user, uat_user):
            return "in_uat"
        return "collision"
    return "orphan_known" if qa_user is not None else "orphan_unknown"


def classify(
    columns: Sequence[ColumnIds], qa: Inventory, uat: Inventory
) -> tuple[ReferencedId, ...]:
    """Every distinct id of the scanned columns with its total rows, sorted by id (the ids are
    merged by Arrow; one Python object per distinct id, none per column and id)."""
    tables = [c.table() for c in columns if len(c.ids)]
    if not tables:
        return ()
    merged = pa.concat_tables(tables).group_by("id").aggregate([("rows", "sum")]).sort_by("id")
    qa_get, uat_get = qa.users.get, uat.users.get
    out = []
    for user_id, rows in zip(
        merged.column("id").to_pylist(), merged.column("rows_sum").to_pylist(), strict=True
    ):
        qa_user, uat_user = qa_get(user_id), uat_get(user_id)
        out.append(ReferencedId(user_id, classify_id(qa_user, uat_user), rows, qa_user, uat_user))
    return tuple(out)


Provenance = tuple[tuple[str, int], ...]  # (column label, rows), sorted by label


def provenance(columns: Sequence[ColumnIds], ids: Collection[UserId]) -> dict[UserId, Provenance]:
    """Where each of `ids` occurs: column label and rows, for the reports that show it."""
    if not ids or not columns:
        return {}
    value_set = pa.array(list(ids), type=columns[0].ids.type)
    found: dict[UserId, list[tuple[str, int]]] = {}
    for scanned in columns:
        mask = pc.is_in(scanned.ids, value_set=value_set)
        pairs = zip(
            pc.filter(scanned.ids, mask).to_pylist(),
            pc.filter(scanned.id_rows, mask).to_pylist(),
            strict=True,
        )
        for user_id, rows in pairs:
            found.setdefault(user_id, []).append((scanned.column.label, rows))
    return {
        user_id: tuple(sorted(places, key=lambda p: (p[0].casefold(), p[0])))
        for user_id, places in found.items()
    }


def provenance_text(places: Provenance, limit: int = 3) -> str:
    shown = [f"{label}: {rows}" for label, rows in places[:limit]]
    more = len(places) - limit
    return ", ".join(shown) + (f", and {more} more columns" if more > 0 else "")
