"""Settings → the frozen options object of each stage: the only place stages' settings are read.

A task builds its stage's options once and hands the same object to the action and to doit's
`config_changed` (through `fingerprint`), so whatever the action reads is what decides whether it
reruns. Stage functions never see `Settings`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from osddl.config import KEYS_BY_NAME, Settings
from osddl.io import canonical_json, sha256_bytes
from osddl.model.finish import ModelOptions
from osddl.model.naming import NamingOptions
from osddl.model.types import read_type_overrides
from osddl.policy.decide import PolicyOptions
from osddl.profile.run import ProfileOptions
from osddl.selection import SelectionOptions
from osddl.ssdt.plan import SsdtOptions
from osddl.uat_users.settings import UatUsersOptions, options_from_settings


@dataclass(frozen=True)
class SourceOptions:
    url: str
    attach: dict[str, str] = field(default_factory=dict)
    connect_timeout_seconds: int = 15


@dataclass(frozen=True)
class CacheOptions:
    dir: str = "cache"
    ttl_seconds: int = 86400
    max_bytes: int = 2_000_000_000
    refresh: bool = False


@dataclass(frozen=True)
class ExtractOptions:
    source: SourceOptions
    from_file: str
    model: ModelOptions
    cache: CacheOptions


@dataclass(frozen=True)
class ProfileStageOptions:
    source: SourceOptions
    from_file: str
    profile: ProfileOptions
    cache: CacheOptions


@dataclass(frozen=True)
class DecideOptions:
    policy: PolicyOptions
    sentinels: dict[str, str]
    fallback_parents: dict[str, str]  # Module::Entity.Attribute → parent id (orphan remediation)
    provenance: dict[str, dict[str, Any]]  # the policy keys with their sources: in decisions.json


@dataclass(frozen=True)
class StaticDataOptions:
    source: SourceOptions
    selection: SelectionOptions


@dataclass(frozen=True)
class SnapshotOptions:
    """One table's snapshot does not depend on which other tables are selected."""

    source: SourceOptions
    fetch_rows: int


@dataclass(frozen=True)
class SsdtStageOptions:
    ssdt: SsdtOptions
    seed_mode: str
    project_name: str
    selection: SelectionOptions


@dataclass(frozen=True)
class OrderOptions:
    break_cycle: tuple[str, ...]
    allow_missing_parents: bool
    selection: SelectionOptions


@dataclass(frozen=True)
class RenderOptions:
    """One table's DynamicData script does not depend on which other tables are selected."""

    batch_rows: int
    insert_mode: str


@dataclass(frozen=True)
class RenderTable:
    """One table's render: the options and its user-reference columns (mapped to UAT ids)."""

    render: RenderOptions
    user_columns: tuple[str, ...]
    remediate: bool = False  # policy.apply_remediation_in_export: the ledger's changes applied


class Hint:
    """Options that change none of their task's targets, only a side product whose reader checks
    it by key: left out of the task's fingerprint on purpose (a changed hint reruns nothing;
    tests/test_task_fingerprints.py lets exactly these through)."""


@dataclass(frozen=True)
class RenderAhead(Hint):
    """What a snapshot task needs to render its table's INSERT batches in the same pass (one pass
    per table, osddl.export.prerender): the DynamicData task takes them only when their key
    equals the one of its own inputs. `table`: the table's render options, as that task has them."""

    table: RenderTable


@dataclass(frozen=True)
class RemediationOptions:
    """The remediation ledger: whether the INSERTs carry the remediation pack's fixes, with which
    back-fill values and fallback parents, for which tables."""

    apply: bool
    sentinels: dict[str, str]
    fallback_parents: dict[str, str]
    selection: SelectionOptions


@dataclass(frozen=True)
class DataOptions:
    """What the load script and the sweep need: which tables, in which insert mode, and whether
    uat-users runs."""

    insert_mode: str
    selection: SelectionOptions
    uat_users: bool


@dataclass(frozen=True)
class LoadOptions:
    """`doit load`: the staging database and which tables are loaded."""

    target_url: str
    selection: SelectionOptions
    dual: bool = False  # load.dual: the second staging database and its proof


