"""Generated documentation: tables rendered from the code's own tables, and the JSON Schemas.

`doit docs` rewrites them; tests fail when the committed copies fall behind the code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from osddl.config import KEYS
from osddl.faults import exit_code_table
from osddl.io import atomic_write_text, canonical_json
from osddl.layout import ARTIFACTS
from osddl.messages import messages_table
from osddl.policy.matrix import MATRIX
from osddl.policy.rationale import CONSISTENCY, RATIONALES, REQUIREMENTS
from osddl.schemas import SCHEMAS
from osddl.tsql.types import TYPES, limits, precision_text, range_text
from osddl.typed_json import SCHEMA_DIR
from osddl.uat_users.docs import DOC as UAT_USERS_DOC
from osddl.uat_users.docs import SECTIONS as UAT_USERS_SECTIONS

CONFIG_DOC = Path("docs/configuration.md")
MODEL_DOC = Path("docs/model.md")
POLICY_DOC = Path("docs/policy.md")
ARTIFACTS_DOC = Path("docs/artifacts.md")


def settings_table(prefix: str = "") -> str:
    """The settings (those whose name starts with `prefix`) with environment names and defaults."""
    rows = ["| key | environment | default | meaning |", "|---|---|---|---|"]
    for key in (k for k in KEYS if k.name.startswith(prefix)):
        choices = f" One of: {', '.join(key.choices)}." if key.choices else ""
        choices += f" Allowed: {key.range_text()}." if key.bounds else ""
        default = json.dumps(key.default, ensure_ascii=False)
        rows.append(f"| `{key.name}` | `{key.env}` | `{default}` | {key.doc}{choices} |")
    return "\n".join(rows)


def types_table() -> str:
    """The SQL Server type table: arguments, defaults, family, literal, Arrow type, rounding."""
    rows = [
        "| type | arguments | bare name means | family | literal | range | Arrow | conversion |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for t in TYPES:
        shown = ",".join(map(str, t.default_args))
        default = (f"`{t.name}({shown})`" if t.args else f"fixed ({shown})") if shown else ""
        span = range_text(t)
        clock = f" to {precision_text(t)}" if precision_text(t) else ""
        literal = f"{t.kind}{' (N)' if t.unicode else ''}" if t.kind else "none"
        alias = f" = `{t.alias_of}`" if t.alias_of else ""
        rows.append(
            f"| `{t.name}`{alias} | {limits(t)} | {default} | {t.family} | {literal} | {span} "
            f"| {t.arrow} | {t.rounding.replace('_', ' ')}{clock} |"
        )
    return "\n".join(rows)


def matrix_table() -> str:
    rows = [
        "| constraint | signal | situation | Cautious | EvidenceGated | Aggressive | rationale |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in MATRIX:
        codes = ", ".join(f"`{c}`" for c in r.rationales) or "(none)"
        if r.held_back is not None:
            held = ", ".join(f"`{c}`" for c in r.held_back) or "(none)"
            codes += f"; when kept or unchecked: {held}"
        rows.append(
            f"| {r.kind} | `{r.signal}` | {r.when} | {r.cautious} | {r.evidence_gated} "
            f"| {r.aggressive} | {codes} |"
        )
    return "\n".join(rows)


def rationale_table() -> str:
    return "\n".join(
        [
            "| code | meaning | explains | only on |",
            "|---|---|---|---|",
            *(
                f"| `{code}` | {text} | {', '.join(CONSISTENCY[code].kinds)} "
                f"| {REQUIREMENTS[CONSISTENCY[code].requires]} |"
                for code, text in RATIONALES.items()
            ),
        ]
    )


def layout_table() -> str:
    """Every artifact: its path under out/, producing task, stage, schema, and who sweeps it."""
    rows = [
        "| path (under out/) | task | stage | schema | swept by | what |",
        "|---|---|---|---|---|---|",
    ]
    for a in ARTIFACTS:
        schema = f"[`{a.schema}`](schemas/{a.schema})" if a.schema else ""
        mode = f" (`data.insert_mode = {a.insert_mode}`)" if a.insert_mode else ""
        swept = {"run": "`sweep`", "owner": f"`{a.task}`", "never": "(kept)"}[a.sweep]
        rows.append(
            f"| `{a.template}` | `{a.task}` | {a.stage} | {schema} | {swept} | {a.doc}{mode} |"
        )
    return "\n".join(rows)


# (document, section name) → the generator of the text between its markers.
SECTIONS: dict[tuple[Path, str], Callable[[], str]] = {
    (CONFIG_DOC, "settings"): settings_table,
    (MODEL_DOC, "sql-types"): types_table,
    (POLICY_DOC, "matrix"): matrix_table,
    (POLICY_DOC, "rationales"): rationale_table,
    (ARTIFACTS_DOC, "layout"): layout_table,
    (Path("docs/troubleshooting.md"), "faults"): exit_code_table,
    (Path("docs/troubleshooting.md"), "messages"): messages_table,
    (UAT_USERS_DOC, "uat-users-settings"): lambda: settings_table("uat_users."),
    **{(UAT_USERS_DOC, name): generate for name, generate in UAT_USERS_SECTIONS.items()},
}


def markers(name: str) -> tuple[str, str]:
    return (f"<!-- {name}:begin (generated by `doit docs`) -->", f"<!-- {name}:end -->")


def with_section(document: str, name: str, content: str) -> str:
    """The document with the text between the section's markers replaced."""
    begin, end = markers(name)
    head, found, rest = document.partition(begin)
    if not found:
        raise ValueError(f"marker {begin} missing")
    _, _, tail = rest.partition(end)
    return f"{head}{begin}\n{content}\n{end}{tail}"


def regenerated(path: Path, document: str) -> str:
    for (doc, name), generate in SECTIONS.items():
        if doc == path:
            document = with_section(document, name, generate())
    return document


def schema_bytes(name: str) -> bytes:
    """The committed bytes of `docs/schemas/<name>` (a key of `SCHEMAS`)."""
    return canonical_json(SCHEMAS[name]())


def write_docs(root: Path = Path(".")) -> None:
    for path in sorted({doc for doc, _ in SECTIONS}):
        target = root / path
        atomic_write_text(target, regenerated(path, target.read_text(encoding="utf-8")))
    for name in SCHEMAS:
        atomic_write_text(root / SCHEMA_DIR / name, schema_bytes(name).decode("utf-8"))
