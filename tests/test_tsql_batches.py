"""The GO splitter reads a script the same whatever the pieces it comes in.

`osddl.tsql.read.split_text` finds GO lines with one search per piece (a file read in large
chunks, `osddl.tsql.scan.batches`); the oracle is the plain rule line by line (`is_go` on each
line, a batch is its other lines joined with LF, a last batch without GO only when not blank).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from osddl.errors import InputError
from osddl.tsql import scan
from osddl.tsql.read import Batch, is_go, split_batches, split_text
from tests.properties import examples, property_settings

EXAMPLES = examples(30) * 10
SETTINGS = property_settings(EXAMPLES, HealthCheck.function_scoped_fixture)

ATOMS = st.sampled_from(
    ["GO", "go", "Go;", "  GO  ", "GO ;", "G", "O", ";", "x", "--", " ", "\t", "\n", "\n\n",
     "\r\n", "\r", "\x85", "\u2028", "\x0b", "é", "東"]
)  # fmt: skip
SCRIPTS = st.lists(ATOMS, max_size=40).map("".join)


def oracle(lines: Iterable[str]) -> Iterator[Batch]:
    held: list[str] = []
    number, start = 1, 1
    for index, line in enumerate(lines, start=1):
        if is_go(line):
            yield Batch(number, start, "\n".join(held))
            held, number, start = [], number + 1, index + 1
        else:
            held.append(line.rstrip("\r\n"))
    if "".join(held).strip():
        yield Batch(number, start, "\n".join(held))


def file_lines(text: str) -> list[str]:
    """Lines as a text-mode file yields them: universal newlines, split at LF only."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [line for line in re.split(r"(?<=\n)", text) if line]


@SETTINGS
@given(SCRIPTS, st.lists(st.integers(0, 200), max_size=6))
def test_pieces_cut_anywhere_split_as_lines_do(text: str, cuts: list[int]) -> None:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    points = sorted(min(c, len(text)) for c in cuts)
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]
    assert list(split_text(pieces)) == list(oracle(file_lines(text)))


@SETTINGS
@given(SCRIPTS)
def test_split_batches_keeps_the_line_rule(text: str) -> None:
    for lines in (text.splitlines(), text.splitlines(keepends=True)):
        assert list(split_batches(lines)) == list(oracle(lines))


@SETTINGS
@given(SCRIPTS, st.integers(1, 9))
def test_a_file_read_in_small_chunks_splits_as_its_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, chunk: int
) -> None:
    path = tmp_path / "s.sql"
    path.write_bytes(text.encode("utf-8"))
    monkeypatch.setattr(scan, "_CHUNK", chunk)
    assert list(scan.batches(path)) == list(oracle(scan.script_lines(path)))


def test_known_splits() -> None:
    assert list(split_text(["SET NOCOUNT ON;\nG", "O\n\ngo ;\nx"])) == [
        Batch(1, 1, "SET NOCOUNT ON;"),
        Batch(2, 3, ""),
        Batch(3, 5, "x"),
    ]
    assert list(split_text(["GO\n", "  \n"])) == [Batch(1, 1, "")]
    assert list(split_text([])) == []


def test_a_script_that_is_not_utf8_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sql"
    path.write_bytes(b"SET NOCOUNT ON;\nGO\n\xff\n")
    with pytest.raises(InputError, match="not UTF-8 text"):
        list(scan.batches(path))
