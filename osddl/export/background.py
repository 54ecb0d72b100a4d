"""Consumers on background threads, fed in order: the one-pass export encodes the snapshot's
Parquet and renders its INSERT batches beside the fetching and converting (pyarrow releases the
GIL in its kernels, encoders and writes, so two cores share the work)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
_DONE: Any = object()


@contextmanager
def feeding(
    consume: Callable[[Iterator[T]], None], depth: int = 2
) -> Iterator[Callable[[T], None]]:
    """A function that hands an item to `consume`, which runs on one background thread over the
    items in order (at most `depth` waiting). Leaving the block ends its items and waits for it;
    its error, if any, is raised by the next hand-over or on leaving."""
    items: queue.Queue[Any] = queue.Queue(maxsize=depth)
    failed: list[BaseException] = []
    ended = threading.Event()

    def stream() -> Iterator[T]:
        while (item := items.get()) is not _DONE:
            yield item
        ended.set()

    def run() -> None:
        try:
            consume(stream())
        except BaseException as error:  # handed to the caller
            failed.append(error)
        while not ended.is_set():  # it stopped early: take the items until the end
            if items.get() is _DONE:
                ended.set()

    def hand(item: T) -> None:
        if failed:
            raise failed[0]
        items.put(item)

    thread = threading.Thread(target=run, name="osddl-feeding", daemon=True)
    thread.start()
    try:
        yield hand
    finally:
        items.put(_DONE)
        thread.join()
    if failed:
        raise failed[0]


def each(work: Callable[[T], None]) -> Callable[[Iterator[T]], None]:
    """`work` applied to every item, as a consumer for `feeding`."""

    def consume(items: Iterator[T]) -> None:
        for item in items:
            work(item)

    return consume
