"""out/report.html, written after the manifest from the artifacts it lists."""

from __future__ import annotations

from osddl.report import report_inputs, report_to_file

from .common import artifact, operator_action, out, settings


def task_report() -> dict[str, object]:
    """Write out/report.html: summary, decisions, dependency graph, uat-users, proofs."""
    enabled = settings().flag("uat_users.enabled")
    return {
        "actions": [(operator_action(report_to_file), [out(), enabled])],
        "file_dep": [str(out(name)) for name in report_inputs(enabled)],
        "targets": [artifact("report")],
        "task_dep": ["manifest"],
        "verbosity": 2,
    }
