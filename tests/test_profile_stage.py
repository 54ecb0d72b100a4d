"""The profile stage through doit and the evidence cache: no-op reruns, staleness, eviction."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.demo import build_demo
from osddl.config import Settings
from osddl.options import data_options, extract_options, profile_stage_options
from osddl.profile.store import read_profile
from osddl.stages.extract_model import extract_to_file
from osddl.stages.profile import profile_to_files
from osddl.stages.sweep import sweep
from tests.project_settings import env_settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    build_demo(folder)
    return folder


@pytest.fixture
def workdir(demo_files: Path, tmp_path: Path) -> Path:
    for name in ("qa.sqlite", "qa_billing.sqlite"):
        shutil.copy(demo_files / name, tmp_path / name)
    return tmp_path


def doit(workdir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "OSDDL_SOURCE_URL": f"sqlite:///{workdir / 'qa.sqlite'}",
        "OSDDL_OUTPUT_DIR": str(workdir / "out"),
        "OSDDL_CACHE_DIR": str(workdir / "cache"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"), "--dir", str(workdir), *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        env=environment,
    )


def test_second_profile_is_up_to_date_and_a_changed_row_reprofiles(workdir: Path) -> None:
    first = doit(workdir, "profile")
    assert first.returncode == 0, first.stdout + first.stderr
    before = {(e.table, e.name): e for e in read_profile(workdir / "out/profile.parquet")}
    second = doit(workdir, "profile")
    assert "-- profile" in second.stdout and "-- extract_model" in second.stdout
    with sqlite3.connect(workdir / "qa.sqlite") as connection:
        connection.execute(
            'UPDATE "OSUSR_HRM_EMPLOYEE" SET "FIRSTNAME" = NULL WHERE "ID" = '
            '(SELECT MIN("ID") FROM "OSUSR_HRM_EMPLOYEE")'
        )
    third = doit(workdir, "profile")
    assert ".  profile" in third.stdout, third.stdout
    after = {(e.table, e.name): e for e in read_profile(workdir / "out/profile.parquet")}
    key = ("OSUSR_HRM_EMPLOYEE", "FIRSTNAME")
    assert after[key].null_count == (before[key].null_count or 0) + 1


def test_refresh_forces_a_rerun(workdir: Path) -> None:
    assert doit(workdir, "profile").returncode == 0
    again = doit(workdir, "profile", OSDDL_REFRESH="1")
    assert ".  profile" in again.stdout and ".  extract_model" in again.stdout
    assert "cache: evicted profile-" in again.stdout and "(refresh," in again.stdout


def stage_settings(workdir: Path, **env: str) -> Settings:
    return env_settings(
        {
            "OSDDL_SOURCE_URL": f"sqlite:///{workdir / 'qa.sqlite'}",
            "OSDDL_CACHE_DIR": str(workdir / "cache"),
            **env,
        },
    )


def run_stage(workdir: Path, **env: str) -> None:
    settings = stage_settings(workdir, **env)
    out = workdir / "out"
    extract_to_file(extract_options(settings), out / "model.json")
    profile_to_files(
        profile_stage_options(settings),
        out / "model.json",
        out / "profile.parquet",
        out / "profile-summary.json",
    )


def log_reasons(workdir: Path) -> list[tuple[str, str]]:
    lines = (workdir / "cache/cache-log.jsonl").read_text(encoding="utf-8").splitlines()
    return [(json.loads(x)["entry"], json.loads(x)["reason"]) for x in lines]


def entries(workdir: Path) -> set[str]:
    return {p.name for p in (workdir / "cache").iterdir() if p.is_dir()}


def test_shrinking_the_selection_evicts_and_removes_outputs(workdir: Path) -> None:
    run_stage(workdir, OSDDL_MODEL_MODULES="Sales,HR")
    old = entries(workdir)
    stale = workdir / "out/data/dbo.OSUSR_HRM_EMPLOYEE.parquet"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old snapshot")
    kept = workdir / "out/data/dbo.OSUSR_SAL_ORDER.parquet"
    kept.write_bytes(b"still selected")
    run_stage(workdir, OSDDL_MODEL_MODULES="Sales")
    # Outputs of deselected tables are the sweep's to remove (it runs after every producer).
    sweep(
        data_options(stage_settings(workdir, OSDDL_MODEL_MODULES="Sales")),
        workdir / "out/model.json",
        workdir / "out",
    )
    reasons = dict(log_reasons(workdir))
    evicted = {e for e in old if reasons.get(e) == "module selection shrank"}
    assert {e.split("-")[0] for e in evicted} == {"model", "profile"}
    assert not evicted & entries(workdir), "evicted entries must be gone from disk"
    assert not stale.exists() and kept.exists()


def test_changed_toggles_evict_the_old_entry(workdir: Path) -> None:
    run_stage(workdir)
    old = {e for e in entries(workdir) if e.startswith("profile-")}
    run_stage(workdir, OSDDL_PROFILE_UNIQUE_CANDIDATES="Sales::Customer.Email")
    assert [r for e, r in log_reasons(workdir) if e in old] == ["toggles changed"]
    assert not old & entries(workdir)


def test_changed_source_evicts_and_size_cap_applies(workdir: Path) -> None:
    run_stage(workdir)
    old = entries(workdir)
    with sqlite3.connect(workdir / "qa.sqlite") as connection:
        connection.execute('DELETE FROM "OSUSR_SAL_ORDERSTATUS" WHERE "ID" = 5')
    run_stage(workdir, OSDDL_CACHE_MAX_BYTES="1")
    reasons = log_reasons(workdir)
    old_model = next(e for e in old if e.startswith("model-"))
    assert [r for e, r in reasons if e == old_model] == ["source changed"]
    assert any(r == "size cap" for _, r in reasons)
    assert not old & entries(workdir)


def test_postgres_source_is_probed_reused_and_reprofiled(
    postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlalchemy as sa

    from fixtures.demo import build_demo_into

    engine = sa.create_engine(postgres_url)
    build_demo_into(engine)
    engine.dispose()
    settings = env_settings(
        {"OSDDL_SOURCE_URL": postgres_url, "OSDDL_CACHE_DIR": str(tmp_path / "cache")}
    )
    out = tmp_path / "out"

    def run() -> str:
        extract_to_file(extract_options(settings), out / "model.json")
        profile_to_files(
            profile_stage_options(settings),
            out / "model.json",
            out / "profile.parquet",
            out / "profile-summary.json",
        )
        return capsys.readouterr().out

    assert "reused cache entry" not in run()
    assert run().count("reused cache entry") == 2  # model and profile, source unchanged
    engine = sa.create_engine(postgres_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            'UPDATE "OSUSR_HRM_EMPLOYEE" SET "FIRSTNAME" = NULL '
            'WHERE "ID" = (SELECT MIN("ID") FROM "OSUSR_HRM_EMPLOYEE")'
        )
    engine.dispose()
    third = run()
    assert "profile: reused cache entry" not in third
    evidence = {(e.table, e.name): e for e in read_profile(out / "profile.parquet")}
    assert evidence[("OSUSR_HRM_EMPLOYEE", "FIRSTNAME")].null_count == 1
