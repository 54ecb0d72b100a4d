"""Proof tasks (`doit verify`) and the run manifest.

`verify:order` and `verify:export` always write their proof and never stop the run, so every
proof is computed; `verify:verdict` then fails when any of them failed, naming which and why.
"""

from __future__ import annotations

from collections.abc import Iterator

from osddl.stages.proofs import (
    manifest_to_file,
    verdict,
    verify_export_to_file,
    verify_order_to_file,
)
from tasks.common import operator_action, out, settings


def task_verify() -> Iterator[dict[str, object]]:
    """Run every proof; exits non-zero and prints which and why when one fails."""
    yield {
        "name": "order",
        "doc": "Prove parents-before-children and deferred columns from the emitted scripts.",
        "actions": [(operator_action(verify_order_to_file), [settings(), out()])],
        "task_dep": ["load_script"],
        "uptodate": [False],
        "verbosity": 2,
    }
    yield {
        "name": "export",
        "doc": "Re-hash every artifact of the manifest; completeness against the model.",
        "actions": [(operator_action(verify_export_to_file), [out()])],
        "uptodate": [False],
        "verbosity": 2,
    }
    yield {
        "name": "verdict",
        "doc": "Fail when any proof failed.",
        "actions": [(operator_action(verdict), [out()])],
        "task_dep": ["verify:order", "verify:export"],
        "uptodate": [False],
        "verbosity": 2,
    }


def task_manifest() -> dict[str, object]:
    """Write out/full-export.manifest.json (artifacts, hashes, stages, options, versions)."""
    return {
        "actions": [(operator_action(manifest_to_file), [settings(), out()])],
        "task_dep": ["ssdt", "load_script", "verify:order"],
        "uptodate": [False],
        "verbosity": 2,
    }