@dataclass(frozen=True)
class VerifyDataOptions:
    """`verify:data`: the staging database, and the user-reference catalog's settings."""

    load: LoadOptions
    uat_users: UatUsersOptions


@dataclass(frozen=True)
class ManifestOptions:
    provenance: dict[str, dict[str, Any]]  # every setting with its source (secrets redacted later)
    selection: SelectionOptions


def fingerprint(options: Any) -> str:
    """A digest of an options object for doit's `config_changed`, taken over the redacted
    options: nothing derived from a secret reaches doit's state (a changed password alone reruns
    nothing; the data behind it is the same, and server sources are probed on every run)."""
    from osddl import __version__
    from osddl.source.engine import scrub

    is_instance = dataclasses.is_dataclass(options) and not isinstance(options, type)
    value = dataclasses.asdict(options) if is_instance else options
    return sha256_bytes(canonical_json({"osddl": __version__, "options": scrub(value)}))


# --- builders --------------------------------------------------------------------------------


def source_options(settings: Settings) -> SourceOptions:
    return SourceOptions(
        url=settings.text("source.url"),
        attach=settings.mapping("source.attach"),
        connect_timeout_seconds=settings["source.connect_timeout_seconds"],
    )


def cache_options(settings: Settings) -> CacheOptions:
    return CacheOptions(
        dir=settings.text("cache.dir"),
        ttl_seconds=settings["cache.ttl_seconds"],
        max_bytes=settings["cache.max_bytes"],
        refresh=settings.flag("cache.refresh"),
    )


def selection_options(settings: Settings) -> SelectionOptions:
    return SelectionOptions.from_modules(settings.items("model.modules"))


def model_options(settings: Settings) -> ModelOptions:
    return ModelOptions(
        modules=tuple(settings.items("model.modules")),
        include_system=settings.flag("model.include_system"),
        include_inactive=settings.flag("model.include_inactive"),
        include_inactive_attributes=settings.flag("model.include_inactive_attributes"),
        allow_incomplete_entities=tuple(settings.items("model.allow_incomplete_entities")),
        naming=NamingOptions(
            tables=settings.text("naming.tables"),
            columns=settings.text("naming.columns"),
            overrides=settings.mapping("naming.overrides"),
        ),
        type_overrides=(
            read_type_overrides(settings.text("model.type_mapping"))
            if settings.text("model.type_mapping")
            else ()
        ),
    )


def extract_options(settings: Settings) -> ExtractOptions:
    return ExtractOptions(
        source=source_options(settings),
        from_file=settings.text("model.from_file"),
        model=model_options(settings),
        cache=cache_options(settings),
    )


def profile_stage_options(settings: Settings) -> ProfileStageOptions:
    return ProfileStageOptions(
        source=source_options(settings),
        from_file=settings.text("model.from_file"),
        profile=ProfileOptions(
            timeout_seconds=settings["profile.timeout_seconds"],
            sample_threshold=settings["profile.sample_threshold"],
            sample_size=settings["profile.sample_size"],
            distinct_threshold=settings["profile.distinct_threshold"],
            parallel_tables=settings["profile.parallel_tables"],
            unique_candidates=tuple(settings.items("profile.unique_candidates")),
        ),
        cache=cache_options(settings),
    )


POLICY_SECTIONS = ("policy.", "foreign_keys.")


def decide_options(settings: Settings, mode: str | None = None) -> DecideOptions:
    """`mode` is `doit decide --mode X`, applied at command-line precedence."""
    if mode:
        settings = settings.overridden({"policy.mode": mode})
    return DecideOptions(
        policy=PolicyOptions(
            mode=settings.text("policy.mode"),
            null_budget=settings["policy.null_budget"],
            accept_sampled_evidence=settings.flag("policy.accept_sampled_evidence"),
            keep_nullable=tuple(settings.items("policy.keep_nullable")),
            force_not_null=tuple(settings.items("policy.force_not_null")),
            enable_fk_creation=settings.flag("foreign_keys.enable_creation"),
            enforce_ignore_rule=settings.flag("foreign_keys.enforce_ignore_rule"),
            allow_cross_schema=settings.flag("foreign_keys.allow_cross_schema"),
            allow_cross_catalog=settings.flag("foreign_keys.allow_cross_catalog"),
        ),
        sentinels=settings.mapping("policy.sentinels"),
        fallback_parents=settings.mapping("policy.fallback_parents"),
        provenance={
            name: {"value": settings[name], "source": settings.source_of(name)}
            for name in sorted(KEYS_BY_NAME)
            if name.startswith(POLICY_SECTIONS)
        },
    )


