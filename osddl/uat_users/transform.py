"""The transformation map: QA id → UAT id for every orphan, and the ids kept as they are.

What the DynamicData renderer applies to every catalogued column (pre-transformed INSERTs), what
the UPDATE script carries, and what the verifier checks the emitted values against. A value that
is not a source of the map is kept unchanged; NULL stays NULL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc

from osddl.io import canonical_json, sha256_bytes
from osddl.uat_users.classify import Classification, ReferencedId
from osddl.uat_users.discovery import canonical_array
from osddl.uat_users.ids import IdKind, UserId, sort_key
from osddl.uat_users.matching import Origin, Resolution

MAP_VERSION: Final = "osddl.uat-users.transformation-map/1"


@dataclass(frozen=True, slots=True)
class MapEntry:
    source: UserId
    target: UserId
    strategy: str
    origin: Origin
    classification: Classification


@dataclass(frozen=True)
class TransformationMap:
    kind: IdKind
    entries: tuple[MapEntry, ...]  # sorted by source
    kept: tuple[UserId, ...]  # referenced ids kept as they are, sorted
    _lookup: dict[UserId, UserId] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lookup", {e.source: e.target for e in self.entries})

    def target_of(self, value: UserId) -> UserId | None:
        """The UAT id a QA id becomes, or None when it is not remapped."""
        return self._lookup.get(value)

    def apply(self, value: UserId | None) -> UserId | None:
        """The value a catalogued column holds in UAT: mapped, else unchanged; NULL stays NULL."""
        if value is None:
            return None
        return self._lookup.get(value, value)

    @property
    def sources(self) -> frozenset[UserId]:
        return frozenset(self._lookup)

    @property
    def targets(self) -> frozenset[UserId]:
        return frozenset(self._lookup.values())

    def map_array(self, array: pa.Array) -> pa.Array:
        """`apply` for a whole Arrow array (a DynamicData batch): canonical ids, mapped where the
        map has them, NULLs kept; vectorised with `index_in` and `take`."""
        values = canonical_array(array, self.kind)
        if not self.entries:
            return values
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
        return {
            "idKind": self.kind,
            "entries": [
                {
                    "source": e.source,
                    "target": e.target,
                    "strategy": e.strategy,
                    "origin": e.origin,
                    "classification": e.classification,
                }
                for e in self.entries
            ],
            "kept": list(self.kept),
        }

    def sha256(self) -> str:
        return sha256_bytes(canonical_json(self.body()))


def build_map(
    kind: IdKind, resolutions: Iterable[Resolution], kept: Iterable[ReferencedId]
) -> TransformationMap:
    """Only valid resolutions of referenced ids enter the map."""
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


def map_document(tmap: TransformationMap) -> dict[str, Any]:
    """`transformation-map.json`: the map, its counts and the sha256 of its body."""
    origins: dict[str, int] = {"manual": 0, "auto": 0, "fallback": 0}
    for entry in tmap.entries:
        origins[entry.origin] += 1
    return {
        "schemaVersion": MAP_VERSION,
        **tmap.body(),
        "counts": {"mapped": len(tmap.entries), "kept": len(tmap.kept), **origins},
        "sha256": tmap.sha256(),
    }


def map_from_document(document: dict[str, Any]) -> TransformationMap:
    """Read `transformation-map.json` back (the caller checked its schema and version)."""
    entries = tuple(
        MapEntry(e["source"], e["target"], e["strategy"], e["origin"], e["classification"])
        for e in document["entries"]
    )
    return TransformationMap(document["idKind"], entries, tuple(document["kept"]))
