"""Matching strategies and the fallback: how a QA user finds a UAT user.

`email` compares EMail case-insensitively, `attribute:<Column>` an inventory column exactly,
`regex:<pattern>` the capture of the QA username with each UAT username (reduced by the same
pattern when it matches). Blank values never match. A strategy succeeds only when exactly one
eligible (active, unless allowed) UAT user fits; otherwise it says why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from osddl.uat_users.ids import KIND_NAMES, id_text, parse_id, sort_key
from osddl.uat_users.inventory import Inventory, User
from osddl.uat_users.messages import Finding, finding
from osddl.uat_users.settings import Fallback, Strategy

# --- strategies -------------------------------------------------------------------------------


def _same_text(value: str) -> str:
    return value.casefold()


def _regex_key(pattern: re.Pattern[str], username: str) -> str | None:
    """The capture of a username: group `user`, else group 1, else the whole match."""
    match = pattern.fullmatch(username)
    if match is None:
        return None
    if "user" in pattern.groupindex:
        return match["user"]
    return match[1] if pattern.groups else match[0]


class StrategyIndex:
    """UAT users by the key each strategy compares (blank keys are never indexed)."""

    def __init__(self, uat: Inventory, strategies: Sequence[Strategy]) -> None:
        self.keys: dict[str, Callable[[User], str | None]] = {}
        self.tables: dict[str, dict[str, list[User]]] = {}
        users = sorted(uat.users.values(), key=lambda u: sort_key(u.id))
        for strategy in strategies:
            key = _key_function(strategy)
            self.keys[strategy.text] = key
            table: dict[str, list[User]] = {}
            for user in users:
                own = key(user) if strategy.kind != "regex" else _uat_regex_key(strategy, user)
                if own:
                    table.setdefault(own, []).append(user)
            self.tables[strategy.text] = table

    def candidates(self, strategy: Strategy, qa: User) -> tuple[str | None, list[User]]:
        key = self.keys[strategy.text](qa)
        return key, (self.tables[strategy.text].get(key, []) if key else [])


def _key_function(strategy: Strategy) -> Callable[[User], str | None]:
    if strategy.kind == "email":
        return lambda user: _same_text(user.email) if user.email else None
    if strategy.kind == "attribute":
        column = strategy.argument
        return lambda user: user.attribute(column) or None
    pattern = re.compile(strategy.argument)

    def key(user: User) -> str | None:
        captured = _regex_key(pattern, user.username)
        return _same_text(captured) if captured else None

    return key


def _uat_regex_key(strategy: Strategy, user: User) -> str | None:
    """A UAT username is compared through the pattern when it matches, else whole."""
    captured = _regex_key(re.compile(strategy.argument), user.username)
    key = captured if captured is not None else user.username
    return _same_text(key) if key else None


def described(user: User) -> str:
    return f"{id_text(user.id)} ({user.describe()})"


def try_strategy(
    strategy: Strategy, qa: User, index: StrategyIndex, allow_inactive: bool
) -> tuple[User | None, str]:
    """The one eligible UAT user this strategy finds, or None, and why."""
    key, found = index.candidates(strategy, qa)
    what = {"email": "EMail", "attribute": strategy.argument, "regex": "username capture"}[
        strategy.kind
    ]
    if key is None:
        return None, f"{strategy.text}: QA user has no {what} to compare"
    eligible = [u for u in found if u.is_active or allow_inactive]
    if len(eligible) == 1:
        return eligible[0], f"{strategy.text}: {what} {key!r} matches UAT {described(eligible[0])}"
    if len(eligible) > 1:
        shown = ", ".join(described(u) for u in eligible)
        return None, f"{strategy.text}: {what} {key!r} is ambiguous ({shown})"
    if found:
        shown = ", ".join(described(u) for u in found)
        return None, f"{strategy.text}: {what} {key!r} matches only inactive UAT {shown}"
    return None, f"{strategy.text}: no UAT user has {what} {key!r}"


# --- fallback ---------------------------------------------------------------------------------


def fallback_targets(
    fallback: Fallback, uat: Inventory, allow_inactive: bool
) -> tuple[list[User], list[Finding]]:
    """The fallback's UAT users, in the order written; every bad id is a finding."""
    users: list[User] = []
    findings: list[Finding] = []
    for text in fallback.ids:
        user_id = parse_id(text, uat.kind)
        user = uat.get(user_id) if user_id is not None else None
        if user_id is None:
            code = "fallback-bad-id"
        elif user is None:
            code = "fallback-target-not-in-uat"
        elif not user.is_active and not allow_inactive:
            code = "fallback-target-inactive"
        else:
            users.append(user)
            continue
        findings.append(
            finding(
                code,
                "uat_users.fallback",
                value=text,
                kind_name=KIND_NAMES[uat.kind],
                username=user.describe() if user else "",
            )
        )
    return users, findings
