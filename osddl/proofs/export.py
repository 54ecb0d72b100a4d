"""Export validation: does out/ still hold exactly what the run wrote, and all the model needs?

Re-hashes every artifact of `out/full-export.manifest.json` (missing, changed, unexpected files) and
checks completeness against the model from the files themselves, not from any stage's own report:
a table script per entity, a seed per static entity, a DynamicData file per non-static entity whose
row count matches its snapshot, each included exactly once by `DynamicData/load.sql`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, NamedTuple

from osddl.errors import InputError
from osddl.io import read_json_file, sha256_file, write_json
from osddl.layout import UNLISTED, classify, module_folder, path
from osddl.model.contract import Entity, Model, Module
from osddl.proofs.manifest import (
    MANIFEST,
    SCHEMA_VERSION,
    VALIDATION,
    dynamic_rows,
    out_files,
    parquet_rows,
    static_tables,
)
from osddl.selection import Selection, SelectionOptions, select
from osddl.tsql.read import include_target

RESULT_VERSION: Final = "osddl.export-validation/1"
LOAD_SCRIPT: Final = path("load_script")

# Finding kind → what the operator does about it.
# doit rebuilds a missing target but trusts an existing one: a changed file must be removed first.
HINTS: Final = {
    "manifest": "run doit full_export; the manifest is missing or unreadable",
    "missing": "rerun doit full_export; a listed file was deleted after the run",
    "changed": "delete the file, then rerun doit full_export; it changed after the run",
    "unexpected": "remove the stray file; osddl's own leftovers go on the next doit full_export",
    "incomplete": "rerun doit full_export; a file the model needs was not written",
    "row-count": "delete the file, then rerun doit full_export; script and snapshot disagree",
    "load-script": "delete DynamicData/load.sql, then rerun doit full_export",
}


class Expected(NamedTuple):
    """A file every entity of a kind must have, and the task that writes it."""

    what: str
    template: str
    static: bool | None  # only static (True) / non-static (False) entities; None: all
    task: str


EXPECTED: Final = (
    Expected("table script", "ssdt/Modules/{folder}/{schema}.{emitted}.sql", None, "ssdt"),
    Expected("seed", "ssdt/Seeds/{folder}/{schema}.{emitted}.seed.sql", True, "ssdt"),
    Expected(
        "DynamicData file",
        "DynamicData/{folder}/{schema}.{emitted}.dynamic.sql",
        False,
        "dynamic_data",
    ),
)
_DYNAMIC_FILE = re.compile(r"DynamicData/[^/]+/[^/]+\.dynamic\.sql")


def finding(kind: str, path: str, detail: str, hint: str | None = None) -> dict[str, str]:
    return {"kind": kind, "path": path, "detail": detail, "hint": hint or HINTS[kind]}


def expected_path(template: str, module: Module, entity: Entity) -> str:
    return template.format(
        folder=module_folder(module.name), schema=entity.schema, emitted=entity.emitted_name
    )


def snapshot_of(entity: Entity) -> str:
    return path("snapshot", None, entity)


def read_manifest(out_dir: Path) -> tuple[dict[str, Any] | None, list[dict[str, str]]]:
    """The manifest, or a finding that says why there is none to check against."""
    path = out_dir / MANIFEST
    if not path.is_file():
        return None, [finding("manifest", MANIFEST, "no manifest: the export did not finish")]
    try:
        document = read_json_file(path)
    except InputError as exc:
        return None, [finding("manifest", MANIFEST, str(exc))]
    if not isinstance(document, dict) or document.get("schemaVersion") != SCHEMA_VERSION:
        detail = f"not a {SCHEMA_VERSION} manifest"
        return None, [finding("manifest", MANIFEST, detail)]
    return document, []


def check_artifact(out_dir: Path, entry: Mapping[str, Any]) -> list[dict[str, str]]:
    """Size first (cheap), then the full hash."""
    relative = str(entry["path"])
    path = out_dir / relative
    if not path.is_file():
        return [finding("missing", relative, f"listed by the manifest ({entry['task']}), absent")]
    size = path.stat().st_size
    if size != entry["size"]:
        return [finding("changed", relative, f"size {size} bytes, manifest says {entry['size']}")]
    digest = sha256_file(path)
    if digest != entry["sha256"]:
        return [finding("changed", relative, f"sha256 {digest}, manifest says {entry['sha256']}")]
    return []


def check_unexpected(out_dir: Path, listed: set[str], selection: Selection) -> list[dict[str, str]]:
    """Files no task of this run produced: strays, leftovers of an earlier run, temp files."""
    static = static_tables(selection)
    found = []
    for relative in out_files(out_dir):
        if relative in listed or relative in UNLISTED:
            continue
        known = classify(relative, static)
        detail = (
            f"not in the manifest, though {known[1]} writes such files (stale or written later)"
            if known
            else "no task produces this file"
        )
        found.append(finding("unexpected", relative, detail))
    return found


SINGLE_FILE = path("single_file")
_HEADER = re.compile(
    r"^-- osddl DynamicData \| .* \| source (?P<source>\S+) \| rows (?P<rows>\d+)$", re.MULTILINE
)


def single_file_rows(out_dir: Path) -> dict[str, int] | None:
    """In single-file mode, `schema.TABLE` (case-folded) → the rows its part's header announces."""
    path = out_dir / SINGLE_FILE
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    return {m["source"].casefold(): int(m["rows"]) for m in _HEADER.finditer(text)}


