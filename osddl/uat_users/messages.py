"""Every uat-users validation rule and message, as tables: read by the code, the validation report,
`docs/uat-users.md` (a generated section) and the tests.

A `Finding` is one message about one place: the file (or setting), the line, the column and the
value, what is wrong and the fix. `finding(code, ...)` fills a message's template; nothing else
writes message text, so the docs list exactly what an operator can see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final, Literal

Severity = Literal["error", "warning"]

# Rule id → what it guarantees; the order of the validation report.
RULES: Final[dict[str, str]] = {
    "qa-inventory-integrity": "The QA inventory is readable and every row is valid.",
    "uat-inventory-integrity": "The UAT inventory is readable and every row is valid.",
    "id-kinds-agree": "Both inventories hold ids of one kind (integers, GUIDs or text).",
    "map-integrity": "The user map is readable and every row is well formed.",
    "map-no-duplicate-sources": "No source user appears twice in the user map.",
    "every-target-in-uat": "Every target (map rows and fallback) is in the UAT inventory.",
    "targets-active": "Every target is active in UAT, unless allow_inactive_targets.",
    "every-source-in-qa": "Every map source is a QA user (or an unknown id the data references).",
    "map-rows-are-orphans": "Map rows name orphans, never a user kept as is.",
    "snapshots-readable": "Every catalogued column is read from its snapshot.",
    "no-unknown-ids": "No referenced id is in neither inventory (per unknown_ids).",
    "no-unresolved-collisions": "No id of a QA user points at a different UAT user unresolved.",
    "every-orphan-mapped": "Every orphan has an approved UAT target.",
}

# The integrity rule of each input file: file-level messages belong to it.
FILE_RULES: Final[dict[str, str]] = {
    "qa": "qa-inventory-integrity",
    "uat": "uat-inventory-integrity",
    "map": "map-integrity",
}


@dataclass(frozen=True)
class Message:
    code: str
    rule: str | None  # None: the integrity rule of the file the finding is about
    severity: Severity
    text: str  # str.format template over the finding's fields and extra parameters
    fix: str


def _m(code: str, rule: str | None, text: str, fix: str, severity: Severity = "error") -> Message:
    return Message(code, rule, severity, text, fix)


MESSAGES: Final[tuple[Message, ...]] = (
    # --- any input CSV (the file's own integrity rule) ---
    _m("file-missing", None, "file not found",
       "export the file or set uat_users.{setting} to its path"),
    _m("file-empty", None, "the file is empty",
       "export the header row and the rows (see docs/uat-users.md#inputs)"),
    _m("invalid-utf8", None, "invalid UTF-8 at byte {offset} (byte 0x{byte})",
       "save the file as UTF-8 (Excel: 'CSV UTF-8'); a BOM is accepted"),
    _m("csv-syntax", None, "malformed CSV: {detail}",
       "re-export as RFC 4180 CSV: quote fields holding commas, quotes or line breaks"),
    _m("missing-column", None, "column {value!r} is missing from the header",
       "the header must name {expected} (any order, any case)"),
    _m("duplicate-column", None,
       "column {value!r} appears twice in the header (fields {first} and {again})",
       "keep one column of each name"),
    _m("field-count", None, "{count} fields, but the header has {expected}",
       "quote fields that hold commas, quotes or line breaks; every row has the header's fields"),
    # --- inventories ---
    _m("blank-id", None, "Id is blank", "give the row its user's Id, or delete the row"),
    _m("bad-id", None,
       "Id {value!r} is {found}, but this file's ids are {kind_name} ({since})",
       "export the ids unchanged from ossys_User: one kind (integers or GUIDs) per file"),
    _m("duplicate-id", None, "Id {value!r} appears again (first at line {first})",
       "keep one row per user"),
    _m("bad-boolean", None, "Is_Active {value!r} is not a boolean",
       "write 1 or 0 (true or false)"),
    _m("bad-date", None, "{column} {value!r} is not a date",
       "write ISO 8601 (YYYY-MM-DD hh:mm:ss[.fff]) as SSMS exports it, or leave it blank"),
    _m("id-kinds-differ", "id-kinds-agree",
       "QA ids are {qa_kind} but UAT ids are {uat_kind}",
       "export both inventories from ossys_User unchanged; ids of one kind in both"),
    # --- the user map ---
    _m("map-blank-id", None, "{column} is blank", "fill it in, or delete the row"),
    _m("map-bad-id", None, "{column} {value!r} is not {kind_name} (the inventories' kind)",
       "copy the id from the inventory unchanged"),
    _m("map-duplicate-source", "map-no-duplicate-sources",
       "SourceUserId {value!r} appears again (first at line {first})",
       "keep one row per source user; delete the other rows"),
    _m("map-target-not-in-uat", "every-target-in-uat",
       "TargetUserId {value!r} is not in the UAT inventory",
       "pick a user listed in the UAT inventory, or add the user to UAT and re-export it"),
    _m("map-target-inactive", "targets-active",
       "TargetUserId {value!r} ({username}) is inactive in UAT",
       "pick an active UAT user, or set uat_users.allow_inactive_targets = true"),
    _m("map-source-not-in-qa", "every-source-in-qa",
       "SourceUserId {value!r} is not in the QA inventory, nor an id the exported data "
       "references: the row is ignored",
       "correct the id (copy it from the QA inventory), or delete the row; a row for a table "
       "outside this run's selection is harmless", "warning"),
    _m("map-source-kept", "map-rows-are-orphans",
       "SourceUserId {value!r} ({username}) is kept as is: the same user has this id in UAT",
       "delete the row; a kept user needs no mapping"),
    _m("map-source-unreferenced", "map-rows-are-orphans",
       "SourceUserId {value!r} is referenced by no catalogued column; the row is not used",
       "nothing to do; delete the row to silence this warning", "warning"),
    # --- settings ---
    _m("fallback-target-not-in-uat", "every-target-in-uat",
       "{value!r} is not in the UAT inventory",
       "name UAT users in uat_users.fallback, e.g. single:<UAT id>"),
    _m("fallback-target-inactive", "targets-active",
       "{value!r} ({username}) is inactive in UAT",
       "name active UAT users, or set uat_users.allow_inactive_targets = true"),
    _m("fallback-bad-id", "every-target-in-uat",
       "{value!r} is not {kind_name} (the inventories' kind)",
       "copy the ids from the UAT inventory"),
    # --- snapshots ---
    _m("snapshot-missing", "snapshots-readable", "snapshot of {table} not found",
       "run the snapshot tasks first (doit full_export)"),
    _m("snapshot-column-missing", "snapshots-readable",
       "column {column!r} is not in the snapshot of {table}",
       "re-run the snapshot of the table (the model and the snapshot disagree)"),
    _m("column-kind-mismatch", "snapshots-readable",
       "{table}.{column} is a {sql_type} column and cannot hold {kind_name} user ids",
       "remove it from uat_users.include_columns, or list it in uat_users.exclude_columns"),
    # --- classification and matching ---
    _m("unknown-id", "no-unknown-ids",
       "user id {value!r} is referenced {rows} times ({columns}) but is in neither inventory",
       "fix the dangling rows in QA, or set uat_users.unknown_ids = \"map\" and add a row for "
       "it to the user map"),
    _m("unknown-id-unmapped", "no-unknown-ids",
       "user id {value!r} is referenced {rows} times ({columns}), is in neither inventory and "
       "has no row in the user map",
       "add a row SourceUserId,TargetUserId for it to the user map"),
    _m("collision", "no-unresolved-collisions",
       "id {value!r} is {qa_user} in QA but {uat_user} in UAT, and no target was found",
       "add a row for it to the user map, or set uat_users.trust_matching_ids = true if the ids "
       "are the same people"),
    _m("collision-trusted", "no-unresolved-collisions",
       "id {value!r} is {qa_user} in QA but {uat_user} in UAT; kept because "
       "uat_users.trust_matching_ids is on",
       "nothing to do if the ids are the same people; else map it in the user map", "warning"),
    _m("orphan-unmapped", "every-orphan-mapped",
       "QA user {value!r} ({username}), referenced {rows} times, has no UAT target: {why}",
       "add a row to the user map (00_user_map.template.csv lists every orphan), add a "
       "strategy to uat_users.match, or set uat_users.fallback"),
    _m("kept-inactive", "targets-active",
       "QA user {value!r} ({username}) is kept as is, but is inactive in UAT",
       "nothing to do if that is intended; else map the user in the user map", "warning"),
)  # fmt: skip

BY_CODE: Final[dict[str, Message]] = {m.code: m for m in MESSAGES}


@dataclass(frozen=True)
class Finding:
    """One message about one place; `line` is the file's physical line (1 = the header)."""

    code: str
    rule: str
    severity: Severity
    file: str
    line: int | None
    column: str | None
    value: str | None
    message: str
    fix: str

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def text(self) -> str:
        """`file:line: [column] message; fix`, the one line an operator reads."""
        where = self.file + (f":{self.line}" if self.line is not None else "")
        return f"{where}: {self.message}; {self.fix}"

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "message": self.message,
            "fix": self.fix,
        }


