"""The proof tasks: the independent order and uat-users verifiers, export validation, and the
verdict.

Each proof always writes its file and never stops the run by itself, so every proof is computed;
`verdict` then fails (and with it `full_export` and `doit verify`) when any of them failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from osddl.errors import InputError
from osddl.export.edges import export_edges
from osddl.export.order import emitted_edges
from osddl.io import read_json_file, write_json
from osddl.layout import BY_KEY, path
from osddl.load.documents import FULL_EXPORT_VERIFICATION, FullExportVerification, ProofStatus
from osddl.model.contract import Model
from osddl.model.sqltype import SqlType, parse_sql_type
from osddl.model.store import read_model
from osddl.options import OrderOptions, UatUsersStageOptions
from osddl.policy.store import read_decisions
from osddl.proofs.export import verify_export, write_verification
from osddl.proofs.fit import verify_fit
from osddl.proofs.loadable import verify_loadable
from osddl.proofs.order import verify_order
from osddl.proofs.uat_users import UserTable, user_table, verify_uat_users
from osddl.selection import SelectionOptions, preloaded, select, table_id
from osddl.stages.load import loaded
from osddl.stages.remediation import read_ledger
from osddl.stages.uat_users import read_transformation_map, user_catalog
from osddl.uat_users.catalog import Catalog
from osddl.uat_users.discovery import scan_snapshots
from osddl.uat_users.inventory import read_inventory

UAT_VERIFICATION: Final = "uat:uat-users-verification.json"
# The verdict's line while uat-users is off (spec 05: reported, not failed).
UAT_USERS_OFF: Final = "uat-users: not applied (uat_users.enabled = false)"
NOT_LOADED: Final = "data integrity: not proven (run doit load)"


def verify_order_to_file(options: OrderOptions, out: Path) -> None:
    """Re-derive the FK edges from model and decisions, then check the emitted scripts only."""
    model = read_model(out / path("model"))
    decisions = read_decisions(out / path("decisions"))
    selection = select(model, options.selection)
    present = {(e.schema.casefold(), e.physical_name.casefold()) for _, e in preloaded(selection)}
    edges = [e for e in export_edges(model, decisions) if e.parent.key not in present]
    mapped = emitted_edges(edges, model)
    result = verify_order(
        out / "DynamicData",
        [e for e in mapped if e.child.key != e.parent.key],
        [e for e in mapped if e.child.key == e.parent.key],
        allow_missing_parents=options.allow_missing_parents,
    )
    write_json(out / path("order_verification"), result)
    _report("verify:order", result.get("verdict") == "pass", result.get("failures", []))


def emitted_types(model: Model) -> dict[tuple[str, str], dict[str, SqlType]]:
    """(schema, emitted table) → emitted column → emitted type, case-folded: what INSERTs name."""
    return {
        (e.schema.casefold(), e.emitted_name.casefold()): {
            a.emitted_name.casefold(): parse_sql_type(a.sql_type, f"{m.name}::{e.name}.{a.name}")
            for a in e.attributes
        }
        for m in model.modules
        for e in m.entities
    }


def verify_fit_to_file(out: Path) -> None:
    """Read every emitted value back and check it fits its column's emitted type."""
    result = verify_fit(out / "DynamicData", emitted_types(read_model(out / path("model"))))
    write_json(out / path("fit_verification"), result)
    _report("verify:fit", result["verdict"] == "pass", result["failures"])


def verify_loadable_to_file(options: SelectionOptions, out: Path) -> None:
    """Check the emitted data against the constraints the decisions emit, in every mode; with the
    remediation applied, the data carries the ledger's changes and the ledger is proven."""
    model = read_model(out / path("model"))
    decisions = read_decisions(out / path("decisions"))
    ledger = read_ledger(out)
    result = verify_loadable(model, decisions, select(model, options), out, ledger)
    write_json(out / path("loadable_verification"), result)
    _report("verify:loadable", result["verdict"] == "pass", result["failures"])


def verify_export_to_file(options: SelectionOptions, out: Path) -> None:
    result = verify_export(out, read_model(out / path("model")), options)
    write_verification(out, result)
    _report("verify:export", result["status"] == "pass", result["findings"])


def user_tables(
    model: Model, catalog: Catalog, selection: SelectionOptions, out: Path
) -> list[UserTable]:
    """The exported tables with catalogued columns, in model order, with their snapshots."""
    columns = {table.casefold(): found for table, found in catalog.by_table().items()}
    return [
        user_table(e, columns[table_id(e).casefold()], out / path("snapshot", m, e))
        for m, e in select(model, selection).exported
        if table_id(e).casefold() in columns
    ]


