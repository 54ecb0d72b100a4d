"""The Arrow memory pool of the export: jemalloc where pyarrow ships it.

With several threads allocating batches (fetch, convert, render, Parquet encoding), pyarrow's
default pool (mimalloc) keeps more freed memory: `bench/export.py` at 1M rows peaked at 265-293 MB
with it and 206-210 MB with jemalloc, a few percent faster too (docs/performance.md). An operator's
`ARROW_DEFAULT_MEMORY_POOL` wins; a pyarrow without jemalloc keeps its default.
"""

from __future__ import annotations

import functools
import os

import pyarrow as pa


@functools.cache
def use_export_pool() -> None:
    """Make jemalloc the process's Arrow pool (once), unless the operator chose one."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except (NotImplementedError, pa.ArrowNotImplementedError):
        return  # this pyarrow was built without it
