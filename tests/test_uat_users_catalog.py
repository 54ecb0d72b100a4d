"""The user-reference catalog: logical references, physical FKs, include and exclude."""

from __future__ import annotations

from dataclasses import replace

import pytest

from osddl.errors import InputError
from osddl.uat_users.catalog import build_catalog, catalog_text
from osddl.uat_users.settings import UatUsersOptions
from tests.uat_users_data import OPTIONS, model


def test_catalog_lists_logical_physical_and_included_columns_with_their_reason() -> None:
    catalog = build_catalog(model("int"), OPTIONS)
    assert catalog_text(catalog) == (
        "dbo.OSUSR_HR_EMPLOYEE.CREATEDBY -- logical reference\n"
        "dbo.OSUSR_SAL_ORDER.ASSIGNEDTO -- included\n"
        "dbo.OSUSR_SAL_ORDER.CREATEDBY -- logical reference\n"
        "dbo.OSUSR_SAL_ORDER.UPDATEDBY -- OSFRK_OSUSR_SAL_ORDER_OSSYS_USER_UPDATEDBY\n"
    )
    assert catalog.excluded == ("dbo.OSUSR_HR_EMPLOYEE.APPROVEDBY",)


def test_catalog_is_keyed_by_table_and_column_not_column_alone() -> None:
    catalog = build_catalog(model("int"), OPTIONS)
    order = catalog.get("dbo.osusr_sal_order", "createdby")
    employee = catalog.get("DBO.OSUSR_HR_EMPLOYEE", "CreatedBy")
    assert order is not None and employee is not None and order != employee
    assert (order.module, order.entity, order.attribute) == ("Sales", "Order", "CreatedBy")
    assert order.target_label == "dbo.Order.CreatedBy"
    assert catalog.get("dbo.OSUSR_HR_EMPLOYEE", "UPDATEDBY") is None


def test_without_settings_only_declared_references_count() -> None:
    catalog = build_catalog(model("guid"), UatUsersOptions())
    assert [c.label for c in catalog.columns] == [
        "dbo.OSUSR_HR_EMPLOYEE.APPROVEDBY",
        "dbo.OSUSR_HR_EMPLOYEE.CREATEDBY",
        "dbo.OSUSR_SAL_ORDER.CREATEDBY",
        "dbo.OSUSR_SAL_ORDER.UPDATEDBY",
    ]
    assert all(not c.included for c in catalog.columns)


def test_exclude_wins_over_a_physical_fk_and_accepts_physical_spelling() -> None:
    options = replace(OPTIONS, exclude_columns=("dbo.osusr_sal_order.updatedby",))
    labels = [c.label for c in build_catalog(model("int"), options).columns]
    assert "dbo.OSUSR_SAL_ORDER.UPDATEDBY" not in labels
    assert "dbo.OSUSR_HR_EMPLOYEE.APPROVEDBY" in labels


@pytest.mark.parametrize("setting", ["include_columns", "exclude_columns"])
def test_an_unknown_column_name_stops_with_a_suggestion(setting: str) -> None:
    options = replace(OPTIONS, **{setting: ("Sales::Order.AssignedTo", "Sales::Order.Asigned")})
    with pytest.raises(InputError) as caught:
        build_catalog(model("int"), options)
    assert str(caught.value) == (
        f"uat_users.{setting}[1]: 'Sales::Order.Asigned' names no column of the model; did you "
        "mean 'Sales::Order.AssignedTo'?; expected Module::Entity.Attribute or schema.table.column"
    )


def test_the_users_table_itself_is_never_catalogued() -> None:
    options = replace(OPTIONS, include_columns=())
    catalog = build_catalog(model("int"), options)
    assert all(c.table != "ossys_User" for c in catalog.columns)
    with pytest.raises(InputError):
        build_catalog(model("int"), replace(OPTIONS, include_columns=("Users::User.Id",)))
