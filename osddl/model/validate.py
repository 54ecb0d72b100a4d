"""Semantic checks of a model, each finding with its JSONPath and the fix."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from osddl.errors import InputError
from osddl.model.contract import Attribute, Entity, Model
from osddl.model.identity import disagreement
from osddl.model.types import declared_sql_type
from osddl.tsql.types import fit

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    severity: Severity
    path: str
    message: str


def _dupes(names: Sequence[str]) -> list[str]:
    counts = Counter(n.casefold() for n in names)
    return sorted({n for n in names if counts[n.casefold()] > 1})


def _attribute_findings(attribute: Attribute, path: str, engine: str) -> Iterator[Finding]:
    """A declared type past SQL Server's limits (emitted as the largest valid type), and an
    identity the catalog and isAutoNumber disagree on."""
    try:
        declared = declared_sql_type(attribute, path)
    except InputError:
        declared = None  # a bad type text is finish's error, not a finding
    fitted = fit(declared) if declared is not None else None
    if fitted is not None and fitted.problem and not fitted.impossible:
        yield Finding("warning", f"{path}.sqlType", f"{attribute.name}: type {fitted.problem}")
    if why := disagreement(attribute, engine):
        yield Finding("warning", f"{path}.isAutoNumber", f"{attribute.name}: {why}")


def _entity_findings(entity: Entity, path: str, waived: bool, engine: str) -> Iterator[Finding]:
    if not entity.attributes and not waived:
        yield Finding(
            "error",
            f"{path}.attributes",
            "entity has no attributes; activate an attribute, deselect the entity, or list it "
            "in model.allow_incomplete_entities",
        )
    elif not waived and not any(a.is_identifier for a in entity.attributes):
        yield Finding(
            "error",
            f"{path}.attributes",
            "entity has no identifier; set Is_Identifier or list the entity in "
            "model.allow_incomplete_entities",
        )
    for dupe in _dupes([a.name for a in entity.attributes]):
        yield Finding("error", f"{path}.attributes", f"attribute name '{dupe}' is used twice")
    for dupe in _dupes([a.physical_name for a in entity.attributes]):
        yield Finding("error", f"{path}.attributes", f"column '{dupe}' is used twice")
    columns = {a.physical_name.casefold() for a in entity.attributes}
    for k, attribute in enumerate(entity.attributes):
        apath = f"{path}.attributes[{k}]"
        for field in ("length", "precision", "scale"):
            value = getattr(attribute, field)
            if value is not None and value < 0 and not (field == "length" and value == -1):
                yield Finding(
                    "error",
                    f"{apath}.{field}",
                    f"{value} is negative; expected a {field} >= 0 or null",
                )
        yield from _attribute_findings(attribute, apath, engine)
        if attribute.present_but_inactive:
            yield Finding("warning", apath, "inactive attribute whose column still exists")
        ref = attribute.reference
        if ref is not None and ref.schema.casefold() != entity.schema.casefold():
            yield Finding(
                "warning",
                f"{apath}.reference",
                f"cross-schema reference to [{ref.schema}].[{ref.physical_name}]",
            )
    for i, index in enumerate(entity.indexes):
        for c, column in enumerate(index.columns):
            if column.column.casefold() not in columns:
                yield Finding(
                    "error",
                    f"{path}.indexes[{i}].columns[{c}].column",
                    f"index '{index.name}' names unknown column '{column.column}'",
                )
        if index.is_platform_auto:
            yield Finding("warning", f"{path}.indexes[{i}]", f"platform auto-index '{index.name}'")


def findings(model: Model, waived: Sequence[str] = ()) -> list[Finding]:
    """Every error and warning of the model, in document order."""
    out: list[Finding] = []
    waived_keys = {w.casefold() for w in waived}
    if not model.modules:
        out.append(Finding("error", "$.modules", "no modules; select at least one module"))
    for dupe in _dupes([m.name for m in model.modules]):
        out.append(Finding("error", "$.modules", f"module name '{dupe}' is used twice"))
    emitted: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for i, module in enumerate(model.modules):
        for dupe in _dupes([e.name for e in module.entities]):
            out.append(
                Finding(
                    "error",
                    f"$.modules[{i}].entities",
                    f"entity name '{dupe}' is used twice in module '{module.name}'",
                )
            )
        for j, entity in enumerate(module.entities):
            path = f"$.modules[{i}].entities[{j}]"
            key = f"{module.name}::{entity.name}".casefold()
            out.extend(_entity_findings(entity, path, key in waived_keys, model.source.engine))
            target = f"[{entity.schema}].[{entity.emitted_name}]"
            emitted[target.casefold()].append((f"{module.name}::{entity.name}", target))
    out.extend(_collisions(model, emitted))
    return out


def _collisions(model: Model, emitted: dict[str, list[tuple[str, str]]]) -> Iterator[Finding]:
    physical = Counter(
        (e.schema.casefold(), e.physical_name.casefold()) for m in model.modules for e in m.entities
    )
    for (schema, table), count in sorted(physical.items()):
        if count > 1:
            yield Finding(
                "error",
                "$.modules",
                f"physical table [{schema}].[{table}] is claimed "
                f"by {count} entities; deselect one of the modules",
            )
    for claims in (emitted[key] for key in sorted(emitted)):
        if len(claims) > 1:
            owners = sorted(owner for owner, _ in claims)
            suggestion = f'{{ "{owners[1]}" = "{owners[1].split("::")[1]}_2" }}'
            yield Finding(
                "error",
                "$.modules",
                f"{' and '.join(owners)} both emit {claims[0][1]}; add an override such as "
                f"naming.overrides = {suggestion}",
            )


def check(model: Model, source_label: str, waived: Sequence[str] = ()) -> list[Finding]:
    """Raise one InputError listing every error; return the warnings."""
    found = findings(model, waived)
    errors = [f"{source_label} {f.path}: {f.message}" for f in found if f.severity == "error"]
    if errors:
        raise InputError("\n".join(errors))
    return [f for f in found if f.severity == "warning"]
