"""SQL Server through pymssql: runs only where OSDDL_TEST_MSSQL_URL names an OutSystems database."""

from __future__ import annotations

import json
import os

import pytest

from osddl.model.store import model_to_bytes, schema_errors
from osddl.options import extract_options
from osddl.source.engine import StatementCounter, create_source_engine
from osddl.stages.extract_model import build_model
from tests.project_settings import env_settings

MSSQL_URL = os.environ.get("OSDDL_TEST_MSSQL_URL", "")
pytestmark = pytest.mark.skipif(
    not MSSQL_URL,
    reason="set OSDDL_TEST_MSSQL_URL=mssql+pymssql://user:pw@host:1433/DB (an OutSystems "
    "platform database) to run the SQL Server tests",
)


def test_sql_server_extraction_validates_and_is_deterministic() -> None:
    options = extract_options(env_settings({"OSDDL_SOURCE_URL": MSSQL_URL}))
    first, _ = build_model(options)
    second, _ = build_model(options)
    produced = model_to_bytes(first)
    assert produced == model_to_bytes(second)
    assert schema_errors(json.loads(produced), "mssql") == []
    assert first.source.engine == "mssql"


def test_sql_server_catalog_uses_a_fixed_number_of_statements() -> None:
    from osddl.model.finish import ModelOptions
    from osddl.source.extract import extract_model

    engine = create_source_engine(MSSQL_URL)
    counter = StatementCounter(engine)
    extract_model(engine, ModelOptions(), None)
    few = counter.count
    counter.count = 0
    extract_model(engine, ModelOptions(include_system=True, include_inactive=True), None)
    assert counter.count == few


def test_sql_server_self_reference_with_orphans_has_evidence() -> None:
    from tests.test_profile import check_self_reference

    engine = create_source_engine(MSSQL_URL)
    try:
        check_self_reference(engine)
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS dbo.NODE")
        engine.dispose()
