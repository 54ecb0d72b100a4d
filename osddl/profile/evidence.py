"""One row of evidence per probe: the in-memory form of out/profile.parquet."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["column", "unique", "reference"]
Status = Literal["succeeded", "sampled", "timeout", "error", "trusted_constraint", "skipped"]

# Statuses that are evidence; every other status is missing evidence, never "clean" or "dirty".
EVIDENCE_STATUSES = ("succeeded", "sampled", "trusted_constraint")
KIND_ORDER = {"column": 0, "unique": 1, "reference": 2}


@dataclass
class Evidence:
    kind: Kind
    module: str
    entity: str
    schema: str
    table: str
    name: str  # column name, index/candidate name, or reference attribute
    columns: list[str]
    attributes: list[str]
    status: Status = "skipped"
    row_count: int | None = None
    null_count: int | None = None
    is_nullable_physical: bool | None = None
    is_computed: bool | None = None
    default_definition: str | None = None
    distinct_count: int | None = None
    max_length: int | None = None  # characters (text) or bytes (binary), for the emitted type
    min_value: str | None = None  # number or date/time, as text (`plain`)
    max_value: str | None = None
    scale_overflow: int | None = None  # values with more decimals than the emitted scale
    duplicate_groups: int | None = None
    duplicate_rows: int | None = None
    orphan_count: int | None = None
    orphan_distinct_values: int | None = None
    referenced_schema: str | None = None
    referenced_table: str | None = None
    referenced_column: str | None = None
    samples: list[Any] = field(default_factory=list)
    sample_size: int | None = None
    message: str | None = None

    def sort_key(self) -> tuple[int, str, str, str, tuple[str, ...]]:
        return (
            KIND_ORDER[self.kind],
            self.schema.casefold(),
            self.table.casefold(),
            self.name.casefold(),
            tuple(self.columns),
        )


def plain(value: Any) -> Any:
    """A database value as JSON: bytes as 0x-hex, decimals and GUIDs as text, times ISO 8601."""
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex().upper()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


def value_text(value: Any) -> str | None:
    """A MIN/MAX as stored text: numbers without exponent drift, times in ISO 8601."""
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep="T")
    return str(plain(value))


def samples_json(samples: list[Any]) -> str:
    return json.dumps([plain(s) for s in samples], ensure_ascii=False, sort_keys=True)
