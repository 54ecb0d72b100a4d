"""The columnar checks of `verify:loadable` find exactly what a per-value reading finds.

Random small snapshots (text keys in several cases, with trailing spaces and non-ASCII letters
whose casefold differs from their lowering; integer keys; NULLs; duplicates; references to
missing parents, also across integer widths) are checked by `osddl.proofs.loadable`'s columnar
functions and by the per-value reference below (the rules the module documents: NULLs equal in
an unfiltered index, keys with a NULL skipped in a filtered one, text compared casefolded
without trailing spaces): same rows, same samples in the same order, same failure entries.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from osddl.export.remediation import comparable
from osddl.policy.contract import DecidedColumn, DecidedReference, DecidedUnique
from osddl.proofs import loadable
from osddl.proofs.loadable import SAMPLE_LIMIT
from tests.properties import examples, property_settings

EXAMPLES = examples(40)
PROPERTY = property_settings(EXAMPLES, HealthCheck.too_slow)

SIGMAS = ["\u03c2", "\u03c3", "\u03a3"]  # final, small, capital: one casefold, two lowerings
TEXT = st.sampled_from(["a", "A", "a ", "A  ", "ß", "SS", "ss", *SIGMAS, "é", "É", " b", ""])
INTEGER = st.integers(-3, 3)
WIDE = INTEGER | st.just(2**40)  # a parent id no int32 child can hold
GUID = st.sampled_from(["0A1B-cc", "0a1b-CC", "ffff-00"])


def _reference_unique(columns: list[list[Any]], filtered: bool) -> list[int]:
    keys = [tuple(comparable(v) for v in row) for row in zip(*columns, strict=True)]
    kept = [None if filtered and None in k else k for k in keys]
    seen = Counter(k for k in kept if k is not None)
    return [r for r, k in enumerate(kept) if k is not None and seen[k] > 1]


def _reference_orphans(child: list[Any], parent: list[Any]) -> list[int]:
    known = {comparable(v) for v in parent}
    return [n for n, v in enumerate(child) if v is not None and comparable(v) not in known]


def _column(table: str, column: str, make_not_null: bool, signal: str = "") -> DecidedColumn:
    return DecidedColumn("M", table, "dbo", table, f"dbo.{table}.{column}", column, column,
                         signal, make_not_null, False, [], None)  # fmt: skip


def _unique(columns: list[str]) -> DecidedUnique:
    name = "UX_C_" + "_".join(columns)
    return DecidedUnique("M", "C", "dbo", "C", f"dbo.C.{name}", name, columns, columns, "",
                         True, False, [], None)  # fmt: skip


def _reference(column: str, parent: str) -> DecidedReference:
    name = f"dbo.C.FK_{column}"
    return DecidedReference("M", "C", "dbo", "C", name, column, column, "dbo", "P", parent, "",
                            True, True, "NO ACTION", None, False, [], None)  # fmt: skip


@st.composite
def snapshots(draw: st.DrawFn) -> tuple[dict[str, pa.Array], dict[str, pa.Array]]:
    size = draw(st.integers(0, 30))
    parent_type = draw(st.sampled_from(["text", "guid", "int64"]))
    parent_values = draw(
        st.lists({"text": TEXT, "guid": GUID, "int64": WIDE}[parent_type], max_size=8)
    )
    parent_arrow = pa.string() if parent_type != "int64" else pa.int64()
    child_arrow = parent_arrow if parent_type != "int64" else draw(
        st.sampled_from([pa.int64(), pa.int32()])
    )  # fmt: skip
    reference = {"text": TEXT, "guid": GUID, "int64": INTEGER}[parent_type]
    picks = [v for v in parent_values if v != 2**40]
    nullable = {
        "Text": TEXT,
        "Number": INTEGER,
        "Ref": st.sampled_from(picks) | reference if picks else reference,
    }
    child: dict[str, pa.Array] = {
        "Id": pa.array([100 + n for n in range(size)], pa.int64()),
    }
    for name, values in nullable.items():
        cells = draw(st.lists(st.none() | values, min_size=size, max_size=size))
        kind = {"Text": pa.string(), "Number": pa.int64(), "Ref": child_arrow}[name]
        child[name] = pa.array(cells, kind)
    parent = {"Id": pa.array(parent_values, parent_arrow)}
    return child, parent


def _check(folder: Path, child: dict[str, pa.Array], parent: dict[str, pa.Array]) -> Any:
    tables = {}
    for name, columns in (("C", child), ("P", parent)):
        file = folder / f"{name}.parquet"
        pq.write_table(pa.table(columns), file)
        tables[("dbo", name.casefold())] = loadable._Rows(f"data/{name}.parquet", file, None)  # type: ignore[arg-type]
    decisions = SimpleNamespace(columns=[_column("C", "Id", False, "pk")])
    return loadable._Check(decisions, tables)  # type: ignore[arg-type]


@PROPERTY
@given(snapshots())
def test_columnar_checks_find_what_the_per_value_reading_finds(
    tables: tuple[dict[str, pa.Array], dict[str, pa.Array]],
) -> None:
    child, parent = tables
    values = {name: array.to_pylist() for name, array in child.items()}
    ids = values["Id"]
    with tempfile.TemporaryDirectory() as folder:
        check = _check(Path(folder), child, parent)
        for columns in (["Text"], ["Number"], ["Ref"], ["Text", "Number"], ["Number", "Ref"]):
            for filtered in (False, True):
                found = loadable._unique_rows(check, _unique(columns), filtered)
                expected = _reference_unique([values[c] for c in columns], filtered)
                assert found is not None and found.to_pylist() == expected, (columns, filtered)
                samples = [ids[r] for r in expected[:SAMPLE_LIMIT]]
                assert check.samples(("dbo", "c"), found) == samples
        orphans = loadable._orphan_rows(check, _reference("Ref", "Id"))
        expected = _reference_orphans(values["Ref"], parent["Id"].to_pylist())
        assert orphans is not None and orphans.to_pylist() == expected
        assert loadable._orphan_rows(check, _reference("Ref", "Missing")) is None

        decisions = SimpleNamespace(columns=[_column("C", c, True) for c in ("Text", "Ref")])
        loadable._nulls(check, decisions)  # type: ignore[arg-type]
    wanted = []
    for column in ("Text", "Ref"):
        rows = [r for r, v in enumerate(values[column]) if v is None]
        if rows:
            wanted.append(
                {
                    "kind": "null",
                    "constraint": f"dbo.C.{column}",
                    "file": "data/C.parquet",
                    "rows": len(rows),
                    "detail": f"{len(rows)} NULLs under NOT NULL (M::C.{column})",
                    "samples": [ids[r] for r in rows[:SAMPLE_LIMIT]],
                    "hint": loadable.HINT,
                }
            )
    assert check.failures == wanted
    assert check.counts["notNull"] == 2
