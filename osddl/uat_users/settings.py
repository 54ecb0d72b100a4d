"""The `uat_users.*` settings: their keys (`UAT_USERS_KEYS`, the slice of `osddl.config.KEYS`),
the frozen options object the stage reads, and the parsed forms of `match` and `fallback`.

Configuration mistakes (an unknown strategy, a bad regular expression) are `InputError`s: they stop
the run before anything is read. Whether a fallback id is a UAT user is a validation finding,
because it depends on the inventories.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from osddl.config import KEYS, Key, closest
from osddl.errors import InputError

UnknownIds = Literal["fail", "map"]
StrategyKind = Literal["email", "attribute", "regex"]
FallbackKind = Literal["none", "single", "round-robin"]

# Inventory columns `attribute:<Column>` may compare (exact match; blank never matches).
ATTRIBUTE_COLUMNS: Final = ("Username", "EMail", "Name", "External_Id")

UAT_USERS_KEYS: Final[tuple[Key, ...]] = tuple(k for k in KEYS if k.name.startswith("uat_users."))


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
    qa_inventory: str = "qa_users.csv"
    uat_inventory: str = "uat_users.csv"
    map: str = "user_map.csv"
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
