"""Settings: precedence, provenance, coercion and the unknown-key message."""

from __future__ import annotations

from pathlib import Path

import pytest

from osddl.config import KEYS, load_settings
from osddl.errors import InputError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "osddl.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_layer_overrides_the_one_before(tmp_path: Path) -> None:
    config = write(tmp_path, '[output]\ndir = "from-config"\n[model]\nmodules = ["A"]\n')
    settings = load_settings(
        config,
        environ={"OSDDL_MODEL_MODULES": "B, C", "OSDDL_NAMING_TABLES": "PHYSICAL"},
        cli={"naming.tables": "logical"},
    )
    assert settings["output.dir"] == "from-config"
    assert settings.source_of("output.dir") == "config"
    assert settings.items("model.modules") == ["B", "C"]
    assert settings.source_of("model.modules") == "env"
    assert (settings["naming.tables"], settings.source_of("naming.tables")) == ("logical", "cli")
    assert settings.source_of("source.url") == "default"


def test_every_key_has_its_conventional_environment_variable() -> None:
    for key in KEYS:
        assert key.env == "OSDDL_" + key.name.upper().replace(".", "_")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[model]\nmodule = ["A"]\n',
            "osddl.toml: unknown setting 'model.module'; did you mean 'model.modules'?",
        ),
        (
            '[output]\ndirectory = "x"\n',
            "osddl.toml: unknown setting 'output.directory'; did you mean 'output.dir'?",
        ),
        (
            '[naming]\ntables = "fancy"\n',
            "osddl.toml [naming.tables]: 'fancy' is not valid for naming.tables; "
            "expected one of logical, physical",
        ),
    ],
)
def test_bad_config_gets_one_clear_message(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError) as error:
        load_settings(write(tmp_path, text), environ={})
    assert str(error.value) == str(tmp_path / message)


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(InputError, match=r"^OSDDL_MODEL_INCLUDE_SYSTEM: 'maybe' is not valid"):
        load_settings(None, environ={"OSDDL_MODEL_INCLUDE_SYSTEM": "maybe"})


def test_map_values_parse_from_the_environment() -> None:
    settings = load_settings(None, environ={"OSDDL_SOURCE_ATTACH": "billing=b.sqlite, x=y.db"})
    assert settings.mapping("source.attach") == {"billing": "b.sqlite", "x": "y.db"}
