"""Settings: defaults < osddl.toml < OSDDL_* environment < command line, each value with its source.

Every key is `section.key` in osddl.toml and `OSDDL_SECTION_KEY` in the environment. The table
`KEYS` is the single list of settings: the loader, `docs/configuration.md` and its test all read it.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from osddl.errors import InputError

Kind = Literal["str", "int", "float", "bool", "list", "map", "choice"]
Source = Literal["default", "config", "env", "cli"]


@dataclass(frozen=True)
class Key:
    name: str
    kind: Kind
    default: Any
    doc: str
    choices: tuple[str, ...] = ()
    bounds: tuple[float, float] | None = None  # inclusive range of a number

    @property
    def env(self) -> str:
        return "OSDDL_" + self.name.replace(".", "_").upper()


KEYS: tuple[Key, ...] = (
    Key(
        "source.url",
        "str",
        "sqlite:///fixtures/demo/qa.sqlite",
        "SQLAlchemy URL of the OutSystems database (password is redacted everywhere).",
    ),
    Key(
        "source.attach",
        "map",
        {},
        "SQLite only: schema = file to ATTACH on every connection. Empty: every sibling file "
        "`<stem>_<schema>.sqlite` of the main database is attached as `<schema>`.",
    ),
    Key(
        "source.connect_timeout_seconds",
        "int",
        15,
        "Seconds to wait for the database server to answer before giving up.",
    ),
    Key("output.dir", "str", "out", "Folder that receives every artifact."),
    Key("cache.dir", "str", "cache", "Folder of the evidence cache."),
    Key(
        "cache.ttl_seconds",
        "int",
        86400,
        "Reuse a cached extraction only while it is younger than this (servers change unseen).",
    ),
    Key(
        "cache.max_bytes",
        "int",
        2_000_000_000,
        "Size cap of the evidence cache; least recently used entries are evicted. 0: no cap.",
    ),
    Key(
        "cache.refresh",
        "bool",
        False,
        "Ignore the cache and up-to-date checks: extract and profile again (`OSDDL_REFRESH=1`).",
    ),
    Key(
        "model.from_file",
        "str",
        "",
        "Read the model from an Advanced SQL JSON export instead of the database.",
    ),
    Key(
        "model.modules",
        "list",
        [],
        "Modules to extract (names, case-insensitive). Empty: every non-system active module.",
    ),
    Key("model.include_system", "bool", False, "Also extract system modules."),
    Key("model.include_inactive", "bool", False, "Also extract inactive modules and entities."),
    Key(
        "model.include_inactive_attributes",
        "bool",
        False,
        "Keep inactive attributes (they are dropped by default).",
    ),
    Key(
        "model.allow_incomplete_entities",
        "list",
        [],
        "Entities (`Module::Entity`) exempt from the no-attributes and no-identifier checks.",
    ),
    Key(
        "profile.timeout_seconds",
        "float",
        60.0,
        "Time limit per profiling statement; a probe over it is recorded as `timeout`.",
    ),
    Key(
        "profile.sample_threshold",
        "int",
        1_000_000,
        "Tables with more rows get unique/orphan probes on a sample and no distinct counts.",
    ),
    Key(
        "profile.sample_size",
        "int",
        100_000,
        "Rows in a sample: the first rows in primary-key order (deterministic).",
    ),
    Key(
        "profile.distinct_threshold",
        "int",
        100_000,
        "Exact distinct counts only for tables up to this many rows (the pass is costly).",
    ),
    Key("profile.parallel_tables", "int", 2, "Tables profiled at the same time."),
    Key(
        "profile.unique_candidates",
        "list",
        [],
        "Extra unique candidates: `Module::Entity.Attribute` or `Module::Entity.A+B`.",
    ),
    Key(
        "policy.mode",
        "choice",
        "evidence-gated",
        "How far to tighten: only what the database enforces, what the evidence proves, or "
        "what the logical model implies (with remediation).",
        ("cautious", "evidence-gated", "aggressive"),
    ),
    Key(
        "policy.null_budget",
        "float",
        0.0,
        "Fraction of rows that may be NULL and still get NOT NULL (with a back-fill); 0 to 1.",
        bounds=(0.0, 1.0),
    ),
    Key(
        "policy.accept_sampled_evidence",
        "bool",
        False,
        "Treat evidence from a sample (large tables) as proof.",
    ),
    Key(
        "policy.keep_nullable",
        "list",
        [],
        "Attributes (`Module::Entity.Attribute`) never made NOT NULL by the policy.",
    ),
    Key(
        "policy.force_not_null",
        "list",
        [],
        "Attributes made NOT NULL in every mode (with a back-fill when they hold NULLs).",
    ),
    Key(
        "policy.sentinels",
        "map",
        {},
        "Back-fill values per type family (`text`, `number`, `bit`, `date`, `time`, `datetime`, "
        "`guid`, `binary`) for NULL remediation; a column default wins.",
    ),
    Key(
        "policy.fallback_parents",
        "map",
        {},
        "Orphan remediation: the existing parent id to map orphans to, per reference "
        "(`Module::Entity.Attribute` = id); without one, the remediation pack says how to choose.",
    ),
    Key(
        "foreign_keys.enable_creation",
        "bool",
        True,
        "Create FKs the evidence allows; false keeps only the existing ones.",
    ),
    Key(
        "foreign_keys.enforce_ignore_rule",
        "bool",
        False,
        "Also create FKs for `Ignore` references that have no orphans.",
    ),
    Key(
        "foreign_keys.allow_cross_schema",
        "bool",
        False,
        "Allow FKs whose target is in another schema.",
    ),
    Key(
        "foreign_keys.allow_cross_catalog",
        "bool",
        False,
        "Allow FKs whose target is in another database (catalog).",
    ),
    Key("ssdt.project_name", "str", "OutSystemsModel", "Name of the emitted .sqlproj."),
    Key(
        "ssdt.seed_mode",
        "choice",
        "merge",
        "Static entity seeds: `merge` (insert/update) or `authoritative` (also delete rows that "
        "are not in the model).",
        ("merge", "authoritative"),
    ),
    Key(
        "ssdt.include_platform_auto_indexes",
        "bool",
        False,
        "Emit the platform's non-unique auto-indexes (`OSIDX_*` on reference columns).",
    ),
    Key(
        "ssdt.database_collation",
        "str",
        "SQL_Latin1_General_CP1_CI_AS",
        "The target database's default collation: columns with another one get COLLATE.",
    ),
    Key("data.fetch_rows", "int", 50_000, "Rows per Arrow batch when snapshotting a table."),
    Key(
        "data.batch_rows",
        "int",
        1000,
        "Rows per INSERT batch in DynamicData (at most 1000, SQL Server's row-constructor limit).",
    ),
    Key(
        "data.insert_mode",
        "choice",
        "per-table",
        "One DynamicData file per table, or one `all.dynamic.sql` in load order.",
        ("per-table", "single-file"),
    ),
    Key(
        "data.break_cycle",
        "list",
        [],
        "FK columns (`schema.table.column`, physical) to defer first when breaking FK cycles.",
    ),
    Key(
        "data.allow_missing_parents",
        "bool",
        False,
        "Export tables whose FK parents are not selected (recorded as warnings).",
    ),
    Key(
        "uat_users.enabled",
        "bool",
        True,
        "Remap QA user ids to UAT users. false: an explicit opt-out (QA and UAT share users); "
        "the manifest and `doit verify` then report that ids were not remapped.",
    ),
    Key(
        "uat_users.qa_inventory",
        "str",
        "qa_users.csv",
        "CSV export of QA's `ossys_User` (Id, Username, EMail, Name, External_Id, Is_Active, "
        "Creation_Date, Last_Login).",
    ),
    Key(
        "uat_users.uat_inventory",
        "str",
        "uat_users.csv",
        "CSV export of UAT's `ossys_User`, same columns as the QA inventory.",
    ),
    Key(
        "uat_users.map",
        "str",
        "user_map.csv",
        "Operator-owned user map `SourceUserId,TargetUserId[,Note]`; manual rows win over "
        "matching. Optional: a missing file at this path means no manual rows.",
    ),
    Key(
        "uat_users.match",
        "list",
        ["email", "attribute:Username"],
        "Matching strategies for orphans, tried in order: `email`, `attribute:<Column>` "
        "(Username, EMail, Name, External_Id), `regex:<pattern>`.",
    ),
    Key(
        "uat_users.fallback",
        "str",
        "none",
        "Target of orphans no strategy matched: `none` (they fail validation), `single:<id>`, "
        "`round-robin:<id>,<id>,...`.",
    ),
    Key(
        "uat_users.include_columns",
        "list",
        [],
        "Extra user-reference columns with no declared reference: `Module::Entity.Attribute` "
        "or `schema.table.column`.",
    ),
    Key(
        "uat_users.exclude_columns",
        "list",
        [],
        "Columns never treated as user references (same spellings as include_columns).",
    ),
    Key(
        "uat_users.allow_inactive_targets",
        "bool",
        False,
        "Allow inactive UAT users as targets (manual rows, strategies and fallback).",
    ),
    Key(
        "uat_users.trust_matching_ids",
        "bool",
        False,
        "Keep an id that exists in UAT as a different person (a collision), with a warning.",
    ),
    Key(
        "uat_users.unknown_ids",
        "choice",
        "fail",
        "Referenced ids in neither inventory: `fail` lists them and stops; `map` requires a "
        "manual row for each.",
        ("fail", "map"),
    ),
    Key(
        "uat_users.update_chunk_rows",
        "int",
        50_000,
        "Rows per transaction of the standalone UPDATE script (02_apply_user_remap.sql).",
    ),
    Key(
        "naming.tables",
        "choice",
        "logical",
        "Emitted table names: entity names (logical) or physical table names.",
        ("logical", "physical"),
    ),
    Key(
        "naming.columns",
        "choice",
        "logical",
        "Emitted column names: attribute names (logical) or physical column names.",
        ("logical", "physical"),
    ),
    Key(
        "naming.overrides",
        "map",
        {},
        "Emitted table name per `schema.table`, `Module::Entity` or `::Entity`.",
    ),
)

KEYS_BY_NAME: dict[str, Key] = {key.name: key for key in KEYS}
SECTIONS = sorted({key.name.split(".")[0] for key in KEYS})


@dataclass(frozen=True)
class Setting:
    value: Any
    source: Source


class Settings:
    """Effective settings with provenance. Read them with the typed accessors."""

    def __init__(self, values: Mapping[str, Setting], config_path: Path | None) -> None:
        self._values = dict(values)
        self.config_path = config_path

    def __getitem__(self, name: str) -> Any:
        return self._values[name].value

    def source_of(self, name: str) -> Source:
        return self._values[name].source

    def text(self, name: str) -> str:
        return str(self[name])

    def flag(self, name: str) -> bool:
        return bool(self[name])

    def items(self, name: str) -> list[str]:
        return [str(v) for v in self[name]]

    def mapping(self, name: str) -> dict[str, str]:
        return {str(k): str(v) for k, v in self[name].items()}

    def subset(self, *prefixes: str) -> dict[str, Any]:
        """The values under the given sections, e.g. for doit's `config_changed`."""
        return {n: s.value for n, s in sorted(self._values.items()) if n.startswith(prefixes)}

    def overridden(self, values: Mapping[str, Any]) -> Settings:
        """A copy with command-line values (e.g. a doit task parameter) applied and checked."""
        merged = dict(self._values)
        for name, raw in values.items():
            if name not in KEYS_BY_NAME:
                raise _unknown(name, "command line")
            merged[name] = Setting(_coerce(KEYS_BY_NAME[name], raw, f"--{name}"), "cli")
        return Settings(merged, self.config_path)

    def provenance(self) -> dict[str, dict[str, Any]]:
        return {n: {"value": s.value, "source": s.source} for n, s in sorted(self._values.items())}


