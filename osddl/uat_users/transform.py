"""The transformation map: QA id → UAT id for every orphan, and the ids kept as they are.

What the DynamicData renderer applies to every catalogued column (pre-transformed INSERTs), what
the UPDATE script carries, and what the verifier checks the emitted values against. A value that
is not a source of the map is kept unchanged; NULL stays NULL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc

from osddl.io import canonical_json, sha256_bytes
from osddl.uat_users.classify import Classification, Referenced, ReferencedId
from osddl.uat_users.columns import ArraySequence, LazySequence, combined, id_type, py_values
from osddl.uat_users.discovery import canonical_array
from osddl.uat_users.ids import IdKind, UserId, sort_key
from osddl.uat_users.matching import Origin, Resolution, Resolutions

MAP_VERSION: Final = "osddl.uat-users.transformation-map/1"
_ENTRY_COLUMNS: Final = ("source", "target", "strategy", "origin", "classification")


@dataclass(frozen=True, slots=True)
class MapEntry:
    source: UserId
    target: UserId
    strategy: str
    origin: Origin
    classification: Classification


class MapEntries(LazySequence[MapEntry]):
    """Map entries sorted by source, held as an Arrow table (source, target, strategy, origin,
    classification); a `MapEntry` is made only when one is read."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def column(self, name: str) -> pa.Array:
        return combined(self.table.column(name))

    def _items(self, start: int, stop: int) -> list[MapEntry]:
        part = self.table.slice(start, stop - start)
        columns = [py_values(part.column(name)) for name in _ENTRY_COLUMNS]
        return [MapEntry(*values) for values in zip(*columns, strict=True)]


@dataclass(frozen=True)
class TransformationMap:
    kind: IdKind
    entries: Sequence[MapEntry]  # sorted by source (a tuple, or `MapEntries`)
    kept: Sequence[UserId]  # referenced ids kept as they are, sorted
    _lookup: dict[UserId, UserId] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _sha256: str | None = field(default=None, init=False, repr=False, compare=False)

    def _map(self) -> dict[UserId, UserId]:
        """Source → target, built on first use (the analysis itself never needs it)."""
        if self._lookup is None:
            if isinstance(self.entries, MapEntries):
                pairs = zip(
                    self.entries.column("source").to_pylist(),
                    self.entries.column("target").to_pylist(),
                    strict=True,
                )
                object.__setattr__(self, "_lookup", dict(pairs))
            else:
                object.__setattr__(self, "_lookup", {e.source: e.target for e in self.entries})
        assert self._lookup is not None
        return self._lookup

    def target_of(self, value: UserId) -> UserId | None:
        """The UAT id a QA id becomes, or None when it is not remapped."""
        return self._map().get(value)

    def apply(self, value: UserId | None) -> UserId | None:
        """The value a catalogued column holds in UAT: mapped, else unchanged; NULL stays NULL."""
        if value is None:
            return None
        return self._map().get(value, value)

    @property
    def sources(self) -> frozenset[UserId]:
        return frozenset(self._map())

    @property
    def targets(self) -> frozenset[UserId]:
        return frozenset(self._map().values())

    def map_array(self, array: pa.Array) -> pa.Array:
        """`apply` for a whole Arrow array (a DynamicData batch): canonical ids, mapped where the
        map has them, NULLs kept; vectorised with `index_in` and `take`."""
        values = canonical_array(array, self.kind)
        if not self.entries:
            return values
        if isinstance(self.entries, MapEntries):
            sources = self.entries.column("source").cast(values.type)
            targets = self.entries.column("target").cast(values.type)
        else:
            sources = pa.array([e.source for e in self.entries], type=values.type)
            targets = pa.array([e.target for e in self.entries], type=values.type)
        position = pc.index_in(values, value_set=sources)
        return pc.if_else(pc.is_null(position), values, pc.take(targets, position))

    def has_chains(self) -> bool:
        """Some target is also a source (a collision id handed to another orphan): the UPDATE
        script then cannot tell a remapped value from an original one."""
        return not self.targets.isdisjoint(self.sources)

    def body(self) -> dict[str, Any]:
        """The hashed part of the document: kind, entries and kept ids."""
        if isinstance(self.entries, MapEntries):
            columns = [py_values(self.entries.column(name)) for name in _ENTRY_COLUMNS]
            rows = zip(*columns, strict=True)
            entries = [dict(zip(_ENTRY_COLUMNS, values, strict=True)) for values in rows]
        else:
            entries = [
                {
                    "source": e.source,
                    "target": e.target,
                    "strategy": e.strategy,
                    "origin": e.origin,
                    "classification": e.classification,
                }
                for e in self.entries
            ]
        return {"idKind": self.kind, "entries": entries, "kept": list(self.kept)}

    def sha256(self, body: dict[str, Any] | None = None) -> str:
        """Of the body's canonical JSON (computed once: the map is immutable); `body` saves
        building it again when the caller has it."""
        if self._sha256 is None:
            digest = sha256_bytes(canonical_json(self.body() if body is None else body))
            object.__setattr__(self, "_sha256", digest)
        assert self._sha256 is not None
        return self._sha256


