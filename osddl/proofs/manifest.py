"""The run manifest: every artifact under out/ with its hash, size, producing task and stage.

`out/full-export.manifest.json` is what `verify:export` re-hashes, so it must describe the run and
nothing else: no time stamps, no absolute paths, no secrets. Two runs with identical inputs give
byte-identical manifests; timings go to `out/run-log.jsonl` only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any, Final, Literal, NamedTuple

import pyarrow.parquet as pq

from osddl.io import canonical_json, read_json_file, sha256_bytes, sha256_file, write_json
from osddl.model.contract import Entity, Model, Module
from osddl.model.users import USERS_MODULE
from osddl.source.engine import redact

SCHEMA_VERSION: Final = "osddl.proofs.manifest/1"
MANIFEST: Final = "full-export.manifest.json"
VALIDATION: Final = "proofs/export-validation.json"
RUN_LOG: Final = "run-log.jsonl"
# Written after or about the manifest, so it cannot list them; verify does not call them strays.
UNLISTED: Final = frozenset({MANIFEST, VALIDATION, RUN_LOG})

RowCounter = Literal["parquet", "dynamic"]


class Rule(NamedTuple):
    """One row of the output contract: which task and stage produce the files matching `pattern`.

    `*` matches within one folder, `**` across folders; `{name}` in the task is what the last
    wildcard matched. `static` narrows a rule to (True) or away from (False) static entity
    snapshots; `rows` names how to count the data rows of a matching file.
    """

    pattern: str
    task: str
    stage: str
    static: bool | None = None
    rows: RowCounter | None = None


# The output folder layout, first match wins. A file no rule knows is not an artifact of the run.
RULES: Final[tuple[Rule, ...]] = (
    Rule("model.json", "extract_model", "model"),
    Rule("profile.parquet", "profile", "profile"),
    Rule("profile-summary.json", "profile", "profile"),
    Rule("decisions.json", "decide", "policy"),
    Rule("decision-report.json", "decide", "policy"),
    Rule("ssdt/Remediation/*.sql", "decide", "policy"),
    Rule("ssdt/suggestions/*.sql", "decide", "policy"),
    Rule("data/static-data.json", "static_data", "extract"),
    Rule("data/*.parquet", "static_data", "extract", static=True, rows="parquet"),
    Rule("data/*.parquet", "snapshot:{name}", "extract", static=False, rows="parquet"),
    Rule("ssdt/*.sqlproj", "ssdt", "ssdt"),
    Rule("ssdt/Script.PostDeployment.sql", "ssdt", "ssdt"),
    Rule("ssdt/Schemas/*", "ssdt", "ssdt"),
    Rule("ssdt/Modules/**", "ssdt", "ssdt"),
    Rule("ssdt/Seeds/**", "ssdt", "ssdt"),
    Rule("DynamicData/*/*.dynamic.sql", "dynamic_data:{name}", "data", rows="dynamic"),
    Rule("DynamicData/load.sql", "load_script", "data"),
    Rule("DynamicData/all.dynamic.sql", "load_script", "data"),
    Rule("DynamicData/deferred_updates.sql", "load_script", "data"),
    Rule("work/deferred/*.sql", "dynamic_data:{name}", "data"),
    Rule("work/dynamic/*/*.dynamic.sql", "dynamic_data:{name}", "data"),
    Rule("work/**", "order", "data"),
    Rule("proofs/topological-order-proof.json", "order", "proofs"),
    Rule("proofs/order-verification.json", "verify:order", "proofs"),
    Rule("dmm-diff.json", "dmm_compare", "compare"),
)

DYNAMIC_HEADER = re.compile(r"^-- osddl DynamicData \|.*\| rows (\d+)\s*$")
_SECRET_URL = re.compile(r"://[^:/@\s]*:[^@\s]+@")


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as a regex whose groups are the wildcards (fnmatch lets `*` cross folders)."""
    parts = re.split(r"(\*\*|\*)", pattern)
    wild = {"**": "(.*)", "*": "([^/]*)"}
    return re.compile("".join(wild.get(p, re.escape(p)) for p in parts) + r"\Z")


_COMPILED: Final = tuple((_glob_regex(rule.pattern), rule) for rule in RULES)


def match_rule(relative_path: str, static_tables: Collection[str]) -> tuple[Rule, str] | None:
    """The first rule that matches, with the task name filled in; static tables as `schema.table`
    (compared case-insensitively, like SQL Server names)."""
    static = {name.casefold() for name in static_tables}
    for regex, rule in _COMPILED:
        found = regex.match(relative_path)
        if found is None:
            continue
        name = found.group(found.lastindex) if found.lastindex else ""
        if rule.static is not None and (name.casefold() in static) != rule.static:
            continue
        return rule, rule.task.format(name=name)
    return None


def classify(relative_path: str, static_tables: Collection[str]) -> tuple[str, str] | None:
    """(task, stage) of a path relative to out/ (POSIX separators), or None: not an artifact."""
    matched = match_rule(relative_path, static_tables)
    return None if matched is None else (matched[1], matched[0].stage)


def exported_modules(model: Model) -> list[Module]:
    """Modules whose entities the export emits: all but the platform `Users` module, which the
    target's platform already has."""
    return [m for m in model.modules if m.name.casefold() != USERS_MODULE.casefold()]


