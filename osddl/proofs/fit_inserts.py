"""Whole-INSERT fit: a batch that is one INSERT whose every cell fits, cleared by one match.

The exporter writes most batches as one `INSERT INTO [s].[t] ([c], ...)` then `VALUES` and its
rows, one a line, up to `;`. `cleared_rows` matches such a batch's VALUES list at once, with one
pattern per column list built from the columns' common cleared forms (`ColumnCheck.form` of
`osddl.proofs.fit_columns`: NULL or a literal whose text alone shows it fits, day ranges included).
A match means every cell is one the exact path (`read_cell` then `misfit`) finds fitting: the
batch counts its rows times its columns values and nothing else is read. Anything else (a cell
near or past a limit, a form the pattern does not know, blanks other than the renderer's,
comments, other statements, a table or column the model does not know) returns None, and the
batch goes through the statement reader and the column check, which name the file, batch, row
and column of every failure.

The pattern is narrower than the reader (`osddl.tsql.scan`), so a cleared batch is one the reader
reads as this one INSERT with these cells: its header is the reader's with fewer blanks; cells are
separated by `, ` and rows by `,` then LF and an indent, as the renderer writes them; every form is
one cell of the reader's cell pattern and none accepts LF, so the rows are the VALUES list's lines.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Final

from osddl.proofs.fit_columns import column_check
from osddl.tsql.scan import NAME, header
from osddl.tsql.types import SqlType

Types = Mapping[tuple[str, str], Mapping[str, SqlType]]

_BLANKS: Final = r"[ \t\n]*+"
_HEAD: Final = re.compile(
    rf"{_BLANKS}INSERT INTO ({NAME})\.({NAME}){_BLANKS}\(({NAME}(?:, {NAME})*)\)"
    rf"{_BLANKS}VALUES{_BLANKS}"
)


def cleared_rows(text: str, types: Types) -> tuple[int, int] | None:
    """(rows, values) of a batch that is one INSERT whose every cell is cleared; None when the
    batch is anything else. `types`: (schema, table) case-folded → column (case-folded) → type."""
    head = _HEAD.match(text)
    read = header(head) if head else None
    if head is None or read is None:
        return None  # not the reader's plain INSERT
    (schema, table), names = read
    columns = types.get((schema.casefold(), table.casefold()))
    if columns is None:
        return None  # a table the model does not know: the column path reports it
    try:
        found = tuple(columns[n.casefold()] for n in names)
    except KeyError:
        return None  # a column the model does not know: the column path reports it
    end = len(text.rstrip(" \t\n")) - 1
    if text[end] != ";" or not _values(found).fullmatch(text, head.end(), end):
        return None
    rows = text.count("\n", head.end(), end) + 1
    return rows, rows * len(found)


@functools.cache
def _values(sql_types: tuple[SqlType, ...]) -> re.Pattern[str]:
    """A VALUES list (without its `;`) whose every cell is in its column's cleared form."""
    row = r"\(" + ", ".join(column_check(t).form for t in sql_types) + r"\)"
    return re.compile(rf"{row}(?:,\n[ \t]*+{row})*+")
