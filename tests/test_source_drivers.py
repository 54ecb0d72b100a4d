"""A source whose database driver is not installed ends in one line naming the extra to install.

The driver is made unimportable for real: a fresh interpreter with `sys.modules[name] = None`
set before osddl is imported, so `import psycopg` fails as it does after a plain install.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from osddl.source.engine import DRIVERS

ROOT = Path(__file__).resolve().parents[1]
PROGRAM = """
import sys
sys.modules[{module!r}] = None
from osddl.errors import InputError
from osddl.source.engine import create_source_engine
try:
    create_source_engine({url!r})
except InputError as exc:
    print(exc)
else:
    print("no error")
"""


def _without(module: str, url: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM.format(module=module, url=url)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stderr == ""
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("module", "url", "expected"),
    [
        (
            "psycopg",
            "postgresql+psycopg://reader:s3cr3t@db:5432/QA",
            "source.url: the PostgreSQL driver (psycopg) is not installed; "
            "pip install 'osddl[postgres]'",
        ),
        (
            "pymssql",
            "mssql+pymssql://reader:s3cr3t@sqlqa01:1433/QA",
            "source.url: the SQL Server driver (pymssql) is not installed; "
            "pip install pymssql (a dependency of osddl: reinstall osddl)",
        ),
    ],
)
def test_a_missing_driver_is_one_line_naming_what_to_install(
    module: str, url: str, expected: str
) -> None:
    line = _without(module, url)
    assert line == expected
    assert "s3cr3t" not in line


def test_the_postgres_extra_named_by_the_message_exists() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    assert any(d.startswith("psycopg") for d in extras["postgres"])
    for _, install in DRIVERS.values():
        for extra in (part.split("]")[0] for part in install.split("osddl[")[1:]):
            assert extra in extras, f"{install!r} names an extra pyproject.toml lacks"
