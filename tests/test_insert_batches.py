"""INSERT batches are cut by rows (`data.batch_rows`) and by bytes (`MAX_BATCH_BYTES`, under SQL
Server's batch limit): the same cut whatever runs the rows were rendered in, in one pass or from
the snapshot, and the rows all there."""

from __future__ import annotations

import re
from pathlib import Path
from unittest import mock

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from osddl.export import columnar, dynamic
from osddl.export.dynamic import _Groups, render_table
from osddl.model.sqltype import parse_sql_type
from osddl.proofs import fit
from osddl.tsql.scan import Insert, batches, subset_statements
from osddl.tsql.types import utf16_size
from tests.properties import examples, property_settings
from tests.test_prerender import one_pass, rendered, small_table
from tests.test_tsql_scan import snapshot

PROPERTY = property_settings(examples(200))
ROW = st.text(st.characters(codec="utf-8"), max_size=12).map(lambda t: f"    ({t!r}),\n")


def greedy(rows: list[str], size: int, budget: int) -> list[tuple[int, bytes]]:
    """The cut, row by row: a batch ends at `size` rows or before a row that would take it past
    `budget` bytes (a row alone may pass it)."""
    found: list[tuple[int, bytes]] = []
    batch: list[bytes] = []
    for row in (r.encode() for r in rows):
        if batch and (len(batch) == size or sum(map(len, batch)) + len(row) > budget):
            found.append((len(batch), b"".join(batch)[:-2]))
            batch = []
        batch.append(row)
    if batch:
        found.append((len(batch), b"".join(batch)[:-2]))
    return found


@st.composite
def runs(draw: st.DrawFn) -> tuple[list[str], list[int], int, int]:
    rows = draw(st.lists(ROW, max_size=30))
    cuts = sorted(draw(st.lists(st.integers(0, len(rows)), max_size=5)))
    return rows, cuts, draw(st.integers(1, 6)), draw(st.integers(1, 80))


@PROPERTY
@given(case=runs())
def test_batches_are_cut_by_rows_and_bytes_across_runs(
    case: tuple[list[str], list[int], int, int],
) -> None:
    rows, cuts, size, budget = case
    groups = _Groups(size, budget)
    found = []
    for start, stop in zip([0, *cuts], [*cuts, len(rows)], strict=True):
        tuples = pa.array(rows[start:stop], pa.string())
        found += [(n, b"".join(p)) for n, p in groups.add(tuples)]
    found += [(n, b"".join(p)) for n, p in groups.rest()]
    assert found == greedy(rows, size, budget)


def test_the_cut_can_fail() -> None:
    """The oracle is not the code's twin: rows only, or bytes only, give other cuts."""
    rows = [f"    ({'x' * n}),\n" for n in (3, 30, 3, 3)]
    assert greedy(rows, 4, 40) != greedy(rows, 4, 1000) != greedy(rows, 1, 40)
    assert [n for n, _ in greedy(rows, 4, 40)] == [1, 1, 2]


def test_a_table_of_wide_rows_loads_in_batches_under_the_budget(tmp_path: Path) -> None:
    """Rendered with a small budget, one pass or from the snapshot: the same script, every batch
    one INSERT under the budget or of one row, every row there, in order."""
    load, data = small_table()
    parquet = tmp_path / "t.parquet"
    snapshot(load, data, parquet)
    with mock.patch.object(dynamic, "MAX_BATCH_BYTES", 40):
        entry = one_pass(load, parquet, tmp_path / "out", 2, 3)
        first = rendered(load, parquet, tmp_path / "one-pass", 3, entry)
        second = rendered(load, parquet, tmp_path / "from-parquet", 3, None)
    assert first == second
    inserts = []
    for batch in batches(tmp_path / "from-parquet" / "t.sql"):
        statements = subset_statements(batch.text) or []
        inserts += [s for s in statements if isinstance(s, Insert)]
    sizes = [len(i.rows) for i in inserts]
    assert sum(sizes) == 5 and max(sizes) <= 3 and len(sizes) > 2  # 5 rows of 3 would be 2


@pytest.mark.parametrize("budget", [1, 10**9])
def test_render_table_keeps_every_row_whatever_the_budget(tmp_path: Path, budget: int) -> None:
    load, data = small_table()
    snapshot(load, data, tmp_path / "t.parquet")
    with mock.patch.object(dynamic, "MAX_BATCH_BYTES", budget):
        rows = render_table(
            load, tmp_path / "t.parquet", tmp_path / "t.sql", tmp_path / "t.frag", 1000
        )
    script = (tmp_path / "t.sql").read_text(encoding="utf-8")
    assert rows == 5 and script.count("INSERT INTO") == (5 if budget == 1 else 1)


def test_utf16_size_counts_what_sql_server_receives() -> None:
    assert [utf16_size(t) for t in ("", "GO", "Zoë", "東京", "😀")] == [0, 4, 6, 4, 4]


