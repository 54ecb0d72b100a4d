"""`doit load`: the emitted scripts into a staging database, then `verify:data` (spec 06).

`load:staging` creates the staging database afresh (`load.target_url`) and writes the load proof
and the target fingerprint; `load:data` (`verify:data`) fingerprints the snapshots and judges
parity; `load:dual` (`load.dual`) loads the QA rows untransformed into a second staging database,
applies the UPDATE remap there and compares; `load:verdict` prints the statuses and fails when
any failed. Once a project has been loaded, `doit verify` (through `verify:data`) and
`full_export` keep the data proofs current and in their verdict.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from osddl.layout import UNLISTED
from osddl.options import LoadOptions, load_options, verify_data_options
from osddl.stages.load import (
    DUAL_PROOF,
    dual_to_file,
    load_to_files,
    load_verdict,
    loaded,
    verify_data_to_file,
)

from .common import TreeUnchanged, artifact, checked, operator_action, out, tree_values

# What each step writes: left out of the listing it compares, so its own files do not rerun it.
LOAD_OUTPUTS = ("load_verification", "target_fingerprint")
DATA_OUTPUTS = ("source_fingerprint", "data_integrity")
# Everything else written after the manifest changes no input of the load.
IGNORED = tuple(sorted(UNLISTED))


def _staging(options: LoadOptions) -> dict[str, str]:
    load_to_files(options, out())
    return tree_values(options, exclude=IGNORED)


def _dual(options: LoadOptions) -> dict[str, str]:
    dual_to_file(options, out())
    return tree_values(options, exclude=IGNORED)


def _dual_task(options: LoadOptions) -> dict[str, object]:
    return {
        "name": "dual",
        "doc": "load.dual: the QA rows untransformed into a second staging database, the UPDATE "
        "remap applied, both proven identical (off: its proof is removed).",
        "actions": [(operator_action(_dual), [options])],
        "file_dep": [artifact("model"), *(artifact(k) for k in LOAD_OUTPUTS)],
        "targets": [artifact(DUAL_PROOF)] if options.dual else [],
        "task_dep": ["load:staging"],
        "uptodate": [TreeUnchanged(options, exclude=IGNORED)],
        "verbosity": 2,
    }


def _verify_data(options: Any) -> dict[str, str]:
    verify_data_to_file(options, out())
    return tree_values(options, exclude=IGNORED)


class StagingPresent:
    """Up to date only while the SQLite staging file still exists (a server's is not checked)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, task: Any, values: dict[str, Any]) -> bool:
        parsed = make_url(self.url)
        return parsed.get_backend_name() != "sqlite" or Path(parsed.database or "").is_file()


def _data_task() -> dict[str, object]:
    options = checked(verify_data_options)
    return {
        "name": "data",
        "doc": "Prove the staging database holds the snapshots' data: rows, NULLs, checksums, "
        "user ids against the uat-users map (verify:data).",
        "actions": [(operator_action(_verify_data), [options])],
        "file_dep": [artifact("model"), *(artifact(k) for k in LOAD_OUTPUTS)],
        "targets": [artifact(k) for k in DATA_OUTPUTS],
        "task_dep": ["load:staging"],
        "uptodate": [TreeUnchanged(options, exclude=IGNORED)],
        "verbosity": 2,
    }


def task_load() -> Iterator[dict[str, object]]:
    """Load the emitted scripts into a staging database (load.target_url) and prove data parity."""
    options = checked(load_options)
    yield {
        "name": "staging",
        "doc": "A fresh staging database: the SSDT tables, the seeds, then load.sql.",
        "actions": [(operator_action(_staging), [options])],
        "file_dep": [artifact("model")],
        "targets": [artifact(k) for k in LOAD_OUTPUTS],
        "task_dep": ["ssdt", "load_script", "sweep"],
        "uptodate": [
            TreeUnchanged(options, exclude=IGNORED),  # every script, table and snapshot
            StagingPresent(options.target_url),
        ],
        "verbosity": 2,
    }
    yield _data_task()
    yield _dual_task(options)
    yield {
        "name": "verdict",
        "doc": "Print the load's and the data proofs' statuses; fail when any failed.",
        "actions": [(operator_action(load_verdict), [out()])],
        "task_dep": ["load:data", "load:dual"],
        "uptodate": [False],  # reads two small files; a failure must fail every run
        "verbosity": 2,
    }


def verify_data_task() -> list[dict[str, object]]:
    """verify:data in `doit verify`, once this project has been loaded (the group runs every
    subtask, and a project that was never loaded must not start loading)."""
    if not loaded(out()):
        return []
    return [
        {
            "name": "data",
            "doc": "Prove data parity of the staging database (load:data, see doit load).",
            "actions": None,
            "task_dep": data_proofs(),
        }
    ]


def data_proofs() -> list[str]:
    """The data proofs, once this project has been loaded (`doit load`); `load:dual` writes its
    proof only under `load.dual`."""
    return ["load:data", "load:dual"] if loaded(out()) else []
