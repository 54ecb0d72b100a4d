"""The output folder, written once: every artifact's path, producing task, stage and schema.

`ARTIFACTS` is read by the tasks (file_dep / targets), the stages (paths), the manifest (which task
and stage made a file), the export verifier (what must exist), the sweep (what a rerun would not
produce) and `docs/artifacts.md` (a generated table). Paths are relative to the output folder, with
POSIX separators. Fields in a template: `{folder}` (the module's folder name), `{schema}`,
`{table}` (physical table name), `{emitted}` (emitted table name); `**` is a folder tree that
its task owns, `*` one name in a folder.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Final, Literal

from osddl.model.contract import Entity, Module
from osddl.uat_users.files import UAT_ARTIFACTS

RowCounter = Literal["parquet", "dynamic"]
# Who removes a file of this kind that a rerun would not produce: the run's sweep, the producing
# task itself (it owns the folder), or nobody (on-demand results and the run log).
Sweep = Literal["run", "owner", "never"]
InsertMode = Literal["per-table", "single-file"]


@dataclass(frozen=True)
class Artifact:
    key: str
    template: str
    task: str  # per-table tasks carry the same fields as the template
    stage: str
    doc: str
    schema: str | None = None  # its committed JSON Schema under docs/schemas/
    static: bool | None = None  # per-table: only static (True) or exported (False) entities
    rows: RowCounter | None = None  # how the manifest counts the data rows of the file
    sweep: Sweep = "run"
    insert_mode: InsertMode | None = None  # produced only in this `data.insert_mode`
    uat_users: bool = False  # produced only while uat_users.enabled

    @property
    def per_table(self) -> bool:
        return "{" in self.template


def _a(key: str, template: str, task: str, stage: str, doc: str, **more: object) -> Artifact:
    return Artifact(key, template, task, stage, doc, **more)  # type: ignore[arg-type]


DYNAMIC = "DynamicData/{folder}/{schema}.{emitted}.dynamic.sql"

# First match wins when a path is classified; order is the pipeline's.
ARTIFACTS: Final[tuple[Artifact, ...]] = (
    _a("model", "model.json", "extract_model", "model", "The OutSystems model.",
       schema="model.schema.json"),
    _a("profile", "profile.parquet", "profile", "profile", "Evidence about the data."),
    _a("profile_summary", "profile-summary.json", "profile", "profile", "Profiling rollup.",
       schema="profile-summary.schema.json"),
    _a("decisions", "decisions.json", "decide", "policy", "Every constraint decision.",
       schema="decisions.schema.json"),
    _a("decision_report", "decision-report.json", "decide", "policy", "Decisions by rationale.",
       schema="decision-report.schema.json"),
    _a("null_backfill", "ssdt/Remediation/01_null_backfill.sql", "decide", "policy",
       "NULL back-fills for tightened columns."),
    _a("duplicates", "ssdt/Remediation/02_duplicates.sql", "decide", "policy",
       "Listings of rows that break a unique index."),
    _a("orphans", "ssdt/Remediation/03_orphans.sql", "decide", "policy",
       "Orphan listings and fixes."),
    _a("safe_suggestions", "ssdt/suggestions/safe-to-apply.sql", "decide", "policy",
       "In-place ALTERs the data already accepts."),
    _a("needs_remediation", "ssdt/suggestions/needs-remediation.sql", "decide", "policy",
       "In-place ALTERs that need remediation first."),
    _a("static_index", "data/static-data.json", "static_data", "extract",
       "Digests of the static entity snapshots.", schema="static-data.schema.json"),
    _a("static_snapshot", "data/{schema}.{table}.parquet", "static_data", "extract",
       "Records of a static entity (seed source).", static=True, rows="parquet"),
    _a("snapshot", "data/{schema}.{table}.parquet", "snapshot:{schema}.{table}", "extract",
       "Rows of an exported table.", static=False, rows="parquet"),
    _a("sqlproj", "ssdt/*.sqlproj", "ssdt", "ssdt", "The SSDT project file.", sweep="owner"),
    _a("post_deployment", "ssdt/Script.PostDeployment.sql", "ssdt", "ssdt",
       "Post-deployment script: the seeds in FK order."),
    _a("schemas", "ssdt/Schemas/*", "ssdt", "ssdt", "CREATE SCHEMA scripts.", sweep="owner"),
    _a("tables", "ssdt/Modules/**", "ssdt", "ssdt", "One CREATE TABLE per entity.",
       sweep="owner"),
    _a("seeds", "ssdt/Seeds/**", "ssdt", "ssdt", "MERGE seeds of static entities.",
       sweep="owner"),
    _a("platform_fks", "ssdt/PostLoad/**", "ssdt", "ssdt",
       "FKs to platform tables (ossys_User), to create after the data load.", sweep="owner"),
    _a("load_order", "work/load-order.json", "order", "data",
       "Tables in load order, deferred and self-referencing columns.",
       schema="load-order.schema.json"),
    _a("order_proof", "proofs/topological-order-proof.json", "order", "proofs",
       "The load order, its cycles and how they were broken.",
       schema="topological-order-proof.schema.json"),
    _a("prerendered", "work/prerendered/*", "snapshot", "data",
       "INSERT batches rendered in the snapshot's pass, for its DynamicData task to take "
       "(osddl.export.prerender); none is left after a run."),
    _a("dynamic", DYNAMIC, "dynamic_data:{schema}.{emitted}", "data",
       "INSERT batches of one table.", static=False, rows="dynamic", insert_mode="per-table"),
    _a("dynamic_part", "work/dynamic/{folder}/{schema}.{emitted}.dynamic.sql",
       "dynamic_data:{schema}.{emitted}", "data", "One table's part of all.dynamic.sql.",
       static=False, insert_mode="single-file"),
    _a("remediation_ledger", "proofs/remediation-ledger.json", "remediation", "data",
       "Every value the INSERTs change by policy.apply_remediation_in_export.",
       schema="remediation-ledger.schema.json"),
    _a("deferred_fragment", "work/deferred/{schema}.{emitted}.sql",
       "dynamic_data:{schema}.{emitted}", "data", "One table's deferred UPDATEs.", static=False),
    *(
        _a(f"uat:{a.name}", f"uat-users/{a.name}",
           "verify:uat_users" if a.when == "verify" else "uat_users",
           "proofs" if a.when == "verify" else "uat_users", a.doc,
           schema=f"{a.schema}.schema.json" if a.schema else None, uat_users=True)
        for a in UAT_ARTIFACTS
    ),
    _a("load_script", "DynamicData/load.sql", "load_script", "data",
       "sqlcmd master script: every DynamicData file in load order."),
    _a("single_file", "DynamicData/all.dynamic.sql", "load_script", "data",
       "Every table's INSERTs in load order (single-file mode).", insert_mode="single-file"),
    _a("deferred_updates", "DynamicData/deferred_updates.sql", "load_script", "data",
       "UPDATEs of the deferred FK columns, run last."),
    _a("order_verification", "proofs/order-verification.json", "verify:order", "proofs",
       "Independent proof of the load order, from the emitted scripts.",
       schema="order-verification.schema.json"),
    _a("fit_verification", "proofs/fit-verification.json", "verify:fit", "proofs",
       "Proof that every emitted value fits its column's emitted type.",
       schema="fit-verification.schema.json"),
    _a("loadable_verification", "proofs/loadable-verification.json", "verify:loadable", "proofs",
       "Proof that the emitted schema accepts the emitted data (NULLs, duplicates, orphans).",
       schema="loadable-verification.schema.json"),
    _a("manifest", "full-export.manifest.json", "manifest", "manifest",
       "Every artifact with its hash, task and stage.", schema="manifest.schema.json"),
    _a("export_validation", "proofs/export-validation.json", "verify:export", "proofs",
       "Re-hash of the manifest; completeness against the model.",
       schema="export-validation.schema.json"),
    _a("report", "report.html", "report", "report",
       "One page to look at: summary, decisions, dependency graph, proofs (after the manifest)."),
    _a("full_export_verification", "full-export-verification.json", "verify:verdict", "proofs",
       "One verdict over every proof, with each proof's status and file.", sweep="never",
       schema="full-export-verification.schema.json"),
    _a("load_verification", "proofs/load-verification.json", "load:staging", "load",
       "What `doit load` ran into the staging database: findings, rows/s per table.",
       sweep="never", schema="load-verification.schema.json"),
    _a("target_fingerprint", "proofs/target-data-fingerprint.json", "load:staging", "load",
       "Fingerprint of the loaded staging database.", sweep="never",
       schema="data-fingerprint.schema.json"),
    _a("source_fingerprint", "proofs/source-data-fingerprint.json", "load:data", "proofs",
       "Fingerprint of the snapshots (same code as the target's).", sweep="never",
       schema="data-fingerprint.schema.json"),
    _a("data_integrity", "proofs/data-integrity-verification.json", "load:data", "proofs",
       "Source-to-target parity: rows, NULLs, checksums, user ids against the map.",
       sweep="never", schema="data-integrity-verification.schema.json"),
    _a("dual_load_verification", "proofs/dual-load-verification.json", "load:dual", "proofs",
       "`load.dual`: QA rows untransformed + the UPDATE remap, in a second staging database, "
       "against the first.", sweep="never", schema="dual-load-verification.schema.json"),
    _a("run_log", "run-log.jsonl", "(every task)", "log", "Timings of every action.",
       sweep="never"),
    _a("dmm_diff", "dmm-diff.json", "dmm_compare", "compare",
       "Our tables against another tool's DDL (on demand).", sweep="never",
       schema="dmm-diff.schema.json"),
)  # fmt: skip

BY_KEY: Final = {a.key: a for a in ARTIFACTS}
# Written after or about the manifest, so it cannot list them.
UNLISTED: Final = frozenset(
    BY_KEY[k].template
    for k in (
        "manifest",
        "export_validation",
        "report",
        "run_log",
        # the verdict's table, and what `doit load` writes (on demand, after the manifest)
        "full_export_verification",
        "load_verification",
        "target_fingerprint",
        "source_fingerprint",
        "data_integrity",
        "dual_load_verification",
    )
)


def module_folder(name: str) -> str:
    """A module's folder name: letters, digits and `_` only (spec 03)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name) or "_"


