"""An `Entity` for tests: every field the tests do not care about at its plain default."""

from __future__ import annotations

from typing import Any

from osddl.model.contract import Attribute, Entity


def make_entity(
    name: str, table: str, attributes: list[Attribute], schema: str = "dbo", **more: Any
) -> Entity:
    """An active, non-static, non-external entity in `schema` (emitted under its own name);
    `more` sets indexes, foreign keys or anything else."""
    fields: dict[str, Any] = {
        "name": name,
        "physical_name": table,
        "emitted_name": name,
        "schema": schema,
        "catalog": None,
        "ss_key": None,
        "is_static": False,
        "is_external": False,
        "is_active": True,
        "description": None,
        "attributes": attributes,
    }
    return Entity(**{**fields, **more})
