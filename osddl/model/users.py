"""The platform user table `ossys_User`, modelled as the supplemental entity `Users::User`.

Application tables reference users (CreatedBy, UpdatedBy, ...); the entity must be in the model so
those references resolve, whether or not the system module that owns it is selected.
"""

from __future__ import annotations

from osddl.model.contract import Attribute, Entity, Module

USERS_MODULE = "Users"
USERS_ENTITY = "User"
USERS_TABLE = "ossys_User"

# (name, OutSystems type, length, mandatory) of the columns every OutSystems 11 platform has.
_COLUMNS: tuple[tuple[str, str, int | None, bool], ...] = (
    ("Id", "Identifier", None, True),
    ("Username", "Text", 250, True),
    ("EMail", "Email", 250, False),
    ("Name", "Text", 256, False),
    ("External_Id", "Text", 36, False),
    ("Is_Active", "Boolean", None, True),
    ("Creation_Date", "DateTime", None, False),
    ("Last_Login", "DateTime", None, False),
)


def is_users_table(physical_name: str) -> bool:
    return physical_name.casefold() == USERS_TABLE.casefold()


def builtin_users_module() -> Module:
    """The users entity as OutSystems defines it; used when the source gives no catalog for it."""
    attributes = [
        Attribute(
            name=name,
            physical_name=name,
            emitted_name="",
            data_type=kind,
            sql_type="",
            length=length,
            precision=None,
            scale=None,
            default=None,
            is_mandatory=mandatory,
            is_identifier=name == "Id",
            is_auto_number=name == "Id",
            is_active=True,
            present_but_inactive=False,
            original_name=None,
            external_db_type=None,
            description=None,
            reference=None,
            on_disk=None,
        )
        for name, kind, length, mandatory in _COLUMNS
    ]
    entity = Entity(
        name=USERS_ENTITY,
        physical_name=USERS_TABLE,
        emitted_name="",
        schema="dbo",
        catalog=None,
        ss_key=None,
        is_static=False,
        is_external=False,
        is_active=True,
        description="Platform users (supplemental entity)",
        attributes=attributes,
    )
    return Module(name=USERS_MODULE, ss_key=None, is_system=True, is_active=True, entities=[entity])
