"""Fuzzed readers: every reader of operator input or artifacts, fed mutated copies of a valid file,
gives a value or one clear error (an `OsddlError`, a finding, a proof's failure record), never
another exception.

Mutations: random bytes, truncations, invalid UTF-8, NULs, huge numbers, deep nesting and, for JSON
documents, a wrong JSON type at a random JSONPath. Examples per reader scale with
`OSDDL_TEST_EXAMPLES` (default 5 x `SCALE`); failures found once stay as explicit `@example`s.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import strategies as st

from osddl.compare.ddl import read_ddl
from osddl.config import load_settings
from osddl.errors import OsddlError
from osddl.model.advanced_sql import import_advanced_sql
from osddl.model.store import read_model
from osddl.proofs.order import verify_order
from osddl.uat_users.inventory import read_inventory
from osddl.uat_users.usermap import read_user_map
from tests.properties import examples, property_settings
from tests.test_order import EDGES, SELF, good_layout

ROOT = Path(__file__).resolve().parents[1]
SCALE = 4
EXAMPLES = examples(5) * SCALE
FUZZ = property_settings(EXAMPLES, HealthCheck.too_slow, HealthCheck.data_too_large)

# ---- mutations ----------------------------------------------------------------------------------

AWKWARD = [
    b"\x00",
    b"\xff",
    b"\xc3",  # a truncated two-byte sequence
    b"\xed\xa0\x80",  # a UTF-16 surrogate, invalid in UTF-8
    b"\xef\xbb\xbf",  # a BOM in the middle
    b"9" * 5000,  # beyond Python's int-string limit
    b"1e999",
    b"-0",
    b"[" * 5000,  # nesting beyond the recursion limit
    b'"',
    b",",
    b"\r\n",
    b"\n\n",
    b"GO",
    b"]]",
    b"'",
]


@st.composite
def byte_mutation(draw: st.DrawFn, seed: bytes, pieces: list[bytes] = AWKWARD) -> bytes:
    """One of: random bytes; a truncation; an awkward piece inserted, or replacing a span."""
    kind = draw(st.sampled_from(["random", "truncate", "insert", "replace"]))
    if kind == "random":
        return draw(st.binary(max_size=256))
    at = draw(st.integers(0, len(seed)))
    if kind == "truncate":
        return seed[:at]
    piece = draw(st.sampled_from(pieces) | st.binary(min_size=1, max_size=8))
    end = at + (draw(st.integers(0, 16)) if kind == "replace" else 0)
    return seed[:at] + piece + seed[end:]


WRONG_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    10**40,
    1e308,
    "",
    "x",
    "\x00",
    "9" * 5000,
    [],
    [None],
    {},
    {"": None},
]


def _paths(value: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield here
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*here, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*here, index))


def _replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy: Any = dict(document) if isinstance(document, dict) else list(document)
    copy[path[0]] = _replaced(document[path[0]], path[1:], value)
    return copy


@st.composite
def json_mutation(draw: st.DrawFn, seed: bytes, wrong: list[Any]) -> bytes:
    """A wrong JSON type (or a deleted key) at a random JSONPath of a valid document."""
    document = json.loads(seed)
    path = draw(st.sampled_from(list(_paths(document))))
    if path and isinstance(path[-1], str) and draw(st.booleans()):
        parent = dict(_get(document, path[:-1]))
        del parent[path[-1]]
        mutated = _replaced(document, path[:-1], parent)
    else:
        mutated = _replaced(document, path, draw(st.sampled_from(wrong)))
    return json.dumps(mutated).encode()


def _get(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


def mutated(
    seed: bytes, structured: bool = False, wrong: list[Any] = WRONG_VALUES
) -> st.SearchStrategy[bytes]:
    bytewise = byte_mutation(seed)
    return bytewise | json_mutation(seed, wrong) if structured else bytewise


@contextmanager
def scratch() -> Iterator[Path]:
    """A fresh folder per example (a function-scoped tmp_path would be shared across examples)."""
    folder = Path(tempfile.mkdtemp(prefix="osddl-fuzz-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def outcome(read: Callable[[], Any]) -> Any:
    """The reader's value, or its one clear error; any other exception fails the test."""
    try:
        return read()
    except OsddlError as error:
        assert str(error).strip(), "an error without a message"
        return error


# ---- model JSON ---------------------------------------------------------------------------------

MODEL = (ROOT / "tests/golden/demo.model.json").read_bytes()


@FUZZ
@given(data=mutated(MODEL, structured=True))
@example(data=b"9" * 5000)
@example(data=b"[" * 5000)
@example(data=b'{"schemaVersion": "osddl.model/1", "modules": ' + b"[" * 5000)
def test_model_json(data: bytes) -> None:
    with scratch() as folder:
        (folder / "model.json").write_bytes(data)
        outcome(lambda: read_model(folder / "model.json"))


# ---- Advanced SQL JSON (read only: fixes belong to the tolerant-import work) --------------------

ADVANCED = (ROOT / "tests/data/advanced_sql/nested.json").read_bytes()


HUGE_TEXT = "9" * 5000  # a whole number written as thousands of digits


