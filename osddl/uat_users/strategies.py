"""Matching strategies and the fallback: how a QA user finds a UAT user.

`email` compares EMail case-insensitively, `attribute:<Column>` an inventory column exactly,
`regex:<pattern>` the capture of the QA username with each UAT username (reduced by the same
pattern when it matches). Blank values never match. A strategy succeeds only when exactly one
eligible (active, unless allowed) UAT user fits; otherwise it says why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from osddl.uat_users.columns import (
    blank_to_null,
    casefold,
    combined,
    indices,
    positions_in,
    take,
)
from osddl.uat_users.ids import KIND_NAMES, id_text, parse_id
from osddl.uat_users.inventory import Inventory, User, Users
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


def what(strategy: Strategy) -> str:
    """What a strategy compares, as its messages name it."""
    return {"email": "EMail", "attribute": strategy.argument, "regex": "username capture"}[
        strategy.kind
    ]


def user_keys(strategy: Strategy, users: Users, rows: pa.Array | None, side: str) -> pa.Array:
    """The key each user (at `rows`, or every user) is compared by, NULL where it has none:
    EMail case-folded, the attribute as it is, or the username's capture case-folded (on the
    `uat` side a username the pattern does not match is compared whole). Blank is no key."""
    if strategy.kind in ("email", "attribute"):
        column = users.column("email" if strategy.kind == "email" else strategy.argument)
        values = column if rows is None else take(column, rows)
        return blank_to_null(casefold(values) if strategy.kind == "email" else values)
    pattern = re.compile(strategy.argument)
    usernames = users.column("username") if rows is None else take(users.column("username"), rows)
    keys: list[str | None] = []
    for username in usernames.to_pylist():
        if username is None:
            keys.append(None)
            continue
        captured = _regex_key(pattern, username)
        key = captured if captured is not None or side == "qa" else username
        keys.append(_same_text(key) if key else None)
    return pa.array(keys, pa.string())


@dataclass(frozen=True)
class Found:
    """What one strategy finds for each compared key (NULL: no key): how many UAT users have it
    (NULL: none), how many of them are eligible (active, unless inactive targets are allowed),
    and the row of the eligible one (meaningful when exactly one is); `keyed` holds the UAT
    users whose key was asked for, for `candidates`."""

    users: pa.Array
    eligible: pa.Array
    row: pa.Array
    keyed: pa.Table  # key, row (int32)


def uat_keys(strategy: Strategy, uat: Users) -> pa.ChunkedArray | pa.Array:
    """`user_keys` of every UAT user, for `find`, except that a blank key stays blank (it is
    never asked for: `find` compares only keys that are given), which saves a copy of a million
    keys."""
    if strategy.kind == "email":
        return casefold(uat.column("email"))
    if strategy.kind == "attribute":
        return uat.column(strategy.argument)
    return user_keys(strategy, uat, None, "uat")


def find(uat: Users, uat_keys: pa.Array, keys: pa.Array, allow_inactive: bool) -> Found:
    """The UAT users (whose keys are `uat_keys`) with each of `keys`: only the UAT users whose
    key is asked for are counted (hash kernels, no group-by)."""
    asked = pc.unique(pc.drop_null(keys))
    rows = indices(pc.is_in(uat_keys, value_set=asked)) if len(asked) else pa.array([], pa.int32())
    having = take(uat_keys, rows)
    eligible = pc.or_(take(uat.column("is_active"), rows), pa.scalar(allow_inactive))
    keyed = pa.table({"key": having, "row": rows})
    chosen = indices(eligible)
    eligible_keys = take(having, chosen)
    every, chosen_counts = pc.value_counts(having), pc.value_counts(eligible_keys)
    return Found(
        take(every.field("counts"), positions_in(keys, every.field("values"))),
        take(chosen_counts.field("counts"), positions_in(keys, chosen_counts.field("values"))),
        take(take(rows, chosen), positions_in(keys, eligible_keys)),
        keyed,
    )


def candidates(found: Found, uat: Users, keys: Sequence[str]) -> dict[str, list[User]]:
    """Every UAT user with each of these keys, in id order."""
    keyed = found.keyed
    chosen = keyed.filter(pc.is_in(keyed.column("key"), value_set=pa.array(list(keys))))
    rows = combined(chosen.column("row"))
    ordered = chosen.append_column("id", take(uat.ids, rows)).sort_by("id")
    out: dict[str, list[User]] = {}
    users = uat.at(ordered.column("row").to_pylist())
    for key, user in zip(ordered.column("key").to_pylist(), users, strict=True):
        assert user is not None
        out.setdefault(key, []).append(user)
    return out


def described(user: User) -> str:
    return f"{id_text(user.id)} ({user.describe()})"


def matched(strategy: Strategy, key: str, user: User) -> str:
    return f"{strategy.text}: {what(strategy)} {key!r} matches UAT {described(user)}"


def unmatched(strategy: Strategy, key: str | None, found: list[User], allow_inactive: bool) -> str:
    """Why a strategy found no single eligible user for `key` (the users that have it)."""
    shown = what(strategy)
    if key is None:
        return f"{strategy.text}: QA user has no {shown} to compare"
    eligible = [u for u in found if u.is_active or allow_inactive]
    if len(eligible) > 1:
        listed = ", ".join(described(u) for u in eligible)
        return f"{strategy.text}: {shown} {key!r} is ambiguous ({listed})"
    if found:
        listed = ", ".join(described(u) for u in found)
        return f"{strategy.text}: {shown} {key!r} matches only inactive UAT {listed}"
    return f"{strategy.text}: no UAT user has {shown} {key!r}"


# --- fallback ---------------------------------------------------------------------------------


def fallback_targets(
    fallback: Fallback, uat: Inventory, allow_inactive: bool
) -> tuple[list[User], list[Finding]]:
    """The fallback's UAT users, in the order written; every bad id is a finding."""
    users: list[User] = []
    findings: list[Finding] = []
    parsed = [parse_id(text, uat.kind) for text in fallback.ids]
    known = [i for i in parsed if i is not None]
    found = dict(zip(known, uat.users.lookup(known), strict=True))
    for text, user_id in zip(fallback.ids, parsed, strict=True):
        user = found.get(user_id) if user_id is not None else None
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
