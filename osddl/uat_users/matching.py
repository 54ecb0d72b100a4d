"""Matching: a UAT target for every id that needs one, and the status of every map row.

Order (spec 05): the manual row first (it always wins), then the configured strategies in order
(`email`, `attribute:<Column>`, `regex:<pattern>`), then the fallback (`none`, `single:<id>`,
`round-robin:<ids>`). A strategy matches when exactly one eligible UAT user fits; an ambiguous or
inactive-only match is explained and the next rule is tried. Unknown ids (in neither inventory)
take only a manual row, and only with `unknown_ids = map`. Everything is sorted by id, so the
result never depends on input order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

import pyarrow as pa
import pyarrow.compute as pc

from osddl.uat_users.classify import (
    CLASSIFICATIONS,
    COLLISION,
    IN_UAT,
    ORPHAN_UNKNOWN,
    Classification,
    Referenced,
    ReferencedId,
    provenance,
    provenance_text,
)
from osddl.uat_users.columns import (
    LazySequence,
    combined,
    id_type,
    indices,
    py_values,
    release,
    take,
)
from osddl.uat_users.discovery import ColumnIds
from osddl.uat_users.ids import UserId, sort_key
from osddl.uat_users.inventory import Inventory, User
from osddl.uat_users.messages import Finding, finding
from osddl.uat_users.settings import Strategy, UatUsersOptions
from osddl.uat_users.strategies import (
    candidates,
    described,
    fallback_targets,
    find,
    matched,
    uat_keys,
    unmatched,
    user_keys,
)
from osddl.uat_users.usermap import EMPTY_MAP, MapRow, UserMap

Status = Literal[
    "Valid",
    "TargetNotInUAT",
    "TargetInactive",
    "SourceNotInQA",
    "OrphanMismatch",
    "Duplicate",
    "Unmapped",
]
STATUSES: Final[tuple[Status, ...]] = (
    "Valid",
    "TargetNotInUAT",
    "TargetInactive",
    "SourceNotInQA",
    "OrphanMismatch",
    "Duplicate",
    "Unmapped",
)
Origin = Literal["manual", "auto", "fallback"]
NO_IDENTITY: Final = "not in the QA inventory: no identity to match"
MATCH_SLICE: Final = 1 << 17  # pending ids one strategy compares at a time


@dataclass(frozen=True, slots=True)
class Resolution:
    """One line of `04_matching_report.csv`: an id that needs a target, or a map row that is
    not used for one."""

    source: UserId
    classification: Classification | None  # None: the data does not reference the id
    target: UserId | None
    strategy: str  # manual, email, attribute:<Column>, regex:<pattern>, single, round-robin, ""
    origin: Origin | None
    explanation: str
    status: Status
    rows: int
    line: int | None  # the user map row, when one was used or reported
    qa: User | None
    target_user: User | None

    @property
    def used_fallback(self) -> bool:
        return self.origin == "fallback"

    @property
    def mapped(self) -> bool:
        return self.status == "Valid" and self.target is not None


# The columns of `Resolutions.table`: a Resolution without its users (which the ids give).
RESOLUTION_COLUMNS: Final = (
    "source", "classification", "target", "strategy", "origin", "explanation", "status", "rows",
    "line",
)  # fmt: skip


class Resolutions(LazySequence[Resolution]):
    """Resolutions sorted by source id, held as an Arrow table (`RESOLUTION_COLUMNS`); a
    `Resolution` with its QA user and target user is made only when one is read. A strategy's
    match has no stored explanation: it is worded when read (`strategies.matched`)."""

    def __init__(
        self, table: pa.Table, qa: Inventory, uat: Inventory, strategies: Sequence[Strategy] = ()
    ) -> None:
        self.table, self.qa, self.uat = table, qa, uat
        self.strategies = {strategy.text: strategy for strategy in strategies}
        self._rows: tuple[pa.Array, pa.Array] | None = None

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def user_rows(self) -> tuple[pa.Array, pa.Array]:
        """Each source's row in the QA inventory and each target's in UAT (NULL: none), looked
        up once, when the first resolution is read."""
        if self._rows is None:
            self._rows = (
                self.qa.users.positions(self.column("source")),
                self.uat.users.positions(self.column("target")),
            )
        return self._rows

    def column(self, name: str) -> pa.Array:
        return combined(self.table.column(name))

    def _items(self, start: int, stop: int) -> list[Resolution]:
        part = self.table.slice(start, stop - start)
        values = {name: py_values(part.column(name)) for name in RESOLUTION_COLUMNS}
        qa_rows, target_rows = (rows.slice(start, stop - start) for rows in self.user_rows())
        qa = self.qa.users.at(qa_rows.to_pylist())
        uat = self.uat.users.at(target_rows.to_pylist())
        explanations = values["explanation"]
        unworded: dict[str, list[int]] = {}  # a strategy's matches, worded here
        for k, why in enumerate(explanations):
            if why is None:
                unworded.setdefault(values["strategy"][k], []).append(k)
        for text, at in unworded.items():
            strategy = self.strategies[text]
            rows = take(qa_rows, pa.array(at, pa.int32()))
            keys = user_keys(strategy, self.qa.users, rows, "qa").to_pylist()
            for k, key in zip(at, keys, strict=True):
                target = uat[k]
                assert key is not None and target is not None
                explanations[k] = matched(strategy, key, target)
        return [
            Resolution(
                source=values["source"][k],
                classification=values["classification"][k],
                target=values["target"][k],
                strategy=values["strategy"][k],
                origin=values["origin"][k],
                explanation=explanations[k],
                status=values["status"][k],
                rows=values["rows"][k],
                line=values["line"][k],
                qa=qa[k],
                target_user=uat[k],
            )
            for k in range(len(qa))
        ]


@dataclass(frozen=True)
class Matching:
    orphans: Sequence[Resolution]  # one per referenced id that needs a target, by id
    unused_rows: tuple[Resolution, ...]  # map rows that resolve no orphan, by (id, line)
    kept: Sequence[ReferencedId]  # referenced ids kept as they are, by id
    findings: tuple[Finding, ...]

    @property
    def resolutions(self) -> tuple[Resolution, ...]:
        """Every line of the matching report, sorted by (source id, map line)."""
        both = [*self.orphans, *self.unused_rows]
        return tuple(sorted(both, key=lambda r: (sort_key(r.source), r.line or 0)))


# --- the whole match --------------------------------------------------------------------------


def _resolution(ref: ReferencedId, status: Status, explanation: str) -> Resolution:
    """A line about a referenced id, with no target yet."""
    return Resolution(
        source=ref.id,
        classification=ref.classification,
        target=None,
        strategy="",
        origin=None,
        explanation=explanation,
        status=status,
        rows=ref.rows,
        line=None,
        qa=ref.qa,
        target_user=None,
    )


def _targeted(
    ref: ReferencedId,
    user: User,
    strategy: str,
    origin: Origin,
    explanation: str,
    line: int | None = None,
) -> Resolution:
    return Resolution(
        source=ref.id,
        classification=ref.classification,
        target=user.id,
        strategy=strategy,
        origin=origin,
        explanation=explanation,
        status="Valid",
        rows=ref.rows,
        line=line,
        qa=ref.qa,
        target_user=user,
    )


_CODE: Final = pa.dictionary(pa.int8(), pa.string())  # a column of few distinct strings


class _Pieces:
    """Resolutions as they are decided, in groups of columns; `done` sorts them by source. The
    columns of few distinct values (classification, strategy, origin, status) are dictionary
    encoded over fixed dictionaries, so half a million resolutions stay small."""

    def __init__(self, qa: Inventory, uat: Inventory, strategies: Sequence[Strategy]) -> None:
        self.qa, self.uat, self.strategies = qa, uat, strategies
        self.ids = id_type(qa.kind)
        used = ("", "manual", "single", "round-robin", *(s.text for s in strategies))
        self.dictionaries: dict[str, tuple[str, ...]] = {
            "classification": CLASSIFICATIONS,
            "strategy": tuple(dict.fromkeys(used)),
            "origin": ("manual", "auto", "fallback"),
            "status": STATUSES,
        }
        types = {"source": self.ids, "target": self.ids, "explanation": pa.string()}
        types |= {"rows": pa.int64(), "line": pa.int64()}
        self.schema = pa.schema([(name, types.get(name, _CODE)) for name in RESOLUTION_COLUMNS])
        self.tables: list[pa.Table] = []

    def add(self, **columns: Any) -> None:
        """Columns as arrays or lists; a scalar (str or None) is repeated; a coded column may be
        given as its codes (an int8 array of positions in its dictionary)."""
        size = len(columns["source"])
        if not size:
            return
        arrays = []
        for field in self.schema:
            value = columns[field.name]
            dictionary = self.dictionaries.get(field.name)
            if dictionary is not None:
                value = self._coded(value, dictionary, size)
            elif value is None or isinstance(value, str):
                value = pa.array([value] * size, field.type)
            elif not isinstance(value, pa.Array):
                value = pa.array(value, field.type)
            arrays.append(value)
        self.tables.append(pa.Table.from_arrays(arrays, schema=self.schema))

    @staticmethod
    def _coded(value: Any, dictionary: tuple[str, ...], size: int) -> pa.DictionaryArray:
        if isinstance(value, pa.Array):
            codes = value.cast(pa.int8())
        elif value is None or isinstance(value, str):
            codes = pa.nulls(size, pa.int8()) if value is None else pa.repeat(
                pa.scalar(dictionary.index(value), pa.int8()), size)  # fmt: skip
        else:
            where = {text: k for k, text in enumerate(dictionary)}
            codes = pa.array([None if v is None else where[v] for v in value], pa.int8())
        return pa.DictionaryArray.from_arrays(codes, pa.array(dictionary, pa.string()))

    def add_objects(self, resolutions: Sequence[Resolution]) -> None:
        self.add(**{name: [getattr(r, name) for r in resolutions] for name in RESOLUTION_COLUMNS})

    def done(self) -> Resolutions:
        table = pa.concat_tables(self.tables) if self.tables else self.schema.empty_table()
        ordered = table.sort_by("source").combine_chunks()
        return Resolutions(ordered, self.qa, self.uat, self.strategies)


class _Matcher:
    def __init__(
        self, qa: Inventory, uat: Inventory, user_map: UserMap, options: UatUsersOptions
    ) -> None:
        self.qa, self.uat, self.options = qa, uat, options
        self.user_map = user_map
        self.rows = user_map.first_rows()
        self.duplicated = user_map.duplicated()
        self.strategies = options.strategies()
        self.findings: list[Finding] = []
        self.unknowns: list[ReferencedId] = []
        self.fallback = options.fallback_rule()
        # Bad fallback ids are reported by input validation (`inputs.read_inputs`).
        self.fallback_users = fallback_targets(self.fallback, uat, options.allow_inactive_targets)[
            0
        ]
        # The users the map rows name, looked up once.
        sources = list(dict.fromkeys(row.source for row in user_map.rows))
        targets = list(dict.fromkeys(row.target for row in user_map.rows))
        self.map_sources = dict(zip(sources, qa.users.lookup(sources), strict=True))
        self.map_targets = dict(zip(targets, uat.users.lookup(targets), strict=True))

    def manual(self, ref: ReferencedId, row: MapRow) -> Resolution:
        user = self.map_targets.get(row.target)
        if ref.id in self.duplicated:
            status: Status = "Duplicate"
            why = "SourceUserId appears more than once in the user map"
        elif user is None:
            status, why = "TargetNotInUAT", "the manual target is not in the UAT inventory"
        elif not user.is_active and not self.options.allow_inactive_targets:
            status, why = "TargetInactive", "the manual target is inactive in UAT"
        else:
            note = f": {row.note}" if row.note else ""
            why = f"manual row at line {row.line}{note}"
            return _targeted(ref, user, "manual", "manual", why, row.line)
        return replace(
            _resolution(ref, status, why),
            target=row.target,
            target_user=user,
            strategy="manual",
            origin="manual",
            line=row.line,
        )

    def unknown(self, ref: ReferencedId) -> Resolution:
        """Reported by `unknown_findings`, which lists the columns of all of them at once."""
        self.unknowns.append(ref)
        why = (
            "in neither inventory; unknown_ids = fail"
            if self.options.unknown_ids == "fail"
            else "in neither inventory; needs a manual row (unknown_ids = map)"
        )
        return _resolution(ref, "Unmapped", why)

    def unknown_findings(self, columns: Sequence[ColumnIds]) -> list[Finding]:
        code = "unknown-id" if self.options.unknown_ids == "fail" else "unknown-id-unmapped"
        places = provenance(columns, [ref.id for ref in self.unknowns])
        return [
            finding(
                code,
                self.qa.file,
                value=ref.id,
                rows=ref.rows,
                columns=provenance_text(places.get(ref.id, ())) or "no column",
            )
            for ref in self.unknowns
        ]

    def _collision(self, code: str, ref: ReferencedId) -> Finding:
        """An id UAT gives to another person: resolved (`collision`) or trusted as is."""
        return finding(
            code,
            self.uat.file,
            value=ref.id,
            qa_user=ref.qa.describe() if ref.qa else "not a QA user",
            uat_user=ref.uat.describe() if ref.uat else "?",
        )

    def unmapped(self, ref: ReferencedId, reasons: list[str]) -> Resolution:
        why = "; ".join(reasons) or "no strategy configured"
        if ref.classification == "collision":
            self.findings.append(self._collision("collision", ref))
        else:
            self.findings.append(
                finding(
                    "orphan-unmapped",
                    self.qa.file,
                    value=ref.id,
                    username=ref.qa.describe() if ref.qa else "not a QA user",
                    rows=ref.rows,
                    why=why,
                )
            )
        return _resolution(ref, "Unmapped", why)

    def kept(self, ref: ReferencedId) -> None:
        if ref.classification == "collision":
            self.findings.append(self._collision("collision-trusted", ref))
        elif ref.uat is not None and not ref.uat.is_active:
            self.findings.append(
                finding("kept-inactive", self.uat.file, value=ref.id, username=ref.uat.describe())
            )


def match(
    referenced: Sequence[ReferencedId],
    qa: Inventory,
    uat: Inventory,
    user_map: UserMap | None,
    options: UatUsersOptions,
    columns: Sequence[ColumnIds] = (),
) -> Matching:
    """Resolve every referenced id; report every map row that is not used for an orphan.
    `columns` (the scan) names the columns of unknown ids in their messages.

    Column-wise: each id's path (kept, unknown, manual row, strategies, fallback) is decided for
    all ids at once, in id order, and a strategy compares all pending ids in one join."""
    refs = Referenced.of(referenced, qa, uat)
    matcher = _Matcher(qa, uat, user_map or EMPTY_MAP, options)
    codes = refs.codes
    has_row = _members(refs.ids, list(matcher.rows))
    no_row = pc.invert(has_row)
    kept = pc.or_(
        pc.equal(codes, IN_UAT),
        pc.and_(no_row, pc.and_(pc.equal(codes, COLLISION), options.trust_matching_ids)),
    )
    unknown = pc.and_(
        pc.and_(pc.invert(kept), pc.equal(codes, ORPHAN_UNKNOWN)),
        pc.or_(no_row, options.unknown_ids == "fail"),
    )
    decided = pc.or_(kept, unknown)
    manual = pc.and_(pc.invert(decided), has_row)
    automatic = pc.and_(pc.invert(decided), no_row)

    kept_refs = refs.where(kept)
    _kept_findings(matcher, kept_refs)
    pieces = _Pieces(qa, uat, matcher.strategies)
    pieces.add_objects([matcher.unknown(ref) for ref in refs.where(unknown)])
    pieces.add_objects([matcher.manual(ref, matcher.rows[ref.id]) for ref in refs.where(manual)])
    pending = _automatic(matcher, refs, indices(automatic), pieces)
    _fall_back(matcher, pending, refs, pieces)
    unused = _unused_rows(matcher, refs)
    matcher.findings += matcher.unknown_findings(columns)
    return Matching(
        pieces.done(),
        tuple(sorted(unused, key=lambda r: (sort_key(r.source), r.line or 0))),
        kept_refs,
        tuple(matcher.findings),
    )


def _members(ids: pa.Array, values: list[UserId]) -> pa.Array:
    """Whether each id is one of `values` (boolean array)."""
    if not values:
        return pa.array([False] * len(ids), pa.bool_())
    try:
        value_set = pa.array(values, ids.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        wanted = set(values)
        return pa.array([i in wanted for i in ids.to_pylist()], pa.bool_())
    return combined(pc.is_in(ids, value_set=value_set))


def _kept_findings(matcher: _Matcher, kept: Referenced) -> None:
    """Warnings about kept ids, in id order: trusted collisions and inactive UAT users."""
    active = pc.fill_null(take(matcher.uat.users.column("is_active"), kept.uat_rows), True)
    for ref in kept.where(pc.or_(pc.equal(kept.codes, COLLISION), pc.invert(active))):
        matcher.kept(ref)


@dataclass(frozen=True)
class _Miss:
    """What one strategy found for the ids it did not match: their keys (NULL: none) and the
    UAT users having each key that is ambiguous or only inactive (in id order)."""

    strategy: Strategy
    keys: pa.Array
    having: dict[str, list[User]]


@dataclass
class _Pending:
    """Ids no strategy has matched yet: positions in the referenced ids and, per strategy tried,
    each one's position in that strategy's `_Miss` (reasons are worded only for the ids that
    reach the fallback)."""

    at: pa.Array
    trail: list[tuple[_Miss, pa.Array]]

    def reasons(self, allow_inactive: bool) -> list[list[str]]:
        reasons: list[list[str]] = [[] for _ in range(len(self.at))]
        for miss, at in self.trail:
            for reason, key in zip(reasons, take(miss.keys, at).to_pylist(), strict=True):
                found = miss.having.get(key, []) if key is not None else []
                reason.append(unmatched(miss.strategy, key, found, allow_inactive))
        return reasons


def _automatic(
    matcher: _Matcher, refs: Referenced, automatic: pa.Array, pieces: _Pieces
) -> list[tuple[int, list[str]]]:
    """Try the strategies in order, each on every id still pending (positions `automatic` in
    `refs`), in one join; the matched become resolutions. Returns the rest, for the fallback:
    (position in `refs`, reasons), in id order."""
    in_qa = pc.is_valid(take(refs.qa_rows, automatic))
    left = _Pending(take(automatic, indices(in_qa)), [])
    for strategy in matcher.strategies:
        if not len(left.at):
            break
        left = _try(matcher, strategy, refs, left, pieces)
    reasons = left.reasons(matcher.options.allow_inactive_targets)
    pending = list(zip(left.at.to_pylist(), reasons, strict=True))
    no_identity = take(automatic, indices(pc.invert(in_qa))).to_pylist()
    pending += [(k, [NO_IDENTITY]) for k in no_identity]
    return sorted(pending, key=lambda item: item[0])


def _try(
    matcher: _Matcher, strategy: Strategy, refs: Referenced, left: _Pending, pieces: _Pieces
) -> _Pending:
    """One strategy on every pending id: exactly one eligible UAT user with the id's key is a
    match (its explanation is worded when read); any other id stays pending, with what the
    strategy found for it. The pending ids are compared a slice at a time (bounded memory)."""
    allow = matcher.options.allow_inactive_targets
    uat = matcher.uat.users
    compared = uat_keys(strategy, uat)
    missed: list[pa.Array] = []
    missed_keys: list[pa.Array] = []
    having: dict[str, list[User]] = {}
    for start in range(0, len(left.at), MATCH_SLICE):
        at = left.at.slice(start, MATCH_SLICE)
        keys = user_keys(strategy, matcher.qa.users, take(refs.qa_rows, at), "qa")
        found = find(uat, compared, keys, allow)
        single = pc.fill_null(pc.equal(found.eligible, 1), False)
        hit = indices(single)
        if len(hit):
            chosen = take(at, hit)
            pieces.add(
                source=take(refs.ids, chosen),
                classification=take(refs.codes, chosen),
                target=take(uat.ids, take(found.row, hit)),
                strategy=strategy.text,
                origin="auto",
                explanation=None,
                status="Valid",
                rows=take(refs.rows, chosen),
                line=None,
            )
        miss = indices(pc.invert(single))
        missed.append(combined(pc.add(miss, start)).cast(pa.int32()))
        missed_keys.append(take(keys, miss))
        some = pc.greater(pc.fill_null(take(found.users, miss), 0), 0)  # ambiguous, inactive
        listed = pc.unique(pc.filter(missed_keys[-1], some))
        having |= candidates(found, uat, listed.to_pylist()) if len(listed) else {}
        del found
        release()
    miss = pa.concat_arrays(missed) if missed else pa.array([], pa.int32())
    no_keys = pa.array([], pa.string())
    step = _Miss(strategy, pa.concat_arrays(missed_keys) if missed_keys else no_keys, having)
    trail = [(before, take(at, miss)) for before, at in left.trail]
    trail.append((step, pa.array(range(len(miss)), pa.int32())))
    return _Pending(take(left.at, miss), trail)


def _fall_back(
    matcher: _Matcher, pending: list[tuple[int, list[str]]], refs: Referenced, pieces: _Pieces
) -> None:
    """Fallback targets in id order: one user for all, or the users in turn."""
    if not pending:
        return
    chosen = refs.select(pa.array([k for k, _ in pending], pa.int32()))
    users = matcher.fallback_users
    if matcher.fallback.kind == "none" or not users:
        extra = [] if matcher.fallback.kind == "none" else ["fallback has no valid target"]
        pieces.add_objects(
            [
                matcher.unmapped(ref, reasons + extra)
                for ref, (_, reasons) in zip(chosen, pending, strict=True)
            ]
        )
        return
    assigned = [users[k % len(users)] for k in range(len(pending))]
    rule = matcher.fallback.text
    why = [
        "; ".join([*reasons, f"fallback {rule}: UAT {described(user)}"])
        for (_, reasons), user in zip(pending, assigned, strict=True)
    ]
    pieces.add(
        source=chosen.ids,
        classification=chosen.codes,
        target=[user.id for user in assigned],
        strategy=matcher.fallback.kind,
        origin="fallback",
        explanation=why,
        status="Valid",
        rows=chosen.rows,
        line=None,
    )


# Map rows that resolve no orphan: code of the finding (None: already reported), status, why.
_UNUSED: Final[dict[str, tuple[str | None, Status, str]]] = {
    "repeat": (None, "Duplicate", "repeated source (the first row counts)"),
    "kept": ("map-source-kept", "OrphanMismatch", "the source is kept as is"),
    "not-in-qa": ("map-source-not-in-qa", "SourceNotInQA", "the source is not a QA user"),
    "unreferenced": ("map-source-unreferenced", "OrphanMismatch", "the data never references it"),
}


def _referenced_by_id(refs: Referenced, wanted: list[UserId]) -> dict[UserId, ReferencedId]:
    """The referenced ids among `wanted`, looked up in one pass."""
    if not wanted or not len(refs):
        return {}
    try:
        values = pa.array(wanted, refs.ids.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        chosen = refs.where(_members(refs.ids, wanted))
    else:
        at = [k for k in _positions(values, refs.ids) if k is not None]
        chosen = refs.select(pa.array(at, pa.int32()))
    return {ref.id: ref for ref in chosen}


def _positions(values: pa.Array, ids: pa.Array) -> list[int | None]:
    """Each value's position in `ids` (None where absent)."""
    return list(combined(pc.index_in(values, value_set=ids)).to_pylist())


