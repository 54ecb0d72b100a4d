"""`feeding`: a consumer on a background thread gets every item in order; its error reaches the
caller; a consumer that stops early never blocks the producer (the one-pass export relies on it)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from osddl.export.background import each, feeding

ITEMS = range(200)  # far more than the queue holds (depth 2)


def test_every_item_arrives_in_order() -> None:
    seen: list[int] = []
    with feeding(each(seen.append)) as hand:
        for item in ITEMS:
            hand(item)
    assert seen == list(ITEMS)


def test_the_consumers_error_reaches_the_caller() -> None:
    def broken(items: Iterator[int]) -> None:
        for item in items:
            if item == 3:
                raise ValueError("no 3")

    with pytest.raises(ValueError, match="no 3"), feeding(broken) as hand:
        for item in ITEMS:
            hand(item)


def test_a_consumer_that_stops_early_does_not_block_the_producer() -> None:
    def first_only(items: Iterator[int]) -> None:
        next(items)

    finished = threading.Event()

    def produce() -> None:
        with feeding(first_only) as hand:
            for item in ITEMS:
                hand(item)
        finished.set()

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert finished.is_set()


def test_an_error_of_the_producer_ends_the_consumer() -> None:
    seen: list[int] = []
    with pytest.raises(KeyError), feeding(each(seen.append)) as hand:
        hand(1)
        raise KeyError("producer")
    assert seen == [1]