@FUZZ
@given(data=mutated(ADVANCED, True, WRONG_VALUES))
def test_advanced_sql_json(data: bytes) -> None:
    with scratch() as folder:
        (folder / "export.json").write_bytes(data)
        outcome(lambda: import_advanced_sql(folder / "export.json"))


def test_advanced_sql_huge_number_text() -> None:
    document = json.loads(ADVANCED)
    index = document["modules"][0]["entities"][0]["indexes"][0]
    index["fillFactor"] = HUGE_TEXT
    with scratch() as folder:
        (folder / "export.json").write_text(json.dumps(document), encoding="utf-8")
        outcome(lambda: import_advanced_sql(folder / "export.json"))


# ---- CSV inventories and the user map: findings, never exceptions -------------------------------

QA_USERS = (ROOT / "fixtures/demo/qa_users.csv").read_bytes()
USER_MAP = (ROOT / "fixtures/demo/user_map.csv").read_bytes()


def _inventory_or_findings(result: tuple[Any, list[Any]]) -> None:
    value, findings = result
    assert value is not None or findings, "neither a value nor a finding"


@FUZZ
@given(data=mutated(QA_USERS))
def test_inventory_csv(data: bytes) -> None:
    with scratch() as folder:
        (folder / "qa_users.csv").write_bytes(data)
        _inventory_or_findings(outcome(lambda: read_inventory(folder / "qa_users.csv", "qa")))


@FUZZ
@given(data=mutated(USER_MAP))
def test_user_map_csv(data: bytes) -> None:
    with scratch() as folder:
        (folder / "user_map.csv").write_bytes(data)
        _inventory_or_findings(outcome(lambda: read_user_map(folder / "user_map.csv", "int")))


# ---- DDL for dmm_compare ------------------------------------------------------------------------

DDL = (ROOT / "tests/data/ddl/theirs_drift.sql").read_bytes()


@FUZZ
@given(data=mutated(DDL))
@example(data=DDL[:398] + b"[" * 5000 + DDL[398:])  # the parser re-tokenised: a TokenError
def test_ddl_for_compare(data: bytes) -> None:
    with scratch() as folder:
        (folder / "theirs.sql").write_bytes(data)
        outcome(lambda: read_ddl(folder / "theirs.sql"))


# ---- the emitted scripts, read back by the order proof ------------------------------------------


@pytest.fixture(scope="module")
def dynamic_data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A correct DynamicData folder, as relative path → bytes."""
    folder = good_layout().write(tmp_path_factory.mktemp("dynamic"))
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@FUZZ
@given(data=st.data())
def test_order_proof_on_a_corrupted_dynamic_data_folder(
    dynamic_data: dict[str, bytes], data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(sorted(dynamic_data)), label="file")
    # Valid UTF-8 only: bytes that are not are test_order_proof_on_a_script_that_is_not_utf8.
    short = [p for p in AWKWARD if len(p) < 100]  # long names: ..._on_an_overlong_include
    raw = data.draw(byte_mutation(dynamic_data[name], short), label="bytes")
    broken = raw.decode("utf-8", "replace").encode("utf-8")
    with scratch() as folder:
        for relative, content in dynamic_data.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(broken if relative == name else content)
        proof = outcome(lambda: verify_order(folder, EDGES, SELF))
    if isinstance(proof, dict):
        assert proof["verdict"] in ("pass", "fail")
        assert proof["verdict"] == ("fail" if proof["failures"] else "pass")


@pytest.mark.parametrize("name", ["load.sql", "Core/dbo.Customer.dynamic.sql"])
def test_order_proof_on_a_script_that_is_not_utf8(
    dynamic_data: dict[str, bytes], name: str
) -> None:
    with scratch() as folder:
        for relative, content in dynamic_data.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"\x80" + content if relative == name else content)
        proof = outcome(lambda: verify_order(folder, EDGES, SELF))
    assert isinstance(proof, OsddlError) or proof["verdict"] == "fail"


def test_order_proof_on_an_overlong_include(dynamic_data: dict[str, bytes]) -> None:
    with scratch() as folder:
        for relative, content in dynamic_data.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        with (folder / "load.sql").open("ab") as load:
            load.write(b":r " + b"9" * 5000 + b"\n")
        proof = outcome(lambda: verify_order(folder, EDGES, SELF))
    assert isinstance(proof, OsddlError) or proof["verdict"] == "fail"


# ---- osddl.toml ---------------------------------------------------------------------------------

TOML = (ROOT / "osddl.toml").read_bytes()


@FUZZ
@given(data=mutated(TOML))
@example(data=b"\x80")
@example(data=b"[data]\nbatch_rows = " + b"9" * 5000 + b"\n")
@example(data=b"[source]\nurl = 1\n")
@example(data=b"[profile]\ntimeout_seconds = 1e999\n")
@example(data=b"[data]\nbatch_rows = 99999999999999999999999999\n")
def test_osddl_toml(data: bytes) -> None:
    with scratch() as folder:
        (folder / "osddl.toml").write_bytes(data)
        outcome(lambda: load_settings(folder / "osddl.toml", environ={}))