def static_data_options(settings: Settings) -> StaticDataOptions:
    return StaticDataOptions(source_options(settings), selection_options(settings))


def snapshot_options(settings: Settings) -> SnapshotOptions:
    return SnapshotOptions(source_options(settings), settings["data.fetch_rows"])


def ssdt_stage_options(settings: Settings) -> SsdtStageOptions:
    return SsdtStageOptions(
        ssdt=SsdtOptions(
            include_platform_auto_indexes=settings.flag("ssdt.include_platform_auto_indexes"),
            database_collation=settings.text("ssdt.database_collation"),
        ),
        seed_mode=settings.text("ssdt.seed_mode"),
        project_name=settings.text("ssdt.project_name"),
        selection=selection_options(settings),
    )


def order_options(settings: Settings) -> OrderOptions:
    return OrderOptions(
        break_cycle=tuple(settings.items("data.break_cycle")),
        allow_missing_parents=settings.flag("data.allow_missing_parents"),
        selection=selection_options(settings),
    )


def render_options(settings: Settings) -> RenderOptions:
    return RenderOptions(settings["data.batch_rows"], settings.text("data.insert_mode"))


def remediation_options(settings: Settings) -> RemediationOptions:
    return RemediationOptions(
        apply=settings.flag("policy.apply_remediation_in_export"),
        sentinels=settings.mapping("policy.sentinels"),
        fallback_parents=settings.mapping("policy.fallback_parents"),
        selection=selection_options(settings),
    )


def data_options(settings: Settings) -> DataOptions:
    return DataOptions(
        settings.text("data.insert_mode"),
        selection_options(settings),
        settings.flag("uat_users.enabled"),
    )


def load_options(settings: Settings) -> LoadOptions:
    return LoadOptions(
        settings.text("load.target_url"), selection_options(settings), settings.flag("load.dual")
    )


def verify_data_options(settings: Settings) -> VerifyDataOptions:
    return VerifyDataOptions(load_options(settings), catalog_options(settings))


def catalog_options(settings: Settings) -> UatUsersOptions:
    """Only what decides the user-reference catalog: the tasks that follow the catalog (the
    DynamicData renders) read and fingerprint these three keys, nothing else."""
    return UatUsersOptions(
        enabled=settings.flag("uat_users.enabled"),
        include_columns=tuple(settings.items("uat_users.include_columns")),
        exclude_columns=tuple(settings.items("uat_users.exclude_columns")),
    )


def uat_users_options(settings: Settings) -> UatUsersOptions:
    return options_from_settings(settings)


@dataclass(frozen=True)
class UatUsersStageOptions:
    """uat-users reads the users of the selection's tables."""

    uat_users: UatUsersOptions
    selection: SelectionOptions


def uat_users_stage_options(settings: Settings) -> UatUsersStageOptions:
    return UatUsersStageOptions(uat_users_options(settings), selection_options(settings))


def manifest_options(settings: Settings) -> ManifestOptions:
    return ManifestOptions(settings.provenance(), selection_options(settings))


def output_dir(settings: Settings) -> Path:
    return Path(settings.text("output.dir"))


def changed_from_default(options: DecideOptions) -> list[str]:
    """`name = value (from source)` for every policy key the operator set to a non-default."""
    return [
        f"{name} = {entry['value']!r} (from {entry['source']})"
        for name, entry in options.provenance.items()
        if entry["source"] != "default" and entry["value"] != KEYS_BY_NAME[name].default
    ]
