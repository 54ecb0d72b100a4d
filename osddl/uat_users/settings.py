"""The `uat_users.*` settings: the keys (to merge into `osddl.config.KEYS`), the frozen options
object the stage reads, and the parsed forms of `match` and `fallback`.

Configuration mistakes (an unknown strategy, a bad regular expression) are `InputError`s: they stop
the run before anything is read. Whether a fallback id is a UAT user is a validation finding,
because it depends on the inventories.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from osddl.config import Key, closest
from osddl.errors import InputError

UnknownIds = Literal["fail", "map"]
StrategyKind = Literal["email", "attribute", "regex"]
FallbackKind = Literal["none", "single", "round-robin"]

# Inventory columns `attribute:<Column>` may compare (exact match; blank never matches).
ATTRIBUTE_COLUMNS: Final = ("Username", "EMail", "Name", "External_Id")

UAT_USERS_KEYS: Final[tuple[Key, ...]] = (
    Key(
        "uat_users.enabled",
        "bool",
        True,
        "Remap QA user ids to UAT users. false: an explicit opt-out (QA and UAT share users); "
        "the manifest and `doit verify` then report that ids were not remapped.",
    ),
    Key(
        "uat_users.qa_inventory",
        "str",
        "fixtures/demo/qa_users.csv",
        "CSV export of QA's `ossys_User` (Id, Username, EMail, Name, External_Id, Is_Active, "
        "Creation_Date, Last_Login).",
    ),
    Key(
        "uat_users.uat_inventory",
        "str",
        "fixtures/demo/uat_users.csv",
        "CSV export of UAT's `ossys_User`, same columns as the QA inventory.",
    ),
    Key(
        "uat_users.map",
        "str",
        "fixtures/demo/user_map.csv",
        "Operator-owned user map `SourceUserId,TargetUserId[,Note]`; manual rows win over "
        "matching. Optional: a missing file at this path means no manual rows.",
    ),
    Key(
        "uat_users.match",
        "list",
        ["email", "attribute:Username"],
        "Matching strategies for orphans, tried in order: `email`, `attribute:<Column>` "
        "(Username, EMail, Name, External_Id), `regex:<pattern>`.",
    ),
    Key(
        "uat_users.fallback",
        "str",
        "none",
        "Target of orphans no strategy matched: `none` (they fail validation), `single:<id>`, "
        "`round-robin:<id>,<id>,...`.",
    ),
    Key(
        "uat_users.include_columns",
        "list",
        [],
        "Extra user-reference columns with no declared reference: `Module::Entity.Attribute` "
        "or `schema.table.column`.",
    ),
    Key(
        "uat_users.exclude_columns",
        "list",
        [],
        "Columns never treated as user references (same spellings as include_columns).",
    ),
    Key(
        "uat_users.allow_inactive_targets",
        "bool",
        False,
        "Allow inactive UAT users as targets (manual rows, strategies and fallback).",
    ),
    Key(
        "uat_users.trust_matching_ids",
        "bool",
        False,
        "Keep an id that exists in UAT as a different person (a collision), with a warning.",
    ),
    Key(
        "uat_users.unknown_ids",
        "choice",
        "fail",
        "Referenced ids in neither inventory: `fail` lists them and stops; `map` requires a "
        "manual row for each.",
        ("fail", "map"),
    ),
    Key(
        "uat_users.update_chunk_rows",
        "int",
        50_000,
        "Rows per transaction of the standalone UPDATE script (02_apply_user_remap.sql).",
    ),
)


@dataclass(frozen=True)
class Strategy:
    kind: StrategyKind
    argument: str  # canonical column name, or the pattern
    text: str  # as written in the settings: `email`, `attribute:Username`, `regex:...`


@dataclass(frozen=True)
class Fallback:
    kind: FallbackKind
    ids: tuple[str, ...]  # as written; parsed against the inventories' id kind later
    text: str


@dataclass(frozen=True)
class UatUsersOptions:
    enabled: bool = True
    qa_inventory: str = "fixtures/demo/qa_users.csv"
    uat_inventory: str = "fixtures/demo/uat_users.csv"
    map: str = "fixtures/demo/user_map.csv"
    match: tuple[str, ...] = ("email", "attribute:Username")
    fallback: str = "none"
    include_columns: tuple[str, ...] = ()
    exclude_columns: tuple[str, ...] = ()
    allow_inactive_targets: bool = False
    trust_matching_ids: bool = False
    unknown_ids: UnknownIds = "fail"
    update_chunk_rows: int = 50_000

    def strategies(self) -> tuple[Strategy, ...]:
        return tuple(parse_strategy(text, k) for k, text in enumerate(self.match))

    def fallback_rule(self) -> Fallback:
        return parse_fallback(self.fallback)


class _Values(Protocol):
    def __getitem__(self, name: str, /) -> Any: ...


def options_from_settings(values: _Values | Mapping[str, Any]) -> UatUsersOptions:
    """The options from `Settings` (or any name → value mapping holding every uat_users key),
    checked: a bad strategy or fallback stops here."""
    options = UatUsersOptions(
        enabled=bool(values["uat_users.enabled"]),
        qa_inventory=str(values["uat_users.qa_inventory"]),
        uat_inventory=str(values["uat_users.uat_inventory"]),
        map=str(values["uat_users.map"]),
        match=tuple(str(v) for v in values["uat_users.match"]),
        fallback=str(values["uat_users.fallback"]),
        include_columns=tuple(str(v) for v in values["uat_users.include_columns"]),
        exclude_columns=tuple(str(v) for v in values["uat_users.exclude_columns"]),
        allow_inactive_targets=bool(values["uat_users.allow_inactive_targets"]),
        trust_matching_ids=bool(values["uat_users.trust_matching_ids"]),
        unknown_ids="map" if values["uat_users.unknown_ids"] == "map" else "fail",
        update_chunk_rows=int(values["uat_users.update_chunk_rows"]),
    )
    return checked(options)


def checked(options: UatUsersOptions) -> UatUsersOptions:
    """Parse `match` and `fallback` once, so a mistake is reported before any work."""
    options.strategies()
    options.fallback_rule()
    if options.update_chunk_rows < 1:
        raise InputError(
            f"uat_users.update_chunk_rows: {options.update_chunk_rows} is not valid; "
            "expected a positive number of rows"
        )
    return options


def parse_strategy(text: str, index: int = 0) -> Strategy:
    """`email`, `attribute:<Column>` or `regex:<pattern>`; anything else is an InputError."""
    where = f"uat_users.match[{index}]"
    name, sep, argument = text.strip().partition(":")
    kind = name.strip().lower()
    if kind == "email" and not sep:
        return Strategy("email", "", "email")
    if kind == "attribute" and sep:
        column = next((c for c in ATTRIBUTE_COLUMNS if c.casefold() == argument.casefold()), None)
        if column is None:
            raise InputError(
                f"{where}: {text!r} names no inventory column"
                f"{closest(argument, list(ATTRIBUTE_COLUMNS))}; expected attribute:<Column> "
                f"with one of {', '.join(ATTRIBUTE_COLUMNS)}"
            )
        return Strategy("attribute", column, f"attribute:{column}")
    if kind == "regex" and sep:
        try:
            re.compile(argument)
        except re.error as error:
            raise InputError(
                f"{where}: {argument!r} is not a valid regular expression ({error}); fix the "
                "pattern (Python syntax; one capture group)"
            ) from None
        return Strategy("regex", argument, f"regex:{argument}")
    raise InputError(
        f"{where}: {text!r} is not a matching strategy; expected email, attribute:<Column> or "
        "regex:<pattern>"
    )


def parse_fallback(text: str) -> Fallback:
    """`none`, `single:<id>` or `round-robin:<id>,<id>,...`; anything else is an InputError."""
    name, sep, rest = text.strip().partition(":")
    kind = name.strip().lower()
    ids = tuple(part.strip() for part in rest.split(",") if part.strip())
    if kind == "none" and not sep:
        return Fallback("none", (), "none")
    if kind == "single" and len(ids) == 1:
        return Fallback("single", ids, f"single:{ids[0]}")
    if kind == "round-robin" and ids:
        return Fallback("round-robin", ids, "round-robin:" + ",".join(ids))
    raise InputError(
        f"uat_users.fallback: {text!r} is not valid; expected none, single:<UAT id> or "
        "round-robin:<UAT id>,<UAT id>,..."
    )