def build_map(
    kind: IdKind, resolutions: Iterable[Resolution], kept: Iterable[ReferencedId]
) -> TransformationMap:
    """Only valid resolutions of referenced ids enter the map."""
    if isinstance(resolutions, Resolutions) and isinstance(kept, Referenced):
        return _built(kind, resolutions, kept)
    entries = [
        MapEntry(r.source, r.target, r.strategy, r.origin, r.classification)
        for r in resolutions
        if r.mapped
        and r.target is not None
        and r.origin is not None
        and r.classification is not None
    ]
    return TransformationMap(
        kind,
        tuple(sorted(entries, key=lambda e: sort_key(e.source))),
        tuple(sorted((k.id for k in kept), key=sort_key)),
    )


def _built(kind: IdKind, resolutions: Resolutions, kept: Referenced) -> TransformationMap:
    """`build_map` column-wise (the resolutions and kept ids are sorted by id already)."""
    table = resolutions.table
    valid = pc.and_(
        pc.and_(pc.equal(table.column("status"), "Valid"), pc.is_valid(table.column("target"))),
        pc.and_(pc.is_valid(table.column("origin")), pc.is_valid(table.column("classification"))),
    )
    entries = table.filter(valid).select(list(_ENTRY_COLUMNS)).sort_by("source")
    kept_ids = kept.ids if len(kept) else pa.array([], id_type(kind))
    return TransformationMap(kind, MapEntries(entries.combine_chunks()), ArraySequence(kept_ids))


def map_document(tmap: TransformationMap) -> dict[str, Any]:
    """`transformation-map.json`: the map, its counts and the sha256 of its body."""
    origins: dict[str, int] = {"manual": 0, "auto": 0, "fallback": 0}
    if isinstance(tmap.entries, MapEntries):
        for found in pc.value_counts(tmap.entries.column("origin")).to_pylist():
            origins[found["values"]] += found["counts"]
    else:
        for entry in tmap.entries:
            origins[entry.origin] += 1
    body = tmap.body()
    return {
        "schemaVersion": MAP_VERSION,
        **body,
        "counts": {"mapped": len(tmap.entries), "kept": len(tmap.kept), **origins},
        "sha256": tmap.sha256(body),
    }


def map_from_document(document: dict[str, Any]) -> TransformationMap:
    """Read `transformation-map.json` back (the caller checked its schema and version)."""
    entries = tuple(
        MapEntry(e["source"], e["target"], e["strategy"], e["origin"], e["classification"])
        for e in document["entries"]
    )
    return TransformationMap(document["idKind"], entries, tuple(document["kept"]))