def path(key: str, module: Module | None = None, entity: Entity | None = None) -> str:
    """The relative path of an artifact; per-table ones need their entity (and module, when the
    template has a `{folder}`)."""
    template = BY_KEY[key].template
    if "{" not in template:
        return template
    assert entity is not None, f"{key} is per table"
    return template.format(
        folder=module_folder(module.name) if module is not None else "{folder}",
        schema=entity.schema,
        table=entity.physical_name,
        emitted=entity.emitted_name,
    )


def task_of(key: str, entity: Entity) -> str:
    return BY_KEY[key].task.format(
        schema=entity.schema, table=entity.physical_name, emitted=entity.emitted_name
    )


# --- classification (the manifest and the verifier) ------------------------------------------

_FIELD = {"schema": r"[^/.]+", "folder": r"[^/]+", "table": r"[^/]+", "emitted": r"[^/]+"}


def _regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+\}|\*\*|\*)", template)

    def piece(part: str) -> str:
        if part == "**":
            return ".*"
        if part == "*":
            return "[^/]*"
        if part.startswith("{"):
            return f"(?P<{part[1:-1]}>{_FIELD[part[1:-1]]})"
        return re.escape(part)

    return re.compile("".join(piece(p) for p in parts) + r"\Z")


_COMPILED: Final = tuple((_regex(a.template), a) for a in ARTIFACTS)


