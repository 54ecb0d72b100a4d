"""Progress shows on a terminal (a real pseudo-terminal here), at most every `every` seconds, with
the rate; anything that is not a terminal gets nothing."""

from __future__ import annotations

import io
import os
import pty

from osddl.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _terminal() -> tuple[io.TextIOWrapper, int]:
    leader, follower = pty.openpty()
    return io.TextIOWrapper(os.fdopen(follower, "wb", buffering=0), encoding="utf-8"), leader


def _read(leader: int) -> str:
    return os.read(leader, 65536).decode("utf-8")


def test_a_terminal_sees_the_count_and_the_rate_then_a_clean_line() -> None:
    stream, leader = _terminal()
    clock = Clock()
    with Progress("snapshot:dbo.ORDER", "rows", stream, every=0.5, clock=clock) as progress:
        progress.advance(1000)  # under `every`: nothing yet
        clock.now += 2.0
        progress.advance(9000)
        shown = _read(leader)
        assert shown == "\rsnapshot:dbo.ORDER: 10,000 rows (5,000 rows/s)"
    cleared = _read(leader)
    assert cleared == "\r" + " " * len(shown[1:]) + "\r"


def test_a_shorter_line_overwrites_a_longer_one_completely() -> None:
    stream, leader = _terminal()
    clock = Clock()
    progress = Progress("verify:fit", "files", stream, every=1.0, clock=clock)
    clock.now += 1.0
    progress.advance(1_000_000)
    first = _read(leader)
    clock.now += 1_000_000.0
    progress.advance(1)
    second = _read(leader)
    assert len(second) >= len(first)
    assert second.rstrip().endswith("(1 files/s)")


def test_not_a_terminal_gets_nothing() -> None:
    stream, clock = io.StringIO(), Clock()
    with Progress("dynamic_data:x", "rows", stream, every=0.0, clock=clock) as progress:
        clock.now += 5
        progress.advance(10)
    assert stream.getvalue() == ""
    assert progress.done == 10
