"""Data fingerprints, one code for both sides: the snapshots (source) and the staging database
(target) give the same numbers exactly when they hold the same data, whatever the row order or
the engine.

Per table the row count; per column the NULL count, the distinct count while it stays under
`DISTINCT_BOUND` (None above it) and an order-independent checksum: every non-NULL value is
canonicalised (`osddl.tsql.normalise` for the column's snapshot type, then a typed text), hashed
to 64 bits (BLAKE2b) and the hashes summed modulo 2^64. A column may also carry a `mapped`
checksum: the same sum over its values passed through a function first (user ids through the
uat-users transformation map), which is what the target must hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from osddl.tsql import SqlType, normalise
from osddl.tsql.types import KINDS

DISTINCT_BOUND: Final = 10_000
MODULUS: Final = 2**64

Transform = Callable[[Any], Any]


@dataclass(frozen=True)
class ColumnPrint:
    nulls: int
    distinct: int | None  # None: more than DISTINCT_BOUND distinct values
    checksum: str  # 16 hex digits
    mapped: str | None = None  # checksum of the values through the column's transform


@dataclass(frozen=True)
class TablePrint:
    rows: int
    columns: dict[str, ColumnPrint]


def canonical(value: object) -> bytes:
    """A normalised value as typed text: equal values, equal bytes, on every engine."""
    if isinstance(value, bytes):
        return b"x:" + value
    if isinstance(value, bool | int):
        return b"i:" + str(int(value)).encode()
    if isinstance(value, Decimal):
        return b"d:" + format(value, "f").encode()
    if isinstance(value, float):
        return b"f:" + repr(value).encode()
    if isinstance(value, dt.date):
        return b"t:" + value.isoformat().encode()
    return b"s:" + str(value).encode("utf-8", "surrogatepass")


# ---- canonical bytes of a whole column (the fast path; `canonical(normalise(v))` is the rest) ----

_DAY = r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
_MOMENT = _DAY + r"T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\."
# kind → (the whole-column shapes read as they are, the canonical text's length, its prefix)
_TEXT_SHAPES: Final[dict[str, tuple[str, int, bytes]]] = {
    "ansi": ("", 0, b"s:"),
    "unicode": ("", 0, b"s:"),
    "guid": (r"^[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}$", 0, b"s:"),
    "date": (f"^{_DAY}$", 0, b"t:"),
    "datetime": (f"^{_MOMENT}(\\d{{3}}|\\d{{7}})$", 23, b"s:"),
    "datetime2": (f"^{_MOMENT}\\d{{7}}$", 0, b"s:"),
}


def arrow_column(values: pa.Array | Sequence[object]) -> pa.Array | None:
    """A column as Arrow (None: Python values Arrow cannot hold as one type)."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
        return None


def canonical_column(values: pa.Array | Sequence[object], sql_type: SqlType) -> pa.Array:
    """`canonical(normalise(v))` of every non-NULL value, as one binary array: computed on the
    whole column where its Arrow type and shape allow (the tests hold it equal to the value by
    value reading), else value by value."""
    column = arrow_column(values)
    if column is not None:
        column = column.drop_null()
        fast = _fast_canonical(column, KINDS[sql_type.name], sql_type)
        if fast is not None:
            return fast
    found = column.to_pylist() if column is not None else [v for v in values if v is not None]
    return pa.array([canonical(normalise(v, sql_type)) for v in found], pa.binary())


