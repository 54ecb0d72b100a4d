"""Every numeric setting has bounds; a value outside them is one message naming the bound."""

from __future__ import annotations

from pathlib import Path

import pytest

from osddl.config import KEYS, KEYS_BY_NAME, Key, load_settings
from osddl.errors import InputError

NUMERIC = [key for key in KEYS if key.kind in ("int", "float")]


def outside(key: Key) -> list[object]:
    """Values just past each end of the range, and values that are no number of its kind."""
    assert key.bounds is not None
    low, high = key.bounds
    step = 1 if key.kind == "int" else 0.01
    values: list[object] = [low - step, "many", "nan", "inf"]
    values += [high + step] if high is not None else []
    return values + (["1.5", 1.5, True] if key.kind == "int" else [])


def test_every_numeric_setting_has_bounds_holding_its_default() -> None:
    for key in NUMERIC:
        assert key.bounds is not None, f"{key.name} needs bounds"
        low, high = key.bounds
        assert low <= key.default and (high is None or key.default <= high), key.name


@pytest.mark.parametrize("key", NUMERIC, ids=lambda k: k.name)
def test_values_outside_the_bounds_are_refused_in_every_layer(key: Key, tmp_path: Path) -> None:
    for value in outside(key):
        with pytest.raises(InputError) as error:
            load_settings(None, environ={key.env: str(value)})
        assert str(error.value) == (
            f"{key.env}: {str(value)!r} is not valid for {key.name}; expected {key.range_text()}"
        )
        with pytest.raises(InputError) as error:
            load_settings(None, environ={}, cli={key.name: str(value)})
        assert str(error.value).startswith(f"--set {key.name}: {str(value)!r} is not valid for")
    section, name = key.name.split(".")
    config = tmp_path / "osddl.toml"
    config.write_text(f"[{section}]\n{name} = -5\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_settings(config, environ={})
    assert str(error.value) == (
        f"{config} [{key.name}]: -5 is not valid for {key.name}; expected {key.range_text()}"
    )


@pytest.mark.parametrize("key", NUMERIC, ids=lambda k: k.name)
def test_the_bounds_themselves_are_accepted(key: Key) -> None:
    assert key.bounds is not None
    for bound in (b for b in key.bounds if b is not None):
        assert load_settings(None, environ={key.env: str(bound)})[key.name] == bound


def test_batch_rows_above_the_row_constructor_limit_names_the_bound() -> None:
    with pytest.raises(InputError) as error:
        load_settings(None, environ={"OSDDL_DATA_BATCH_ROWS": "5000"})
    assert str(error.value) == (
        "OSDDL_DATA_BATCH_ROWS: '5000' is not valid for data.batch_rows; "
        "expected an integer from 1 to 1000"
    )
    assert KEYS_BY_NAME["data.batch_rows"].bounds == (1, 1000)
