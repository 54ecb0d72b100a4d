"""The documented demo configuration loads and extracts the same model as the defaults."""

from __future__ import annotations

from pathlib import Path

from osddl.config import load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_demo_config_only_sets_known_keys_to_their_demo_values() -> None:
    settings = load_settings(ROOT / "osddl.toml", environ={})
    assert settings.source_of("source.url") == "config"
    assert settings["source.url"] == "sqlite:///fixtures/demo/qa.sqlite"
    assert settings.mapping("source.attach") == {"billing": "fixtures/demo/qa_billing.sqlite"}
