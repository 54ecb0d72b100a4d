"""`osddl`, the operator's command: the task graph from any project folder, plus init, explain.

`osddl full_export` runs the same tasks as `doit full_export` in a checkout. In a folder with a
`dodo.py` (a checkout) that file is the graph, as for doit; anywhere else the graph is loaded from
the installed package through doit's loader API. osddl's own options may come before or after the
task names: `osddl decide --set policy.mode=aggressive` is `osddl --set policy.mode=aggressive
decide`.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from osddl import faults
from osddl.config import KEYS_BY_NAME, closest
from osddl.errors import InputError, OsddlError

USAGE = """\
usage: osddl [options] [TASK ...] [doit options]
       osddl init [FOLDER] [--no-demo]
       osddl explain [--module M] [--entity E] [--rationale CODE]"""

HELP = f"""{USAGE}

OutSystems on SQL Server: extract the model, decide constraints, emit SSDT, export QA data for
UAT with user ids remapped, and prove every step. Settings: osddl.toml in this folder
(`osddl init` writes one), OSDDL_SECTION_KEY variables, then --set.

options (before or after the task names):
  --config FILE             the settings file (default: ./osddl.toml)
  --set section.key=VALUE   one setting, above the file and the environment (repeatable)
  --debug                   print the Python traceback of a fault (as OSDDL_DEBUG=1)
  --version                 osddl's version and doit's
  -h, --help                this help

commands:
  init      write osddl.toml and a demo database into FOLDER (default: here), then say what next
  explain   print decisions with their evidence and rationale text (filters: --module, --entity,
            --rationale)

doit options work as with doit (e.g. `-n 2` runs tasks in parallel; `osddl help TASK` shows a
task's doit help). No task: full_export. The tasks:
"""


@dataclass
class Options:
    config: str | None = None
    sets: dict[str, str] = field(default_factory=dict)
    debug: bool = False
    version: bool = False
    help: bool = False
    rest: list[str] = field(default_factory=list)


def version_text() -> str:
    """`osddl --version`: osddl's version (its one source, osddl.__version__) and doit's."""
    from importlib.metadata import version

    from osddl import __version__

    return f"osddl {__version__} (doit {version('doit')})"


def _refuse(message: str) -> SystemExit:
    return SystemExit(f"osddl: {message}\n{USAGE}")


def parse_options(argv: Sequence[str]) -> Options:
    """Take osddl's own options from anywhere on the line; the rest goes to doit (or a command)."""
    options, args = Options(), list(argv)
    while args:
        arg = args.pop(0)
        name, inline, value = arg.partition("=")
        if name in ("--config", "--set"):
            if not inline:
                if not args:
                    raise _refuse(f"{name} needs a value")
                value = args.pop(0)
            if name == "--config":
                options.config = value
            else:
                options.sets.update([_setting(value)])
        elif arg == "--debug":
            options.debug = True
        elif arg == "--version":
            options.version = True
        elif arg in ("-h", "--help"):
            options.help = True
        else:
            options.rest.append(arg)
    return options


def _setting(text: str) -> tuple[str, str]:
    name, sep, raw = text.partition("=")
    if not sep or name not in KEYS_BY_NAME:
        raise _refuse(
            f"--set {text!r}: unknown setting or missing '='{closest(name, list(KEYS_BY_NAME))}"
        )
    return name, raw


def run_doit(args: Sequence[str]) -> int:
    """doit with this folder's dodo.py (a checkout), else the installed package's task graph."""
    from doit.cmd_base import ModuleTaskLoader
    from doit.doit_cmd import DoitMain

    if Path("dodo.py").is_file():
        return int(DoitMain().run(list(args)))
    graph = importlib.import_module("osddl.tasks.graph")
    names = {name: getattr(graph, name) for name in graph.__all__}
    return int(DoitMain(ModuleTaskLoader(names)).run(list(args)))


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(sys.argv[1:] if argv is None else argv)
    if options.version:
        print(version_text())
        return 0
    if options.config:
        os.environ["OSDDL_CONFIG"] = options.config
    if options.sets:
        os.environ["OSDDL_CLI_SET"] = json.dumps(options.sets)
    if options.debug:
        os.environ[faults.DEBUG_ENV] = "1"
    try:
        return _dispatch(options)
    except Exception as exc:  # a fault before or outside the tasks: one line too
        if faults.debugging():
            traceback.print_exc()
        error = exc if isinstance(exc, OsddlError) else faults.as_operator_error(exc)
        sys.stderr.write(f"osddl: {error}\n")
        return faults.exit_code(error)


def _dispatch(options: Options) -> int:
    command, args = (options.rest[0], options.rest[1:]) if options.rest else (None, [])
    if options.help:
        print(HELP)
        return run_doit(["list"])
    if command == "init":
        from osddl.init import init_project

        return init_project(args)
    if command == "explain":
        return _explain(args)
    return run_doit(options.rest)


def _explain(args: list[str]) -> int:
    from osddl.config import load_settings
    from osddl.explain import ExplainFilter, explain_file
    from osddl.layout import path

    wanted: dict[str, str] = {}
    while args:
        flag = args.pop(0)
        if flag not in ("--module", "--entity", "--rationale") or not args:
            raise InputError(
                f"explain: {flag!r} is not a filter with a value; "
                "use --module M, --entity E or --rationale CODE"
            )
        wanted[flag[2:]] = args.pop(0)
    settings = load_settings(cli=json.loads(os.environ.get("OSDDL_CLI_SET", "{}")))
    decisions = Path(settings.text("output.dir")) / path("decisions")
    if not decisions.is_file():
        raise InputError(f"explain: {decisions} does not exist; run `osddl decide` first")
    sys.stdout.write(explain_file(decisions, ExplainFilter(**wanted)))
    return 0
