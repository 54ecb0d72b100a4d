"""Value fit: the rule, the `verify:fit` proof on emitted files, the profile's measures and the
policy's report, end to end on a small generated OutSystems database (SQLite)."""

from __future__ import annotations

import json
import re
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from fixtures.scale import build_scale
from osddl.model.sqltype import parse_sql_type
from osddl.profile.store import read_profile
from osddl.proofs.fit import misfit
from tests.doit_runs import copy_project, doit

NO_USERS = {"OSDDL_UAT_USERS_ENABLED": "0"}  # the scale database has no user inventories
TABLE = "OSUSR_S001_ENTITY00001"
DATA = "out/DynamicData/Scale001/dbo.Entity00001.dynamic.sql"


@pytest.mark.parametrize(
    ("value", "sql_type", "problem"),
    [
        ("x" * 100, "nvarchar(100)", None),
        ("x" * 101, "nvarchar(100)", "101 characters > nvarchar(100)'s 100"),
        ("\U0001f600" * 3, "nvarchar(5)", "6 characters > nvarchar(5)'s 5"),  # UTF-16 units
        ("\U0001f600" * 3, "varchar(3)", None),
        ("x" * 9000, "nvarchar(max)", None),
        (b"\x00" * 3, "varbinary(2)", "3 bytes > varbinary(2)'s 2"),
        (Decimal("99999999999999.9999"), "decimal(18,4)", None),
        (Decimal("123456789012345.0000"), "decimal(18,4)", "15 integer digits > 14"),
        (Decimal("1.00001"), "decimal(18,4)", "5 decimals > 4"),
        (Decimal("-1.5"), "decimal(1,0)", "1 decimals > 0"),
        (256, "tinyint", "256 is outside 0..255"),
        (2**31, "int", "is outside"),
        (-(2**31), "int", None),
        (Decimal("922337203685477.5808"), "money", "is outside"),
        ("1752-12-31T23:59:59.997", "datetime", "1752-12-31 is outside 1753-01-01..9999-12-31"),
        ("1753-01-01T00:00:00.000", "datetime", None),
        ("2079-06-07T00:00:00.000", "smalldatetime", "is outside"),
        ("0001-01-01T00:00:00.0000000", "datetime2(7)", None),
        # time of day finer than the type keeps (the type table's clock facts)
        ("2020-01-01T00:00:00.003", "datetime", None),
        ("2020-01-01T00:00:00.007", "datetime", None),
        ("2020-01-01T00:00:00.010", "datetime", None),
        ("2020-01-01T00:00:00.001", "datetime", "00:00:00.001 is stored as 00:00:00.0000000"),
        ("2020-01-01T00:00:00.005", "datetime", "stored as 00:00:00.0066667 (datetime keeps 1/300"),
        ("2020-01-01T00:00:59.999", "datetime", "stored as 00:01:00.0000000"),
        ("2020-01-01T12:30:00.000", "smalldatetime", None),
        ("2020-01-01T12:30:29.000", "smalldatetime", "stored as 12:30:00.0000000"),
        ("2020-01-01T12:30:30.000", "smalldatetime", "stored as 12:31:00.0000000"),
        ("2020-01-01T00:00:00.1230000", "datetime2(3)", None),
        ("2020-01-01T00:00:00.1234500", "datetime2(3)", "datetime2(3) keeps 10^-n s of (n)"),
        ("2020-01-01T00:00:00.1234567", "datetime2", None),
        ("12:00:00.5000000", "time(0)", "stored as 12:00:01.0000000"),
        ("2020-01-01T00:00:00.1000000+02:00", "datetimeoffset(1)", None),
        ("2020-01-01T00:00:00.1200000+02:00", "datetimeoffset(1)", "stored as 00:00:00.1000000"),
    ],
)
def test_misfit_names_what_sql_server_refuses(
    value: object, sql_type: str, problem: str | None
) -> None:
    found = misfit(value, parse_sql_type(sql_type))
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("fit")
    build_scale(work / "qa.sqlite", entities=2, attributes=7, rows=5, fk_depth=1)
    result = doit(work, "full_export", **NO_USERS)
    assert result.returncode == 0, result.stdout[-3000:]
    return work


def proof(work: Path) -> dict[str, object]:
    document: dict[str, object] = json.loads(
        (work / "out/proofs/fit-verification.json").read_text(encoding="utf-8")
    )
    return document


def test_fit_proof_passes_a_clean_export(clean: Path) -> None:
    document = proof(clean)
    assert document["verdict"] == "pass" and document["values"]
    assert "verify: value fit           pass" in doit(clean, "verify", **NO_USERS).stdout


def test_one_character_too_long_in_an_emitted_file_fails_the_proof(
    clean: Path, tmp_path: Path
) -> None:
    work = copy_project(clean, tmp_path / "w")
    path = work / DATA
    text = path.read_text(encoding="utf-8")
    first = re.search(r"N'value \d+'", text)
    assert first is not None
    path.write_text(text.replace(first[0], "N'" + "y" * 101 + "'", 1), encoding="utf-8")
    result = doit(work, "verify", **NO_USERS)
    assert result.returncode != 0
    (failure,) = proof(work)["failures"]  # type: ignore[misc]
    assert failure["kind"] == "value-does-not-fit"
    assert failure["file"] == "Scale001/dbo.Entity00001.dynamic.sql"
    assert (failure["row"], failure["column"]) == (1, "Col000Text")
    assert "101 characters > nvarchar(100)'s 100" in failure["detail"]
    assert "verify: FAILED: value fit" in result.stdout


