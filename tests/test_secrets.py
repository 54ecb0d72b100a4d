"""Secrets never leak: one redaction for every URL form, and a canary run that greps every byte."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from fixtures.demo import build_demo_into
from osddl.errors import SourceError
from osddl.options import fingerprint
from osddl.proofs.manifest import append_run_log
from osddl.source.engine import create_source_engine, redact, scrub, source_errors

ROOT = Path(__file__).resolve().parents[1]
CANARY = "Canary7xQ9zK"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql+psycopg://reader:SECRET@h:5432/qa",
            "postgresql+psycopg://reader:***@h:5432/qa",
        ),
        ("mssql+pymssql://u:p@SECRET@h/qa", "mssql+pymssql://u:***@h/qa"),
        ("postgresql+psycopg://r@h/qa?password=SECRET", "postgresql+psycopg://r@h/qa?password=***"),
        (
            "postgresql+psycopg://r@h/qa?PassWord=SECRET&x=1",
            "postgresql+psycopg://r@h/qa?PassWord=***&x=1",
        ),
        ("mssql+pymssql://r@h/qa?a=1&PWD=SECRET", "mssql+pymssql://r@h/qa?a=1&PWD=***"),
        ("postgresql://h/qa?Token=SECRET#x", "postgresql://h/qa?Token=***#x"),
        ("postgresql://h/qa?access_token=SECRET", "postgresql://h/qa?access_token=***"),
        (
            "mssql+pyodbc:///?odbc_connect=DRIVER%3D%7BODBC%7D%3BUID%3Du%3BPWD%3DSECRET%3BX%3D1",
            "mssql+pyodbc:///?odbc_connect=DRIVER%3D%7BODBC%7D%3BUID%3Du%3BPWD%3D***%3BX%3D1",
        ),
        (
            "mssql+pyodbc:///?odbc_connect=driver%3d%7bx%7d%3bpwd%3d%7bSE%3BCRET%7d%3buid%3du",
            "mssql+pyodbc:///?odbc_connect=driver%3d%7bx%7d%3bpwd%3d***%3buid%3du",
        ),
        ("DRIVER={x};UID=u;Pwd={SE;CRET};Encrypt=yes", "DRIVER={x};UID=u;Pwd=***;Encrypt=yes"),
        (
            "error at sqlite:///out/qa.sqlite: no such table",
            "error at sqlite:///out/qa.sqlite: no such table",
        ),
    ],
)
def test_redact_masks_every_url_form(url: str, expected: str) -> None:
    assert redact(url) == expected
    assert redact(expected) == expected  # idempotent: redacting twice changes nothing
    if not url.startswith(
        ("DRIVER", "error")
    ):  # the parsed URL (as engines carry it) is redacted the same way
        assert "SECRET" not in redact(make_url(url)) and "CRET" not in redact(make_url(url))


def test_scrub_reaches_nested_values_and_fingerprints_hold_no_secret() -> None:
    value = {"source.url": {"value": f"pg://u:{CANARY}@h/q", "source": "env"}, "n": [1, "x"]}
    assert scrub(value) == {
        "source.url": {"value": "pg://u:***@h/q", "source": "env"},
        "n": [1, "x"],
    }
    changed = {"source.url": {"value": "pg://u:other@h/q", "source": "env"}, "n": [1, "x"]}
    assert fingerprint(value) == fingerprint(changed)  # derived from the redacted options only


def test_cache_entries_store_the_redacted_source(tmp_path: Path) -> None:
    from osddl.cache import CacheKey, EvidenceCache

    key = CacheKey("model", f"mssql+pymssql://u@h/q?password={CANARY}", ("A",), {}, "p")
    produced = tmp_path / "model.json"
    produced.write_text("{}", encoding="utf-8")
    entry = EvidenceCache(tmp_path / "cache", 60, 0, log=lambda _: None).store(key, {"m": produced})
    assert CANARY not in (entry / "entry.json").read_text(encoding="utf-8")
    assert key.source == "mssql+pymssql://u@h/q?password=***"


def test_run_log_facts_are_redacted(tmp_path: Path) -> None:
    append_run_log(tmp_path, "t", 0.1, subject=f"mssql+pymssql://u@h/q?pwd={CANARY}")
    assert CANARY not in (tmp_path / "run-log.jsonl").read_text(encoding="utf-8")


def test_driver_message_echoing_a_query_secret_is_scrubbed() -> None:
    engine = create_source_engine(f"postgresql+psycopg://u@127.0.0.1:1/q?password={CANARY}")
    with pytest.raises(SourceError) as error, source_errors(engine):
        raise sa.exc.OperationalError("connect", {}, Exception(f"bad password {CANARY} given"))
    assert CANARY not in str(error.value)
    assert str(error.value).startswith("postgresql+psycopg://u@127.0.0.1:1/q?password=***: ")


# --- the canary run ---------------------------------------------------------------------------


def _doit(cwd: Path, url: str, *tasks: str) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "OSDDL_SOURCE_URL": url,
        "OSDDL_OUTPUT_DIR": str(cwd / "out"),
        "OSDDL_CACHE_DIR": str(cwd / "cache"),
        "OSDDL_SOURCE_CONNECT_TIMEOUT_SECONDS": "2",
    }
    env.pop("OSDDL_CONFIG", None)
    command = [sys.executable, "-m", "doit", "-f", str(ROOT / "dodo.py"), "--dir", str(cwd)]
    return subprocess.run([*command, *tasks], cwd=cwd, capture_output=True, env=env, timeout=300)


def _leaks(root: Path, *streams: bytes) -> list[str]:
    """Every file under `root` (and each stream) that holds the canary in any encoding."""
    needles = [CANARY.encode(), CANARY.encode("utf-16-le")]
    found = [
        str(p.relative_to(root))
        for p in sorted(root.rglob("*"))
        if p.is_file() and any(n in p.read_bytes() for n in needles)
    ]
    return found + [f"stream {i}" for i, s in enumerate(streams) if any(n in s for n in needles)]


@pytest.mark.slow
def test_canary_secret_in_every_form_is_never_written(postgres_url: str, tmp_path: Path) -> None:
    engine = sa.create_engine(postgres_url)
    build_demo_into(engine)
    engine.dispose()
    base = make_url(postgres_url)  # trust authentication: any password is accepted
    good = {
        "userinfo": base.set(password=CANARY).render_as_string(hide_password=False),
        "query": base.render_as_string(hide_password=False) + f"?password={CANARY}",
    }
    odbc = f"DRIVER%3D%7BODBC%7D%3BSERVER%3Dh%3BUID%3Du%3BPWD%3D{CANARY}%3B"
    failing = {
        "unreachable": f"postgresql+psycopg://u:{CANARY}@127.0.0.1:1/qa?password={CANARY}",
        "pwd": base.render_as_string(hide_password=False) + f"?PWD={CANARY}",
        "access_token": base.render_as_string(hide_password=False) + f"?Access_Token={CANARY}",
        "odbc_connect": f"mssql+pyodbc:///?odbc_connect={odbc}",
        "odbc_on_postgres": base.render_as_string(hide_password=False) + f"?odbc_connect={odbc}",
        "not_a_url": f"not a url password={CANARY}",
    }
    for name, url in {**good, **failing}.items():
        folder = tmp_path / name
        folder.mkdir()
        run = _doit(folder, url, "extract_model", "profile", "snapshot")
        assert _leaks(folder, run.stdout, run.stderr) == [], name
        if name in good:
            assert run.returncode == 0, run.stderr.decode()
            assert list((folder / "out/data").glob("*.parquet")), name
            assert (folder / "out/profile.parquet").is_file()
            assert any((folder / "cache").glob("model-*/entry.json"))
            assert b"***" in run.stdout  # the redacted URL is shown, so the grep is meaningful
        else:
            assert run.returncode != 0, name
            assert b"Traceback" not in run.stderr + run.stdout, run.stderr.decode()
        assert list(folder.glob(".doit.db*")), name  # doit's state was written and searched
