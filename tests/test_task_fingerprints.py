"""Fingerprint = what the action reads (issue 9): a setting a task reads while it is built must
change what doit compares (its config fingerprint, file deps or targets), and every options object
an action receives must be the one its fingerprint covers. Stage functions never see `Settings`."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from doit.tools import config_changed

import dodo
import tasks.common
from osddl.config import KEYS_BY_NAME, Setting, Settings, load_settings
from osddl.options import Hint, fingerprint
from tests.doit_runs import ROOT, doit

# Keys that only move paths: doit sees them through file deps and targets of new names.
PATH_KEYS = {"output.dir"}
# A perturbation that must change what the task reads, where the generic one would not.
SPECIAL: dict[str, Any] = {
    "model.modules": ["Users"],
    "uat_users.fallback": "single:1",
    "uat_users.match": ["email"],
    "uat_users.exclude_columns": ["Sales::Order.AssignedTo"],  # a catalogued column
    "model.type_mapping": str(ROOT / "tests" / "data" / "type_mapping_override.toml"),
}


class RecordingSettings(Settings):
    """Settings that remember every key read through them (and through their overrides)."""

    def __init__(self, base: Settings, read: set[str] | None = None) -> None:
        super().__init__({n: Setting(base[n], base.source_of(n)) for n in KEYS_BY_NAME}, None)
        self.read = set() if read is None else read

    def __getitem__(self, name: str) -> Any:
        self.read.add(name)
        return super().__getitem__(name)

    def provenance(self) -> dict[str, dict[str, Any]]:
        self.read.update(KEYS_BY_NAME)
        return super().provenance()

    def subset(self, *prefixes: str) -> dict[str, Any]:
        self.read.update(n for n in KEYS_BY_NAME if n.startswith(prefixes))
        return super().subset(*prefixes)

    def overridden(self, values: Any) -> Settings:
        return RecordingSettings(super().overridden(values), self.read)


def perturbed(settings: Settings, name: str) -> Settings:
    """The same settings with `name` set to another valid value (at command-line precedence)."""
    key, value = KEYS_BY_NAME[name], settings[name]
    if name in SPECIAL:
        other = SPECIAL[name]
    elif key.kind == "bool":
        other = not value
    elif key.kind == "int":
        other = value + 1
    elif key.kind == "float":
        low, high = key.bounds or (value, value + 2)
        other = (low + high) / 2 if value != (low + high) / 2 else high
    elif key.kind == "choice":
        other = next(c for c in key.choices if c != value)
    elif key.kind == "list":
        other = [*value, "Sales::Customer.Name"]
    elif key.kind == "map":
        other = {**value, "dbo.X": "Y"}
    else:
        other = f"{value}x" if not name.endswith("url") else "sqlite:///elsewhere.sqlite"
    values = {n: Setting(settings[n], settings.source_of(n)) for n in KEYS_BY_NAME}
    values[name] = Setting(other, "cli")
    return Settings(values, None)


TASK_CREATORS = sorted(name for name in dir(dodo) if name.startswith("task_"))


def build(
    creator: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, Any]]:
    """The task dicts a creator yields with `settings` in force (per-table ones from model.json)."""
    for module in (m for m in list(__import__("sys").modules.values()) if m is not None):
        if getattr(module, "__name__", "").startswith("tasks.") and hasattr(module, "settings"):
            monkeypatch.setattr(module, "settings", lambda: settings)
    made = getattr(dodo, creator)()
    return list(made) if isinstance(made, Iterator) else [made]


def signature(task: dict[str, Any]) -> list[Any]:
    """What doit compares to decide the task is up to date."""
    parts: list[Any] = [sorted(map(str, task.get("file_dep", []))), sorted(task.get("targets", []))]
    for check in task.get("uptodate", []):
        if isinstance(check, config_changed):
            parts.append(check.config)
        elif hasattr(check, "options"):
            parts.append(fingerprint(check.options))
        else:
            parts.append(check)
    return parts


def always_runs(task: dict[str, Any]) -> bool:
    """`uptodate: [False]`: nothing to fingerprint, the task runs every time."""
    return any(check is False for check in task.get("uptodate", []))


def hints(tasks: list[dict[str, Any]]) -> str:
    """The `Hint` arguments of the tasks' actions: read settings may change these alone."""
    found = {
        t.get("name", ""): [
            repr(a) for action in t.get("actions") or [] if isinstance(action, tuple)
            for arguments in action[1:2] for a in arguments if isinstance(a, Hint) or a is None
        ]
        for t in tasks
    }  # fmt: skip
    return json.dumps(found, sort_keys=True)


