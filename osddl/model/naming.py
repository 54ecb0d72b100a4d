"""Names of emitted objects: logical or physical, with operator overrides."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class NamingOptions:
    tables: str = "logical"  # logical | physical
    columns: str = "logical"
    overrides: Mapping[str, str] | None = None


def table_name(
    module: str,
    entity: str,
    schema: str,
    physical: str,
    options: NamingOptions,
    platform: bool = False,
) -> str:
    """Override by `schema.table`, then `Module::Entity`, then `::Entity`; else the naming mode.

    Platform tables (`ossys_User`) keep their physical name: UAT has the same table.
    """
    overrides = {k.casefold(): v for k, v in (options.overrides or {}).items()}
    for key in (f"{schema}.{physical}", f"{module}::{entity}", f"::{entity}"):
        if key.casefold() in overrides:
            return overrides[key.casefold()]
    return physical if platform or options.tables == "physical" else entity


def column_name(attribute: str, physical: str, options: NamingOptions) -> str:
    return physical if options.columns == "physical" else attribute


MAX_NAME = 128


def constraint_name(prefix: str, *parts: str) -> str:
    """`PK_<Table>`, `FK_<Table>_<RefTable>_<Column>`, ...: at most 128 characters; a longer name is
    cut and ends with a short hash of the full name, so it stays unique and stable."""
    name = "_".join([prefix, *parts])
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{name[: MAX_NAME - 9]}_{digest}"
