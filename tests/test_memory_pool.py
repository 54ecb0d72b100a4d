"""The export's Arrow pool: jemalloc unless the operator chose one (osddl.export.memory)."""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa
import pytest

PROBE = (
    "import pyarrow as pa; from osddl.export.memory import use_export_pool; "
    "use_export_pool(); print(pa.default_memory_pool().backend_name)"
)


def pool_after(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.strip()


def test_jemalloc_unless_the_operator_chose_a_pool() -> None:
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow was built without jemalloc")
    base = {"PATH": "/usr/bin:/bin"}
    assert pool_after(base) == "jemalloc"
    assert pool_after({**base, "ARROW_DEFAULT_MEMORY_POOL": "system"}) == "system"
