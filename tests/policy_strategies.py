"""Hypothesis strategies for the policy: generated models, profiles for them, and options.

Models: 1-3 modules of 1-5 entities (unique physical tables, mostly in `dbo`, sometimes in
`billing`), each with an identifier (PK index) and 0-6 other attributes, some unique indexes and
some references (occasionally to an entity outside the model). Profiles: one `Evidence` row per
column, unique index and reference (sometimes missing), shaped like the real profiler's rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from osddl.model.contract import (
    DEFAULT_INDEX_OPTIONS,
    Attribute,
    DeleteRule,
    Entity,
    Index,
    IndexColumn,
    IndexKind,
    Model,
    Module,
    OnDisk,
    Reference,
    Source,
)
from osddl.policy.decide import PolicyOptions
from osddl.policy.matrix import MODES
from osddl.profile.evidence import EVIDENCE_STATUSES, Evidence, Kind, Status
from tests.model_builders import make_entity
from tests.profile_models import disk

STATUSES: tuple[Status, ...] = (
    "succeeded",
    "sampled",
    "timeout",
    "error",
    "trusted_constraint",
    "skipped",
)
# Every status, the evidence ones (the interesting ones) more often.
WEIGHTED_STATUSES: tuple[Status, ...] = (*STATUSES, "succeeded", "sampled", "succeeded", "sampled")
DELETE_RULES: tuple[DeleteRule, ...] = ("Protect", "Delete", "Ignore", "SetNull")
UNIQUE_OR_NOT: tuple[IndexKind, ...] = ("UIX", "UIX", "UIX", "IX")  # IX: not unique, ignored

# ASCII identifiers in mixed case: distinct under casefold means distinct physical (upper) names.
names = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,5}", fullmatch=True)


def _attribute(
    name: str,
    *,
    identifier: bool,
    mandatory: bool,
    on_disk: OnDisk | None,
    reference: Reference | None = None,
) -> Attribute:
    return Attribute(
        name=name,
        physical_name=name.upper(),
        emitted_name=name,
        data_type="Integer",
        sql_type="int",
        length=None,
        precision=None,
        scale=None,
        default=None,
        is_mandatory=mandatory,
        is_identifier=identifier,
        is_auto_number=False,
        is_active=True,
        present_but_inactive=False,
        original_name=None,
        external_db_type=None,
        description=None,
        reference=reference,
        on_disk=on_disk,
    )


def _index(
    name: str, kind: IndexKind, columns: list[Attribute], *, disabled: bool = False
) -> Index:
    return Index(
        name=name,
        kind=kind,
        is_unique=kind != "IX",
        is_platform_auto=False,
        is_disabled=disabled,
        filter=None,
        options=DEFAULT_INDEX_OPTIONS,
        columns=[
            IndexColumn(
                attribute=a.name, column=a.physical_name, direction="ASC", is_included=False
            )
            for a in columns
        ],
    )


@dataclass(frozen=True)
class _Target:
    """What a reference needs to know about an entity (generated before the attributes)."""

    module: str
    entity: str
    schema: str
    table: str


on_disks = st.none() | st.booleans().map(lambda nullable: disk("int", nullable))


@st.composite
def references(draw: st.DrawFn, targets: list[_Target]) -> Reference:
    if draw(st.integers(0, 9)) == 0:  # occasionally a target outside the model
        target = _Target("Gone", "Missing", "dbo", "OSUSR_GONE_MISSING")
    else:
        target = draw(st.sampled_from(targets))
    has_constraint = draw(st.booleans())
    return Reference(
        module=target.module,
        entity=target.entity,
        physical_name=target.table,
        schema=target.schema,
        delete_rule=draw(st.sampled_from(DELETE_RULES)),
        has_db_constraint=has_constraint,
        constraint_name=f"FK_{target.table}_{draw(names)}" if has_constraint else None,
        is_trusted=draw(st.booleans()) if has_constraint else None,
    )


@st.composite
def entities(draw: st.DrawFn, me: _Target, targets: list[_Target]) -> Entity:
    others = draw(
        st.lists(
            names.filter(lambda n: n.casefold() != "id"),
            max_size=6,
            unique_by=str.casefold,
        )
    )
    identifier = _attribute("Id", identifier=True, mandatory=True, on_disk=draw(on_disks))
    attributes = [identifier] + [
        _attribute(
            name,
            identifier=False,
            mandatory=draw(st.booleans()),
            on_disk=draw(on_disks),
            reference=draw(st.none() | references(targets)),
        )
        for name in others
    ]
    indexes = [_index(f"PK_{me.table}", "PK", [identifier])]
    for k in range(draw(st.integers(0, 3))):
        columns = draw(st.lists(st.sampled_from(attributes), min_size=1, max_size=3, unique=True))
        kind = draw(st.sampled_from(UNIQUE_OR_NOT))
        indexes.append(
            _index(f"{kind}_{me.table}_{k}", kind, columns, disabled=draw(st.booleans()))
        )
    return make_entity(me.entity, me.table, attributes, me.schema, indexes=indexes)


@st.composite
def models(draw: st.DrawFn) -> Model:
    module_names = draw(st.lists(names, min_size=1, max_size=3, unique_by=str.casefold))
    skeleton: list[list[_Target]] = []
    for m, module in enumerate(module_names):
        entity_names = draw(st.lists(names, min_size=1, max_size=5, unique_by=str.casefold))
        skeleton.append(
            [
                _Target(
                    module,
                    entity,
                    draw(st.sampled_from(["dbo", "dbo", "dbo", "billing"])),
                    f"OSUSR_{m}{e}_{entity.upper()}",
                )
                for e, entity in enumerate(entity_names)
            ]
        )
    targets = [t for own in skeleton for t in own]
    return Model(
        schema_version="osddl.model/1",
        source=Source(engine="test", database=None),
        modules=[
            Module(
                name=name,
                ss_key=None,
                is_system=False,
                is_active=True,
                entities=[draw(entities(t, targets)) for t in own],
            )
            for name, own in zip(module_names, skeleton, strict=True)
        ],
    )


def counts(upper: int) -> st.SearchStrategy[int]:
    """A count in [0, upper]: often zero (clean), often small (within a null budget)."""
    return st.just(0) | st.integers(0, min(upper, upper // 10 + 1)) | st.integers(0, upper)


@st.composite
def evidence_row(
    draw: st.DrawFn,
    kind: Kind,
    module: str,
    entity: Entity,
    name: str,
    columns: list[str],
    attributes: list[str],
) -> Evidence:
    status = draw(st.sampled_from(WEIGHTED_STATUSES))
    if kind == "reference" and status == "trusted_constraint":
        rows = draw(st.integers(0, 20))
    else:
        rows = draw(st.integers(0, 20) | st.integers(0, 1000))
    row = Evidence(
        kind=kind,
        module=module,
        entity=entity.name,
        schema=entity.schema,
        table=entity.physical_name,
        name=name,
        columns=columns,
        attributes=attributes,
        status=status,
    )
    if status == "sampled":
        row.sample_size = draw(st.integers(1, 100))
    if status not in EVIDENCE_STATUSES:
        # The real profiler knows the row count of a table even when a unique/reference probe fails.
        row.row_count = rows if kind != "column" and draw(st.booleans()) else None
        return row
    row.row_count = rows
    if kind == "column":
        row.null_count = draw(counts(rows))
    elif kind == "unique":
        groups = draw(counts(rows // 2))
        row.duplicate_groups = groups
        row.duplicate_rows = draw(st.integers(2 * groups, max(rows, 2 * groups))) if groups else 0
        row.null_count = draw(counts(rows))
    else:
        orphans = 0 if status == "trusted_constraint" else draw(counts(rows))
        row.orphan_count = orphans
        row.orphan_distinct_values = draw(st.integers(min(orphans, 1), orphans))
    return row


@st.composite
def profiles(draw: st.DrawFn, model: Model) -> list[Evidence]:
    """One row per column, unique index and reference of the model (each sometimes missing), plus
    now and then a unique candidate that is no index of the model."""
    out: list[Evidence] = []
    present = st.integers(0, 7).map(bool)  # a row is missing one time in eight
    for module in model.modules:
        for entity in module.entities:
            wanted: list[tuple[Kind, str, list[str], list[str]]] = [
                ("column", a.physical_name, [a.physical_name], [a.name]) for a in entity.attributes
            ]
            wanted += [
                (
                    "unique",
                    i.name,
                    [c.column for c in i.columns],
                    [c.attribute or c.column for c in i.columns],
                )
                for i in entity.indexes
                if i.is_unique and i.kind != "PK"
            ]
            wanted += [
                ("reference", a.name, [a.physical_name], [a.name])
                for a in entity.attributes
                if a.reference is not None
            ]
            if draw(st.integers(0, 4)) == 0:
                chosen = draw(
                    st.lists(
                        st.sampled_from(entity.attributes), min_size=1, max_size=2, unique=True
                    )
                )
                name = f"CAND_{entity.physical_name}_{'_'.join(a.name for a in chosen)}"
                wanted.append(
                    ("unique", name, [a.physical_name for a in chosen], [a.name for a in chosen])
                )
            for kind, name, columns, attributes in wanted:
                if name.startswith("CAND_") or draw(present):
                    out.append(
                        draw(evidence_row(kind, module.name, entity, name, columns, attributes))
                    )
    return out


def attribute_keys(model: Model) -> list[str]:
    return [
        f"{m.name}::{e.name}.{a.name}"
        for m in model.modules
        for e in m.entities
        for a in e.attributes
    ]


@st.composite
def options(draw: st.DrawFn, model: Model) -> PolicyOptions:
    keys = attribute_keys(model)
    # Overrides are case-insensitive: sometimes spell them in another case.
    spelled = st.sampled_from(keys).flatmap(lambda k: st.sampled_from([k, k.upper(), k.lower()]))
    return PolicyOptions(
        mode=draw(st.sampled_from(MODES)),
        null_budget=draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]) | st.floats(0, 1, allow_nan=False)),
        accept_sampled_evidence=draw(st.booleans()),
        keep_nullable=tuple(draw(st.lists(spelled, max_size=3))),
        force_not_null=tuple(draw(st.lists(spelled, max_size=3))),
        enable_fk_creation=draw(st.booleans()),
        enforce_ignore_rule=draw(st.booleans()),
        allow_cross_schema=draw(st.booleans()),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[Model, list[Evidence], PolicyOptions]:
    model = draw(models())
    return model, draw(profiles(model)), draw(options(model))