def finding(
    code: str,
    file: str,
    *,
    role: str | None = None,
    line: int | None = None,
    column: str | None = None,
    value: object = None,
    **params: object,
) -> Finding:
    """The finding of message `code`; `role` (qa, uat, map) picks the rule of file messages."""
    message = BY_CODE[code]
    rule = message.rule or FILE_RULES[role or "map"]
    shown = None if value is None else str(value)
    fields = {"file": file, "line": line, "column": column, "value": shown, **params}
    return Finding(
        code=code,
        rule=rule,
        severity=message.severity,
        file=file,
        line=line,
        column=column,
        value=shown,
        message=message.text.format(**fields),
        fix=message.fix.format(**fields),
    )


def errors(findings: list[Finding] | tuple[Finding, ...]) -> list[Finding]:
    return [f for f in findings if f.is_error]


def messages_table() -> str:
    """The Markdown table of every message, for `docs/uat-users.md`."""
    rows = ["| code | rule | severity | message | fix |", "|---|---|---|---|---|"]
    for m in MESSAGES:
        rule = f"`{m.rule}`" if m.rule else "the file's integrity rule"
        text, fix = (_readable(s) for s in (m.text, m.fix))
        rows.append(f"| `{m.code}` | {rule} | {m.severity} | {text} | {fix} |")
    return "\n".join(rows)


def _readable(template: str) -> str:
    """A template as the docs show it: `{value!r}` → `'{value}'`, pipes escaped."""
    return re.sub(r"\{(\w+)!r\}", r"'{\1}'", template).replace("|", "\\|")


def rules_table() -> str:
    rows = ["| rule | guarantees |", "|---|---|"]
    rows += [f"| `{rule}` | {doc} |" for rule, doc in RULES.items()]
    return "\n".join(rows)
