"""Matching: manual rows first, then strategies in order, then the fallback; every orphan is
mapped to an approved UAT user or reported. Table-driven cases and hypothesis properties."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osddl.errors import InputError
from osddl.uat_users.analysis import analyse
from osddl.uat_users.catalog import CatalogColumn
from osddl.uat_users.classify import ReferencedId, classify
from osddl.uat_users.discovery import ColumnIds, column_ids
from osddl.uat_users.ids import IdKind, UserId
from osddl.uat_users.inventory import Inventory, User, inventory_of
from osddl.uat_users.matching import Matching, match
from osddl.uat_users.settings import UatUsersOptions, options_from_settings, parse_strategy
from osddl.uat_users.transform import build_map
from osddl.uat_users.usermap import MapRow, UserMap, check_targets
from tests.uat_users_data import (
    EXPECTED,
    KEPT,
    ident,
    labels,
    model,
    write_scenario,
)

KINDS: list[IdKind] = ["int", "guid", "text"]
COLUMN = CatalogColumn(
    "dbo", "T", "C", "M", "E", "C", "int", "T", "C", constraint=None, logical=True, included=False
)


@pytest.mark.parametrize("kind", KINDS)
def test_demo_scenario_maps_every_orphan_as_expected(tmp_path: Path, kind: IdKind) -> None:
    written = write_scenario(tmp_path, kind)
    analysis = analyse(model(kind), written.options, written.snapshots, base=tmp_path,
                       labels=labels(written))  # fmt: skip
    assert [f.text() for f in analysis.findings if f.is_error] == []
    assert analysis.passed and analysis.tmap is not None
    got = {e.source: (e.target, e.strategy) for e in analysis.tmap.entries}
    strategy = {"round-robin": "round-robin", "manual": "manual"}
    assert got == {
        ident(s, kind): (ident(t, kind), strategy.get(how, how)) for s, (t, how) in EXPECTED.items()
    }
    assert analysis.tmap.kept == tuple(ident(n, kind) for n in KEPT)
    origins = {e.source: e.origin for e in analysis.tmap.entries}
    assert origins[ident(8, kind)] == "manual" and origins[ident(6, kind)] == "fallback"
    assert origins[ident(2, kind)] == "auto"
    collision = next(e for e in analysis.tmap.entries if e.source == ident(5, kind))
    assert collision.classification == "collision"


# --- table-driven cases on in-memory inventories ------------------------------------------------


def user(n: int, name: str, email: str = "", active: bool = True, ext: str = "") -> User:
    return User(n, name, email, name.title(), ext, active)


QA = inventory_of(
    "qa",
    "int",
    [
        user(1, "admin", "admin@x.org"),
        user(2, "bob", "bob@x.org"),
        user(3, "carol", "c@qa.org"),
        user(4, "dave.qa"),
        user(5, "erin", "erin@x.org"),
        user(6, "frank", "frank@x.org"),
        user(7, "gina"),
        user(9, "ivan", ext="E9"),
    ],
)
UAT = inventory_of(
    "uat",
    "int",
    [
        user(1, "admin", "ADMIN@x.org"),
        user(5, "zed", "zed@x.org"),
        user(50, "robert", "bob@x.org"),
        user(51, "roberta", "BOB@x.org"),
        user(53, "carol", "c@uat.org"),
        user(54, "dave"),
        user(55, "erin", "erin@x.org"),
        user(56, "frank", "frank@x.org", active=False),
        user(59, "ivan.uat", ext="E9"),
        user(90, "release.manager"),
        user(91, "support"),
        user(92, "retired", active=False),
    ],
)


def scanned(ids: list[UserId]) -> ColumnIds:
    return column_ids(COLUMN, [(i, 1) for i in ids], len(ids), 0)


def referenced(ids: list[UserId], qa: Inventory = QA, uat: Inventory = UAT) -> list[ReferencedId]:
    return list(classify([scanned(ids)], qa, uat))


def run(ids: list[UserId], rows: list[tuple[int, int]] = (), **changes: Any) -> Matching:  # type: ignore[assignment]
    options = replace(UatUsersOptions(match=("email",)), **changes)
    user_map = UserMap("m.csv", "", tuple(MapRow(k + 2, s, t, "") for k, (s, t) in enumerate(rows)))
    return match(referenced(ids), QA, UAT, user_map, options, [scanned(ids)])


def outcome(result: Matching) -> dict[UserId, tuple[Any, str, str]]:
    return {r.source: (r.target, r.strategy, r.status) for r in result.orphans}


def codes(result: Matching) -> list[str]:
    return [f.code for f in result.findings]


def test_manual_row_wins_over_automatic_matching() -> None:
    result = run([2], rows=[(2, 90)])
    assert outcome(result) == {2: (90, "manual", "Valid")}


def test_ambiguous_email_is_explained_and_the_next_strategy_tried() -> None:
    result = run([2], match=("email", "attribute:Username"))
    assert outcome(result) == {2: (None, "", "Unmapped")}
    assert "email: EMail 'bob@x.org' is ambiguous (50 (robert), 51 (roberta))" in (
        result.orphans[0].explanation
    )
    assert codes(result) == ["orphan-unmapped"]


@pytest.mark.parametrize(
    ("strategy", "source", "target"),
    [
        ("attribute:Username", 3, 53),
        ("attribute:external_id", 9, 59),
        (r"regex:^(.*)\.qa$", 4, 54),
        ("regex:^(?P<user>[a-z]+)(\\.(qa|uat))?$", 9, 59),
        ("email", 5, 55),
    ],
)
def test_each_strategy_finds_its_match(strategy: str, source: int, target: int) -> None:
    result = run([source], match=(strategy,))
    assert outcome(result)[source][:2] == (target, parse_strategy(strategy).text)


def test_inactive_twin_is_refused_unless_allowed() -> None:
    refused = run([6], fallback="single:90")
    assert outcome(refused) == {6: (90, "single", "Valid")}
    assert "matches only inactive UAT 56 (frank)" in refused.orphans[0].explanation
    assert refused.orphans[0].used_fallback
    allowed = run([6], allow_inactive_targets=True)
    assert outcome(allowed) == {6: (56, "email", "Valid")}


def test_inactive_manual_target_is_refused() -> None:
    result = run([7], rows=[(7, 92)])
    assert outcome(result) == {7: (92, "manual", "TargetInactive")}
    findings = check_targets(UserMap("m.csv", "", (MapRow(2, 7, 92, ""),)), UAT, False)
    assert [f.code for f in findings] == ["map-target-inactive"]


def test_collision_is_an_orphan_unless_ids_are_trusted() -> None:
    result = run([5], match=())
    assert outcome(result) == {5: (None, "", "Unmapped")}
    assert [f.text() for f in result.findings] == [
        "uat_users.csv: id '5' is erin in QA but zed in UAT, and no target was found; add a row "
        "for it to the user map, or set uat_users.trust_matching_ids = true if the ids are the "
        "same people"
    ]
    trusted = run([5], match=(), trust_matching_ids=True)
    assert trusted.orphans == () and [k.id for k in trusted.kept] == [5]
    assert [(f.code, f.severity) for f in trusted.findings] == [("collision-trusted", "warning")]


def test_unknown_ids_fail_by_default_even_with_a_manual_row() -> None:
    result = run([77], rows=[(77, 90)])
    assert outcome(result) == {77: (None, "", "Unmapped")}
    assert [f.text() for f in result.findings] == [
        "qa_users.csv: user id '77' is referenced 1 times (dbo.T.C: 1) but is in neither "
        'inventory; fix the dangling rows in QA, or set uat_users.unknown_ids = "map" and add '
        "a row for it to the user map"
    ]


def test_unknown_ids_map_requires_a_manual_row_and_no_fallback_applies() -> None:
    without = run([77], unknown_ids="map", fallback="single:90")
    assert outcome(without) == {77: (None, "", "Unmapped")}
    assert codes(without) == ["unknown-id-unmapped"]
    with_row = run([77], rows=[(77, 91)], unknown_ids="map")
    assert outcome(with_row) == {77: (91, "manual", "Valid")} and codes(with_row) == []


def test_fallback_none_lists_every_unmapped_orphan_with_the_reasons() -> None:
    result = run([4, 7], match=("email", "attribute:Username"))
    assert codes(result) == ["orphan-unmapped", "orphan-unmapped"]
    assert result.findings[1].text() == (
        "qa_users.csv: QA user '7' (gina), referenced 1 times, has no UAT target: email: QA user "
        "has no EMail to compare; attribute:Username: no UAT user has Username 'gina'; add a row "
        "to the user map (00_user_map.template.csv lists every orphan), add a strategy to "
        "uat_users.match, or set uat_users.fallback"
    )


def test_round_robin_assigns_in_id_order() -> None:
    result = run([7, 3, 6, 4], match=(), fallback="round-robin:91,90")
    assert {s: t for s, (t, _, _) in outcome(result).items()} == {3: 91, 4: 90, 6: 91, 7: 90}


@pytest.mark.parametrize(
    ("row", "status", "code", "severity"),
    [
        ((1, 90), "OrphanMismatch", "map-source-kept", "error"),
        ((9, 90), "OrphanMismatch", "map-source-unreferenced", "warning"),
        ((404, 90), "SourceNotInQA", "map-source-not-in-qa", "warning"),
    ],
)
def test_map_rows_that_resolve_no_orphan(
    row: tuple[int, int], status: str, code: str, severity: str
) -> None:
    result = run([1, 2], rows=[row, (2, 91)])
    assert [(r.source, r.status) for r in result.unused_rows] == [(row[0], status)]
    assert [(f.code, f.severity, f.line) for f in result.findings] == [(code, severity, 2)]


def test_mapping_for_a_non_orphan_message() -> None:
    result = run([1], rows=[(1, 90)])
    assert [f.text() for f in result.findings] == [
        "m.csv:2: SourceUserId '1' (admin) is kept as is: the same user has this id in UAT; "
        "delete the row; a kept user needs no mapping"
    ]


def test_source_not_in_qa_message() -> None:
    result = run([2], rows=[(404, 90), (2, 90)])
    assert [f.text() for f in result.findings] == [
        "m.csv:2: SourceUserId '404' is not in the QA inventory, nor an id the exported data "
        "references: the row is ignored; correct the id (copy it from the QA inventory), or "
        "delete the row; a row for a table outside this run's selection is harmless"
    ]


def test_duplicate_sources_map_nothing() -> None:
    result = run([2], rows=[(2, 90), (2, 91)])
    assert outcome(result) == {2: (90, "manual", "Duplicate")}
    assert [(r.line, r.status) for r in result.unused_rows] == [(3, "Duplicate")]


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("uat_users.match", ["mail"], "uat_users.match[0]: 'mail' is not a matching strategy"),
        ("uat_users.match", ["attribute:Mail"], "names no inventory column; did you mean 'EMail'"),
        ("uat_users.match", ["regex:("], "is not a valid regular expression"),
        ("uat_users.fallback", "round-robin:", "uat_users.fallback: 'round-robin:' is not valid"),
        ("uat_users.update_chunk_rows", 0, "expected a positive number of rows"),
    ],
)
def test_bad_settings_stop_before_any_work(setting: str, value: Any, message: str) -> None:
    from osddl.uat_users.settings import UAT_USERS_KEYS

    values = {key.name: key.default for key in UAT_USERS_KEYS} | {setting: value}
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace("[", r"\[")):
        options_from_settings(values)


def test_settings_become_the_options_object() -> None:
    from osddl.uat_users.settings import UAT_USERS_KEYS

    values = {key.name: key.default for key in UAT_USERS_KEYS}
    assert options_from_settings(values) == UatUsersOptions()


# --- properties -----------------------------------------------------------------------------------

names = st.sampled_from(["ann", "bo", "cy", "di", "ed", "fay", "gus", "hal"])
emails = st.sampled_from(["", "a@x", "b@x", "B@X", "c@x", "d@x"])
people = st.tuples(names, emails, st.booleans(), st.sampled_from(["", "E1", "E2"]))


@st.composite
def worlds(draw: st.DrawFn) -> tuple[Inventory, Inventory, list[UserId], UserMap, UatUsersOptions]:
    qa_ids = draw(st.lists(st.integers(1, 30), unique=True, max_size=12))
    uat_ids = draw(st.lists(st.integers(1, 40), unique=True, min_size=1, max_size=12))
    qa = inventory_of("qa", "int", [User(i, *_person(draw)) for i in qa_ids])
    uat = inventory_of("uat", "int", [User(i, *_person(draw)) for i in uat_ids])
    used = draw(st.lists(st.integers(1, 45), unique=True, max_size=15))
    rows = draw(st.lists(st.tuples(st.sampled_from(used or [1]), st.integers(1, 45)), max_size=4))
    user_map = UserMap("m.csv", "", tuple(MapRow(k + 2, s, t, "") for k, (s, t) in enumerate(rows)))
    fallback = draw(
        st.sampled_from(["none"])
        | st.builds(lambda i: f"single:{i}", st.sampled_from(uat_ids))
        | st.builds(lambda i: f"round-robin:{','.join(map(str, i))}", st.lists(
            st.sampled_from(uat_ids), min_size=1, max_size=3))
    )  # fmt: skip
    options = UatUsersOptions(
        match=tuple(draw(st.lists(st.sampled_from(
            ["email", "attribute:Username", "attribute:External_Id", r"regex:^(\w)\w*$"]),
            max_size=3))),
        fallback=fallback,
        allow_inactive_targets=draw(st.booleans()),
        trust_matching_ids=draw(st.booleans()),
        unknown_ids=draw(st.sampled_from(["fail", "map"])),
    )  # fmt: skip
    return qa, uat, used, user_map, options


def _person(draw: st.DrawFn) -> tuple[str, str, str, str, bool]:
    name, email, active, ext = draw(people)
    return name, email, name, ext, active


def _solve(
    qa: Inventory, uat: Inventory, used: list[UserId], user_map: UserMap, options: UatUsersOptions
) -> tuple[Matching, list[ReferencedId]]:
    refs = referenced(used, qa, uat)
    return match(refs, qa, uat, user_map, options), refs


ORPHAN_CODES = {"orphan-unmapped", "collision", "unknown-id", "unknown-id-unmapped"}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_every_orphan_is_mapped_to_an_approved_uat_user_or_reported(world: Any) -> None:
    _, uat, _, user_map, options = world
    result, refs = _solve(*world)
    reported = {f.value for f in result.findings if f.code in ORPHAN_CODES}
    bad_lines = {f.line for f in check_targets(user_map, uat, options.allow_inactive_targets)}
    mapped = {r.source for r in result.orphans if r.mapped}
    for ref in refs:
        needs = ref.needs_target(options.trust_matching_ids) or ref.id in user_map.first_rows()
        if ref.classification == "in_uat" or not needs:
            continue
        rows = [r for r in user_map.rows if r.source == ref.id]
        row_reported = len(rows) > 1 or any(r.line in bad_lines for r in rows)
        assert (ref.id in mapped) + (str(ref.id) in reported or row_reported) == 1, ref
    for r in result.orphans:
        if r.mapped:
            target = uat.get(r.target)
            assert target is not None, "a target outside UAT"
            assert target.is_active or options.allow_inactive_targets


@settings(max_examples=200, deadline=None)
@given(worlds())
def test_the_map_never_maps_to_a_non_uat_id_nor_maps_a_kept_id(world: Any) -> None:
    uat = world[1]
    result, refs = _solve(*world)
    tmap = build_map("int", result.orphans, result.kept)
    assert all(e.target in uat.users for e in tmap.entries)
    kept = {r.id for r in refs if r.classification == "in_uat"}
    assert not kept & tmap.sources
    assert set(tmap.kept) & tmap.sources == set()


@settings(max_examples=150, deadline=None)
@given(worlds(), st.randoms(use_true_random=False))
def test_matching_does_not_depend_on_input_order(world: Any, rnd: random.Random) -> None:
    qa, uat, used, user_map, options = world
    first, _ = _solve(*world)
    shuffled_qa = _shuffled(qa, rnd)
    shuffled_uat = _shuffled(uat, rnd)
    refs = referenced(rnd.sample(used, len(used)), shuffled_qa, shuffled_uat)
    second = match(list(reversed(refs)), shuffled_qa, shuffled_uat, user_map, options)
    assert second == first


def _shuffled(inventory: Inventory, rnd: random.Random) -> Inventory:
    users = list(inventory.users.values())
    rnd.shuffle(users)
    return inventory_of(inventory.role, inventory.kind, users)
