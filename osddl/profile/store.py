"""out/profile.parquet and out/profile-summary.json: deterministic bytes, stable column names."""

from __future__ import annotations

import dataclasses
import io
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from osddl.io import atomic_write_bytes, write_json
from osddl.profile.evidence import Evidence, samples_json

SCHEMA_VERSION = "osddl.profile/2"
SUMMARY_VERSION = "osddl.profile-summary/1"

# The Parquet columns, in order (external checks read these names; docs/artifacts.md lists them).
COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("kind", pa.string()),
    ("module", pa.string()),
    ("entity", pa.string()),
    ("schema", pa.string()),
    ("table", pa.string()),
    ("name", pa.string()),
    ("columns", pa.list_(pa.string())),
    ("attributes", pa.list_(pa.string())),
    ("status", pa.string()),
    ("row_count", pa.int64()),
    ("null_count", pa.int64()),
    ("is_nullable_physical", pa.bool_()),
    ("is_computed", pa.bool_()),
    ("default_definition", pa.string()),
    ("distinct_count", pa.int64()),
    ("max_length", pa.int64()),
    ("min_value", pa.string()),
    ("max_value", pa.string()),
    ("scale_overflow", pa.int64()),
    ("duplicate_groups", pa.int64()),
    ("duplicate_rows", pa.int64()),
    ("orphan_count", pa.int64()),
    ("orphan_distinct_values", pa.int64()),
    ("referenced_schema", pa.string()),
    ("referenced_table", pa.string()),
    ("referenced_column", pa.string()),
    ("samples", pa.string()),
    ("sample_size", pa.int64()),
    ("message", pa.string()),
)


def arrow_table(evidence: Sequence[Evidence], knobs: dict[str, Any]) -> pa.Table:
    rows = []
    for item in evidence:
        row = dataclasses.asdict(item)
        row["samples"] = samples_json(item.samples)
        rows.append(row)
    schema = pa.schema([pa.field(n, t) for n, t in COLUMNS]).with_metadata(
        {
            "osddl.schemaVersion": SCHEMA_VERSION,
            "osddl.knobs": json.dumps(knobs, sort_keys=True),
        }
    )
    return pa.Table.from_pylist(rows, schema=schema).combine_chunks()


def parquet_bytes(table: pa.Table) -> bytes:
    """Fixed writer options; no timestamps are written by pyarrow, so bytes are reproducible."""
    buffer = io.BytesIO()
    pq.write_table(
        table,
        buffer,
        compression="zstd",
        compression_level=3,
        use_dictionary=False,
        write_statistics=False,
        version="2.6",
    )
    return buffer.getvalue()


def write_profile(path: Path, evidence: Sequence[Evidence], knobs: dict[str, Any]) -> None:
    atomic_write_bytes(path, parquet_bytes(arrow_table(evidence, knobs)))


def read_profile(path: Path) -> list[Evidence]:
    """The evidence back from Parquet (tests and later stages)."""
    table = pq.read_table(path)
    out = []
    for row in table.to_pylist():
        row["samples"] = json.loads(row["samples"] or "[]")
        out.append(Evidence(**row))
    return out


def profile_summary(evidence: Sequence[Evidence], knobs: dict[str, Any]) -> dict[str, Any]:
    """Per-table counts for humans (and the console table)."""
    tables: dict[tuple[str, str], dict[str, Any]] = {}
    for item in evidence:
        entry = tables.setdefault(
            (item.schema, item.table),
            {
                "schema": item.schema,
                "table": item.table,
                "module": item.module,
                "entity": item.entity,
                "rowCount": None,
                "columnsWithNulls": 0,
                "duplicateCandidates": 0,
                "referencesWithOrphans": 0,
                "statuses": Counter(),
            },
        )
        entry["statuses"][item.status] += 1
        if item.kind == "column":
            entry["rowCount"] = item.row_count
            entry["columnsWithNulls"] += int(bool(item.null_count))
        elif item.kind == "unique":
            entry["duplicateCandidates"] += int(bool(item.duplicate_groups))
        else:
            entry["referencesWithOrphans"] += int(bool(item.orphan_count))
    rows = [
        {**t, "statuses": dict(sorted(t["statuses"].items()))}
        for _, t in sorted(
            tables.items(), key=lambda kv: (kv[0][0].casefold(), kv[0][1].casefold())
        )
    ]
    totals = {
        k: sum(r[k] for r in rows)
        for k in ("columnsWithNulls", "duplicateCandidates", "referencesWithOrphans")
    }
    missing = sum(
        1 for e in evidence if e.status not in ("succeeded", "sampled", "trusted_constraint")
    )
    return {
        "schemaVersion": SUMMARY_VERSION,
        "knobs": knobs,
        "tables": rows,
        "totals": {
            "tables": len(rows),
            "probes": len(evidence),
            "probesWithoutEvidence": missing,
            **totals,
        },
    }


def write_summary(path: Path, document: dict[str, Any]) -> None:
    write_json(path, document)


def console_table(document: dict[str, Any]) -> str:
    lines = [f"  {'table':<34} {'rows':>8} {'nulls':>6} {'dupes':>6} {'orphans':>8}"]
    for row in document["tables"]:
        name = f"{row['schema']}.{row['table']}"
        rows = "-" if row["rowCount"] is None else str(row["rowCount"])
        lines.append(
            f"  {name:<34} {rows:>8} {row['columnsWithNulls']:>6} "
            f"{row['duplicateCandidates']:>6} {row['referencesWithOrphans']:>8}"
        )
    totals = document["totals"]
    lines.append(
        f"  {totals['tables']} tables: {totals['columnsWithNulls']} columns with NULLs, "
        f"{totals['duplicateCandidates']} duplicate candidates, "
        f"{totals['referencesWithOrphans']} references with orphans, "
        f"{totals['probesWithoutEvidence']} probes without evidence"
    )
    return "\n".join(lines)