def test_a_decimal_with_too_many_digits_in_an_emitted_file_fails_the_proof(
    clean: Path, tmp_path: Path
) -> None:
    work = copy_project(clean, tmp_path / "w")
    path = work / DATA
    text = path.read_text(encoding="utf-8")
    number = re.search(r", (\d+\.\d{4}), '", text)
    assert number is not None
    path.write_text(text.replace(number[1], "123456789012345.0000", 1), encoding="utf-8")
    assert doit(work, "verify", **NO_USERS).returncode != 0
    (failure,) = proof(work)["failures"]  # type: ignore[misc]
    assert failure["column"] == "Col002Decimal" and "15 integer digits > 14" in failure["detail"]


def test_a_datetime_finer_than_its_type_keeps_in_an_emitted_file_fails_the_proof(
    clean: Path, tmp_path: Path
) -> None:
    """The renderer writes `datetime` as .fff (milliseconds as SQL Server shows them); a value
    SQL Server would round (.001 → .000) is named with file, batch, row and column."""
    work = copy_project(clean, tmp_path / "w")
    path = work / DATA
    text = path.read_text(encoding="utf-8")
    moment = re.search(r"'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d)\d'", text)
    assert moment is not None
    path.write_text(text.replace(moment[0], f"'{moment[1]}1'", 1), encoding="utf-8")
    assert doit(work, "verify", **NO_USERS).returncode != 0
    (failure,) = proof(work)["failures"]  # type: ignore[misc]
    assert failure["kind"] == "value-does-not-fit"
    assert failure["file"] == "Scale001/dbo.Entity00001.dynamic.sql"
    assert (failure["batch"], failure["row"], failure["column"]) == (4, 1, "Col003DateTime")
    assert "(datetime keeps 1/300 s (.000/.003/.007))" in failure["detail"]


def test_datetime_keeps_what_sql_server_shows() -> None:
    """SQL Server's datetime shows milliseconds ending in 0, 3 or 7, and those only fit."""
    datetime = parse_sql_type("datetime")
    fitting = [ms for ms in range(1000) if misfit(f"2020-01-01T00:00:00.{ms:03}", datetime) is None]
    assert fitting == [ms for ms in range(1000) if ms % 10 in (0, 3, 7)]


def dirty(clean: Path, target: Path, *updates: str) -> Path:
    work = target
    work.mkdir()
    (work / "qa.sqlite").write_bytes((clean / "qa.sqlite").read_bytes())
    with sqlite3.connect(work / "qa.sqlite") as connection:
        for update in updates:
            connection.execute(update)
    return work


def misfits(work: Path) -> dict[str, dict[str, object]]:
    report = json.loads((work / "out/decision-report.json").read_text(encoding="utf-8"))
    return {m["attribute"]: m for m in report["valueFit"]}


def test_an_over_long_value_and_an_old_datetime_are_reported_and_fail_the_gate(
    clean: Path, tmp_path: Path
) -> None:
    work = dirty(
        clean,
        tmp_path / "w",
        f"UPDATE {TABLE} SET COL000TEXT = printf('%.3000c', 'x') WHERE ID = 2",
        f"UPDATE {TABLE} SET COL003DATETIME = '1700-01-01 00:00:00' WHERE ID = 3",
    )
    result = doit(work, "full_export", **NO_USERS)
    assert result.returncode != 0
    evidence = {(e.table, e.name): e for e in read_profile(work / "out/profile.parquet")}
    assert evidence[(TABLE, "COL000TEXT")].max_length == 3000
    assert evidence[(TABLE, "COL003DATETIME")].min_value == "1700-01-01 00:00:00"
    found = misfits(work)
    assert found["Col000Text"]["widenTo"] == "nvarchar(3000)"
    assert "DATALENGTH([COL000TEXT]) > 200" in str(found["Col000Text"]["listing"])
    assert found["Col003DateTime"]["widenTo"] == "datetime2(3)"
    assert "value fit: dbo.OSUSR_S001_ENTITY00001.COL000TEXT nvarchar(100)" in result.stdout
    failures = {f["column"]: f for f in proof(work)["failures"]}  # type: ignore[attr-defined]
    assert set(failures) == {"Col000Text", "Col003DateTime"}
    assert "outside 1753-01-01" in failures["Col003DateTime"]["detail"]
    assert "verify: FAILED: value fit" in result.stdout


def test_a_decimal_with_too_many_digits_is_reported_by_the_policy(
    clean: Path, tmp_path: Path
) -> None:
    work = dirty(
        clean,
        tmp_path / "w",
        f"UPDATE {TABLE} SET COL002DECIMAL = '123456789012345.5' WHERE ID = 4",
    )
    result = doit(work, "decide", **NO_USERS)
    assert result.returncode == 0, result.stdout[-3000:]
    found = misfits(work)["Col002Decimal"]
    assert "15 integer digits > 14" in str(found["problem"])
    assert found["widenTo"] == "decimal(19,4)"
    assert "MAX 123456789012345.5" in str(found["observed"])