def exported_entities(model: Model) -> list[tuple[Module, Entity]]:
    return [(m, e) for m in exported_modules(model) for e in m.entities]


def static_tables(model: Model) -> set[str]:
    """`schema.physical` of every static entity: their snapshots belong to `static_data`."""
    return {
        f"{e.schema}.{e.physical_name}" for m in model.modules for e in m.entities if e.is_static
    }


def parquet_rows(path: Path) -> int:
    """Row count from the Parquet footer: no data is read."""
    return int(pq.read_metadata(path).num_rows)


def dynamic_rows(path: Path) -> int | None:
    """The `rows <n>` of a DynamicData file's first line, or None when the header is absent."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        found = DYNAMIC_HEADER.match(handle.readline())
    return int(found.group(1)) if found else None


ROW_COUNTERS: Final = {"parquet": parquet_rows, "dynamic": dynamic_rows}


def out_files(out_dir: Path) -> list[str]:
    """Every file under out/, relative and POSIX, sorted: the same list on every OS."""
    return sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file())


def artifact(out_dir: Path, relative: str, rule: Rule, task: str) -> dict[str, Any]:
    path = out_dir / relative
    entry: dict[str, Any] = {
        "path": relative,
        "sha256": sha256_file(path),
        "size": path.stat().st_size,
        "task": task,
        "stage": rule.stage,
    }
    if rule.rows is not None:
        entry["rows"] = ROW_COUNTERS[rule.rows](path)
    return entry


def artifacts(out_dir: Path, model: Model) -> list[dict[str, Any]]:
    """The classified files under out/, sorted by path; unknown files are left to verify."""
    static = static_tables(model)
    entries = []
    for relative in out_files(out_dir):
        matched = match_rule(relative, static)
        if matched is not None:
            entries.append(artifact(out_dir, relative, *matched))
    return entries


def stage_fingerprint(entries: Iterable[Mapping[str, Any]]) -> str:
    """sha256 of the canonical JSON of the stage's sorted (path, sha256) pairs."""
    pairs = sorted([e["path"], e["sha256"]] for e in entries)
    return sha256_bytes(canonical_json(pairs))


def stages(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        grouped.setdefault(entry["stage"], []).append(entry)
    return {
        stage: {
            "tasks": sorted({e["task"] for e in members}),
            "fingerprint": stage_fingerprint(members),
        }
        for stage, members in sorted(grouped.items())
    }


# decisions.json `counts` key → manifest `counts` key.
DECISION_COUNTS: Final = (("notNull", "columnsTightened"), ("foreignKeys", "foreignKeysCreated"))


def decision_counts(out_dir: Path) -> dict[str, int]:
    """The policy's own tallies, when the decide stage ran (a model-only run has none)."""
    path = out_dir / "decisions.json"
    if not path.is_file():
        return {}
    document = read_json_file(path)
    counts = document.get("counts", {}) if isinstance(document, dict) else {}
    return {ours: int(counts[theirs]) for theirs, ours in DECISION_COUNTS if theirs in counts}


def artifact_counts(
    out_dir: Path, model: Model, entries: list[dict[str, Any]], extra: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Modules, entities and tables of the export (non-Users modules); rows of the exported
    (non-static) snapshots; then the policy's tallies and the caller's extras."""
    exported = exported_entities(model)
    snapshot_rows = (e.get("rows") or 0 for e in entries if e["task"].startswith("snapshot:"))
    return {
        "modules": len(exported_modules(model)),
        "entities": len(exported),
        "tables": sum(1 for _, e in exported if not e.is_static),
        "rows": sum(snapshot_rows),
        **decision_counts(out_dir),
        **(extra or {}),
    }


def scrub(value: Any) -> Any:
    """Any string that holds a URL with a password, redacted; lists and maps recursively."""
    if isinstance(value, str):
        return redact(value) if _SECRET_URL.search(value) else value
    if isinstance(value, Mapping):
        return {str(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def build_manifest(
    out_dir: Path,
    model: Model,
    settings_provenance: Mapping[str, Any],
    versions: Mapping[str, str],
    counts_extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest document; a pure function of out/'s bytes and the arguments."""
    entries = artifacts(out_dir, model)
    return {
        "schemaVersion": SCHEMA_VERSION,
        "artifacts": entries,
        "stages": stages(entries),
        "counts": artifact_counts(out_dir, model, entries, counts_extra),
        "options": scrub(settings_provenance),
        "versions": dict(sorted(versions.items())),
    }


def write_manifest(
    out_dir: Path,
    model: Model,
    settings_provenance: Mapping[str, Any],
    versions: Mapping[str, str],
    counts_extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build and atomically write `out/full-export.manifest.json`; returns the document."""
    manifest = build_manifest(out_dir, model, settings_provenance, versions, counts_extra)
    write_json(out_dir / MANIFEST, manifest)
    return manifest


def append_run_log(out_dir: Path, task: str, seconds: float, **facts: Any) -> None:
    """One JSON line per task run in `out/run-log.jsonl`: the only place for times, so that the
    content-hashed artifacts stay byte-identical between runs."""
    line = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "task": task,
        "seconds": round(seconds, 3),
        **scrub(facts),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / RUN_LOG).open("a", encoding="utf-8", newline="\n") as handle:
        handle.write(json.dumps(line, sort_keys=True, ensure_ascii=False, default=str) + "\n")
