"""The generated sections of `docs/uat-users.md`, from the package's own tables (messages, rules,
settings, artifacts, verifier rules). `osddl.docgen` writes them (`doit docs`) with every other
generated section; the tests fail when the committed copies fall behind the code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

from osddl.uat_users.files import UAT_ARTIFACTS
from osddl.uat_users.matching import STATUSES
from osddl.uat_users.messages import messages_table, rules_table
from osddl.uat_users.verify import VERIFY_RULES

DOC: Final = Path("docs/uat-users.md")

_WHEN: Final = {
    "always": "every run",
    "analysed": "when the inputs are valid",
    "passed": "only when every rule passes",
    "verify": "by the verifier, after DynamicData",
}


def artifacts_table() -> str:
    rows = ["| file | written | schema | content |", "|---|---|---|---|"]
    for a in UAT_ARTIFACTS:
        schema = f"`docs/schemas/{a.schema}.schema.json`" if a.schema else ""
        rows.append(f"| `{a.name}` | {_WHEN[a.when]} | {schema} | {a.doc} |")
    return "\n".join(rows)


def verify_rules_table() -> str:
    rows = ["| rule | proves |", "|---|---|"]
    rows += [f"| `{rule}` | {doc} |" for rule, doc in VERIFY_RULES.items()]
    return "\n".join(rows)


def statuses_line() -> str:
    return ", ".join(f"`{s}`" for s in STATUSES)


SECTIONS: Final[dict[str, Callable[[], str]]] = {
    "uat-users-artifacts": artifacts_table,
    "uat-users-rules": rules_table,
    "uat-users-messages": messages_table,
    "uat-users-verify-rules": verify_rules_table,
    "uat-users-statuses": statuses_line,
}
