"""Progress for long stages: one self-overwriting line on a terminal, nothing anywhere else.

Only a terminal gets it: logs, CI output and captured runs stay byte-for-byte what they were.
The line says how far the stage is and how fast it goes (rows/s for snapshots and renders,
files/s for proofs), at most a few times a second.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO


class Progress:
    def __init__(
        self,
        label: str,
        unit: str,
        stream: TextIO | None = None,
        every: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label, self.unit, self.every, self.clock = label, unit, every, clock
        self.stream = sys.stderr if stream is None else stream
        self.live = self.stream.isatty()
        self.done = 0
        self._start = self._shown = clock()
        self._width = 0

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.live and self.clock() - self._shown >= self.every:
            self._show()

    def _show(self) -> None:
        now = self.clock()
        self._shown = now
        rate = self.done / max(now - self._start, 1e-9)
        text = f"{self.label}: {self.done:,} {self.unit} ({rate:,.0f} {self.unit}/s)"
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = len(text)

    def close(self) -> None:
        """Clear the line, so the stage's own closing message starts clean."""
        if self.live and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
