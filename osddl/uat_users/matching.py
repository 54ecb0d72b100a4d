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
from typing import Final, Literal

from osddl.uat_users.classify import Classification, ReferencedId, provenance, provenance_text
from osddl.uat_users.discovery import ColumnIds
from osddl.uat_users.ids import UserId, sort_key
from osddl.uat_users.inventory import Inventory, User
from osddl.uat_users.messages import Finding, finding
from osddl.uat_users.settings import UatUsersOptions
from osddl.uat_users.strategies import StrategyIndex, described, fallback_targets, try_strategy
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


@dataclass(frozen=True)
class Matching:
    orphans: tuple[Resolution, ...]  # one per referenced id that needs a target, by id
    unused_rows: tuple[Resolution, ...]  # map rows that resolve no orphan, by (id, line)
    kept: tuple[ReferencedId, ...]  # referenced ids kept as they are, by id
    findings: tuple[Finding, ...]

    @property
    def resolutions(self) -> tuple[Resolution, ...]:
        """Every line of the matching report, sorted by (source id, map line)."""
        both = self.orphans + self.unused_rows
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


class _Matcher:
    def __init__(
        self, qa: Inventory, uat: Inventory, user_map: UserMap, options: UatUsersOptions
    ) -> None:
        self.qa, self.uat, self.options = qa, uat, options
        self.user_map = user_map
        self.rows = user_map.first_rows()
        self.duplicated = user_map.duplicated()
        self.strategies = options.strategies()
        self.index = StrategyIndex(uat, self.strategies)
        self.findings: list[Finding] = []
        self.unknowns: list[ReferencedId] = []
        self.fallback = options.fallback_rule()
        # Bad fallback ids are reported by input validation (`inputs.read_inputs`).
        self.fallback_users = fallback_targets(self.fallback, uat, options.allow_inactive_targets)[
            0
        ]

    def manual(self, ref: ReferencedId, row: MapRow) -> Resolution:
        user = self.uat.get(row.target)
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

    def automatic(self, ref: ReferencedId) -> tuple[Resolution | None, list[str]]:
        """The first strategy that finds one eligible user, with every strategy's reason."""
        reasons: list[str] = []
        if ref.qa is None:
            return None, ["not in the QA inventory: no identity to match"]
        for strategy in self.strategies:
            user, why = try_strategy(
                strategy, ref.qa, self.index, self.options.allow_inactive_targets
            )
            reasons.append(why)
            if user is not None:
                return _targeted(ref, user, strategy.text, "auto", why), reasons
        return None, reasons

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

    def unmapped(self, ref: ReferencedId, reasons: list[str]) -> Resolution:
        why = "; ".join(reasons) or "no strategy configured"
        if ref.classification == "collision":
            self.findings.append(
                finding(
                    "collision",
                    self.uat.file,
                    value=ref.id,
                    qa_user=ref.qa.describe() if ref.qa else "not a QA user",
                    uat_user=ref.uat.describe() if ref.uat else "?",
                )
            )
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
            self.findings.append(
                finding(
                    "collision-trusted",
                    self.uat.file,
                    value=ref.id,
                    qa_user=ref.qa.describe() if ref.qa else "not a QA user",
                    uat_user=ref.uat.describe() if ref.uat else "?",
                )
            )
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
    `columns` (the scan) names the columns of unknown ids in their messages."""
    matcher = _Matcher(qa, uat, user_map or EMPTY_MAP, options)
    resolutions: list[Resolution] = []
    kept: list[ReferencedId] = []
    needs_fallback: list[tuple[ReferencedId, list[str]]] = []
    trust = options.trust_matching_ids
    for ref in sorted(referenced, key=lambda r: sort_key(r.id)):
        row = matcher.rows.get(ref.id)
        if ref.classification == "in_uat" or (row is None and not ref.needs_target(trust)):
            kept.append(ref)
            matcher.kept(ref)
            continue
        if ref.classification == "orphan_unknown" and (
            row is None or options.unknown_ids == "fail"
        ):
            resolutions.append(matcher.unknown(ref))
            continue
        if row is not None:
            resolutions.append(matcher.manual(ref, row))
            continue
        found, reasons = matcher.automatic(ref)
        if found is not None:
            resolutions.append(found)
        else:
            needs_fallback.append((ref, reasons))
    resolutions += _fall_back(matcher, needs_fallback)
    unused = _unused_rows(matcher, referenced)
    matcher.findings += matcher.unknown_findings(columns)
    return Matching(
        tuple(sorted(resolutions, key=lambda r: sort_key(r.source))),
        tuple(sorted(unused, key=lambda r: (sort_key(r.source), r.line or 0))),
        tuple(kept),
        tuple(matcher.findings),
    )


def _fall_back(
    matcher: _Matcher, pending: list[tuple[ReferencedId, list[str]]]
) -> list[Resolution]:
    """Fallback targets in id order: one user for all, or the users in turn."""
    users = matcher.fallback_users
    out = []
    for k, (ref, reasons) in enumerate(pending):
        if matcher.fallback.kind == "none" or not users:
            extra = [] if matcher.fallback.kind == "none" else ["fallback has no valid target"]
            out.append(matcher.unmapped(ref, reasons + extra))
            continue
        user = users[k % len(users)]
        why = "; ".join([*reasons, f"fallback {matcher.fallback.text}: UAT {described(user)}"])
        out.append(_targeted(ref, user, matcher.fallback.kind, "fallback", why))
    return out


# Map rows that resolve no orphan: code of the finding (None: already reported), status, why.
_UNUSED: Final[dict[str, tuple[str | None, Status, str]]] = {
    "repeat": (None, "Duplicate", "repeated source (the first row counts)"),
    "kept": ("map-source-kept", "OrphanMismatch", "the source is kept as is"),
    "not-in-qa": ("map-source-not-in-qa", "SourceNotInQA", "the source is not a QA user"),
    "unreferenced": ("map-source-unreferenced", "OrphanMismatch", "the data never references it"),
}


def _unused_rows(matcher: _Matcher, referenced: Sequence[ReferencedId]) -> list[Resolution]:
    """Map rows that resolve no orphan: repeats of a source, kept users, unreferenced ids."""
    by_id = {ref.id: ref for ref in referenced}
    out: list[Resolution] = []
    for row in matcher.user_map.rows:
        ref = by_id.get(row.source)
        qa_user = matcher.qa.get(row.source)
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
                target_user=matcher.uat.get(row.target),
            )
        )
    return out


def _row_finding(matcher: _Matcher, code: str, row: MapRow) -> Finding:
    user = matcher.qa.get(row.source)
    return finding(
        code,
        matcher.user_map.file,
        role="map",
        line=row.line,
        column="SourceUserId",
        value=row.source,
        username=user.describe() if user else "",
    )
