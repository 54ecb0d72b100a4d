"""model.json: the writer always validates, the reader enforces, bytes are stable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from osddl.errors import InputError
from osddl.model.store import model_to_bytes, read_model, write_model
from osddl.model.validate import check
from tests.model_strategies import models


@given(models())
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_write_read_write_is_byte_identical(tmp_path: Path, model: object) -> None:
    first = tmp_path / "a.json"
    check(model, "a.json")  # type: ignore[arg-type]
    write_model(first, model)  # type: ignore[arg-type]
    again = read_model(first)
    assert model_to_bytes(again) == first.read_bytes()
    assert again == model


def _valid_document(tmp_path: Path) -> dict[str, object]:
    from hypothesis import find

    model = find(models(), lambda m: len(m.modules) >= 2)
    path = tmp_path / "model.json"
    write_model(path, model)
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text('{\n  "schemaVersion": "osddl.model/1",\n  "modules": [,]\n}\n')
    with pytest.raises(InputError) as error:
        read_model(path)
    assert str(error.value) == (
        f"{path}:3:15: malformed JSON (Expecting value); fix the syntax there"
    )


def test_schema_violation_names_the_json_path(tmp_path: Path) -> None:
    document = _valid_document(tmp_path)
    document["modules"][1]["entities"][0]["attributes"][0]["length"] = "ten"  # type: ignore[index]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(InputError) as error:
        read_model(path)
    assert str(error.value).startswith(
        f"{path} $.modules[1].entities[0].attributes[0].length: 'ten' is not valid"
    )


def test_negative_length_is_a_semantic_error(tmp_path: Path) -> None:
    document = _valid_document(tmp_path)
    document["modules"][1]["entities"][0]["attributes"][0]["length"] = -5  # type: ignore[index]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document))
    with pytest.raises(InputError) as error:
        read_model(path)
    assert str(error.value) == (
        f"{path} $.modules[1].entities[0].attributes[0].length: -5 is negative; "
        "expected a length >= 0 or null"
    )


def test_unknown_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text('{"schemaVersion": "osddl.model/9", "modules": []}')
    with pytest.raises(InputError, match=r"\$\.schemaVersion: 'osddl.model/9' is not supported"):
        read_model(path)


@given(models())
@settings(max_examples=30)
def test_writer_output_satisfies_the_committed_schema(model: object) -> None:
    from osddl.model.store import schema_errors

    document = json.loads(model_to_bytes(model))  # type: ignore[arg-type]
    assert schema_errors(document, "model.json") == []


def test_schema_check_catches_a_broken_document() -> None:
    from osddl.model.store import schema_errors

    assert schema_errors({"schemaVersion": "osddl.model/1", "modules": []}, "m.json") == [
        "m.json $: 'source' is a required property; add the field"
    ]
