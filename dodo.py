"""osddl task graph: `doit list` is the operator's menu. Task logic lives in tasks/ and osddl/."""

from tasks import filecheck
from tasks.compare import task_dmm_compare
from tasks.docs import task_docs
from tasks.export import task_dynamic_data, task_load_script, task_order, task_snapshot
from tasks.model import task_demo_db, task_extract_model
from tasks.policy import task_decide
from tasks.profile import task_profile
from tasks.proofs import task_full_export, task_manifest, task_sweep, task_verify
from tasks.report import task_report
from tasks.ssdt import task_ssdt, task_static_data
from tasks.state import BACKEND, StateReporter, state_file
from tasks.uat_users import task_uat_users

DOIT_CONFIG = {
    "check_file_uptodate": filecheck.MD5Checker,  # doit's md5 rule, each file hashed once per run
    "dep_file": state_file(),  # kill-safe state, one run at a time: tasks/state.py
    "backend": BACKEND,
    "reporter": StateReporter,
    "default_tasks": ["full_export"],
    "verbosity": 1,
}

__all__ = [
    "DOIT_CONFIG",
    "task_decide",
    "task_demo_db",
    "task_dmm_compare",
    "task_docs",
    "task_dynamic_data",
    "task_extract_model",
    "task_full_export",
    "task_load_script",
    "task_manifest",
    "task_order",
    "task_profile",
    "task_report",
    "task_snapshot",
    "task_ssdt",
    "task_static_data",
    "task_sweep",
    "task_uat_users",
    "task_verify",
]
