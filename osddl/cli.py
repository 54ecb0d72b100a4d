"""`osddl`: the same doit tasks as `doit`, with `--config FILE` and `--set key=value` options.

`osddl extract_model` ≡ `doit extract_model`; `osddl --set policy.mode=aggressive decide` sets a
value at the command-line level of precedence.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence

from osddl.config import KEYS_BY_NAME, closest

USAGE = "usage: osddl [--config FILE] [--set section.key=value ...] [doit arguments ...]"


def parse_options(argv: Sequence[str]) -> tuple[str | None, dict[str, str], list[str]]:
    """Split osddl's own options from the doit arguments that follow them."""
    config, sets, rest = None, {}, list(argv)
    while rest and rest[0] in ("--config", "--set"):
        if len(rest) < 2:
            raise SystemExit(f"osddl: {rest[0]} needs a value\n{USAGE}")
        option, value, rest = rest[0], rest[1], rest[2:]
        if option == "--config":
            config = value
            continue
        name, sep, raw = value.partition("=")
        if not sep or name not in KEYS_BY_NAME:
            raise SystemExit(
                f"osddl: --set {value!r}: unknown setting or missing '='"
                f"{closest(name, list(KEYS_BY_NAME))}\n{USAGE}"
            )
        sets[name] = raw
    return config, sets, rest


def main(argv: Sequence[str] | None = None) -> int:
    from doit.doit_cmd import DoitMain

    config, sets, rest = parse_options(sys.argv[1:] if argv is None else argv)
    if config:
        os.environ["OSDDL_CONFIG"] = config
    if sets:
        os.environ["OSDDL_CLI_SET"] = json.dumps(sets)
    if not os.path.isfile("dodo.py"):
        sys.stderr.write("osddl: no dodo.py here; run osddl from the project folder\n")
        return 2
    return int(DoitMain().run(rest))