def verify_uat_users_to_file(options: UatUsersStageOptions, out: Path) -> None:
    """Read the user ids back from the emitted scripts of every table with catalogued columns,
    pair them with the snapshots, and check them and the UPDATE script against the map."""
    model = read_model(out / path("model"))
    catalog = user_catalog(model, options.uat_users)
    tmap = read_transformation_map(out)
    uat_file = options.uat_users.uat_inventory
    uat, _ = read_inventory(Path(uat_file), "uat", uat_file)
    if uat is None:
        raise InputError(f"verify:uat_users: {uat_file} does not read back; run doit uat_users")
    tables = user_tables(model, catalog, options.selection, out)
    expected = scan_snapshots(catalog, {t.table_id: t.snapshot for t in tables}, tmap.kind)
    result = verify_uat_users(
        out / "DynamicData",
        tables,
        (out / path("uat:02_apply_user_remap.sql")).read_text(encoding="utf-8"),
        catalog,
        tmap,
        uat.users,
        expected.columns,
    )
    write_json(out / path(UAT_VERIFICATION), result)
    failed = [
        {"kind": rule["rule"], "detail": sample}
        for rule in result["rules"]
        if rule["status"] == "fail"
        for sample in rule["samples"] or [f"{rule['failures']} failures"]
    ]
    _report("verify:uat_users", result["status"] == "pass", failed)


# Each proof: its layout key and the field that says pass.
PROOFS: dict[str, tuple[str, str]] = {
    "topological order": ("order_proof", "verdict"),
    "order verification": ("order_verification", "verdict"),
    "value fit": ("fit_verification", "verdict"),
    "loadable pair": ("loadable_verification", "verdict"),
    "uat-users verification": (UAT_VERIFICATION, "status"),
    "export validation": ("export_validation", "status"),
}
# Proofs that exist only while uat-users runs.
UAT_USERS_PROOFS = frozenset({"uat-users verification"})
# The proofs of `doit load`: in the verdict once the project has been loaded (apart from PROOFS,
# which the export's own readers list: a project that was never loaded has none).
LOAD_PROOFS: dict[str, tuple[str, str]] = {
    "load": ("load_verification", "verdict"),
    "data integrity": ("data_integrity", "verdict"),
    "dual load": ("dual_load_verification", "verdict"),
}
# Load proofs in the verdict only when written (`load.dual`: its proof is absent while off).
OPTIONAL_PROOFS = frozenset({"dual load"})


def proof_statuses(
    out: Path, uat_users: bool, proofs: dict[str, tuple[str, str]] | None = None
) -> list[ProofStatus]:
    """Each proof's status as its file says (`missing` when absent): by default every proof of
    the export, and the load proofs once the project has been loaded. The one reading of the
    proof files for the verdict, the closing summary and the report."""
    if proofs is None:
        proofs = {**PROOFS, **(LOAD_PROOFS if loaded(out) else {})}
    rows = []
    for name, (key, field) in proofs.items():
        if name in UAT_USERS_PROOFS and not uat_users:
            continue
        proof = out / path(key)
        if name in OPTIONAL_PROOFS and not proof.is_file():
            continue
        document = read_json_file(proof) if proof.is_file() else {}
        status = str(document.get(field, "missing"))
        rows.append(ProofStatus(name, status, BY_KEY[key].task, path(key)))
    return rows


def verdict(out: Path, uat_users: bool) -> bool:
    """A table of every proof (status, task, file); False (the task fails) when any proof is
    missing or not `pass`. With `uat_users` off, its proof is replaced by a line saying that user
    ids were not remapped (spec 05), which fails nothing. The load proofs join once `doit load`
    has run. The table is also written to full-export-verification.json."""
    rows = [
        (proof.name, proof.status, proof.task, str(out / proof.file))
        for proof in proof_statuses(out, uat_users)
    ]
    width, tasks = max(len(r[0]) for r in rows), max(len(r[2]) for r in rows)
    print(f"verify: {'proof':<{width}}  status   {'task':<{tasks}}  file")
    for name, state, task, file in rows:
        print(f"verify: {name:<{width}}  {state:<7}  {task:<{tasks}}  {file}")
    if not uat_users:
        print(f"verify: {UAT_USERS_OFF}")
    failed = [r[0] for r in rows if r[1] != "pass"]
    if failed:
        print(
            f"verify: FAILED: {', '.join(failed)}; the findings are listed above and in the files"
        )
    notes = [*([] if uat_users else [UAT_USERS_OFF]), *([] if loaded(out) else [NOT_LOADED])]
    FULL_EXPORT_VERIFICATION.write(
        out / path("full_export_verification"),
        FullExportVerification(
            "osddl.full-export-verification/1",
            "fail" if failed else "pass",
            [
                ProofStatus(n, state, task, Path(file).relative_to(out).as_posix())
                for n, state, task, file in rows
            ],
            notes,
        ),
    )
    return not failed


def _report(name: str, passed: bool, problems: list[dict[str, Any]]) -> None:
    print(f"{name}: {'pass' if passed else 'FAIL'}")
    for problem in problems[:50]:
        where = problem.get("path") or problem.get("file") or ""
        text = " ".join(part for part in (where, problem.get("detail", "")) if part)
        print(f"  {problem.get('kind')}: {text}".rstrip())
        if problem.get("hint"):
            print(f"    fix: {problem['hint']}")