def _prefixed(prefix: bytes, values: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(pa.scalar(prefix), values.cast(pa.binary()), b"")


def _fast_canonical(values: pa.Array, kind: str, sql_type: SqlType) -> pa.Array | None:
    kind_of = values.type
    if kind in ("integer", "bit") and (
        pa.types.is_integer(kind_of) or pa.types.is_boolean(kind_of)
    ):
        if kind == "bit":
            values = (
                pc.not_equal(values, pa.scalar(0, kind_of))
                if pa.types.is_integer(kind_of)
                else values
            )
            values = values.cast(pa.int8())
        return _prefixed(b"i:", values.cast(pa.string()))
    if kind == "exact" and (
        pa.types.is_decimal(kind_of) or pa.types.is_string(kind_of) or pa.types.is_integer(kind_of)
    ):
        _, scale = sql_type.precision_scale()
        try:
            fixed = values.cast(pa.decimal128(38, scale))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None  # needs rounding or is no plain number: value by value
        return _prefixed(b"d:", fixed.cast(pa.string()))
    shape = _TEXT_SHAPES.get(kind)
    if shape is None or not (pa.types.is_string(kind_of) or pa.types.is_large_string(kind_of)):
        return None
    pattern, length, prefix = shape
    if pattern and pc.any(pc.invert(pc.match_substring_regex(values, pattern))).as_py():
        return None
    if length:
        values = pc.utf8_slice_codeunits(values, 0, length)
    return _prefixed(prefix, values)


# ---- hashing a binary column: one 64-bit hash per value, with Arrow kernels ----

_U64 = pa.uint64()
_MIX = (pa.scalar(0xBF58476D1CE4E5B9, _U64), pa.scalar(0x94D049BB133111EB, _U64))
_BYTE, _POSITION, _LENGTH = (
    pa.scalar(k, _U64) for k in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)
)
_LOW = pa.scalar(0xFFFFFFFF, _U64)
_SLICE_BYTES = 1 << 18
# (byte + 1) * _BYTE for every byte value (modulo 2^64)
_BYTE_TERMS = pa.array([(b + 1) * _BYTE.as_py() % 2**64 for b in range(256)], _U64)


def _mix(x: pa.Array) -> pa.Array:
    """splitmix64's finaliser, element-wise (uint64 arithmetic wraps)."""
    x = pc.bit_wise_xor(x, pc.shift_right(x, pa.scalar(30, _U64)))
    x = pc.multiply(x, _MIX[0])
    x = pc.bit_wise_xor(x, pc.shift_right(x, pa.scalar(27, _U64)))
    x = pc.multiply(x, _MIX[1])
    return pc.bit_wise_xor(x, pc.shift_right(x, pa.scalar(31, _U64)))


