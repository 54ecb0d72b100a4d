"""Generated sections of `docs/uat-users.md` and the committed JSON Schemas, from the package's
own tables (messages, rules, settings, artifacts, verifier rules). `doit docs` can add these to
its sections; the tests fail when the committed copies fall behind the code."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Final

from osddl.docgen import with_section
from osddl.io import atomic_write_text, canonical_json
from osddl.uat_users.artifacts import UAT_ARTIFACTS
from osddl.uat_users.matching import STATUSES
from osddl.uat_users.messages import messages_table, rules_table
from osddl.uat_users.schemas import SCHEMAS
from osddl.uat_users.settings import UAT_USERS_KEYS
from osddl.uat_users.verify import VERIFY_RULES

DOC: Final = Path("docs/uat-users.md")
SCHEMA_DIR: Final = Path("docs/schemas")

_WHEN: Final = {
    "always": "every run",
    "analysed": "when the inputs are valid",
    "passed": "only when every rule passes",
    "verify": "by the verifier, after DynamicData",
}


def settings_table() -> str:
    rows = ["| key | environment | default | meaning |", "|---|---|---|---|"]
    for key in UAT_USERS_KEYS:
        choices = f" One of: {', '.join(key.choices)}." if key.choices else ""
        default = json.dumps(key.default, ensure_ascii=False)
        rows.append(f"| `{key.name}` | `{key.env}` | `{default}` | {key.doc}{choices} |")
    return "\n".join(rows)


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
    "uat-users-settings": settings_table,
    "uat-users-artifacts": artifacts_table,
    "uat-users-rules": rules_table,
    "uat-users-messages": messages_table,
    "uat-users-verify-rules": verify_rules_table,
    "uat-users-statuses": statuses_line,
}


def regenerated(document: str) -> str:
    for name, generate in SECTIONS.items():
        document = with_section(document, name, generate())
    return document


def schema_files() -> dict[Path, bytes]:
    return {SCHEMA_DIR / f"{name}.schema.json": canonical_json(s) for name, s in SCHEMAS.items()}


def write_docs(root: Path = Path(".")) -> None:
    target = root / DOC
    atomic_write_text(target, regenerated(target.read_text(encoding="utf-8")))
    for path, data in schema_files().items():
        atomic_write_text(root / path, data.decode("utf-8"))