def closest(name: str, candidates: list[str]) -> str:
    """A `did you mean` hint, or an empty string."""
    match = difflib.get_close_matches(name, candidates, n=1, cutoff=0.5)
    return f"; did you mean '{match[0]}'?" if match else ""


def _loose(text: str) -> str:
    """Choices match ignoring case, spaces, '-' and '_': `EvidenceGated` = `evidence-gated`."""
    return re.sub(r"[\s_-]", "", text).lower()


def _coerce(key: Key, raw: Any, where: str) -> Any:
    """Convert a TOML or environment value to the key's kind, or raise an InputError."""

    def bad(expected: str) -> InputError:
        return InputError(f"{where}: {raw!r} is not valid for {key.name}; expected {expected}")

    if key.kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off", ""}:
            return False
        raise bad("true or false")
    if key.kind == "int":
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise bad("an integer") from None
    if key.kind == "float":
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise bad("a number") from None
        if key.bounds and not key.bounds[0] <= number <= key.bounds[1]:
            raise bad(f"a number from {key.bounds[0]} to {key.bounds[1]}")
        return number
    if key.kind == "list":
        if isinstance(raw, str):
            return [part.strip() for part in raw.split(",") if part.strip()]
        if isinstance(raw, list) and all(isinstance(v, str) for v in raw):
            return list(raw)
        raise bad("a list of strings (comma-separated in the environment)")
    if key.kind == "map":
        if isinstance(raw, str):
            pairs = [p.split("=", 1) for p in raw.split(",") if p.strip()]
            if any(len(p) != 2 for p in pairs):
                raise bad("name=value pairs separated by commas")
            return {k.strip(): v.strip() for k, v in pairs}
        if isinstance(raw, dict) and all(isinstance(v, str) for v in raw.values()):
            return dict(raw)
        raise bad("a table of strings")
    if key.kind == "choice":
        wanted = _loose(str(raw))
        match = next((c for c in key.choices if _loose(c) == wanted), None)
        if match is None:
            raise bad("one of " + ", ".join(key.choices))
        return match
    if not isinstance(raw, str):
        raise bad("a string")
    return raw


