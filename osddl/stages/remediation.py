"""The remediation stage: decisions + snapshots → out/proofs/remediation-ledger.json.

With `policy.apply_remediation_in_export` off the ledger is written empty (`applied: false`) and no
snapshot is read: the INSERTs are the snapshots' values, and the loadable proof fails on any NULL,
orphan or duplicate the emitted constraints refuse.
"""

from __future__ import annotations

from pathlib import Path

from osddl.export.remediation import LEDGER_JSON, RemediationLedger, plan_ledger
from osddl.layout import path
from osddl.model.store import read_model
from osddl.options import RemediationOptions
from osddl.policy.store import read_decisions
from osddl.selection import select


def remediation_to_file(options: RemediationOptions, out: Path) -> None:
    """Write the ledger of every value the INSERTs change (empty when not applied)."""
    ledger = RemediationLedger(applied=False, entries=[])
    if options.apply:
        model = read_model(out / path("model"))
        ledger = plan_ledger(
            model,
            read_decisions(out / path("decisions")),
            select(model, options.selection),
            out,
            options.sentinels,
            options.fallback_parents,
        )
    LEDGER_JSON.write(out / path("remediation_ledger"), ledger)
    state = "applied" if ledger.applied else "not applied (policy.apply_remediation_in_export)"
    print(f"remediation: {len(ledger.entries)} values changed in the INSERTs; {state}")


def read_ledger(out: Path) -> RemediationLedger:
    return LEDGER_JSON.read(out / path("remediation_ledger"))
