"""extract_model against real databases: the demo (SQLite), the same data on PostgreSQL, errors."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from fixtures.demo import build_demo, build_demo_into
from osddl.config import Settings
from osddl.errors import InputError, SourceError
from osddl.model.finish import ModelOptions
from osddl.model.store import model_to_bytes, schema_errors
from osddl.options import extract_options
from osddl.source.engine import StatementCounter, create_source_engine
from osddl.source.extract import extract_model
from osddl.stages.extract_model import build_model
from tests.project_settings import env_settings

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests/golden/demo.model.json"


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("demo")
    build_demo(target)
    return target


def demo_settings(demo: Path, **env: str) -> Settings:
    return env_settings({"OSDDL_SOURCE_URL": f"sqlite:///{demo / 'qa.sqlite'}", **env})


def extract_demo(demo: Path, **env: str) -> bytes:
    return model_to_bytes(build_model(extract_options(demo_settings(demo, **env)))[0])


def test_demo_extraction_matches_the_golden_model(demo_dir: Path) -> None:
    produced = extract_demo(demo_dir)
    if os.environ.get("OSDDL_REGENERATE_GOLDEN"):
        GOLDEN.write_bytes(produced)
    assert produced == GOLDEN.read_bytes(), "regenerate on purpose: OSDDL_REGENERATE_GOLDEN=1"
    assert schema_errors(json.loads(produced), "demo") == []


def test_extraction_is_deterministic_across_rebuilds(demo_dir: Path, tmp_path: Path) -> None:
    build_demo(tmp_path)
    assert extract_demo(tmp_path) == extract_demo(demo_dir)


def test_postgres_extracts_the_same_model(demo_dir: Path, postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    build_demo_into(engine)
    engine.dispose()
    settings = env_settings({"OSDDL_SOURCE_URL": postgres_url})
    on_postgres = build_model(extract_options(settings))[0]
    on_sqlite = build_model(extract_options(demo_settings(demo_dir)))[0]
    assert on_postgres.source.engine == "postgresql"
    assert replace(on_postgres, source=on_sqlite.source) == on_sqlite


def test_extraction_works_with_a_select_only_role(
    demo_dir: Path, postgres_url: str, postgres_admin_url: str
) -> None:
    from tests.postgres_server import create_readonly_role

    engine = sa.create_engine(postgres_url)
    build_demo_into(engine)
    engine.dispose()
    db_name = sa.engine.make_url(postgres_url).database
    reader_url = create_readonly_role(postgres_admin_url, str(db_name), f"reader_{db_name}")
    settings = env_settings({"OSDDL_SOURCE_URL": reader_url})
    model = build_model(extract_options(settings))[0]
    assert {m.name for m in model.modules} >= {"Sales", "Users"}


def count_statements(path: Path) -> int:
    engine = create_source_engine(f"sqlite:///{path}")
    counter = StatementCounter(engine)
    extract_model(engine, ModelOptions(), "scale")
    return counter.count


def test_statement_count_does_not_grow_with_entities(tmp_path: Path) -> None:
    from fixtures.scale import build_scale

    build_scale(tmp_path / "small.sqlite", entities=10, attributes=5, rows=0, fk_depth=2)
    build_scale(tmp_path / "large.sqlite", entities=120, attributes=5, rows=0, fk_depth=2)
    assert count_statements(tmp_path / "small.sqlite") == count_statements(
        tmp_path / "large.sqlite"
    )


def test_unknown_module_lists_the_known_ones(demo_dir: Path) -> None:
    with pytest.raises(InputError) as error:
        extract_demo(demo_dir, OSDDL_MODEL_MODULES="Sales,Salse")
    message = str(error.value)
    assert message.startswith("model.modules: unknown module 'salse'; did you mean 'sales'?")
    assert "known modules: " in message and "Sales" in message and "HR" in message


def test_missing_entity_table_is_one_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "notos.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute('CREATE TABLE "ossys_Espace" ("Id" INTEGER PRIMARY KEY, "Name" TEXT)')
    with pytest.raises(SourceError) as error:
        build_model(extract_options(env_settings({"OSDDL_SOURCE_URL": f"sqlite:///{path}"})))
    assert str(error.value) == (
        f"sqlite:///{path}: table ossys_Entity not found; is this an OutSystems platform "
        "database (check source.url), and may this principal see it (SELECT, VIEW DEFINITION)?"
    )


def test_unresolvable_reference_lists_candidates(demo_dir: Path, tmp_path: Path) -> None:
    for name in ("qa.sqlite", "qa_billing.sqlite"):
        shutil.copy(demo_dir / name, tmp_path / name)
    with sqlite3.connect(tmp_path / "qa.sqlite") as conn:
        attr_id, attr_name = conn.execute(
            'SELECT a."Id", a."Name" FROM "ossys_Entity_Attr" a JOIN "ossys_Entity" e '
            'ON e."Id" = a."Entity_Id" WHERE a."Referenced_Entity_Id" IS NOT NULL '
            'AND e."Name" = \'Customer\' ORDER BY a."Id" LIMIT 1'
        ).fetchone()
        conn.execute(
            'UPDATE "ossys_Entity_Attr" SET "Referenced_Entity_Id" = 999999, '
            '"Type" = \'btNOPE*NOPE\' WHERE "Id" = ?',
            (attr_id,),
        )
    with pytest.raises(InputError) as error:
        extract_demo(tmp_path)
    assert str(error.value).startswith(
        f"ossys_Entity_Attr Id={attr_id} (Customer.{attr_name}): reference target not found "
        "(Referenced_Entity_Id=999999, Type='btNOPE*NOPE'); candidates: "
    )


def test_two_entities_emitting_the_same_table_is_an_error(demo_dir: Path) -> None:
    with pytest.raises(InputError) as error:
        extract_demo(demo_dir, OSDDL_NAMING_OVERRIDES="Sales::Customer=Thing,HR::Employee=Thing")
    assert "HR::Employee and Sales::Customer both emit [dbo].[Thing]" in str(error.value)
    assert "add an override such as naming.overrides" in str(error.value)


def test_unreachable_database_redacts_the_password() -> None:
    url = "postgresql+psycopg://reader:s3cr3t-pw@127.0.0.1:1/QA"
    settings = env_settings({"OSDDL_SOURCE_URL": url, "OSDDL_SOURCE_CONNECT_TIMEOUT_SECONDS": "2"})
    with pytest.raises(SourceError) as error:
        build_model(extract_options(settings))
    message = str(error.value)
    assert message.startswith("postgresql+psycopg://reader:***@127.0.0.1:1/QA: ")
    assert message.endswith(
        "; check that it is running, the host and port in source.url, and the network"
    )
    assert "s3cr3t-pw" not in message


def run_doit(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"), "--dir", str(cwd), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )


def test_doit_extract_model_runs_then_is_up_to_date(demo_dir: Path, tmp_path: Path) -> None:
    env = {
        "OSDDL_SOURCE_URL": f"sqlite:///{demo_dir / 'qa.sqlite'}",
        "OSDDL_OUTPUT_DIR": str(tmp_path / "out"),
    }
    first = run_doit(["extract_model"], tmp_path, **env)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "out/model.json").read_bytes() == GOLDEN.read_bytes()
    second = run_doit(["extract_model"], tmp_path, **env)
    assert "-- extract_model" in second.stdout
    third = run_doit(["extract_model"], tmp_path, **{**env, "OSDDL_NAMING_TABLES": "physical"})
    assert ".  extract_model" in third.stdout


def test_doit_input_error_is_one_message_and_writes_nothing(demo_dir: Path, tmp_path: Path) -> None:
    env = {
        "OSDDL_SOURCE_URL": f"sqlite:///{demo_dir / 'qa.sqlite'}",
        "OSDDL_OUTPUT_DIR": str(tmp_path / "out"),
        "OSDDL_MODEL_MODULES": "Nope",
    }
    result = run_doit(["extract_model"], tmp_path, **env)
    assert result.returncode != 0
    assert "model.modules: unknown module 'nope'" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    written = (
        {p.name for p in (tmp_path / "out").rglob("*")} if (tmp_path / "out").exists() else set()
    )
    assert written <= {"run-log.jsonl"}, written  # the run log records the failed attempt only