def value_hashes(values: pa.Array) -> pa.Array:
    """A 64-bit hash of each value of a binary array without NULLs: the mixed sum over its bytes
    of mix(byte, position in the value), mixed again with its length. Hashed in slices of about
    `_SLICE_BYTES` bytes, whose per-byte uint64 arrays stay in the CPU's caches."""
    values = values if values.type == pa.binary() else values.cast(pa.binary())
    count = len(values)
    step = max(1, count * _SLICE_BYTES // max(values.nbytes, 1))
    if step >= count:
        return _hashes(values)
    return pa.concat_arrays([_hashes(values.slice(s, step)) for s in range(0, count, step)])


def _hashes(values: pa.Array) -> pa.Array:
    count = len(values)
    if count == 0:
        return pa.array([], _U64)
    _, offsets_buffer, data = values.buffers()
    offsets = pa.Array.from_buffers(
        pa.int32(), count + 1, [None, offsets_buffer], offset=values.offset
    )
    first, last = offsets[0].as_py(), offsets[count].as_py()
    raw = pa.Array.from_buffers(pa.uint8(), last, [None, data]).slice(first)
    relative = pc.subtract(offsets, pa.scalar(first, pa.int32()))
    owner = pc.list_parent_indices(pa.ListArray.from_arrays(relative, raw))
    # position * _POSITION = (index in the column's bytes - its value's start) * _POSITION
    # (uint64 arithmetic wraps, so the product distributes), and (byte + 1) * _BYTE from a table
    index_terms = _index_terms(len(raw))
    start_terms = pc.multiply(relative.slice(0, count).cast(_U64), _POSITION)
    per_byte = _mix(
        pc.add(
            pc.take(_BYTE_TERMS, raw),
            pc.subtract(index_terms, pc.take(start_terms, owner)),
        )
    )
    running = pa.concat_arrays([pa.array([0], _U64), pc.cumulative_sum(per_byte)])
    sums = pc.subtract(
        pc.take(running, relative.slice(1)), pc.take(running, relative.slice(0, count))
    )
    lengths = pc.subtract(relative.slice(1), relative.slice(0, count)).cast(_U64)
    return _mix(pc.add(sums, pc.multiply(pc.add(lengths, pa.scalar(1, _U64)), _LENGTH)))


def _index_terms(length: int) -> pa.Array:
    """index * _POSITION for every index below `length`; kept for slices of ordinary size."""
    if length <= len(_INDEX_TERMS[0]):
        return _INDEX_TERMS[0].slice(0, length)
    terms = pc.subtract(pc.cumulative_sum(pa.repeat(_POSITION, length)), _POSITION)
    if length <= 4 * _SLICE_BYTES:
        _INDEX_TERMS[0] = terms
    return terms


_INDEX_TERMS: list[pa.Array] = [pa.array([], _U64)]


def _sum(hashes: pa.Array) -> int:
    """The hashes' sum modulo 2^64 (summed as 32-bit halves, so no kernel overflows)."""
    low = pc.sum(pc.bit_wise_and(hashes, _LOW)).as_py() or 0
    high = pc.sum(pc.shift_right(hashes, pa.scalar(32, _U64))).as_py() or 0
    return ((high << 32) + low) % MODULUS


@dataclass
class _Column:
    sql_type: SqlType
    transform: Transform | None
    nulls: int = 0
    total: int = 0
    mapped_total: int = 0
    seen: set[int] | None = field(default_factory=set)

    def add(self, values: pa.Array | Sequence[object]) -> None:
        canonical_values = canonical_column(values, self.sql_type)
        self.nulls += len(values) - len(canonical_values)
        hashes = value_hashes(canonical_values)
        self.total = (self.total + _sum(hashes)) % MODULUS
        if self.transform is not None:
            transform = self.transform
            column = arrow_column(values)
            plain = column.to_pylist() if column is not None else list(values)
            mapped = [
                canonical(transform(normalise(v, self.sql_type))) for v in plain if v is not None
            ]
            self.mapped_total += _sum(value_hashes(pa.array(mapped, pa.binary())))
            self.mapped_total %= MODULUS
        if self.seen is not None:
            self.seen.update(pc.unique(hashes).to_pylist())
            if len(self.seen) > DISTINCT_BOUND:
                self.seen = None

    def result(self) -> ColumnPrint:
        return ColumnPrint(
            nulls=self.nulls,
            distinct=len(self.seen) if self.seen is not None else None,
            checksum=f"{self.total:016x}",
            mapped=f"{self.mapped_total:016x}" if self.transform is not None else None,
        )


def fingerprint(
    batches: Iterable[Mapping[str, pa.Array | Sequence[object]]],
    types: Mapping[str, SqlType],
    transforms: Mapping[str, Transform] | None = None,
) -> TablePrint:
    """The fingerprint of a table given as column batches (column → values) of the columns in
    `types`."""
    columns = {c: _Column(t, (transforms or {}).get(c)) for c, t in types.items()}
    rows = 0
    for batch in batches:
        lengths = {len(batch[c]) for c in columns}
        if len(lengths) > 1:
            raise ValueError(f"ragged batch: column lengths {sorted(lengths)}")
        rows += lengths.pop() if lengths else 0
        for name, column in columns.items():
            column.add(batch[name])
    return TablePrint(rows, {c: column.result() for c, column in sorted(columns.items())})


def parquet_batches(path: Path, columns: Sequence[str]) -> Iterable[dict[str, pa.Array]]:
    """A snapshot's column batches (the source side's input), as Arrow arrays."""
    for batch in pq.ParquetFile(path).iter_batches(columns=list(columns)):
        yield {name: batch.column(name) for name in batch.schema.names}
