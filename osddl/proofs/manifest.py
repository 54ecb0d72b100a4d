"""The run manifest: every artifact under out/ with its hash, size, producing task and stage.

`out/full-export.manifest.json` is what `verify:export` re-hashes, so it must describe the run and
nothing else: no time stamps, no absolute paths, no secrets. Two runs with identical inputs give
byte-identical manifests; timings go to `out/run-log.jsonl` only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import pyarrow.parquet as pq

from osddl.io import canonical_json, sha256_bytes, sha256_file, write_json
from osddl.layout import UNLISTED, Artifact, classify, path
from osddl.model.contract import Model
from osddl.policy.store import read_decisions
from osddl.selection import Selection, SelectionOptions, select, table_id
from osddl.source.engine import scrub

SCHEMA_VERSION: Final = "osddl.manifest/1"
MANIFEST: Final = path("manifest")
VALIDATION: Final = path("export_validation")
RUN_LOG: Final = path("run_log")

DYNAMIC_HEADER = re.compile(r"^-- osddl DynamicData \|.*\| rows (\d+)\s*$")


def static_tables(selection: Selection) -> set[str]:
    """`schema.physical` of every static entity: their snapshots belong to `static_data`."""
    return {table_id(e) for _, e in selection.static}


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


def artifact(out_dir: Path, relative: str, rule: Artifact, task: str) -> dict[str, Any]:
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


def artifacts(out_dir: Path, selection: Selection) -> list[dict[str, Any]]:
    """The classified files under out/, sorted by path; unknown files are left to verify."""
    static = static_tables(selection)
    entries = []
    for relative in out_files(out_dir):
        matched = classify(relative, static)
        if matched is not None and relative not in UNLISTED:
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


def decision_counts(out_dir: Path) -> dict[str, int]:
    """The policy's own tallies, when the decide stage ran (a model-only run has none)."""
    file = out_dir / path("decisions")
    if not file.is_file():
        return {}
    counts = read_decisions(file).counts
    return {"columnsTightened": counts.not_null, "foreignKeysCreated": counts.foreign_keys}


def artifact_counts(
    out_dir: Path,
    selection: Selection,
    entries: list[dict[str, Any]],
    extra: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Modules, entities and tables of the export (the selection's emitted ones); rows of the
    exported (non-static) snapshots; then the policy's tallies and the caller's extras."""
    snapshot_rows = (e.get("rows") or 0 for e in entries if e["task"].startswith("snapshot:"))
    return {
        "modules": len(selection.emitted_modules),
        "entities": len(selection.emitted),
        "tables": len(selection.exported),
        "rows": sum(snapshot_rows),
        **decision_counts(out_dir),
        **(extra or {}),
    }


def build_manifest(
    out_dir: Path,
    model: Model,
    selection_options: SelectionOptions,
    settings_provenance: Mapping[str, Any],
    versions: Mapping[str, str],
    counts_extra: Mapping[str, Any] | None = None,
    uat_users: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest document; a pure function of out/'s bytes and the arguments."""
    selection = select(model, selection_options)
    entries = artifacts(out_dir, selection)
    return {
        "schemaVersion": SCHEMA_VERSION,
        "artifacts": entries,
        "stages": stages(entries),
        "counts": artifact_counts(out_dir, selection, entries, counts_extra),
        "options": scrub(settings_provenance),
        "versions": dict(sorted(versions.items())),
        "uatUsers": dict(uat_users or {"transformationApplied": False}),
    }


def write_manifest(out_dir: Path, manifest: Mapping[str, Any]) -> None:
    """Atomically write `out/full-export.manifest.json` (built by `build_manifest`)."""
    write_json(out_dir / MANIFEST, manifest)


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