def _unused_rows(matcher: _Matcher, refs: Referenced) -> list[Resolution]:
    """Map rows that resolve no orphan: repeats of a source, kept users, unreferenced ids."""
    rows = matcher.user_map.rows
    by_id = _referenced_by_id(refs, list(dict.fromkeys(row.source for row in rows)))
    out: list[Resolution] = []
    for row in rows:
        ref = by_id.get(row.source)
        qa_user = matcher.map_sources.get(row.source)
        if matcher.rows[row.source] is not row:
            case = "repeat"
        elif ref is not None and ref.classification == "in_uat":
            case = "kept"
        elif ref is None:
            case = "unreferenced" if qa_user is not None else "not-in-qa"
        else:
            continue
        code, status, why = _UNUSED[case]
        if code is not None:
            matcher.findings.append(_row_finding(matcher, code, row))
        out.append(
            Resolution(
                source=row.source,
                classification=ref.classification if ref else None,
                target=row.target,
                strategy="manual",
                origin="manual",
                explanation=why,
                status=status,
                rows=ref.rows if ref else 0,
                line=row.line,
                qa=qa_user,
                target_user=matcher.map_targets.get(row.target),
            )
        )
    return out


def _row_finding(matcher: _Matcher, code: str, row: MapRow) -> Finding:
    user = matcher.map_sources.get(row.source)
    return finding(
        code,
        matcher.user_map.file,
        role="map",
        line=row.line,
        column="SourceUserId",
        value=row.source,
        username=user.describe() if user else "",
    )
