"""Advanced SQL JSON import: every known payload variant lands on the same typed model."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from osddl.errors import InputError
from osddl.model.advanced_sql import import_advanced_sql
from osddl.model.contract import (
    DEFAULT_INDEX_OPTIONS,
    Attribute,
    Entity,
    ForeignKey,
    Index,
    IndexColumn,
    IndexOptions,
    Model,
    OnDisk,
    Reference,
    Source,
    Trigger,
)
from osddl.model.sqltype import MAX
from osddl.model.validate import Finding

DATA = Path(__file__).parent / "data" / "advanced_sql"
FLAT = DATA / "flat.json"
NESTED = DATA / "nested.json"
REFERENCE = Path("/work/shared/reference/advanced-sql-json")


def _entity(model: Model, module: str, entity: str) -> Entity:
    found = [e for m in model.modules if m.name == module for e in m.entities if e.name == entity]
    assert len(found) == 1, f"{module}.{entity} not found once"
    return found[0]


def _attr(entity: Entity, name: str) -> Attribute:
    return next(a for a in entity.attributes if a.name == name)


def _index(entity: Entity, name: str) -> Index:
    return next(i for i in entity.indexes if i.name == name)


def _flat_payload() -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(FLAT.read_text(encoding="utf-8"))
    return payload


def _write(tmp_path: Path, payload: Any, name: str = "export.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def _raw_entity(payload: dict[str, Any], module: int, entity: int) -> dict[str, Any]:
    raw: dict[str, Any] = payload["modules"][module]["entities"][entity]
    return raw


def _message(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        import_advanced_sql(path)
    return str(caught.value)


@pytest.fixture(scope="module")
def flat() -> Model:
    return import_advanced_sql(FLAT)


# --- the two styles describe one model ------------------------------------------------------------


def test_flat_and_nested_styles_import_to_equal_models() -> None:
    assert import_advanced_sql(FLAT) == import_advanced_sql(NESTED)


def test_source_and_structure_are_kept_in_payload_order(flat: Model) -> None:
    assert flat.schema_version == "osddl.model/1"
    assert flat.source == Source(engine="advanced-sql-json", database=None)
    assert [m.name for m in flat.modules] == ["Sales", "Billing"]
    assert [e.name for e in flat.modules[0].entities] == ["Customer", "Order"]
    order = _entity(flat, "Sales", "Order")
    names = ["Id", "CustomerId", "AccountId", "Amount", "PlacedAt", "Total", "LegacyCode"]
    assert [a.name for a in order.attributes] == names


def test_module_and_entity_fields(flat: Model) -> None:
    sales = flat.modules[0]
    assert (sales.ss_key, sales.is_system, sales.is_active) == (
        "5d1f0c2e-0000-4000-8000-000000000001",
        False,
        True,
    )
    customer = _entity(flat, "Sales", "Customer")
    assert customer.physical_name == "OSUSR_S1_CUSTOMER"
    assert customer.emitted_name == ""
    assert (customer.schema, customer.catalog) == ("dbo", None)
    assert customer.ss_key == "c0ffee00-0000-4000-8000-000000000010"
    assert (customer.is_static, customer.is_external, customer.is_active) == (False, False, True)
    assert customer.description == "People who buy things"
    order = _entity(flat, "Sales", "Order")
    assert (order.schema, order.ss_key, order.description) == ("dbo", None, None)


def test_external_entity_in_another_schema(flat: Model) -> None:
    account = _entity(flat, "Billing", "Account")
    assert (account.schema, account.catalog, account.is_external) == ("billing", "FinanceDb", True)
    assert [a.external_db_type for a in account.attributes] == ["int", "varchar(20)"]
    assert all(a.on_disk is None for a in account.attributes)
    assert (account.indexes, account.foreign_keys, account.triggers) == ([], [], [])


# --- attributes -----------------------------------------------------------------------------------


def test_identifier_attribute_is_normalised_but_left_unnamed_and_untyped(flat: Model) -> None:
    ident = _attr(_entity(flat, "Sales", "Customer"), "Id")
    assert ident == Attribute(
        name="Id",
        physical_name="ID",
        emitted_name="",
        data_type="Identifier",
        sql_type="",
        length=None,
        precision=None,
        scale=None,
        default=None,
        is_mandatory=True,
        is_identifier=True,
        is_auto_number=True,
        is_active=True,
        present_but_inactive=False,
        original_name=None,
        external_db_type=None,
        description="Row id",
        reference=None,
        on_disk=OnDisk(
            sql_type="bigint",
            length=None,
            precision=None,
            scale=None,
            is_nullable=False,
            is_identity=True,
            identity_seed=1,
            identity_increment=1,
            is_computed=False,
            computed_definition=None,
            default_name=None,
            default_definition=None,
            collation=None,
        ),
    )


def test_text_attribute_with_default_collation_and_original_name(flat: Model) -> None:
    name = _attr(_entity(flat, "Sales", "Customer"), "Name")
    assert (name.data_type, name.length, name.default) == ("Text", 100, "''")
    assert (name.is_mandatory, name.original_name, name.description) == (True, "FullName", None)
    assert name.on_disk is not None
    assert (name.on_disk.sql_type, name.on_disk.length) == ("nvarchar", 100)
    assert name.on_disk.collation == "Latin1_General_CI_AI"
    assert name.on_disk.default_name == "DF_OSUSR_S1_CUSTOMER_NAME"
    assert name.on_disk.default_definition == "('')"


def test_on_disk_types_keep_only_their_own_arguments(flat: Model) -> None:
    customer, order = _entity(flat, "Sales", "Customer"), _entity(flat, "Sales", "Order")
    shapes = {
        a.name: (a.on_disk.sql_type, a.on_disk.length, a.on_disk.precision, a.on_disk.scale)
        for a in [*customer.attributes, *order.attributes]
        if a.on_disk is not None
    }
    assert shapes["Notes"] == ("nvarchar", MAX, None, None)
    assert shapes["Id"] == ("int", None, None, None)  # Order.Id: precision 10 dropped
    assert shapes["Amount"] == ("decimal", None, 18, 2)  # maxLength 9 dropped
    assert shapes["PlacedAt"] == ("datetime2", None, None, 3)  # precision 27 dropped
    assert shapes["Total"] == ("decimal", None, 19, 2)  # from "decimal(19,2)"
    assert shapes["LegacyCode"] == ("varchar", 20, None, None)


def test_identity_seed_computed_and_defaults(flat: Model) -> None:
    order = _entity(flat, "Sales", "Order")
    ident, amount, total = (_attr(order, n).on_disk for n in ("Id", "Amount", "Total"))
    assert ident is not None and amount is not None and total is not None
    assert (ident.is_identity, ident.identity_seed, ident.identity_increment) == (True, 1000, 5)
    assert (amount.identity_seed, amount.is_nullable) == (None, True)
    assert (amount.default_name, amount.default_definition) == ("DF_OSUSR_S1_ORDER_AMOUNT", "((0))")
    assert (total.is_computed, total.computed_definition) == (True, "([AMOUNT]*(1.2))")
    assert _attr(order, "Amount").default == "0"


def test_inactive_attribute_is_kept_and_flagged(flat: Model) -> None:
    legacy = _attr(_entity(flat, "Sales", "Order"), "LegacyCode")
    assert (legacy.is_active, legacy.present_but_inactive) == (False, True)


# --- references -----------------------------------------------------------------------------------


def test_reference_with_real_untrusted_constraint(flat: Model) -> None:
    customer_id = _attr(_entity(flat, "Sales", "Order"), "CustomerId")
    assert customer_id.reference == Reference(
        module="Sales",
        entity="Customer",
        physical_name="OSUSR_S1_CUSTOMER",
        schema="dbo",
        delete_rule="Protect",
        has_db_constraint=True,
        constraint_name="FK_OSUSR_S1_ORDER_CUSTOMERID",
        is_trusted=False,
    )


def test_reference_by_name_into_another_module_and_schema(flat: Model) -> None:
    account_id = _attr(_entity(flat, "Sales", "Order"), "AccountId")
    assert account_id.reference == Reference(
        module="Billing",
        entity="Account",
        physical_name="ACCOUNT",
        schema="billing",
        delete_rule="SetNull",
        has_db_constraint=False,
        constraint_name=None,
        is_trusted=None,
    )


def test_reference_to_absent_user_entity_points_at_platform_users(flat: Model) -> None:
    created_by = _attr(_entity(flat, "Sales", "Customer"), "CreatedBy")
    assert created_by.reference == Reference(
        module="Users",
        entity="User",
        physical_name="ossys_User",
        schema="dbo",
        delete_rule="Ignore",
        has_db_constraint=False,
        constraint_name=None,
        is_trusted=None,
    )


def test_reference_to_user_entity_in_the_file_resolves_there(tmp_path: Path) -> None:
    payload = _flat_payload()
    user = copy.deepcopy(_raw_entity(payload, 1, 0))
    user.update(name="User", physicalName="OSUSR_ZZ_USER", db_schema="dbo", isExternal=0)
    payload["modules"][1]["entities"].append(user)
    model = import_advanced_sql(_write(tmp_path, payload))
    reference = _attr(_entity(model, "Sales", "Customer"), "CreatedBy").reference
    assert reference is not None
    assert (reference.module, reference.entity, reference.physical_name) == (
        "Billing",
        "User",
        "OSUSR_ZZ_USER",
    )


def test_reference_by_entity_id_when_entities_carry_ids(tmp_path: Path) -> None:
    payload = _flat_payload()
    _raw_entity(payload, 1, 0)["id"] = 4242
    account_id = _raw_entity(payload, 0, 1)["attributes"][2]
    account_id.update(refEntity_name=None, refEntityId="4242")
    reference = _attr(
        _entity(import_advanced_sql(_write(tmp_path, payload)), "Sales", "Order"), "AccountId"
    ).reference
    assert reference is not None and reference.physical_name == "ACCOUNT"


@pytest.mark.parametrize(
    ("spelling", "rule"),
    [
        ("protect", "Protect"),
        ("PROTECT", "Protect"),
        ("Delete", "Delete"),
        ("Cascade", "Delete"),
        ("ignore", "Ignore"),
        ("SetNull", "SetNull"),
        ("Set Null", "SetNull"),
        ("SET_NULL", "SetNull"),
        (None, "Protect"),
    ],
)
def test_delete_rule_spellings(tmp_path: Path, spelling: str | None, rule: str) -> None:
    payload = _flat_payload()
    _raw_entity(payload, 0, 1)["attributes"][1]["reference_deleteRuleCode"] = spelling
    order = _entity(import_advanced_sql(_write(tmp_path, payload)), "Sales", "Order")
    reference = _attr(order, "CustomerId").reference
    assert reference is not None and reference.delete_rule == rule


def test_missing_has_db_constraint_follows_the_actual_constraint(tmp_path: Path) -> None:
    payload = _flat_payload()
    del _raw_entity(payload, 0, 1)["attributes"][1]["reference_hasDbConstraint"]
    order = _entity(import_advanced_sql(_write(tmp_path, payload)), "Sales", "Order")
    reference = _attr(order, "CustomerId").reference
    assert reference is not None and reference.has_db_constraint is True


# --- booleans -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        (True, True),
        (1, True),
        ("1", True),
        ("true", True),
        (False, False),
        (0, False),
        ("0", False),
    ],
)
def test_boolean_spellings(tmp_path: Path, spelling: Any, expected: bool) -> None:
    payload = _flat_payload()
    _raw_entity(payload, 0, 0)["attributes"][2]["isMandatory"] = spelling
    _raw_entity(payload, 0, 0)["isStatic"] = spelling
    model = import_advanced_sql(_write(tmp_path, payload))
    customer = _entity(model, "Sales", "Customer")
    assert (_attr(customer, "Notes").is_mandatory, customer.is_static) == (expected, expected)


def test_null_booleans_take_the_field_default(tmp_path: Path) -> None:
    payload = _flat_payload()
    notes = _raw_entity(payload, 0, 0)["attributes"][2]
    notes.update(isActive=None, isMandatory=None, isReference=None)
    notes["onDisk"]["isNullable"] = None
    attribute = _attr(
        _entity(import_advanced_sql(_write(tmp_path, payload)), "Sales", "Customer"), "Notes"
    )
    assert (attribute.is_active, attribute.is_mandatory, attribute.reference) == (True, False, None)
    assert attribute.on_disk is not None and attribute.on_disk.is_nullable is True


def test_bad_boolean_names_path_and_value(tmp_path: Path) -> None:
    payload = _flat_payload()
    _raw_entity(payload, 0, 0)["attributes"][2]["isMandatory"] = "yes"
    path = _write(tmp_path, payload)
    assert _message(path) == (
        f'{path} $.modules[0].entities[0].attributes[2].isMandatory: "yes" is not a boolean; '
        'expected true/false, 1/0, "1"/"0" or null'
    )


# --- indexes --------------------------------------------------------------------------------------


def test_unique_index_with_filter_included_column_and_options(flat: Model) -> None:
    index = _index(_entity(flat, "Sales", "Customer"), "UIX_CUSTOMER_NAME")
    assert (index.kind, index.is_unique, index.is_platform_auto, index.is_disabled) == (
        "UIX",
        True,
        False,
        False,
    )
    assert index.filter == "[NAME] IS NOT NULL"
    assert index.columns == [
        IndexColumn(attribute="Name", column="NAME", direction="DESC", is_included=False),
        IndexColumn(attribute="Notes", column="NOTES", direction="ASC", is_included=True),
    ]
    assert index.options == IndexOptions(
        fill_factor=90,
        ignore_dup_key=False,
        pad_index=True,
        allow_row_locks=True,
        allow_page_locks=False,
        no_recompute=False,
        data_compression="ROW",
        file_group="FG_SALES",
    )


def test_disabled_index_with_filter_and_partition_scheme(flat: Model) -> None:
    index = _index(_entity(flat, "Sales", "Order"), "IX_ORDER_PLACEDAT")
    assert (index.kind, index.is_unique, index.is_disabled) == ("IX", False, True)
    assert index.filter == "([AMOUNT]>(0))"
    assert [(c.column, c.direction) for c in index.columns] == [
        ("PLACEDAT", "DESC"),
        ("CUSTOMERID", "ASC"),
    ]
    assert index.options.fill_factor is None  # 0 means "server default"
    assert index.options.data_compression == "1:PAGE,2:ROW"
    assert index.options.file_group == "PS_ORDER_BY_MONTH(PLACEDAT,AMOUNT)"


def test_primary_key_kind_is_derived_and_missing_options_take_defaults(flat: Model) -> None:
    index = _index(_entity(flat, "Sales", "Order"), "OSPRK_OSUSR_S1_ORDER")
    assert (index.kind, index.is_unique, index.is_platform_auto, index.filter) == (
        "PK",
        True,
        True,
        None,
    )
    assert index.columns == [IndexColumn("Id", "ID", "ASC", False)]
    assert index.options == DEFAULT_INDEX_OPTIONS


@pytest.mark.parametrize(
    ("word", "direction"),
    [("ASC", "ASC"), ("DESC", "DESC"), ("Ascending", "ASC"), ("descending", "DESC"), (None, "ASC")],
)
def test_index_direction_words(tmp_path: Path, word: str | None, direction: str) -> None:
    payload = _flat_payload()
    _raw_entity(payload, 0, 0)["indexes"][0]["columns"][1]["direction"] = word
    customer = _entity(import_advanced_sql(_write(tmp_path, payload)), "Sales", "Customer")
    assert customer.indexes[0].columns[0].direction == direction


@pytest.mark.parametrize("key", ["fill_factor", "fillFactor"])
def test_fill_factor_spellings(tmp_path: Path, key: str) -> None:
    payload = _flat_payload()
    raw_index = _raw_entity(payload, 0, 0)["indexes"][0]
    del raw_index["fill_factor"]
    raw_index[key] = 75
    customer = _entity(import_advanced_sql(_write(tmp_path, payload)), "Sales", "Customer")
    assert customer.indexes[0].options.fill_factor == 75


@pytest.mark.parametrize(
    ("partitions", "expected"),
    [
        ([], None),
        (
            [{"partition": 1, "compression": "PAGE"}, {"partition": 2, "compression": "page"}],
            "PAGE",
        ),
        (
            [{"partition": 3, "compression": "NONE"}, {"partition": 1, "compression": "ROW"}],
            "1:ROW,3:NONE",
        ),
    ],
)
def test_data_compression(tmp_path: Path, partitions: list[Any], expected: str | None) -> None:
    payload = _flat_payload()
    _raw_entity(payload, 0, 0)["indexes"][0]["dataCompression"] = partitions
    customer = _entity(import_advanced_sql(_write(tmp_path, payload)), "Sales", "Customer")
    assert customer.indexes[0].options.data_compression == expected


# --- foreign keys and triggers --------------------------------------------------------------------


def test_actual_constraint_becomes_a_foreign_key(flat: Model) -> None:
    assert _entity(flat, "Sales", "Order").foreign_keys == [
        ForeignKey(
            name="FK_OSUSR_S1_ORDER_CUSTOMERID",
            columns=["CUSTOMERID"],
            referenced_schema="dbo",
            referenced_table="OSUSR_S1_CUSTOMER",
            referenced_columns=["ID"],
            on_delete="NO_ACTION",
            on_update="CASCADE",
            is_trusted=False,
        )
    ]


@pytest.mark.parametrize(
    ("word", "action"),
    [
        ("NO_ACTION", "NO_ACTION"),
        ("NO ACTION", "NO_ACTION"),
        ("Cascade", "CASCADE"),
        ("SET_NULL", "SET_NULL"),
        ("set default", "SET_DEFAULT"),
    ],
)
def test_foreign_key_action_words(tmp_path: Path, word: str, action: str) -> None:
    payload = _flat_payload()
    constraint = _raw_entity(payload, 0, 1)["relationships"][0]["actualConstraints"][0]
    constraint.update(onDelete=word, onUpdate=None, isNotTrusted=None)
    fk = _entity(import_advanced_sql(_write(tmp_path, payload)), "Sales", "Order").foreign_keys[0]
    assert (fk.on_delete, fk.on_update, fk.is_trusted) == (action, "NO_ACTION", True)


def test_multi_column_foreign_key_orders_columns_by_ordinal(tmp_path: Path) -> None:
    payload = _flat_payload()
    constraint = _raw_entity(payload, 0, 1)["relationships"][0]["actualConstraints"][0]
    constraint["columns"] = [
        {"ordinal": 2, "owner": {"physical": "B"}, "referenced": {"physical": "RB"}},
        {"ordinal": 1, "owner.physical": "A", "referenced.physical": "RA"},
    ]
    fk = _entity(import_advanced_sql(_write(tmp_path, payload)), "Sales", "Order").foreign_keys[0]
    assert (fk.columns, fk.referenced_columns) == (["A", "B"], ["RA", "RB"])


def test_trigger_passes_through(flat: Model) -> None:
    assert _entity(flat, "Sales", "Order").triggers == [
        Trigger(
            name="TR_OSUSR_S1_ORDER_AUDIT",
            is_disabled=False,
            definition="CREATE TRIGGER [dbo].[TR_OSUSR_S1_ORDER_AUDIT] ON [dbo].[OSUSR_S1_ORDER] "
            "AFTER UPDATE AS SET NOCOUNT ON;",
        )
    ]


# --- bad input ------------------------------------------------------------------------------------


def test_malformed_json_names_line_and_column() -> None:
    path = DATA / "bad-malformed.json"
    assert _message(path) == (
        f"{path}:3:22: malformed JSON (Expecting ',' delimiter); fix the syntax there"
    )


def test_missing_physical_name_names_the_json_path() -> None:
    path = DATA / "bad-missing-physical-name.json"
    assert _message(path) == (
        f"{path} $.modules[0].entities[1].physicalName: missing; expected the table name"
    )


def test_unresolvable_reference_lists_known_entities() -> None:
    path = DATA / "bad-unresolved-reference.json"
    assert _message(path) == (
        f"{path} $.modules[0].entities[2].attributes[1]: reference target 'OSUSR_X_Y' "
        "(entity 'Y') not found; known entities: "
        "ACCOUNT, OSUSR_S1_CUSTOMER, OSUSR_S1_ORDER, OSUSR_S1_SHIPMENT"
    )


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([1, 2], '$: an array is not an object; expected an object with "modules"'),
        ({}, "$.modules: missing; expected an array of module objects"),
        ({"modules": None}, "$.modules: null; expected an array of module objects"),
        (
            {"modules": {}},
            "$.modules: an object is not an array; expected an array of module objects",
        ),
        ({"modules": [7]}, "$.modules[0]: 7 is not an object; expected a module object"),
        (
            {"modules": [{"name": "M", "entities": "x"}]},
            '$.modules[0].entities: "x" is not an array; expected an array of entity objects',
        ),
        (
            {"modules": [{"name": "M", "entities": [{"name": "E", "physicalName": 5}]}]},
            "$.modules[0].entities[0].physicalName: 5 is not a string; expected the table name",
        ),
        (
            {"modules": [{"name": "M", "entities": [{"name": "E", "physicalName": "T"}]}]},
            "$.modules[0].entities[0].attributes: missing; expected an array of attribute objects",
        ),
    ],
)
def test_shape_errors_name_path_value_and_expectation(
    tmp_path: Path, payload: Any, message: str
) -> None:
    path = _write(tmp_path, payload)
    assert _message(path) == f"{path} {message}"


def test_bad_on_disk_type_names_its_path(tmp_path: Path) -> None:
    payload = _flat_payload()
    _raw_entity(payload, 0, 0)["attributes"][2]["onDisk"]["sqlType"] = "varchar2"
    path = _write(tmp_path, payload)
    assert _message(path) == (
        f"{path} $.modules[0].entities[0].attributes[2].onDisk.sqlType: 'varchar2' is not a "
        "SQL Server type; expected e.g. nvarchar(50)"
    )


def test_unknown_delete_rule_is_refused(tmp_path: Path) -> None:
    payload = _flat_payload()
    _raw_entity(payload, 0, 1)["attributes"][1]["reference_deleteRuleCode"] = "Nuke"
    path = _write(tmp_path, payload)
    assert _message(path) == (
        f"{path} $.modules[0].entities[1].attributes[1].reference_deleteRuleCode: "
        '"Nuke" is not a known value; expected Protect, Delete, Ignore or SetNull'
    )


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    assert _message(path) == f"{path}: file not found; check the path"


# --- the reference exports ------------------------------------------------------------------------


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"{REFERENCE} is not present on this machine")
@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in REFERENCE.glob("*.json")) if REFERENCE.is_dir() else ["(none)"],
)
def test_reference_exports_import(name: str) -> None:
    model = import_advanced_sql(REFERENCE / name)
    assert model.modules, f"{name} has no modules"
    assert all(e.physical_name for m in model.modules for e in m.entities)


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"{REFERENCE} is not present on this machine")
def test_reference_entity_without_attributes_still_imports() -> None:
    model = import_advanced_sql(REFERENCE / "model.only-active-empty.json")
    assert _entity(model, "AppCore", "Customer").attributes == []


# --- tolerated variants: a delete-rule word where a physical action belongs -----------------------


@pytest.mark.parametrize(
    ("word", "action"),
    [
        ("Protect", "NO_ACTION"),
        ("PROTECT", "NO_ACTION"),
        ("Delete", "CASCADE"),
        ("delete", "CASCADE"),
        ("Ignore", "NO_ACTION"),
        ("Restrict", "NO_ACTION"),
    ],
)
def test_delete_rule_word_in_on_delete_is_read_as_its_action_with_a_warning(
    tmp_path: Path, word: str, action: str
) -> None:
    payload = _flat_payload()
    constraint = _raw_entity(payload, 0, 1)["relationships"][0]["actualConstraints"][0]
    constraint["onDelete"] = word
    path = _write(tmp_path, payload)
    warnings: list[Finding] = []
    fk = _entity(import_advanced_sql(path, warnings), "Sales", "Order").foreign_keys[0]
    assert fk.on_delete == action
    assert warnings == [
        Finding(
            "warning",
            f"{path} $.modules[0].entities[1].relationships[0].actualConstraints[0].onDelete",
            f'"{word}" is a delete rule, not a foreign key action; read as {action}',
        )
    ]


@pytest.mark.parametrize(
    ("word", "action"),
    [
        ("no action", "NO_ACTION"),
        ("NoAction", "NO_ACTION"),
        ("No-Action", "NO_ACTION"),
        ("SET_NULL", "SET_NULL"),
        ("SetNull", "SET_NULL"),
        ("set null", "SET_NULL"),
        ("CASCADE", "CASCADE"),
        ("SetDefault", "SET_DEFAULT"),
    ],
)
def test_case_and_separator_variants_of_actions_need_no_warning(
    tmp_path: Path, word: str, action: str
) -> None:
    payload = _flat_payload()
    constraint = _raw_entity(payload, 0, 1)["relationships"][0]["actualConstraints"][0]
    constraint.update(onDelete=word, onUpdate=word)
    warnings: list[Finding] = []
    model = import_advanced_sql(_write(tmp_path, payload), warnings)
    fk = _entity(model, "Sales", "Order").foreign_keys[0]
    assert (fk.on_delete, fk.on_update, warnings) == (action, action, [])


def test_delete_rule_word_in_on_update_stays_an_error(tmp_path: Path) -> None:
    payload = _flat_payload()
    _raw_entity(payload, 0, 1)["relationships"][0]["actualConstraints"][0]["onUpdate"] = "Protect"
    path = _write(tmp_path, payload)
    assert _message(path) == (
        f"{path} $.modules[0].entities[1].relationships[0].actualConstraints[0].onUpdate: "
        '"Protect" is not a known value; expected NO_ACTION, CASCADE, SET_NULL or SET_DEFAULT'
    )


def test_unknown_on_delete_word_lists_actions_and_rules(tmp_path: Path) -> None:
    payload = _flat_payload()
    _raw_entity(payload, 0, 1)["relationships"][0]["actualConstraints"][0]["onDelete"] = "Zap"
    path = _write(tmp_path, payload)
    assert _message(path) == (
        f"{path} $.modules[0].entities[1].relationships[0].actualConstraints[0].onDelete: "
        '"Zap" is not a known value; expected NO_ACTION, CASCADE, SET_NULL or SET_DEFAULT '
        "(or a delete rule: Protect, Delete, Ignore)"
    )


def test_import_warnings_reach_the_extraction_summary(tmp_path: Path) -> None:
    from osddl.options import extract_options
    from osddl.stages.extract_model import build_model
    from tests.project_settings import env_settings

    payload = _flat_payload()
    _raw_entity(payload, 0, 1)["relationships"][0]["actualConstraints"][0]["onDelete"] = "Protect"
    path = _write(tmp_path, payload)
    settings = env_settings({"OSDDL_MODEL_FROM_FILE": str(path)})
    model, warnings = build_model(extract_options(settings))
    assert _entity(model, "Sales", "Order").foreign_keys[0].on_delete == "NO_ACTION"
    assert any(w.path.endswith("actualConstraints[0].onDelete") for w in warnings)
