"""What to probe, derived from the model: columns per table, unique candidates, references."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from osddl.config import closest
from osddl.errors import InputError
from osddl.model.contract import Attribute, Entity, Model
from osddl.model.sqltype import MAX, SqlType, parse_sql_type

# Types whose values cannot be counted distinct everywhere (SQL Server refuses some, all are big).
NO_DISTINCT = ("varbinary", "image", "text", "ntext", "xml", "(max)")

# Value fit (what the emitted type needs), measured in the null scan: emitted type name → measures.
# `chars`: longest text in characters; `bytes`: longest binary; `range`: MIN and MAX; `min`: MIN
# only; `scale`: values with more decimals than the emitted scale (SQL Server rounds them). Types
# that hold every value a source can have (bigint, float, date, datetime2, ...) measure nothing:
# each aggregate costs a share of the scan (docs/performance.md).
FIT_MEASURES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("char", "varchar", "nchar", "nvarchar"), ("chars",)),
    **dict.fromkeys(("binary", "varbinary"), ("bytes",)),
    **dict.fromkeys(("tinyint", "smallint", "int"), ("range",)),
    **dict.fromkeys(("decimal", "numeric", "money", "smallmoney"), ("range", "scale")),
    "datetime": ("min",),  # from 1753-01-01; its last day is every engine's last day too
    "smalldatetime": ("range",),
}
# Scale of the exact types whose name carries none (SQL Server's defaults).
DEFAULT_SCALE = {"decimal": 0, "numeric": 0, "money": 4, "smallmoney": 4}


@dataclass(frozen=True)
class ProfiledTable:
    module: str
    entity: str
    schema: str
    table: str
    primary_key: tuple[str, ...]


@dataclass(frozen=True)
class ColumnPlan:
    attribute: Attribute
    # Leads an enabled, unfiltered index of the model: its MIN and MAX are index seeks (every
    # engine answers a lone MIN/MAX from the index), not aggregates of the scan.
    seekable: bool = False

    @property
    def column(self) -> str:
        return self.attribute.physical_name

    @property
    def emitted_type(self) -> SqlType:
        return parse_sql_type(self.attribute.sql_type, self.attribute.name)

    @property
    def measures(self) -> tuple[str, ...]:
        """The fit measures of this column's emitted type (FIT_MEASURES): none for `(max)`, no
        `scale` when the on-disk scale is known and at most the emitted one."""
        emitted = self.emitted_type
        wanted = FIT_MEASURES.get(emitted.name, ())
        if emitted.length == MAX:
            return ()
        disk = self.attribute.on_disk
        if disk is not None and disk.scale is not None and disk.scale <= self.scale:
            wanted = tuple(m for m in wanted if m != "scale")
        return wanted

    @property
    def scale(self) -> int:
        emitted = self.emitted_type
        if emitted.precision is not None:
            return emitted.scale or 0
        return DEFAULT_SCALE.get(emitted.name, 0)

    @property
    def distinct_countable(self) -> bool:
        return not any(marker in self.attribute.sql_type.lower() for marker in NO_DISTINCT)


@dataclass(frozen=True)
class UniquePlan:
    name: str
    attributes: tuple[str, ...]
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ReferencePlan:
    attribute: str
    column: str
    target: ProfiledTable | None  # None: the target entity is not in the model
    trusted: bool


@dataclass(frozen=True)
class TableProbes:
    table: ProfiledTable
    columns: list[ColumnPlan]
    uniques: list[UniquePlan] = field(default_factory=list)
    references: list[ReferencePlan] = field(default_factory=list)


def _profiled_table(module: str, entity: Entity) -> ProfiledTable:
    pk = tuple(a.physical_name for a in entity.attributes if a.is_identifier)
    for index in entity.indexes:
        if index.kind == "PK":
            pk = tuple(c.column for c in index.columns if not c.is_included)
    return ProfiledTable(module, entity.name, entity.schema, entity.physical_name, pk)


def _seekable(entity: Entity) -> set[str]:
    """Physical names (casefolded) of the columns that lead an enabled, unfiltered index."""
    leading = set()
    for index in entity.indexes:
        keys = [c.column for c in index.columns if not c.is_included]
        if keys and not index.is_disabled and index.filter is None:
            leading.add(keys[0].casefold())
    return leading


def _candidates(model: Model, wanted: Sequence[str]) -> dict[tuple[str, str], list[UniquePlan]]:
    """`Module::Entity.Attr` or `Module::Entity.A+B` → unique plans keyed by (module, entity)."""
    attrs = {
        f"{m.name}::{e.name}.{a.name}".casefold(): (m.name, e.name, a)
        for m in model.modules
        for e in m.entities
        for a in e.attributes
    }
    found: dict[tuple[str, str], list[UniquePlan]] = {}
    for k, item in enumerate(wanted):
        owner, _, names = item.partition(".")
        chosen = []
        for name in names.split("+"):
            key = f"{owner}.{name}".casefold()
            if key not in attrs:
                raise InputError(
                    f"profile.unique_candidates[{k}]: {item!r} names no attribute of the model; "
                    f"expected Module::Entity.Attribute[+Attribute]{closest(key, list(attrs))}"
                )
            chosen.append(attrs[key])
        module, entity = chosen[0][0], chosen[0][1]
        plan = UniquePlan(
            f"candidate:{item}",
            tuple(a.name for _, _, a in chosen),
            tuple(a.physical_name for _, _, a in chosen),
        )
        found.setdefault((module, entity), []).append(plan)
    return found


def plan_profile(model: Model, unique_candidates: Sequence[str] = ()) -> list[TableProbes]:
    """One plan per entity of the model, in model order."""
    targets = {
        (e.schema.casefold(), e.physical_name.casefold()): _profiled_table(m.name, e)
        for m in model.modules
        for e in m.entities
    }
    extra = _candidates(model, unique_candidates)
    plans = []
    for module in model.modules:
        for entity in module.entities:
            by_column = {a.physical_name.casefold(): a.name for a in entity.attributes}
            uniques = [
                UniquePlan(
                    i.name,
                    tuple(
                        by_column.get(c.column.casefold(), c.column)
                        for c in i.columns
                        if not c.is_included
                    ),
                    tuple(c.column for c in i.columns if not c.is_included),
                )
                for i in entity.indexes
                if i.is_unique and i.kind != "PK"
            ] + extra.get((module.name, entity.name), [])
            references = [
                ReferencePlan(
                    a.name,
                    a.physical_name,
                    targets.get(
                        (a.reference.schema.casefold(), a.reference.physical_name.casefold())
                    ),
                    a.reference.has_db_constraint and bool(a.reference.is_trusted),
                )
                for a in entity.attributes
                if a.reference is not None
            ]
            seekable = _seekable(entity)
            plans.append(
                TableProbes(
                    _profiled_table(module.name, entity),
                    [
                        ColumnPlan(a, a.physical_name.casefold() in seekable)
                        for a in entity.attributes
                    ],
                    uniques,
                    references,
                )
            )
    return plans
