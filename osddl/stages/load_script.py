"""The load_script stage: `DynamicData/load.sql` (sqlcmd master script, in load order), the
single-file deliverable when asked for, and `deferred_updates.sql` (run last)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from osddl.export.dynamic import write_text_chunks
from osddl.export.load_order import read_load_order
from osddl.io import atomic_write_text
from osddl.layout import path
from osddl.model.store import read_model
from osddl.options import DataOptions
from osddl.selection import select, table_id
from osddl.stages.dynamic_data import dynamic_key
from osddl.templating import render
from osddl.tsql.write import include

UPDATES_PER_BATCH = 1000


def load_script(options: DataOptions, model_path: Path, out: Path) -> None:
    """Every table's script included once, in the order of `work/load-order.json`."""
    selection = select(read_model(model_path), options.selection)
    by_table = {table_id(e).casefold(): (m, e) for m, e in selection.exported}
    ordered = [by_table[t.casefold()] for t in read_load_order(out / path("load_order")).tables]
    parts = [path(dynamic_key(options.insert_mode), m, e) for m, e in ordered]
    if options.insert_mode == "single-file":
        _concatenate(out / path("single_file"), [out / p for p in parts])
        parts = [path("single_file")]
    includes = [include(p.removeprefix("DynamicData/")) for p in parts]
    atomic_write_text(out / path("load_script"), render("data/load.sql.j2", includes=includes))
    statements = [
        line
        for m, e in ordered
        for line in (out / path("deferred_fragment", m, e)).read_text("utf-8").splitlines()
    ]
    batches = [
        statements[i : i + UPDATES_PER_BATCH] for i in range(0, len(statements), UPDATES_PER_BATCH)
    ]
    atomic_write_text(
        out / path("deferred_updates"),
        render("data/deferred_updates.sql.j2", batches=batches, count=len(statements)),
    )
    print(
        f"load_script: {len(ordered)} tables, {len(statements)} deferred updates → "
        f"{out / path('load_script')}"
    )


def _concatenate(target: Path, parts: list[Path]) -> None:
    """The single-file deliverable: every table's part, in load order, streamed."""

    def chunks() -> Iterator[str]:
        for part in parts:
            with part.open(encoding="utf-8", newline="") as handle:
                yield from iter(lambda: handle.read(1 << 20), "")

    write_text_chunks(target, chunks())
