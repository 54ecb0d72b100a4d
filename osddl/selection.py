"""One answer to "which entities does this run export, seed or leave to the platform?".

Every stage, the manifest, the verifiers and the task graph ask `select`; nobody filters
`model.modules` on their own. The platform users table (`Users::User`, `ossys_User`) belongs to
each environment's platform: it is in the model (references to it must resolve) but exported only
when the operator selects the `Users` module by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from osddl.errors import InputError
from osddl.model.contract import Entity, Model, Module
from osddl.model.users import USERS_MODULE

Member = tuple[Module, Entity]


@dataclass(frozen=True)
class SelectionOptions:
    """What the selection depends on besides the model: whether Users was selected by name."""

    export_users: bool = False

    @staticmethod
    def from_modules(modules: Sequence[str]) -> SelectionOptions:
        return SelectionOptions(USERS_MODULE.casefold() in {m.casefold() for m in modules})


@dataclass(frozen=True)
class Selection:
    """The model's entities by role, each list in model order."""

    exported: tuple[Member, ...]  # non-static entities of emitted modules: snapshots, DynamicData
    static: tuple[Member, ...]  # static entities of emitted modules: SSDT seeds, preloaded
    platform: tuple[Member, ...]  # present in every target already: never emitted nor loaded

    emitted: tuple[Member, ...]  # exported and static together, in model order: the SSDT tables

    @property
    def emitted_modules(self) -> list[Module]:
        return list({m.name: m for m, _ in self.emitted}.values())


def select(model: Model, options: SelectionOptions) -> Selection:
    exported: list[Member] = []
    static: list[Member] = []
    platform: list[Member] = []
    emitted: list[Member] = []
    for module in model.modules:
        is_platform = module.name.casefold() == USERS_MODULE.casefold() and not options.export_users
        for entity in module.entities:
            target = platform if is_platform else static if entity.is_static else exported
            target.append((module, entity))
            if not is_platform:
                emitted.append((module, entity))
    return Selection(tuple(exported), tuple(static), tuple(platform), tuple(emitted))


# Where the parent of a foreign key is, seen from the export. The one decision `order`, `ssdt` and
# the proofs read about a reference to a table outside the export:
# - exported: loaded by this export's DynamicData, so the load order puts it first;
# - seeded: a static entity, seeded by the SSDT post-deployment script before any data load;
# - platform: the target's own platform table (ossys_User): present already, never loaded; the FK
#   is emitted apart (ssdt/PostLoad/), to create once the user ids are UAT ids;
# - missing: a table that is not selected: stops the run unless data.allow_missing_parents.
ParentPlace = Literal["exported", "seeded", "platform", "missing"]


def parent_place(selection: Selection, schema: str, table: str) -> ParentPlace:
    key = (schema.casefold(), table.casefold())
    for place, members in (
        ("exported", selection.exported),
        ("seeded", selection.static),
        ("platform", selection.platform),
    ):
        if any((e.schema.casefold(), e.physical_name.casefold()) == key for _, e in members):
            return place  # type: ignore[return-value]
    return "missing"


def preloaded(selection: Selection) -> tuple[Member, ...]:
    """Parents present in the target before DynamicData runs: seeded and platform tables."""
    return (*selection.static, *selection.platform)


def table_id(entity: Entity) -> str:
    """`schema.physical_table`: the name of an entity's per-table tasks and snapshot."""
    return f"{entity.schema}.{entity.physical_name}"


def find_table(model: Model, table: str) -> Member:
    """The entity whose `table_id` is `table` (case-insensitive, like SQL Server); a per-table
    task names one that its model has, so a miss means the task list is stale."""
    wanted = table.casefold()
    found = next(
        ((m, e) for m in model.modules for e in m.entities if table_id(e).casefold() == wanted),
        None,
    )
    if found is None:
        raise InputError(
            f"{table} is not a table of the model; rerun doit full_export (the task list follows "
            "model.json)"
        )
    return found