def check_expected(out_dir: Path, selection: Selection) -> list[dict[str, str]]:
    """Every entity's table script, every static entity's seed, every table's DynamicData."""
    found = []
    combined = single_file_rows(out_dir)
    for module, entity in selection.emitted:
        for rule in EXPECTED:
            if rule.static is not None and entity.is_static != rule.static:
                continue
            if combined is not None and rule.task == "dynamic_data":
                source = f"{entity.schema}.{entity.physical_name}".casefold()
                if source not in combined:
                    found.append(
                        finding(
                            "incomplete",
                            SINGLE_FILE,
                            f"no part for {module.name}::{entity.name}",
                            "rerun doit full_export",
                        )
                    )
                continue
            relative = expected_path(rule.template, module, entity)
            if not (out_dir / relative).is_file():
                detail = f"no {rule.what} for {module.name}::{entity.name}"
                found.append(finding("incomplete", relative, detail, "rerun doit full_export"))
    return found


def check_row_counts(out_dir: Path, selection: Selection) -> list[dict[str, str]]:
    """The `rows <n>` header of each DynamicData file against its snapshot's footer."""
    found = []
    template = EXPECTED[2].template
    combined = single_file_rows(out_dir)
    for module, entity in selection.emitted:
        script = out_dir / expected_path(template, module, entity)
        if combined is not None and not entity.is_static:
            found += _single_file_count(out_dir, entity, combined)
            continue
        if entity.is_static or not script.is_file():
            continue
        relative = script.relative_to(out_dir).as_posix()
        snapshot = out_dir / snapshot_of(entity)
        if not snapshot.is_file():
            detail = f"no snapshot {snapshot_of(entity)} to compare with"
            found.append(
                finding("incomplete", snapshot_of(entity), detail, "rerun doit full_export")
            )
            continue
        header, rows = dynamic_rows(script), parquet_rows(snapshot)
        if header != rows:
            said = "no `rows <n>` header" if header is None else f"header says {header} rows"
            detail = f"{said}, snapshot {snapshot_of(entity)} has {rows}"
            found.append(finding("row-count", relative, detail))
    return found


def _single_file_count(
    out_dir: Path, entity: Any, combined: dict[str, int]
) -> list[dict[str, str]]:
    source = f"{entity.schema}.{entity.physical_name}"
    snapshot = out_dir / snapshot_of(entity)
    if source.casefold() not in combined or not snapshot.is_file():
        return []
    rows = parquet_rows(snapshot)
    if combined[source.casefold()] == rows:
        return []
    detail = f"{source}: header says {combined[source.casefold()]} rows, snapshot has {rows}"
    return [finding("row-count", SINGLE_FILE, detail)]


def load_includes(text: str) -> Counter[str]:
    """`:r .\\Folder\\file.sql` lines as paths relative to out/ (quotes and `.\\` dropped)."""
    includes: Counter[str] = Counter()
    for line in text.splitlines():
        target = include_target(line)
        if target is not None:
            includes[f"DynamicData/{target}"] += 1
    return includes


def check_load_script(out_dir: Path, selection: Selection) -> list[dict[str, str]]:
    """Each DynamicData file (expected or present) included once; no include of a missing file."""
    template = EXPECTED[2].template
    scripts = {expected_path(template, m, e) for m, e in selection.emitted if not e.is_static}
    if single_file_rows(out_dir) is not None:
        scripts = {SINGLE_FILE}
    scripts |= {p for p in out_files(out_dir) if _DYNAMIC_FILE.fullmatch(p)}
    load = out_dir / LOAD_SCRIPT
    if not load.is_file():
        if not scripts:
            return []
        return [finding("incomplete", LOAD_SCRIPT, "no load script", "rerun doit full_export")]
    includes = load_includes(load.read_text(encoding="utf-8", errors="replace"))
    found = []
    for script in sorted(scripts | set(includes)):
        times = includes[script]
        if script in scripts and times != 1:
            detail = f"load.sql includes {script} {times} times, expected once"
            found.append(finding("load-script", script, detail))
        elif script not in scripts and not (out_dir / script).is_file():
            found.append(finding("load-script", script, "load.sql includes a file that is absent"))
    return found


def verify_export(out_dir: Path, model: Model, options: SelectionOptions) -> dict[str, Any]:
    """Every check; status `fail` on any finding (findings sorted by path, kind, detail)."""
    selection = select(model, options)
    manifest, findings = read_manifest(out_dir)
    listed = [] if manifest is None else list(manifest.get("artifacts", []))
    for entry in listed:
        findings += check_artifact(out_dir, entry)
    if manifest is not None:  # without one, every file would look unexpected
        findings += check_unexpected(out_dir, {str(e["path"]) for e in listed}, selection)
    findings += check_expected(out_dir, selection)
    findings += check_row_counts(out_dir, selection)
    findings += check_load_script(out_dir, selection)
    findings.sort(key=lambda f: (f["path"], f["kind"], f["detail"]))
    return {
        "schemaVersion": RESULT_VERSION,
        "status": "fail" if findings else "pass",
        "findings": findings,
        "checked": checked_counts(out_dir, selection, listed),
    }


def checked_counts(out_dir: Path, selection: Selection, listed: list[Any]) -> dict[str, int]:
    """What was looked at, so a pass over nothing cannot pass unnoticed (the manifest, run log
    and this proof are not counted, so rerunning the check gives the same bytes)."""
    entities = selection.emitted
    return {
        "artifacts": len(listed),
        "files": sum(1 for p in out_files(out_dir) if p not in UNLISTED),
        "entities": len(entities),
        "staticEntities": sum(1 for _, e in entities if e.is_static),
        "tables": sum(1 for _, e in entities if not e.is_static),
    }


def write_verification(out_dir: Path, result: Mapping[str, Any]) -> Path:
    """Write `out/proofs/export-validation.json` atomically; returns its path."""
    path = out_dir / VALIDATION
    write_json(path, result)
    return path
