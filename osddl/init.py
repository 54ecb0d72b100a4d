"""`osddl init [FOLDER] [--no-demo]`: a project folder an operator can run at once.

It writes `osddl.toml` with every setting listed (commented, with its default and meaning, from
the one settings table) and, unless `--no-demo`, the demo OutSystems QA database and its user
inventories under `demo/`, with the settings that point at them; then it says what to do next.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from osddl.config import KEYS, Key
from osddl.errors import InputError
from osddl.io import atomic_write_text

CONFIG = "osddl.toml"
DEMO = "demo"
NEXT_WITH_DEMO = """\
osddl init: wrote {config} and the demo QA database under {demo}/
next: {go}osddl full_export     (then open out/report.html)
then: point [source] url in osddl.toml at your QA database and the [uat_users] files at your
      user inventories; every setting is listed in osddl.toml with its meaning"""
NEXT_WITHOUT_DEMO = """\
osddl init: wrote {config}
next: set [source] url in osddl.toml to your QA database (e.g.
      mssql+pymssql://reader:<password>@sqlqa01:1433/QA), then: {go}osddl full_export"""


def demo_settings(folder: str) -> dict[str, Any]:
    """The values that differ from the defaults for the demo built in `folder`."""
    settings: dict[str, Any] = _demo_builder().project_settings(folder)
    return settings


def _demo_builder() -> Any:
    """The demo's builder, shipped in the package as `osddl.demo` (fixtures/ in a checkout)."""
    return importlib.import_module("osddl.demo.demo")


def init_project(args: list[str]) -> int:
    demo = "--no-demo" not in args
    rest = [a for a in args if a != "--no-demo"]
    if len(rest) > 1 or any(a.startswith("-") for a in rest):
        raise InputError(f"init: {' '.join(args)!r}: expected `osddl init [FOLDER] [--no-demo]`")
    folder = Path(rest[0] if rest else ".")
    config = folder / CONFIG
    if config.exists():
        raise InputError(f"init: {config} already exists; edit it, or remove it to start over")
    folder.mkdir(parents=True, exist_ok=True)
    values: dict[str, Any] = {}
    if demo:
        _demo_builder().build_demo(folder / DEMO)
        values = demo_settings(DEMO)
    atomic_write_text(config, config_text(values))
    template = NEXT_WITH_DEMO if demo else NEXT_WITHOUT_DEMO
    go = "" if folder.resolve() == Path.cwd().resolve() else f"cd {folder} && "
    print(template.format(config=config, demo=folder / DEMO, go=go))
    return 0


def config_text(values: Mapping[str, Any]) -> str:
    """Every setting by section: the given values set, the others commented at their default."""
    lines = [
        "# osddl settings for this project folder (written by `osddl init`).",
        "# Each key can also be set by OSDDL_SECTION_KEY or `osddl --set section.key=value`.",
    ]
    section = ""
    for key in KEYS:
        head, name = key.name.split(".", 1)
        if head != section:
            section = head
            lines += ["", f"[{section}]"]
        lines += [f"# {line}" for line in _wrapped(_describe(key))]
        value = values.get(key.name, key.default)
        prefix = "" if key.name in values else "# "
        lines.append(f"{prefix}{name} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


def _describe(key: Key) -> str:
    choices = f" One of: {', '.join(key.choices)}." if key.choices else ""
    return re.sub(r"`", "", key.doc) + choices


def _wrapped(text: str, width: int = 96) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def toml_value(value: Any) -> str:
    """A TOML literal for a setting's value (JSON's string escapes are valid TOML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + pairs + " }" if pairs else "{}"
    raise TypeError(f"no TOML form for {value!r}")
