"""The task graph: every task creator and doit's configuration, in one place.

`dodo.py` at the repository root re-exports it (so `doit` works in a checkout), and the installed
`osddl` command loads it from the package (`osddl.tasks.graph`) through doit's loader API, so a
project folder needs no dodo.py. Both take exactly the names in `__all__`. The demo builder task
exists only where its builder is (a checkout).
"""

from pathlib import Path

from . import filecheck
from .compare import task_dmm_compare
from .docs import task_docs
from .export import (
    task_dynamic_data,
    task_load_script,
    task_order,
    task_remediation,
    task_snapshot,
)
from .load import task_load
from .model import DEMO_BUILDER, task_demo_db, task_extract_model
from .policy import task_decide
from .profile import task_profile
from .proofs import task_full_export, task_manifest, task_sweep, task_verify
from .report import task_report
from .ssdt import task_ssdt, task_static_data
from .state import BACKEND, StateReporter, state_file
from .uat_users import task_uat_users
from .workers import whole_lines, workers

whole_lines()

DOIT_CONFIG = {
    "check_file_uptodate": filecheck.MD5Checker,  # doit's md5 rule, each file hashed once per run
    "dep_file": state_file(),  # kill-safe state, one run at a time: tasks/state.py
    "backend": BACKEND,
    "reporter": StateReporter,
    "default_tasks": ["full_export"],
    "verbosity": 1,
    "num_process": workers(),  # tasks/workers.py
}

# Outside a checkout (an operator's project folder) there is no demo builder to run.
IN_CHECKOUT = all(Path(p).is_file() for p in DEMO_BUILDER)
WITH_DEMO = [task_demo_db.__name__] if IN_CHECKOUT else []

__all__ = [
    "DOIT_CONFIG",
    *WITH_DEMO,
    "task_decide",
    "task_dmm_compare",
    "task_docs",
    "task_dynamic_data",
    "task_extract_model",
    "task_full_export",
    "task_load",
    "task_load_script",
    "task_manifest",
    "task_order",
    "task_profile",
    "task_remediation",
    "task_report",
    "task_snapshot",
    "task_ssdt",
    "task_static_data",
    "task_sweep",
    "task_uat_users",
    "task_verify",
]
