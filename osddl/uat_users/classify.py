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

from osddl.uat_users.columns import (
    LazySequence,
    casefold,
    combined,
    id_type,
    indices,
    release,
    take,
)
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
IN_UAT, COLLISION, ORPHAN_KNOWN, ORPHAN_UNKNOWN = range(4)  # codes: positions in CLASSIFICATIONS
IDENTITY_SLICE: Final = 1 << 16  # ids whose identities are compared at a time


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


class Referenced(LazySequence[ReferencedId]):
    """Referenced ids sorted by id, held as Arrow arrays: `ids`, `codes` (int8, positions in
    CLASSIFICATIONS), `rows` (int64), `qa_rows` and `uat_rows` (int32, each id's row in that
    inventory, NULL if absent). A `ReferencedId` is made only when one is read."""

    def __init__(
        self,
        ids: pa.Array,
        codes: pa.Array,
        rows: pa.Array,
        qa_rows: pa.Array,
        uat_rows: pa.Array,
        qa: Inventory,
        uat: Inventory,
    ) -> None:
        self.ids, self.codes, self.rows = ids, codes, rows
        self.qa_rows, self.uat_rows = qa_rows, uat_rows
        self.qa, self.uat = qa, uat

    @staticmethod
    def of(refs: Sequence[ReferencedId], qa: Inventory, uat: Inventory) -> Referenced:
        """Columns of ReferencedId objects (sorted by id here; their users are looked up again
        in the inventories)."""
        if isinstance(refs, Referenced):
            return refs
        ordered = sorted(refs, key=lambda r: sort_key(r.id))
        ids = pa.array([r.id for r in ordered], id_type(qa.kind))
        return Referenced(
            ids,
            pa.array([CLASSIFICATIONS.index(r.classification) for r in ordered], pa.int8()),
            pa.array([r.rows for r in ordered], pa.int64()),
            qa.users.positions(ids),
            uat.users.positions(ids),
            qa,
            uat,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def select(self, positions: pa.Array) -> Referenced:
        """The ids at these positions (in the order given)."""
        return Referenced(
            take(self.ids, positions),
            take(self.codes, positions),
            take(self.rows, positions),
            take(self.qa_rows, positions),
            take(self.uat_rows, positions),
            self.qa,
            self.uat,
        )

    def where(self, mask: pa.Array) -> Referenced:
        return self.select(indices(mask))

    def classifications(self) -> list[Classification]:
        return [CLASSIFICATIONS[code] for code in self.codes.to_pylist()]

    def _items(self, start: int, stop: int) -> list[ReferencedId]:
        size = stop - start
        qa = self.qa.users.at(self.qa_rows.slice(start, size).to_pylist())
        uat = self.uat.users.at(self.uat_rows.slice(start, size).to_pylist())
        return [
            ReferencedId(user_id, CLASSIFICATIONS[code], rows, qa_user, uat_user)
            for user_id, code, rows, qa_user, uat_user in zip(
                self.ids.slice(start, size).to_pylist(),
                self.codes.slice(start, size).to_pylist(),
                self.rows.slice(start, size).to_pylist(),
                qa,
                uat,
                strict=True,
            )
        ]


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


def classify(columns: Sequence[ColumnIds], qa: Inventory, uat: Inventory) -> Referenced:
    """Every distinct id of the scanned columns with its total rows, sorted by id: the ids are
    merged by Arrow and classified column-wise (`classify_id` for all of them at once)."""
    if not any(len(c.ids) for c in columns):
        empty = pa.array([], id_type(qa.kind))
        nothing = pa.array([], pa.int32())
        return Referenced(
            empty, pa.array([], pa.int8()), pa.array([], pa.int64()), nothing, nothing, qa, uat
        )
    merged = _merged(columns)
    ids = merged.ids
    qa_rows, uat_rows = qa.users.positions(ids), uat.users.positions(ids)
    in_qa, in_uat = pc.is_valid(qa_rows), pc.is_valid(uat_rows)
    same = _same_identities(qa, uat, qa_rows, uat_rows)
    codes = pc.if_else(
        in_uat,
        pc.if_else(pc.and_(in_qa, same), IN_UAT, COLLISION),
        pc.if_else(in_qa, ORPHAN_KNOWN, ORPHAN_UNKNOWN),
    )
    rows = merged.rows
    release()
    return Referenced(ids, combined(pc.cast(codes, pa.int8())), rows, qa_rows, uat_rows, qa, uat)


@dataclass(frozen=True)
class _Merged:
    ids: pa.Array  # every distinct id of the columns, sorted
    rows: pa.Array  # int64, its rows in all columns


def _merged(columns: Sequence[ColumnIds]) -> _Merged:
    """The distinct ids of all columns with their total rows, without a hash group-by (whose
    memory the default allocator keeps): the ids are dictionary-encoded, the codes sorted and
    the rows summed per run of equal codes."""
    present = [c for c in columns if len(c.ids)]
    encoded = pc.dictionary_encode(pa.chunked_array([c.ids for c in present]))
    dictionary = encoded.chunks[-1].dictionary  # every chunk shares the final dictionary
    codes = pa.chunked_array([chunk.indices for chunk in encoded.chunks])
    del encoded
    order = combined(pc.sort_indices(codes)).cast(pa.int32())  # < 2**31 pairs
    runs = pc.run_end_encode(take(codes, order))  # every code occurs: one run per code
    del codes
    totals = pc.cumulative_sum(take(pa.chunked_array([c.id_rows for c in present]), order))
    del order
    last = take(totals, pc.subtract(runs.run_ends, 1))
    del totals
    before = pa.concat_arrays([pa.array([0], pa.int64()), last.slice(0, len(last) - 1)])
    sums = combined(pc.subtract(last, before))
    ordered = pc.sort_indices(dictionary)
    return _Merged(take(dictionary, ordered), take(sums, ordered))


def _same_identities(
    qa: Inventory, uat: Inventory, qa_rows: pa.Array, uat_rows: pa.Array
) -> pa.Array:
    """`same_identity` per id (false where either user is missing), a slice of ids at a time."""
    parts = []
    for start in range(0, len(qa_rows), IDENTITY_SLICE):
        mine_rows = qa_rows.slice(start, IDENTITY_SLICE)
        their_rows = uat_rows.slice(start, IDENTITY_SLICE)
        found = []
        for column in ("username", "email"):
            mine = take(qa.users.column(column), mine_rows)
            theirs = take(uat.users.column(column), their_rows)
            same = pc.equal(casefold(mine), casefold(theirs))
            found.append(pc.and_(pc.not_equal(mine, ""), same))
        parts.append(pc.fill_null(pc.or_(*found), False))
    return pa.concat_arrays(parts) if parts else pa.array([], pa.bool_())


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
