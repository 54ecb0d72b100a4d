"""Columnar helpers: a million users, ids and resolutions held as Arrow arrays, and Python objects
made only for the items a caller reads.

`LazySequence` is a read-only sequence over columns that builds its items on demand (in chunks when
iterated); it compares equal to any sequence with equal items, so callers and tests can treat it as
the tuple it replaces. The string functions here give exactly what the Python `str` methods give
(`strip`, `casefold`), vectorised where the text allows it and per value where it does not.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import cache
from typing import Any, Final, TypeVar, overload

import pyarrow as pa
import pyarrow.compute as pc

T = TypeVar("T")

CHUNK: Final = 4096  # items built at a time while a lazy sequence is iterated


@cache
def whitespace() -> str:
    """Every character `str.strip()` removes (`str.isspace()`), for Arrow's utf8_trim; built on
    first use, since scanning every code point takes tens of milliseconds."""
    return "".join(c for c in map(chr, range(0x110000)) if c.isspace())


class LazySequence(Sequence[T]):
    """A sequence whose items are built from columns when they are read."""

    def __len__(self) -> int:
        raise NotImplementedError

    def _items(self, start: int, stop: int) -> list[T]:
        """Items `start` to `stop` (0 <= start <= stop <= len)."""
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step == 1:
                return tuple(self._items(start, max(start, stop)))
            return tuple(self[k] for k in range(start, stop, step))
        size = len(self)
        position = index + size if index < 0 else index
        if not 0 <= position < size:
            raise IndexError(index)
        return self._items(position, position + 1)[0]

    def __iter__(self) -> Iterator[T]:
        size = len(self)
        for start in range(0, size, CHUNK):
            yield from self._items(start, min(start + CHUNK, size))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(repr(item) for item in self[:3])
        more = ", ..." if len(self) > 3 else ""
        return f"{type(self).__name__}({len(self)} items: {shown}{more})"


class ArraySequence(LazySequence[Any]):
    """The Python values of one Arrow array (ids), read on demand."""

    def __init__(self, array: pa.Array) -> None:
        self.array = array

    def __len__(self) -> int:
        return len(self.array)

    def _items(self, start: int, stop: int) -> list[Any]:
        return list(self.array.slice(start, stop - start).to_pylist())


def py_values(values: pa.Array | pa.ChunkedArray) -> list[Any]:
    """`to_pylist`, fast for dictionary-encoded strings too (Arrow builds those one by one)."""
    if isinstance(values, pa.ChunkedArray):
        return [v for chunk in values.chunks for v in py_values(chunk)]
    if isinstance(values, pa.DictionaryArray):
        names = values.dictionary.to_pylist()
        return [None if k is None else names[k] for k in values.indices.to_pylist()]
    return list(values.to_pylist())


def combined(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array."""
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    return values


def strip(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`str.strip()` of every value."""
    return combined(pc.utf8_trim(values, characters=whitespace()))


def casefold(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """`str.casefold()` of every value (NULL stays NULL): ASCII text by Arrow, the rest (where
    case folding differs from lower-casing, e.g. `ß`) by Python. Chunk by chunk."""
    if isinstance(values, pa.ChunkedArray):
        return pa.chunked_array([casefold(chunk) for chunk in values.chunks], values.type)
    lowered = pc.ascii_lower(values)
    ascii_ = pc.fill_null(pc.string_is_ascii(values), True)
    if pc.all(ascii_).as_py():
        return lowered
    other = pc.invert(ascii_)
    folded = [v.casefold() for v in pc.filter(values, other).to_pylist()]
    return pc.replace_with_mask(lowered, other, pa.array(folded, pa.string()))


def blank_to_null(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Empty strings become NULL (a blank key never matches)."""
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, values.type), values)


def positions_in(
    values: pa.Array | pa.ChunkedArray, value_set: pa.Array | pa.ChunkedArray
) -> pa.Array:
    """For each value, its (first) position in `value_set` (int32), NULL where absent or NULL.
    A few values are looked up without hashing the whole set (a few map rows in a million
    users)."""
    if len(values) == 0 or len(value_set) == 0:
        return pa.nulls(len(values), pa.int32())
    if len(values) * 16 >= len(value_set):
        return combined(pc.index_in(values, value_set=value_set))
    rows = indices(pc.is_in(value_set, value_set=values))
    if not len(rows):
        return pa.nulls(len(values), pa.int32())
    return take(rows, combined(pc.index_in(values, value_set=take(value_set, rows))))


def take(values: pa.Array | pa.ChunkedArray, indices: pa.Array) -> pa.Array:
    """`values` at `indices` (NULL where the index is NULL)."""
    return combined(pc.take(values, indices))


def indices(mask: pa.Array) -> pa.Array:
    """Positions where `mask` is true, as int32."""
    return combined(pc.cast(pc.indices_nonzero(pc.fill_null(mask, False)), pa.int32()))


@contextmanager
def compact_memory() -> Iterator[None]:
    """Arrow allocates from jemalloc, returning freed pages at once, while the block runs (when
    this pyarrow has jemalloc, as its Linux and macOS wheels do). With a million users, the
    default allocator (mimalloc) keeps a quarter more memory resident than the analysis holds
    (bench/uat_users.py). The arrays made in the block stay valid afterwards."""
    try:
        pool = pa.jemalloc_memory_pool()
    except (NotImplementedError, AttributeError):
        yield
        return
    previous = pa.default_memory_pool()
    pa.jemalloc_set_decay_ms(0)
    pa.set_memory_pool(pool)
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def release() -> None:
    """Hand the memory Arrow has freed back to the system. Between the big steps of an analysis
    of a million users, what the allocator keeps of one step would add to the next one's peak."""
    pools = [pa.default_memory_pool()]
    for other in ("mimalloc_memory_pool", "jemalloc_memory_pool"):
        with suppress(NotImplementedError, AttributeError):
            pools.append(getattr(pa, other)())  # C++ internals allocate from Arrow's own default
    for pool in pools:
        pool.release_unused()


def id_type(kind: str) -> pa.DataType:
    """The Arrow type of ids of a kind: int64 for integers, else string."""
    return pa.int64() if kind == "int" else pa.string()