def classify(relative_path: str, static_tables: Collection[str]) -> tuple[Artifact, str] | None:
    """The artifact a path is (first match), with its task name filled in; None: not ours.
    `static_tables`: `schema.table` of static entities, compared case-insensitively."""
    static = {name.casefold() for name in static_tables}
    for regex, artifact in _COMPILED:
        found = regex.match(relative_path)
        if found is None:
            continue
        fields = found.groupdict()
        if artifact.static is not None:
            is_static = f"{fields.get('schema')}.{fields.get('table')}".casefold() in static
            if is_static != artifact.static:
                continue
        return artifact, artifact.task.format(**fields)
    return None


# --- what a run produces (the sweep) ---------------------------------------------------------


def produced(
    exported: Iterable[tuple[Module, Entity]],
    static: Iterable[tuple[Module, Entity]],
    insert_mode: str,
    uat_users: bool,
) -> set[str]:
    """Every path that a passing `full_export` writes for this selection, insert mode and
    uat-users switch, except the folders their task owns and the never-swept files."""
    exported, static = list(exported), list(static)
    found = set()
    for artifact in ARTIFACTS:
        if artifact.sweep != "run" or artifact.insert_mode not in (None, insert_mode):
            continue
        if artifact.uat_users and not uat_users:
            continue
        if not artifact.per_table:
            found.add(artifact.template)
            continue
        for module, entity in static if artifact.static else exported:
            found.add(path(artifact.key, module, entity))
    return found
