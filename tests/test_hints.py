"""Every fix a proof prints is followed literally, as an operator would, and must make `doit verify`
pass again (issue 9: a hint never points at a task that cannot fix the problem)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from fixtures.demo import build_demo
from osddl.proofs.export import HINTS
from tests.doit_runs import copy_project, doit, tail, tree

CUSTOMER = "DynamicData/Sales/dbo.Customer.dynamic.sql"


def delete_manifest(out: Path) -> str:
    (out / "full-export.manifest.json").unlink()
    return "manifest"


def delete_script(out: Path) -> str:
    (out / CUSTOMER).unlink()
    return "missing"


def change_byte(out: Path) -> str:
    path = out / CUSTOMER
    data = bytearray(path.read_bytes())
    index = data.rindex(b"N'") + 2
    data[index] = ord("X") if data[index] != ord("X") else ord("Y")
    path.write_bytes(bytes(data))
    return "changed"


def stray_file(out: Path) -> str:
    (out / "DynamicData/Sales/notes.txt").write_text("scratch\n", encoding="utf-8")
    return "unexpected"


def delete_seed(out: Path) -> str:
    next((out / "ssdt/Seeds").rglob("*.seed.sql")).unlink()
    return "incomplete"


def miscount_rows(out: Path) -> str:
    path = out / CUSTOMER
    text = path.read_text(encoding="utf-8")
    path.write_text(
        re.sub(r"\| rows (\d+)$", "| rows 999999", text, count=1, flags=re.M), encoding="utf-8"
    )
    return "row-count"


def include_twice(out: Path) -> str:
    path = out / "DynamicData/load.sql"
    line = r":r .\Sales\dbo.Customer.dynamic.sql"
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    return "load-script"


FAULTS: list[Callable[[Path], str]] = [
    delete_manifest,
    change_byte,
    stray_file,
    miscount_rows,
    include_twice,
]

# What each fix says, done literally: (the start of the hint) → steps.
STEPS: dict[str, tuple[str, ...]] = {
    "run doit full_export": ("full_export",),
    "rerun doit full_export": ("full_export",),
    "delete the file, then rerun doit full_export": ("delete", "full_export"),
    "delete DynamicData/load.sql, then rerun doit full_export": ("delete load.sql", "full_export"),
    "remove the stray file": ("delete",),
}


def steps_for(hint: str) -> tuple[str, ...]:
    return next(steps for start, steps in STEPS.items() if hint.split(";")[0] == start)


def test_every_hint_has_steps_an_operator_can_follow() -> None:
    assert {h.split(";")[0] for h in HINTS.values()} <= set(STEPS)


def findings(output: str) -> list[tuple[str, str, str]]:
    """(kind, path, fix) of every finding `verify:export` printed."""
    found = re.findall(r"^  ([a-z-]+): (\S+).*\n    fix: (.+)$", output, re.MULTILINE)
    return [(kind, path, fix) for kind, path, fix in found]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("hints")
    build_demo(work)
    result = doit(work, "full_export")
    assert result.returncode == 0, tail(result)
    return work


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.__name__)
def test_following_the_printed_fix_makes_verify_pass(
    exported: Path, tmp_path: Path, fault: Callable[[Path], str]
) -> None:
    work = copy_project(exported, tmp_path / "w")
    kind = fault(work / "out")
    failed = doit(work, "verify")
    assert failed.returncode != 0, tail(failed)
    printed = findings(failed.stdout)
    assert kind in {k for k, _, _ in printed}, tail(failed)
    for _, relative, fix in printed:
        for step in steps_for(fix):
            if step == "delete":
                (work / "out" / relative).unlink(missing_ok=True)
            elif step == "delete load.sql":
                (work / "out/DynamicData/load.sql").unlink(missing_ok=True)
    if any("full_export" in steps_for(fix) for _, _, fix in printed):
        rerun = doit(work, "full_export")
        assert rerun.returncode == 0, tail(rerun)
    again = doit(work, "verify")
    assert again.returncode == 0, tail(again)


@pytest.mark.parametrize("fault", [delete_script, delete_seed], ids=lambda f: f.__name__)
def test_verify_first_rebuilds_a_deleted_artifact(
    exported: Path, tmp_path: Path, fault: Callable[[Path], str]
) -> None:
    """`doit verify` brings the export up to date like make (a missing target is rebuilt), then
    proves it: the file comes back byte-identical and every proof passes."""
    work = copy_project(exported, tmp_path / "w")
    fault(work / "out")
    result = doit(work, "verify")
    assert result.returncode == 0, tail(result)
    assert tree(work / "out") == tree(exported / "out")
