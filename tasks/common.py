"""What every task module shares: the effective settings and operator-friendly actions."""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from doit.exceptions import TaskFailed

from osddl import __version__
from osddl.config import Settings, load_settings
from osddl.errors import OsddlError
from osddl.io import canonical_json, sha256_bytes
from osddl.proofs.manifest import append_run_log

CLI_ENV = "OSDDL_CLI_SET"  # JSON object of `--set key=value` pairs from the `osddl` entry point


@functools.cache
def settings() -> Settings:
    """Loaded once per run; a bad setting stops the run before any task starts."""
    try:
        return load_settings(cli=json.loads(os.environ.get(CLI_ENV, "{}")))
    except OsddlError as exc:
        sys.stderr.write(f"osddl: {exc}\n")
        raise SystemExit(2) from None


def out(*parts: str) -> Path:
    return Path(settings().text("output.dir"), *parts)


def fingerprint(values: dict[str, Any]) -> str:
    """A digest of the settings a task depends on, for `config_changed`: no secret is stored."""
    return sha256_bytes(canonical_json({"osddl": __version__, **values}))


def _log(action: str, start: float, subject: str | None, outcome: str) -> None:
    facts = {"outcome": outcome, **({"subject": subject} if subject else {})}
    append_run_log(out(), action, time.perf_counter() - start, **facts)


def source_uptodate(config: Settings) -> bool:
    """SQLite and JSON sources are file dependencies; servers and refreshes always run (the action
    then asks the evidence cache, which re-extracts only when the source probe changed)."""
    from osddl.stages.extract_model import model_inputs

    return not model_inputs(config).server and not config.flag("cache.refresh")


def operator_action(function: Callable[..., Any]) -> Callable[..., Any]:
    """Run a library function; an OsddlError becomes a one-line failure, not a traceback.
    A dict result is kept by doit as the task's values; False fails the task. Each run's time goes
    to out/run-log.jsonl, the only place for timings (artifacts stay byte-identical)."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        subject = next((a for a in args if isinstance(a, str)), None)
        try:
            result = function(*args, **kwargs)
        except OsddlError as exc:
            _log(function.__name__, start, subject, "failed")
            return TaskFailed(str(exc))
        _log(function.__name__, start, subject, "ok" if result is not False else "failed")
        return result if isinstance(result, dict | bool) else None

    return run
