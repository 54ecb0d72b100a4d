"""`model.type_mapping`: an operator's rows replace or add rows of the built-in type table; the file
is validated (one message naming file, row and field) and is part of the model's fingerprint."""

from __future__ import annotations

from pathlib import Path

import pytest

from osddl.config import load_settings
from osddl.errors import InputError
from osddl.model.advanced_sql import import_advanced_sql
from osddl.model.finish import ModelOptions, finish_model
from osddl.model.types import LogicalType, builtin_types, read_type_overrides, type_table
from osddl.options import extract_options, fingerprint

FLAT = Path(__file__).parent / "data" / "advanced_sql" / "flat.json"


def _types(overrides: str, tmp_path: Path) -> dict[str, str]:
    file = tmp_path / "types.toml"
    file.write_text(overrides, encoding="utf-8")
    options = ModelOptions(type_overrides=read_type_overrides(str(file)))
    model = finish_model(import_advanced_sql(FLAT), options, "model.json")
    return {
        f"{e.name}.{a.name}": a.sql_type
        for m in model.modules
        for e in m.entities
        for a in e.attributes
    }


def test_a_row_replaces_the_built_in_one_by_name(tmp_path: Path) -> None:
    before = _types("", tmp_path)
    after = _types('[DateTime]\naliases = ["datetime"]\nsql = "datetime2(7)"\n', tmp_path)
    assert before["User.Creation_Date"] == "datetime"  # logical type, no on-disk type
    assert after["User.Creation_Date"] == "datetime2(7)"
    assert after["Order.PlacedAt"] == before["Order.PlacedAt"] == "datetime2(3)"  # on disk wins
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"User.Creation_Date", "User.Last_Login"}


def test_a_new_alias_is_accepted_and_the_rest_of_the_table_is_kept() -> None:
    table = type_table((LogicalType("Json", ("json",), "nvarchar(max)"),))
    assert table["json"].sql == "nvarchar(max)"
    assert {k: v for k, v in table.items() if k != "json"} == dict(builtin_types())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[Text]\nsql = "nvarchar(5000)"\n',
         "types.toml [Text].sql: 'nvarchar(5000)': type nvarchar(5000) is past the limit"),
        ('[Text]\nsql = "nvarchar({size})"\n',
         "types.toml [Text].sql: 'nvarchar({size})' has an unknown placeholder; use {length}"),
        ('[Text]\nsql = "nvarchar(10)"\nmax_lenght_over = 3\n',
         "types.toml [Text].max_lenght_over: unknown field; expected one of aliases, sql,"),
        ('[Text]\nsql = "nvarchar(10)"\ndefault_length = -1\n',
         "types.toml [Text].default_length: -1 is not a whole number >= 0"),
        ('[Text]\naliases = "text"\nsql = "nvarchar(10)"\n',
         "types.toml [Text].aliases: expected a list of type names"),
        ("[Text]\nsql = 5\n", "types.toml [Text].sql: expected the SQL Server type"),
        ('Text = "nvarchar(10)"\n', "types.toml [Text]: expected a table of aliases, sql,"),
        ("[Text\n", "model.type_mapping: "),
    ],
)  # fmt: skip
def test_a_bad_file_is_one_message_naming_row_and_field(
    tmp_path: Path, text: str, message: str
) -> None:
    file = tmp_path / "types.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_type_overrides(str(file))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"model.type_mapping: .*nope.toml does not exist"):
        read_type_overrides(str(tmp_path / "nope.toml"))


def test_the_file_content_is_part_of_the_model_fingerprint(tmp_path: Path) -> None:
    file = tmp_path / "types.toml"
    file.write_text('[Text]\nsql = "nvarchar({length})"\nmax_length_over = 2000\n', "utf-8")

    def model_fingerprint() -> str:
        settings = load_settings(environ={"OSDDL_MODEL_TYPE_MAPPING": str(file)})
        return fingerprint(extract_options(settings))

    first = model_fingerprint()
    file.write_text('[Text]\nsql = "nvarchar({length})"\nmax_length_over = 4000\n', "utf-8")
    assert model_fingerprint() != first
