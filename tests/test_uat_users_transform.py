"""The transformation map: apply (one value) and map_array (a batch) agree; chains detected."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from osddl.uat_users.ids import IdKind, UserId, canonical
from osddl.uat_users.transform import MapEntry, TransformationMap
from tests.uat_users_data import ARROW_TYPES, EXPECTED, ident


def tmap(kind: IdKind) -> TransformationMap:
    entries = tuple(
        MapEntry(ident(s, kind), ident(t, kind), how, "auto", "orphan_known")
        for s, (t, how) in sorted(EXPECTED.items())
    )
    return TransformationMap(kind, entries, (ident(1, kind),))


@pytest.mark.parametrize("kind", ["int", "guid", "text"])
def test_map_array_is_apply_for_every_value_and_keeps_nulls(kind: IdKind) -> None:
    values: list[UserId | None] = [ident(n, kind) for n in (1, 2, 5, 6, 99, 4242)] + [None]
    if kind == "guid":
        values[1] = str(values[1]).lower()  # any case in, canonical out
    mapped = tmap(kind).map_array(pa.array(values, type=ARROW_TYPES[kind])).to_pylist()
    assert mapped == [None if v is None else tmap(kind).apply(canonical(v, kind)) for v in values]
    assert mapped[-1] is None and mapped[0] == ident(1, kind) and mapped[2] == ident(5005, kind)


@given(st.lists(st.none() | st.integers(0, 120), max_size=50))
def test_map_array_agrees_with_apply(values: list[int | None]) -> None:
    m = tmap("int")
    assert m.map_array(pa.array(values, pa.int64())).to_pylist() == [m.apply(v) for v in values]


def test_chains_are_detected() -> None:
    assert not tmap("int").has_chains()
    chained = TransformationMap(
        "int", (MapEntry(5, 5005, "email", "auto", "collision"), MapEntry(7, 5, "m", "manual",
                                                                            "orphan_known")), ()
    )  # fmt: skip
    assert chained.has_chains()


def test_the_sha256_covers_the_map() -> None:
    base = tmap("int")
    other = TransformationMap("int", base.entries[:-1], base.kept)
    assert base.sha256() != other.sha256() and len(base.sha256()) == 64