def signatures(tasks: list[dict[str, Any]]) -> str:
    return json.dumps({t.get("name", ""): signature(t) for t in tasks}, sort_keys=True, default=str)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A demo project after one full export, as the current folder (tasks use relative paths)."""
    from fixtures.demo import build_demo

    work = tmp_path_factory.mktemp("fingerprints")
    build_demo(work)
    assert doit(work, "full_export").returncode == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(work)
        yield work


def demo_settings() -> Settings:
    environ = {"OSDDL_SOURCE_URL": "sqlite:///qa.sqlite", "OSDDL_OUTPUT_DIR": "out"}
    return load_settings(None, environ=environ)


@pytest.mark.parametrize("creator", TASK_CREATORS)
def test_every_setting_a_task_reads_is_in_its_fingerprint(
    project: Path, creator: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    recording = RecordingSettings(demo_settings())
    built = build(creator, recording, monkeypatch)
    if all(always_runs(task) for task in built):
        return
    baseline = signatures(built), hints(built)
    uncovered = []
    for name in sorted(recording.read - PATH_KEYS):
        changed = build(creator, perturbed(recording, name), monkeypatch)
        if signatures(changed) == baseline[0] and hints(changed) == baseline[1]:
            uncovered.append(name)  # read, yet neither the fingerprint nor a hint changes
    assert not uncovered, f"{creator} reads {uncovered} but its fingerprint does not change"


@pytest.mark.parametrize("creator", TASK_CREATORS)
def test_actions_get_the_options_their_fingerprint_covers(
    project: Path, creator: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for task in build(creator, demo_settings(), monkeypatch):
        if always_runs(task):
            continue
        covered = signature(task)
        for action in task.get("actions") or []:
            arguments = list(action[1]) if isinstance(action, tuple) and len(action) > 1 else []
            assert not any(isinstance(a, Settings) for a in arguments), task.get("name")
            chosen = (
                a for a in arguments if dataclasses.is_dataclass(a) and not isinstance(a, Hint)
            )
            for options in chosen:
                assert fingerprint(options) in covered or any(
                    isinstance(c, config_changed) and c.config == fingerprint(options)
                    for c in task.get("uptodate", [])
                ), f"{creator}:{task.get('name', '')} gets options its fingerprint does not cover"


def test_a_fingerprint_that_misses_a_setting_is_caught(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above can fail: a task that reads `data.batch_rows` without fingerprinting it."""

    def task_careless() -> dict[str, Any]:
        config = tasks.common.settings()
        return {"actions": [(print, [config["data.batch_rows"]])], "uptodate": []}

    monkeypatch.setattr(dodo, "task_careless", task_careless, raising=False)
    recording = RecordingSettings(demo_settings())
    baseline = signatures(build("task_careless", recording, monkeypatch))
    read = set(recording.read)
    changed = signatures(
        build("task_careless", perturbed(recording, "data.batch_rows"), monkeypatch)
    )
    assert read == {"data.batch_rows"} and changed == baseline


def test_stage_functions_never_see_settings() -> None:
    stages = sorted((ROOT / "osddl/stages").glob("*.py"))
    assert stages
    for stage in stages:
        assert "Settings" not in stage.read_text(encoding="utf-8"), stage.name
