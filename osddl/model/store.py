"""Reading and writing model.json: the writer's output always validates; the reader enforces."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fastjsonschema

from osddl.errors import InputError
from osddl.io import atomic_write_bytes, canonical_json, json_path, read_json_file
from osddl.model.codec import from_json, json_schema, to_json
from osddl.model.contract import SCHEMA_VERSION, Model
from osddl.model.validate import check

if TYPE_CHECKING:
    import jsonschema

SCHEMA_ID = "https://osddl.dev/schemas/model.schema.json"


@cache
def model_schema() -> dict[str, Any]:
    """The JSON Schema of model.json, generated from the contract (committed under docs/)."""
    return json_schema(Model, SCHEMA_ID, f"osddl model ({SCHEMA_VERSION})")


@cache
def _fast_check() -> Callable[[Any], Any]:
    return fastjsonschema.compile(copy.deepcopy(model_schema()))  # it edits its input


def schema_errors(document: Any, label: str) -> list[str]:
    """Schema violations as `<label> <JSONPath>: <problem>` lines, in document order.

    A compiled validator answers the common case (valid) in milliseconds; only an invalid
    document pays for jsonschema's complete, path-precise report.
    """
    try:
        _fast_check()(document)
        return []
    except fastjsonschema.JsonSchemaException:
        pass
    import jsonschema  # only an invalid document pays for importing it

    validator = jsonschema.Draft202012Validator(model_schema())
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.path])
    return [f"{label} {json_path(e.absolute_path)}: {_describe(e)}" for e in errors]


def _describe(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        return f"{error.message}; add the field"
    if error.validator == "additionalProperties":
        return f"{error.message}; remove it (schema {SCHEMA_VERSION})"
    return f"{error.instance!r} is not valid: {error.message}"


def model_to_bytes(model: Model) -> bytes:
    """Canonical bytes of a typed model. The types make it schema-valid by construction; tests
    validate real writer output against the schema (a runtime check would triple the run time)."""
    return canonical_json(to_json(model))


def write_model(path: Path, model: Model) -> None:
    """Write a model that `check` accepted, atomically."""
    atomic_write_bytes(path, model_to_bytes(model))


def read_model(path: Path, waived: Sequence[str] = ()) -> Model:
    """Parse, schema-check and semantically check model.json; any violation is an InputError.

    Many tasks of one run read the same file: an unchanged file (same size and mtime) is parsed
    once per process."""
    stat = path.stat() if path.is_file() else None
    if stat is None:
        return _read_model(path, tuple(waived))
    return _read_model_once(path, stat.st_mtime_ns, stat.st_size, tuple(waived))


@lru_cache(maxsize=4)
def _read_model_once(path: Path, mtime_ns: int, size: int, waived: tuple[str, ...]) -> Model:
    return _read_model(path, waived)


def _read_model(path: Path, waived: Sequence[str]) -> Model:
    document = read_json_file(path)
    version = document.get("schemaVersion") if isinstance(document, dict) else None
    if version != SCHEMA_VERSION:
        raise InputError(
            f"{path} $.schemaVersion: {version!r} is not supported; expected "
            f"{SCHEMA_VERSION!r} (re-run extract_model)"
        )
    problems = schema_errors(document, str(path))
    if problems:
        raise InputError("\n".join(problems[:20]))
    model = from_json(Model, document)
    check(model, str(path), waived)
    return model
