"""The documented demo configuration loads and extracts the same model as the defaults."""

from __future__ import annotations

from pathlib import Path

from fixtures.demo import project_settings
from osddl.config import KEYS, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_demo_config_only_sets_known_keys_to_their_demo_values() -> None:
    settings = load_settings(ROOT / "osddl.toml", environ={})
    assert settings.source_of("source.url") == "config"
    assert settings["source.url"] == "sqlite:///fixtures/demo/qa.sqlite"
    assert settings.mapping("source.attach") == {"billing": "fixtures/demo/qa_billing.sqlite"}


def test_demo_config_is_the_demo_project_settings() -> None:
    """The repository's osddl.toml and `osddl init` write the same demo project."""
    settings = load_settings(ROOT / "osddl.toml", environ={})
    demo = project_settings("fixtures/demo")
    assert {name: settings[name] for name in demo} == demo
    differs = {k.name for k in KEYS if settings[k.name] != k.default}
    assert differs <= set(demo), differs - set(demo)
