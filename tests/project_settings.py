"""Settings of a test project from its environment alone: the defaults, then OSDDL_* variables.

Tests run in the repository folder, whose `osddl.toml` is the demo project's config, and
`load_settings` reads `./osddl.toml` when no config file is named; these settings name an empty
one instead, so what a test sets is all there is.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from osddl.config import Settings, load_settings

NO_SETTINGS = Path(__file__).resolve().parent / "data/no-settings.toml"


def env_settings(environ: Mapping[str, str], cli: Mapping[str, Any] | None = None) -> Settings:
    return load_settings(NO_SETTINGS, environ=environ, cli=cli)
