"""How many doit worker processes run tasks side by side, and their end when a run stops early.

Independent tasks (tables, proofs) run on every usable core, up to MAX_WORKERS (each snapshot holds
one source connection); `-n 1` runs one task at a time, in-process. Outputs are byte-identical
either way (tests/test_full_export.py).

doit's parallel runner leaves its workers waiting for work when the main process stops on an
exception (a corrupt model.json found while creating the per-table tasks, say), and Python waits
for them at exit forever. `stop_workers` ends whatever is still running at exit; a normal run has
none left by then.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.util  # registers its exit handler now, so that ours runs before it
import os
import sys

MAX_WORKERS = 4
_JOIN_SECONDS = 5.0


def workers() -> int:
    """doit's worker processes: one per usable core up to MAX_WORKERS; 0 (in-process) on one."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(cores or 1, MAX_WORKERS) if (cores or 1) > 1 else 0


def whole_lines() -> None:
    """Line-buffered stdout and stderr (forked workers inherit them)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(line_buffering=True)


def stop_workers() -> None:
    for child in multiprocessing.active_children():
        child.terminate()
        child.join(_JOIN_SECONDS)


atexit.register(stop_workers)  # last registered, first run: before multiprocessing joins them
