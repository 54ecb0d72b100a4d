"""Dataclass ⇄ JSON, and the JSON Schema, both derived from the contract's type hints.

Supported hints: dataclasses, `list[X]`, `dict[str, X]` (a JSON object with free keys), `X | None`,
`Literal[...]`, `str`, `int`, `bool`, `float`, and `Any` (any JSON value, for loose sub-documents).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

T = TypeVar("T")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@cache
def _encoded_fields(cls: type) -> tuple[tuple[str, str], ...] | None:
    """(attribute, JSON key) of a dataclass, once per class; None for anything else."""
    if not dataclasses.is_dataclass(cls):
        return None
    return tuple((f.name, camel(f.name)) for f in dataclasses.fields(cls))


def to_json(value: Any) -> Any:
    """A contract object as plain JSON values with camelCase keys."""
    fields = _encoded_fields(value.__class__)
    if fields is not None:
        return {key: to_json(getattr(value, name)) for name, key in fields}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {key: to_json(v) for key, v in value.items()}
    return value


def _is_optional(hint: Any) -> bool:
    return get_origin(hint) in (Union, types.UnionType) and type(None) in get_args(hint)


Decoder = Callable[[Any], Any]


def _identity(raw: Any) -> Any:
    return raw


@cache
def _decoder(hint: Any) -> Decoder:
    """A decoding function per type hint, built once: reading large models stays fast."""
    if _is_optional(hint):
        inner = _decoder(next(a for a in get_args(hint) if a is not type(None)))
        return lambda raw: None if raw is None else inner(raw)
    if get_origin(hint) is list:
        item = _decoder(get_args(hint)[0])
        return _identity if item is _identity else (lambda raw: [item(v) for v in raw])
    if get_origin(hint) is dict:
        value = _decoder(get_args(hint)[1])
        if value is _identity:
            return _identity
        return lambda raw: {key: value(v) for key, v in raw.items()}
    if dataclasses.is_dataclass(hint):
        return _object_decoder(typing.cast(type, hint))
    return _identity


@cache
def _object_decoder(cls: type) -> Decoder:
    hints = _hints(cls)
    fields = [
        (f.name, camel(f.name), _decoder(hints[f.name]))
        for f in dataclasses.fields(typing.cast(Any, cls))
    ]
    return lambda raw: cls(**{name: decode(raw[key]) for name, key, decode in fields})


def from_json(cls: type[T], raw: dict[str, Any]) -> T:
    """Build a contract object from JSON already validated against the schema."""
    return typing.cast(T, _object_decoder(typing.cast(type, cls))(raw))


def _schema_for(hint: Any, defs: dict[str, Any]) -> dict[str, Any]:
    if _is_optional(hint):
        inner = next(a for a in get_args(hint) if a is not type(None))
        return {"anyOf": [_schema_for(inner, defs), {"type": "null"}]}
    if get_origin(hint) is Literal:
        return {"enum": list(get_args(hint))}
    if get_origin(hint) is list:
        (item,) = get_args(hint)
        return {"type": "array", "items": _schema_for(item, defs)}
    if get_origin(hint) is dict:
        _, value = get_args(hint)
        return {"type": "object", "additionalProperties": _schema_for(value, defs)}
    if hint is Any:
        return {}
    if dataclasses.is_dataclass(hint):
        name = typing.cast(type, hint).__name__
        if name not in defs:
            defs[name] = {}
            defs[name] = _object_schema(typing.cast(type, hint), defs)
        return {"$ref": f"#/$defs/{name}"}
    simple = {str: "string", int: "integer", bool: "boolean", float: "number"}
    return {"type": simple[hint]}


def _object_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = _hints(cls)
    names = [f.name for f in dataclasses.fields(typing.cast(Any, cls))]
    return {
        "type": "object",
        "additionalProperties": False,
        "required": sorted(camel(n) for n in names),
        "properties": {camel(n): _schema_for(hints[n], defs) for n in names},
    }


def json_schema(root: type, schema_id: str, title: str) -> dict[str, Any]:
    """A draft 2020-12 JSON Schema for `root` and every dataclass it contains."""
    defs: dict[str, Any] = {}
    body = _object_schema(root, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id,
        "title": title,
        **body,
        **({"$defs": dict(sorted(defs.items()))} if defs else {}),
    }