def test_a_batch_over_sql_servers_limit_fails_the_fit_proof(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit lowered to between the two batches' sizes: the larger one fails, named."""
    small = "INSERT INTO [dbo].[E] ([Note]) VALUES\n    (N'a');\nGO\n"
    large = "INSERT INTO [dbo].[E] ([Note]) VALUES\n    (N'" + "é" * 200 + "');\nGO\n"
    (tmp_path / "dbo.E.dynamic.sql").write_text(small + large, encoding="utf-8")
    (tmp_path / "load.sql").write_text(":r .\\dbo.E.dynamic.sql\n", encoding="utf-8")
    types = {("dbo", "e"): {"note": parse_sql_type("nvarchar(max)")}}
    assert fit.verify_fit(tmp_path, types)["verdict"] == "pass"
    monkeypatch.setattr(fit, "SQL_SERVER_BATCH_BYTES", 300)
    document = fit.verify_fit(tmp_path, types)
    (failure,) = document["failures"]
    assert (failure["kind"], failure["batch"], failure["file"]) == (
        "batch-too-large",
        2,
        "dbo.E.dynamic.sql",
    )
    assert re.match(
        r"batch 2: 4\d\d bytes as SQL Server receives it \(UTF-16\), over its batch "
        r"limit of 300 ",
        failure["detail"],
    )


@st.composite
def batch_runs(draw: st.DrawFn) -> tuple[list[pa.RecordBatch], int, int]:
    texts = draw(st.lists(st.text(max_size=20), max_size=40))
    cuts = sorted(draw(st.lists(st.integers(0, len(texts)), max_size=4)))
    table = pa.table({"id": list(range(len(texts))), "text": pa.array(texts, pa.string())})
    pieces = [
        table.slice(start, stop - start).combine_chunks()
        for start, stop in zip([0, *cuts], [*cuts, len(texts)], strict=True)
    ]
    incoming = [b for piece in pieces for b in piece.to_batches()]
    return incoming, draw(st.integers(1, 8)), draw(st.integers(1, 400))


@PROPERTY
@given(case=batch_runs())
def test_runs_keep_every_row_in_order_within_their_bounds(
    case: tuple[list[pa.RecordBatch], int, int],
) -> None:
    incoming, rows, budget = case
    runs = list(columnar.bounded_runs(iter(incoming), rows, budget))
    joined = [r for run in runs for r in run.to_pylist()]
    assert joined == [r for batch in incoming for r in batch.to_pylist()]
    assert all(0 < run.num_rows <= rows for run in runs)


def test_a_batch_of_wide_rows_is_cut_by_bytes() -> None:
    batch = pa.record_batch({"blob": pa.array([b"x" * 1000] * 8, pa.binary())})
    runs = list(columnar.bounded_runs(iter([batch]), 100, 2100))
    assert [run.num_rows for run in runs] == [2, 2, 2, 2]


def test_the_script_does_not_depend_on_the_runs(tmp_path: Path) -> None:
    """Runs of one row (a tiny RUN_BYTES) or of one INSERT batch render the same bytes."""
    load, data = small_table()
    parquet = tmp_path / "t.parquet"
    snapshot(load, data, parquet)
    expected = rendered(load, parquet, tmp_path / "default", 2, None)
    with mock.patch.object(dynamic, "RUN_BYTES", 1):
        assert rendered(load, parquet, tmp_path / "rows", 2, None) == expected
        entry = one_pass(load, parquet, tmp_path / "out", 3, 2)
        assert rendered(load, parquet, tmp_path / "one-pass", 2, entry) == expected
    with mock.patch.object(dynamic, "RUN_BATCHES", 1):
        assert rendered(load, parquet, tmp_path / "batches", 2, None) == expected


# ---- snapshot batches: rows and bytes of values ------------------------------------------------


def greedy_snapshot(sizes: list[int], rows: int, budget: int) -> list[int]:
    """Row counts of the snapshot batches, row by row."""
    found: list[int] = []
    count = size = 0
    for width in sizes:
        if count and (count == rows or size + width > budget):
            found.append(count)
            count = size = 0
        count, size = count + 1, size + width
    return [*found, count] if count else found


@st.composite
def value_batches(draw: st.DrawFn) -> tuple[list[pa.RecordBatch], list[int], int, int]:
    texts = draw(st.lists(st.none() | st.text(max_size=15), max_size=40))
    blobs = draw(
        st.lists(st.none() | st.binary(max_size=15), min_size=len(texts), max_size=len(texts))
    )
    table = pa.table({"n": list(range(len(texts))), "t": pa.array(texts, pa.string()), "b": blobs})
    cuts = sorted(draw(st.lists(st.integers(0, len(texts)), max_size=4)))
    incoming = [
        table.slice(start, stop - start).combine_chunks().to_batches()[0]
        for start, stop in zip([0, *cuts], [*cuts, len(texts)], strict=True)
        if stop > start
    ]
    sizes = [len((t or "").encode()) + len(b or b"") for t, b in zip(texts, blobs, strict=True)]
    return incoming, sizes, draw(st.integers(1, 8)), draw(st.integers(1, 60))


@PROPERTY
@given(case=value_batches())
def test_snapshot_batches_end_by_rows_and_value_bytes_wherever_the_fetch_ended(
    case: tuple[list[pa.RecordBatch], list[int], int, int],
) -> None:
    incoming, sizes, rows, budget = case
    found = list(columnar.exact_batches(iter(incoming), rows, None, budget))
    assert [b.num_rows for b in found] == greedy_snapshot(sizes, rows, budget)
    assert [r for b in found for r in b.to_pylist()] == [r for b in incoming for r in b.to_pylist()]


def test_without_a_budget_snapshot_batches_are_exact() -> None:
    batch = pa.record_batch({"t": ["x" * 50] * 7})
    assert [b.num_rows for b in columnar.exact_batches(iter([batch]), 3)] == [3, 3, 1]
    assert [b.num_rows for b in columnar.exact_batches(iter([batch]), 3, None, 120)] == [2, 2, 2, 1]
