"""The column-wise fast paths give exactly what the row-by-row code gives: a clean inventory read
by Arrow equals the `csv` reader's result (users, lines, kind, fingerprint), any file with
something to report is read by the exact reader (same messages), and the vectorised string
helpers equal Python's `str` methods."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osddl.uat_users import inventory
from osddl.uat_users.columns import casefold, strip
from osddl.uat_users.inventory import COLUMNS, read_inventory

HEADER = ",".join(COLUMNS)

# Values an operator's export may hold, the awkward ones included.
IDS = st.one_of(
    st.integers(0, 10**6).map(str),
    st.sampled_from(
        [" 7", "+5", "007", "-3", "1234567890123456789", "9" * 20, "", "  ", "٣", "u1", "NULL",
         "6F9619FF-8B86-D011-B42D-00C04FC964FF", "{6f9619ff-8b86-d011-b42d-00c04fc964ff}",
         "6f9619ff-8b86-d011-b42d-00c04fc964ff}", "12345678-1234-1234-1234-12345678901Z"]
    ),
)  # fmt: skip
TEXTS = st.one_of(
    st.sampled_from(
        ["ann", "Bob, Jr.", 'Jane "JJ"', "two\nlines", "cr\r\nlf", " pad ", "\x1cfs\x1f", "NULL",
         "\xa0nbsp\u3000", "Straße", "ǅž", "", "é", "\u212a"]
    ),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=6),
)  # fmt: skip
BOOLEANS = st.sampled_from(["1", "0", "true", "FALSE", " True ", "yes", "", "\uff54rue", "1\x1c"])
DATES = st.sampled_from(
    ["", "NULL", " ", "2024-01-02 03:04:05.123", "2024-02-29", "2023-02-29", "2024-04-31",
     "2024-01-02T03:04:05.1234567Z", "2024-01-02 03:04 +0100", "2024-01-02\x1cZ", "31/12/2024",
     "\uff12\uff10\uff12\uff14-01-02", "2024-1-2", "2024-12-31 23:59:59"]
)  # fmt: skip

VALID_INTS = st.builds(
    lambda n, pad: f"{pad}{n}", st.integers(0, 10**9), st.sampled_from(["", "0", " "])
)
VALID_GUIDS = st.builds(
    lambda u, braces, upper: ("{%s}" if braces else "%s") % (str(u).upper() if upper else str(u)),
    st.uuids(), st.booleans(), st.booleans(),
)  # fmt: skip
VALID_TEXTS = st.text(
    st.characters(min_codepoint=0x41, max_codepoint=0x24F), min_size=1, max_size=5
)
VALID_BOOLEANS = st.sampled_from(["1", "0", "true", "FALSE", " True "])
VALID_DATES = st.sampled_from(
    ["", "NULL", " ", "2024-01-02 03:04:05.123", "2024-02-29", "2024-01-02T03:04:05.1234567Z",
     "2024-01-02 03:04 +0100", "2024-01-02\x1cZ", "2024-12-31 23:59:59"]
)  # fmt: skip


@st.composite
def inventory_files(draw: st.DrawFn) -> bytes:
    """An inventory file: rows of drawn values, written by `csv` (minimal or full quoting) or by
    hand (no quoting at all: broken lines), with drawn line ends, BOM and blank lines."""
    if draw(st.booleans()):  # a valid file with awkward values: the fast path's own ground
        ids = draw(st.sampled_from([VALID_INTS, VALID_GUIDS, VALID_TEXTS]))
        one_line = TEXTS.filter(lambda t: "\n" not in t and "\r" not in t)
        values = st.tuples(
            one_line, one_line, one_line, one_line, VALID_BOOLEANS, VALID_DATES, VALID_DATES
        )
        rows = [
            (i, *draw(values))
            for i in draw(st.lists(ids, max_size=6, unique_by=lambda i: i.strip().upper()))
        ]
    else:
        rows = draw(
            st.lists(st.tuples(IDS, TEXTS, TEXTS, TEXTS, TEXTS, BOOLEANS, DATES, DATES), max_size=6)
        )
    if rows and draw(st.booleans()):
        rows.append(rows[0])  # a duplicate id
    order = draw(st.permutations(range(8)))
    header = [COLUMNS[k] for k in order]
    if draw(st.booleans()):
        header = [name.upper() for name in header]
    records = [[row[k] for k in order] for row in rows]
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    style = draw(st.sampled_from(["minimal", "all", "raw"]))
    if style == "raw":
        text = "".join(",".join(r) + ending for r in [header, *records])
    else:
        buffer = io.StringIO()
        quoting = csv.QUOTE_ALL if style == "all" else csv.QUOTE_MINIMAL
        csv.writer(buffer, lineterminator=ending, quoting=quoting).writerows([header, *records])
        text = buffer.getvalue()
    if draw(st.booleans()):
        text += draw(st.sampled_from(["\n", "\r\n\r\n", "\n\n"]))
    lines = text.split("\n")
    if len(lines) > 2 and draw(st.integers(0, 4)) == 0:
        lines.insert(draw(st.integers(1, len(lines) - 1)), "")  # a blank line between rows
        text = "\n".join(lines)
    data = text.encode()
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return data


def _read(path: Path, exact: bool) -> tuple[Any, list[str]]:
    if exact:
        found, findings = inventory._read_exactly(path, "qa", "qa_users.csv", None)
    else:
        found, findings = read_inventory(path, "qa", "qa_users.csv")
    texts = [f.text() for f in findings]
    if found is None:
        return None, texts
    users = list(found.users.values())
    return (found.kind, found.sha256, found.file, users), texts


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=inventory_files())
def test_fast_path_reads_exactly_what_the_csv_reader_reads(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "qa_users.csv"
    path.write_bytes(data)
    assert _read(path, exact=False) == _read(path, exact=True)


def test_a_clean_file_is_read_by_arrow_with_its_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        "\ufeffId,Username,EMail,Name,External_Id,Is_Active,Creation_Date,Last_Login\r\n"
        '7, carla ,C@X.org,"Kowalski, Carla",,TRUE,2024-02-29 10:00:00.1234567,NULL\r\n'
        "8,bo,NULL,Bø,EXT-8,0,,2024-01-02T03:04:05Z\r\n\r\n"
    )
    path = tmp_path / "qa_users.csv"
    path.write_bytes(text.encode())
    exact = _read(path, exact=True)

    def refuse(*args: object) -> None:
        raise AssertionError("the exact reader was used for a clean file")

    monkeypatch.setattr(inventory, "_read_exactly", refuse)
    assert _read(path, exact=False) == exact
    found, _ = read_inventory(path, "qa", "qa_users.csv")
    assert found is not None
    carla, bo = found.users[7], found.users[8]
    assert (carla.username, carla.name, carla.is_active, carla.line) == (
        "carla", "Kowalski, Carla", True, 2
    )  # fmt: skip
    assert (bo.email, bo.name, bo.line) == ("", "Bø", 3)


@pytest.mark.parametrize(
    "body",
    [
        '1,a,,"oops,,1,,\n',  # unterminated quote
        '1,"a"b,,,,1,,\n',  # text after a closing quote
        "1,a,,,,1,,\n\n2,b,,,,1,,\n",  # a blank line shifts the lines after it
        "1,a,,,,1,,\r2,b,,,,1,,\n",  # a lone CR ends a line
        '1,a,,"two\nlines",,1,,\n2,b,,,,maybe,,\n',  # a quoted line break
    ],
)
def test_files_arrow_would_read_differently_go_to_the_exact_reader(
    tmp_path: Path, body: str
) -> None:
    path = tmp_path / "qa_users.csv"
    path.write_text(HEADER + "\n" + body, encoding="utf-8", newline="")
    assert _read(path, exact=False) == _read(path, exact=True)


@given(st.lists(st.one_of(st.none(), st.text(max_size=8)), max_size=20))
def test_casefold_and_strip_equal_python(values: list[str | None]) -> None:
    array = pa.array(values, pa.string())
    assert casefold(array).to_pylist() == [None if v is None else v.casefold() for v in values]
    assert strip(array).to_pylist() == [None if v is None else v.strip() for v in values]
