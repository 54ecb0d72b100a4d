"""Which columns are IDENTITY: the catalog where it can say, else OutSystems' `isAutoNumber`.

SQL Server and PostgreSQL catalogs state identity; SQLite's (only `AUTOINCREMENT`) and an Advanced
SQL JSON (an optional `isIdentity`) cannot say that a column is *not* one, so there an AutoNumber
attribute is IDENTITY (1, 1) too. Where the catalog can say and disagrees with `isAutoNumber`, the
catalog wins and the model report carries a warning (`disagreement`). Pure: callers pass the engine
(`model.source.engine`).
"""

from __future__ import annotations

from osddl.model.contract import Attribute

# Engines whose catalog states identity for every column (on-disk wins there).
CATALOG_STATES_IDENTITY: frozenset[str] = frozenset({"mssql", "postgresql"})


def identity(attribute: Attribute, engine: str) -> tuple[int, int] | None:
    """(seed, increment) when the emitted column is IDENTITY, else None."""
    disk = attribute.on_disk
    if disk is not None and disk.is_identity:
        return disk.identity_seed or 1, disk.identity_increment or 1
    catalog_says = disk is not None and engine in CATALOG_STATES_IDENTITY
    return (1, 1) if attribute.is_auto_number and not catalog_says else None


def has_identity(attributes: list[Attribute], engine: str) -> bool:
    """Whether a table's INSERTs need `SET IDENTITY_INSERT ... ON`."""
    return any(identity(a, engine) is not None for a in attributes)


def disagreement(attribute: Attribute, engine: str) -> str:
    """Why the catalog and `isAutoNumber` disagree, or "" when they agree or the catalog is mute."""
    disk = attribute.on_disk
    if disk is None or engine not in CATALOG_STATES_IDENTITY:
        return ""
    if attribute.is_auto_number and not disk.is_identity:
        return (
            "isAutoNumber is true but the column is not IDENTITY on disk; emitted without IDENTITY"
        )
    if disk.is_identity and not attribute.is_auto_number:
        return "the column is IDENTITY on disk but isAutoNumber is false; emitted with IDENTITY"
    return ""
