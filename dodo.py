"""osddl task graph: `doit list` is the operator's menu. Task logic lives in tasks/ and osddl/."""

from tasks.compare import task_dmm_compare
from tasks.docs import task_docs
from tasks.export import task_dynamic_data, task_load_script, task_order, task_snapshot
from tasks.groups import task_full_export
from tasks.model import task_demo_db, task_extract_model
from tasks.policy import task_decide
from tasks.profile import task_profile
from tasks.proofs import task_manifest, task_verify
from tasks.ssdt import task_ssdt, task_static_data

DOIT_CONFIG = {
    "check_file_uptodate": "md5",
    "dep_file": ".doit.db",
    "backend": "json",
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
    "task_snapshot",
    "task_ssdt",
    "task_static_data",
    "task_verify",
]
