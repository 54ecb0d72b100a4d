"""Hypothesis strategies for valid models (unique names, one identifier per entity)."""

from __future__ import annotations

from hypothesis import strategies as st

from osddl.model.contract import (
    DEFAULT_INDEX_OPTIONS,
    Attribute,
    Entity,
    Index,
    IndexColumn,
    Model,
    Module,
    OnDisk,
    Reference,
    Source,
)

names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12
)
maybe_text = st.none() | names
sizes = st.none() | st.integers(min_value=0, max_value=4000)

on_disk = st.builds(
    OnDisk,
    sql_type=st.sampled_from(["int", "nvarchar", "decimal", "bit"]),
    length=sizes,
    precision=sizes,
    scale=sizes,
    is_nullable=st.booleans(),
    is_identity=st.booleans(),
    identity_seed=st.none() | st.integers(1, 10),
    identity_increment=st.none() | st.just(1),
    is_computed=st.booleans(),
    computed_definition=maybe_text,
    default_name=maybe_text,
    default_definition=maybe_text,
    collation=maybe_text,
)
reference = st.builds(
    Reference,
    module=names,
    entity=names,
    physical_name=names,
    schema=st.just("dbo"),
    delete_rule=st.sampled_from(["Protect", "Delete", "Ignore", "SetNull"]),
    has_db_constraint=st.booleans(),
    constraint_name=maybe_text,
    is_trusted=st.none() | st.booleans(),
)


def attribute(name: str, identifier: bool) -> st.SearchStrategy[Attribute]:
    return st.builds(
        Attribute,
        name=st.just(name),
        physical_name=st.just(name.upper() + "_C"),
        emitted_name=st.just(name),
        data_type=st.sampled_from(["Text", "Integer", "Identifier"]),
        sql_type=st.sampled_from(["int", "nvarchar(50)", "bigint"]),
        length=sizes,
        precision=sizes,
        scale=sizes,
        default=maybe_text,
        is_mandatory=st.booleans(),
        is_identifier=st.just(identifier),
        is_auto_number=st.booleans(),
        is_active=st.booleans(),
        present_but_inactive=st.booleans(),
        original_name=maybe_text,
        external_db_type=maybe_text,
        description=maybe_text,
        reference=st.none() | reference,
        on_disk=st.none() | on_disk,
    )


@st.composite
def entity(draw: st.DrawFn, name: str) -> Entity:
    attr_names = draw(st.lists(names, min_size=1, max_size=5, unique_by=str.casefold))
    attrs = [draw(attribute(n, i == 0)) for i, n in enumerate(attr_names)]
    first = attrs[0]
    index = Index(
        name=f"PK_{name}",
        kind="PK",
        is_unique=True,
        is_platform_auto=False,
        is_disabled=False,
        filter=None,
        options=DEFAULT_INDEX_OPTIONS,
        columns=[
            IndexColumn(
                attribute=first.name, column=first.physical_name, direction="ASC", is_included=False
            )
        ],
    )
    return Entity(
        name=name,
        physical_name=f"OSUSR_X_{name}",
        emitted_name=name,
        schema="dbo",
        catalog=None,
        ss_key=draw(maybe_text),
        is_static=draw(st.booleans()),
        is_external=draw(st.booleans()),
        is_active=True,
        description=draw(maybe_text),
        attributes=attrs,
        indexes=[index],
    )


@st.composite
def models(draw: st.DrawFn) -> Model:
    module_names = draw(st.lists(names, min_size=1, max_size=3, unique_by=str.casefold))
    entity_names = iter(
        draw(st.lists(names, min_size=len(module_names), max_size=8, unique_by=str.casefold))
    )
    modules = []
    for k, module_name in enumerate(module_names):
        own = [next(entity_names)] if k < len(module_names) - 1 else list(entity_names)
        modules.append(
            Module(
                name=module_name,
                ss_key=draw(maybe_text),
                is_system=draw(st.booleans()),
                is_active=True,
                entities=[draw(entity(n)) for n in own],
            )
        )
    return Model(
        schema_version="osddl.model/1",
        source=Source(engine="sqlite", database="qa"),
        modules=modules,
    )
