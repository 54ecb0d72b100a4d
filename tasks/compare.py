"""`dmm_compare`: our SSDT tables against another tool's DDL (file or folder)."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import out


def _compare(theirs: str) -> bool | None:
    from osddl.compare.ddl import run_compare  # sqlglot's DDL reader: this task alone needs it

    if not theirs:
        sys.stderr.write("dmm_compare: name the other tool's DDL: doit dmm_compare --ddl PATH\n")
        return False
    target = out("dmm-diff.json")
    target.unlink(missing_ok=True)
    code = run_compare(out("ssdt", "Modules"), Path(theirs), target)
    if code:
        raise SystemExit(code)  # 2 drift, 1 unreadable: the exit code is the verdict
    return None


def task_dmm_compare() -> dict[str, object]:
    """Compare out/ssdt/ with another tool's DDL (--ddl PATH) → out/dmm-diff.json; exit 0/2/1."""
    return {
        "actions": [(_compare,)],
        "params": [
            {
                "name": "theirs",
                "long": "ddl",
                "type": str,
                "default": "",
                "help": "the other tool's DDL: a .sql file or a folder",
            }
        ],
        "task_dep": ["ssdt"],
        "uptodate": [False],
        "verbosity": 2,
    }