def _flatten_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: {exc}; fix the TOML syntax") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}); check the path") from None
    flat: dict[str, Any] = {}
    for section, body in data.items():
        if not isinstance(body, dict):
            raise InputError(
                f"{path}: '{section}' is not a section"
                f"{closest(section, SECTIONS)}; write keys under [section] headers"
            )
        for name, value in body.items():
            flat[f"{section}.{name}"] = value
    return flat


def _unknown(name: str, where: str) -> InputError:
    return InputError(f"{where}: unknown setting '{name}'{closest(name, list(KEYS_BY_NAME))}")


def load_settings(
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    cli: Mapping[str, Any] | None = None,
) -> Settings:
    """Resolve every key: default, then the TOML file, then OSDDL_* variables, then `cli`."""
    environ = os.environ if environ is None else environ
    if config_path is None and environ.get("OSDDL_CONFIG"):
        config_path = Path(environ["OSDDL_CONFIG"])
    if config_path is None and Path("osddl.toml").is_file():
        config_path = Path("osddl.toml")
    values = {key.name: Setting(key.default, "default") for key in KEYS}
    if config_path is not None:
        for name, raw in _flatten_toml(config_path).items():
            if name not in KEYS_BY_NAME:
                raise _unknown(name, str(config_path))
            key = KEYS_BY_NAME[name]
            values[name] = Setting(_coerce(key, raw, f"{config_path} [{name}]"), "config")
    if "OSDDL_REFRESH" in environ and "OSDDL_CACHE_REFRESH" not in environ:
        environ = {**environ, "OSDDL_CACHE_REFRESH": environ["OSDDL_REFRESH"]}
    for key in KEYS:
        if key.env in environ:
            values[key.name] = Setting(_coerce(key, environ[key.env], key.env), "env")
    for name, raw in (cli or {}).items():
        if name not in KEYS_BY_NAME:
            raise _unknown(name, "command line")
        values[name] = Setting(_coerce(KEYS_BY_NAME[name], raw, f"--set {name}"), "cli")
    return Settings(values, config_path)
