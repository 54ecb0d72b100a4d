"""One pass per table: the snapshot task renders the INSERT batches while it writes the snapshot,
and the DynamicData task takes them instead of reading the snapshot back.

The two tasks keep their own inputs, targets and fingerprints (doit incrementality is unchanged).
What passes between them is an entry in `out/work/prerendered/` (`<schema>.<table>.*`): the rendered
body (the INSERT batches between the script's header and footer), the deferred-update fragment and a
key. The key is a digest of everything the render reads: the snapshot file's bytes, the table's
render input (`TableLoad`: columns and types, keys, identity, deferred and self-referencing
columns), the batch size, the batch template and the osddl version. The DynamicData task computes
the key from its own inputs and takes the entry only when the keys are equal; otherwise (another
load order, batch size or snapshot) it renders from the snapshot as before and drops the entry.
An entry no task took (`doit snapshot` alone, say) is removed by the run's sweep.
Tables whose render needs more than their snapshot (uat-users mapping, the remediation ledger)
are not rendered ahead.

At snapshot time the load order may not exist yet (a cold run computes it from the profile, in
parallel). A table that is a child in no FK cycle and references no row of its own table has no
deferred and no self-referencing columns whatever the decisions are, so its render input is known
from the model alone; for the others the current load order is used when there is one.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

import osddl
from osddl.export.dynamic import Body, TableLoad, write_body
from osddl.io import canonical_json, sha256_bytes, sha256_file, temp_file_for
from osddl.layout import BY_KEY
from osddl.model.contract import Entity, Model
from osddl.templating import TEMPLATES

KEY_VERSION = "osddl.prerendered/1"


@dataclass(frozen=True)
class Entry:
    """The files of one table's entry: the rendered body, its deferred UPDATEs, its key."""

    body: Path
    fragment: Path
    key: Path

    @classmethod
    def of(cls, out: Path, schema: str, table: str) -> Entry:
        stem = out / Path(BY_KEY["prerendered"].template).parent / f"{schema}.{table}"
        return cls(Path(f"{stem}.body.sql"), Path(f"{stem}.deferred.sql"), Path(f"{stem}.key.json"))

    def drop(self) -> None:
        for file in (self.key, self.body, self.fragment):
            file.unlink(missing_ok=True)


def render_key(load: TableLoad, batch_rows: int, snapshot: Path) -> str:
    """Everything the body depends on, as one digest."""
    facts = {
        "version": [KEY_VERSION, osddl.__version__],
        "template": sha256_file(TEMPLATES / "data" / "batch.sql.j2"),
        "snapshot": sha256_file(snapshot),
        "batchRows": batch_rows,
        "table": [load.module, load.entity, load.schema, load.physical, load.emitted],
        "columns": [[c.physical, c.emitted, c.sql_type.render()] for c in load.columns],
        "keys": load.keys,
        "identity": load.identity,
        "deferred": sorted(load.deferred),
        "selfReferences": sorted(load.self_references),
    }
    return sha256_bytes(canonical_json(facts))


def renderable_ahead(load: TableLoad) -> bool:
    """The render reads nothing but the snapshot and the table's render input."""
    return not load.mapped and load.remediate is None


class BodyWriter:
    """The snapshot's consumer (`write_snapshot(consume=...)`): renders the batches as they are
    written, into a temp file; `save` makes it the table's entry once the snapshot is in place.
    A render that fails leaves no entry and does not fail the snapshot."""

    def __init__(self, load: TableLoad, entry: Entry, batch_rows: int) -> None:
        self.load, self.entry, self.batch_rows = load, entry, batch_rows
        self.tmp: str | None = None
        self.body = Body()

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> None:
        self.discard()  # the reference path starts again from the first row
        self.entry.body.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = temp_file_for(self.entry.body)
        try:
            with open(self.tmp, "wb") as handle:
                self.body = write_body(self.load, batches, handle, self.batch_rows)
        except Exception:  # no entry: the DynamicData task renders and tells what went wrong
            self.discard()

    def save(self, snapshot: Path) -> None:
        if self.tmp is None:
            return
        self.entry.drop()
        os.replace(self.tmp, self.entry.body)
        self.tmp = None
        self.entry.fragment.write_text("".join(s + "\n" for s in self.body.deferred), "utf-8")
        key = {"key": render_key(self.load, self.batch_rows, snapshot)}
        self.entry.key.write_text(json.dumps(key), encoding="utf-8")  # last: the entry is whole

    def discard(self) -> None:
        if self.tmp is not None:
            Path(self.tmp).unlink(missing_ok=True)
            self.tmp = None


def take(entry: Entry, load: TableLoad, batch_rows: int, snapshot: Path) -> Entry | None:
    """The entry when it was rendered from exactly these inputs; else None, and it is dropped."""
    if not entry.key.is_file():
        entry.drop()
        return None
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        saved = json.loads(entry.key.read_text(encoding="utf-8"))["key"]
        if (
            renderable_ahead(load)
            and entry.body.is_file()
            and entry.fragment.is_file()
            and saved == render_key(load, batch_rows, snapshot)
        ):
            return entry
    entry.drop()
    return None


def known_without_order(model: Model, entity: Entity) -> bool:
    """The table has no deferred and no self-referencing columns under any decisions: it is a
    child in no cycle of the model's references (its FKs and reference attributes)."""
    parents = _parents(model)
    start = _table(entity.schema, entity.physical_name)
    seen: set[str] = set()
    stack = list(parents.get(start, ()))
    while stack:
        table = stack.pop()
        if table == start:
            return False
        if table not in seen:
            seen.add(table)
            stack.extend(parents.get(table, ()))
    return True


def _table(schema: str, name: str) -> str:
    return f"{schema}.{name}".casefold()


def _parents(model: Model) -> dict[str, set[str]]:
    parents: dict[str, set[str]] = {}
    for module in model.modules:
        for entity in module.entities:
            found = parents.setdefault(_table(entity.schema, entity.physical_name), set())
            found.update(
                _table(a.reference.schema, a.reference.physical_name)
                for a in entity.attributes
                if a.reference is not None
            )
            found.update(
                _table(fk.referenced_schema, fk.referenced_table) for fk in entity.foreign_keys
            )
    return parents
