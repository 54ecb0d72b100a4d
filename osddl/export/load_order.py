"""work/load-order.json (`osddl.load-order/1`): what `order` hands to the data renderers.

The sorter's full result (edges, cycles, why each edge is safe) is `order.LoadOrder` and goes to the
topological-order proof; this file keeps only what rendering needs: the tables in load order and,
per table (`schema.table`, physical names), the FK columns loaded NULL and set afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from osddl.typed_json import TypedJson

LOAD_ORDER_VERSION: Final = "osddl.load-order/1"


@dataclass(frozen=True)
class LoadOrderDocument:
    tables: list[str]  # `schema.table`, parents first
    deferred: dict[str, list[str]]  # table → columns inserted NULL, set by deferred_updates.sql
    self_references: dict[str, list[str]]  # table → columns that point into the same table
    schema_version: Literal["osddl.load-order/1"] = LOAD_ORDER_VERSION

    def deferred_of(self, table: str) -> list[str]:
        """The table's deferred columns (table names compare case-insensitively)."""
        return _lookup(self.deferred, table)

    def self_references_of(self, table: str) -> list[str]:
        return _lookup(self.self_references, table)


def _lookup(mapping: dict[str, list[str]], table: str) -> list[str]:
    wanted = table.casefold()
    return next((v for k, v in mapping.items() if k.casefold() == wanted), [])


LOAD_ORDER_JSON: Final = TypedJson(
    LoadOrderDocument, LOAD_ORDER_VERSION, "load-order", "osddl load order", "order"
)


def write_load_order(path: Path, document: LoadOrderDocument) -> None:
    """Write work/load-order.json atomically (canonical JSON)."""
    LOAD_ORDER_JSON.write(path, document)


def read_load_order(path: Path) -> LoadOrderDocument:
    """work/load-order.json, version- and schema-checked; any problem is a one-line InputError."""
    return LOAD_ORDER_JSON.read(path)
