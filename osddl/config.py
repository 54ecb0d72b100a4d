"""Settings: defaults < osddl.toml < OSDDL_* environment < command line, each value with its source.

Every key is `section.key` in osddl.toml and `OSDDL_SECTION_KEY` in the environment. The table
`KEYS` is the single list of settings: the loader, `docs/configuration.md` and its test all read it.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
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
    bounds: tuple[float, float | None] | None = None  # inclusive range of a number (None: no top)

    def range_text(self) -> str:
        """The allowed values of a numeric key, as its error message and the docs state them."""
        noun = "an integer" if self.kind == "int" else "a number"
        if self.bounds is None:
            return noun
        low, high = self.bounds
        return f"{noun} from {low} to {high}" if high is not None else f"{noun} of at least {low}"

    @property
    def env(self) -> str:
        return "OSDDL_" + self.name.replace(".", "_").upper()


KEYS: tuple[Key, ...] = (
    Key(
        "source.url",
        "str",
        "sqlite:///fixtures/demo/qa.sqlite",
        "SQLAlchemy URL of the OutSystems database. Its secrets (the password of `user:pw@`, "
        "`password`/`pwd`/`token`/`access_token` parameters, an `odbc_connect` string's `PWD`) "
        "are redacted in every message, log, cache entry, manifest and doit state; a changed "
        "password alone reruns nothing.",
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
        bounds=(1, 3600),
    ),
    Key("output.dir", "str", "out", "Folder that receives every artifact."),
    Key("cache.dir", "str", "cache", "Folder of the evidence cache."),
    Key(
        "cache.ttl_seconds",
        "int",
        86400,
        "Reuse a cached extraction only while it is younger than this (servers change unseen). "
        "0: never reuse.",
        bounds=(0, None),
    ),
    Key(
        "cache.max_bytes",
        "int",
        2_000_000_000,
        "Size cap of the evidence cache; least recently used entries are evicted. 0: no cap.",
        bounds=(0, None),
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
    Key(
        "model.type_mapping",
        "str",
        "",
        "TOML file of OutSystems type → SQL Server type rows (the shape of "
        "`osddl/model/type_mapping.toml`) that replace or add rows of the built-in table.",
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
        bounds=(0.1, 86400.0),
    ),
    Key(
        "profile.sample_threshold",
        "int",
        1_000_000,
        "Tables with more rows get unique/orphan probes on a sample and no distinct counts.",
        bounds=(0, None),
    ),
    Key(
        "profile.sample_size",
        "int",
        100_000,
        "Rows in a sample: the first rows in primary-key order (deterministic).",
        bounds=(1, None),
    ),
    Key(
        "profile.distinct_threshold",
        "int",
        100_000,
        "Exact distinct counts only for tables up to this many rows (the pass is costly).",
        bounds=(0, None),
    ),
    Key("profile.parallel_tables", "int", 2, "Tables profiled at the same time.", bounds=(1, 64)),
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
        "policy.apply_remediation_in_export",
        "bool",
        False,
        "The INSERTs carry the remediation pack's NULL back-fill and orphan fix (fallback parent, "
        "else NULL where nullable); every changed value is listed in "
        "`out/proofs/remediation-ledger.json` and proven by `verify:loadable`.",
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
    Key(
        "data.fetch_rows",
        "int",
        50_000,
        "Rows per Arrow batch when snapshotting a table.",
        bounds=(1, None),
    ),
    Key(
        "data.batch_rows",
        "int",
        1000,
        "Rows per INSERT batch in DynamicData (at most 1000, SQL Server's row-constructor limit).",
        bounds=(1, 1000),
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
        bounds=(1, None),
    ),
    Key(
        "load.dual",
        "bool",
        False,
        "Dual proof of `doit load`: also load the QA snapshots untransformed into a second staging "
        "database next to the first (SQLite `<stem>-dual.sqlite`, PostgreSQL database "
        "`<name>_dual`), apply the UPDATE remap of `02_apply_user_remap.sql` there, and prove both "
        "databases identical (proofs/dual-load-verification.json).",
    ),
    Key(
        "load.target_url",
        "str",
        "sqlite:///staging/staging.sqlite",
        "Staging database of `doit load` (recreated on every load): a SQLite file (other schemas "
        "in sibling files), a PostgreSQL database (the model's tables are dropped and created), "
        "or SQL Server through pymssql (the emitted T-SQL runs natively).",
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


# OSDDL_* variables that are not settings: the entry point's, the refresh shortcut, the debug
# switch, and the test suite's (`OSDDL_TEST_*`, `OSDDL_REGENERATE_GOLDEN`).
CONTROL_VARIABLES = frozenset(
    {"OSDDL_CONFIG", "OSDDL_CLI_SET", "OSDDL_REFRESH", "OSDDL_DEBUG", "OSDDL_REGENERATE_GOLDEN"}
)


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """One warning per OSDDL_* variable that no setting reads (a typo is otherwise silent)."""
    known = [key.env for key in KEYS]
    return [
        f"{name} is not an osddl setting and is ignored{closest(name, known, 'OSDDL_')}"
        for name in sorted(environ)
        if name.startswith("OSDDL_")
        and name not in known
        and name not in CONTROL_VARIABLES
        and not name.startswith("OSDDL_TEST_")
    ]


def closest(name: str, candidates: list[str], prefix: str = "") -> str:
    """A `did you mean` hint, or an empty string; a `prefix` all names share is not compared."""
    bare = {c.removeprefix(prefix): c for c in candidates}
    match = difflib.get_close_matches(name.removeprefix(prefix), list(bare), n=1, cutoff=0.5)
    return f"; did you mean '{bare[match[0]]}'?" if match else ""


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
    if key.kind in ("int", "float"):
        return _number(key, raw, bad)
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


def _number(key: Key, raw: Any, bad: Callable[[str], InputError]) -> int | float:
    """An int or float key's value, inside its bounds; `true` or `1.5` is no integer."""
    try:
        if isinstance(raw, bool) or (key.kind == "int" and isinstance(raw, float)):
            raise ValueError(raw)
        number: int | float = int(raw) if key.kind == "int" else float(raw)
    except (TypeError, ValueError):
        raise bad(key.range_text()) from None
    low, high = key.bounds or (-math.inf, None)
    if not (math.isfinite(number) and low <= number <= (math.inf if high is None else high)):
        raise bad(key.range_text())
    return number


def _flatten_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: {exc}; fix the TOML syntax") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror}); check the path") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 ({exc.reason} at byte {exc.start}); save it as UTF-8"
        ) from None
    except ValueError as exc:  # an integer beyond Python's 4300-digit limit
        raise InputError(f"{path}: {exc}; fix the value") from None
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
