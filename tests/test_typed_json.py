"""The typed hub files (decisions.json, work/load-order.json): bytes round-trip, and every
refusal is one line naming the file, the problem and the task to rerun."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from osddl.errors import InputError
from osddl.export.load_order import LoadOrderDocument, read_load_order, write_load_order
from osddl.policy.store import read_decisions, write_decisions
from tests import decision_builders as decided


class Hub(NamedTuple):
    name: str
    sample: Any
    write: Callable[[Path, Any], None]
    read: Callable[[Path], Any]
    version: str
    fix: str  # for a missing file: doit rebuilds a missing target

    @property
    def remake(self) -> str:
        """For a file that exists but is wrong: doit trusts an existing target."""
        return "delete the file, then " + self.fix

    # (JSON path of an object, key to remove): a broken document
    broken: tuple[tuple[str | int, ...], str]
    array: str  # a top-level list


HUBS = [
    Hub(
        "decisions.json",
        decided.document(
            columns=[decided.column(make_not_null=True)],
            uniques=[decided.unique()],
            references=[decided.reference(), decided.reference(name="B", create_fk=False)],
        ),
        write_decisions,
        read_decisions,
        "osddl.decisions/1",
        "rerun doit decide",
        (("columns", 0), "makeNotNull"),
        "columns",
    ),
    Hub(
        "load-order.json",
        LoadOrderDocument(
            tables=["dbo.PARENT", "dbo.CHILD"],
            deferred={"dbo.CHILD": ["PARENTID"]},
            self_references={"dbo.PARENT": ["MANAGERID"]},
        ),
        write_load_order,
        read_load_order,
        "osddl.load-order/1",
        "rerun doit order",
        ((), "selfReferences"),
        "tables",
    ),
]
IDS = [hub.name for hub in HUBS]


def written(tmp_path: Path, hub: Hub, edit: Callable[[dict[str, Any]], None]) -> Path:
    """The sample, written by the writer, then edited as JSON into a new file."""
    good = tmp_path / f"good-{hub.name}"
    hub.write(good, hub.sample)
    document = json.loads(good.read_text(encoding="utf-8"))
    edit(document)
    bad = tmp_path / f"bad-{hub.name}"
    bad.write_text(json.dumps(document), encoding="utf-8")
    return bad


@pytest.mark.parametrize("hub", HUBS, ids=IDS)
def test_write_read_write_is_byte_identical(tmp_path: Path, hub: Hub) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    hub.write(first, hub.sample)
    again = hub.read(first)
    assert again == hub.sample
    hub.write(second, again)
    assert first.read_bytes() == second.read_bytes()
    assert json.loads(first.read_text(encoding="utf-8"))["schemaVersion"] == hub.version


@pytest.mark.parametrize("hub", HUBS, ids=IDS)
def test_an_unknown_version_is_one_line_with_the_fix(tmp_path: Path, hub: Hub) -> None:
    path = written(tmp_path, hub, lambda d: d.update(schemaVersion="osddl.other/9"))
    with pytest.raises(InputError) as error:
        hub.read(path)
    assert str(error.value) == (
        f"{path} $.schemaVersion: 'osddl.other/9' is not supported; expected "
        f"'{hub.version}'; {hub.remake}"
    )


@pytest.mark.parametrize("hub", HUBS, ids=IDS)
def test_a_broken_document_is_one_line_with_the_json_path(tmp_path: Path, hub: Hub) -> None:
    where, key = hub.broken

    def remove(document: dict[str, Any]) -> None:
        target: Any = document
        for part in where:
            target = target[part]
        del target[key]

    path = written(tmp_path, hub, remove)
    with pytest.raises(InputError) as error:
        hub.read(path)
    location = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where)
    assert str(error.value) == f"{path} {location}: '{key}' is a required property; {hub.remake}"


@pytest.mark.parametrize("hub", HUBS, ids=IDS)
def test_a_wrong_type_names_the_value_and_a_missing_file_the_task(tmp_path: Path, hub: Hub) -> None:
    path = written(tmp_path, hub, lambda d: d.update({hub.array: "x"}))
    with pytest.raises(InputError) as error:
        hub.read(path)
    assert str(error.value) == (
        f"{path} $.{hub.array}: 'x' is not valid: 'x' is not of type 'array'; {hub.remake}"
    )
    with pytest.raises(InputError) as missing:
        hub.read(tmp_path / "absent.json")
    assert str(missing.value) == f"{tmp_path / 'absent.json'}: file not found; {hub.fix}"
