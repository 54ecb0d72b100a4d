"""The model stage: from the source (database or Advanced SQL JSON) to out/model.json."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from osddl.cache import CacheKey
from osddl.config import Settings
from osddl.model.advanced_sql import import_advanced_sql
from osddl.model.contract import Model
from osddl.model.finish import ModelOptions, finish_model
from osddl.model.naming import NamingOptions
from osddl.model.store import read_model, write_model
from osddl.model.validate import Finding, check
from osddl.source.engine import create_source_engine, redact, sqlite_attachments
from osddl.source.extract import extract_model
from osddl.source.probe import file_probe, server_probe
from osddl.stages.cached import run_cached


@dataclass(frozen=True)
class ModelInputs:
    """What decides whether model.json is stale: input files, or (servers) always re-read."""

    files: list[Path]
    server: bool


def model_options(settings: Settings) -> ModelOptions:
    return ModelOptions(
        modules=settings.items("model.modules"),
        include_system=settings.flag("model.include_system"),
        include_inactive=settings.flag("model.include_inactive"),
        include_inactive_attributes=settings.flag("model.include_inactive_attributes"),
        allow_incomplete_entities=settings.items("model.allow_incomplete_entities"),
        naming=NamingOptions(
            tables=settings.text("naming.tables"),
            columns=settings.text("naming.columns"),
            overrides=settings.mapping("naming.overrides"),
        ),
    )


def model_inputs(settings: Settings) -> ModelInputs:
    """SQLite and Advanced SQL sources are files (doit hashes them); servers are probed."""
    if settings.text("model.from_file"):
        return ModelInputs([Path(settings.text("model.from_file"))], server=False)
    try:
        url = make_url(settings.text("source.url"))
    except ArgumentError:
        return ModelInputs([], server=True)  # the action reports the bad URL
    if url.get_backend_name() == "sqlite" and url.database:
        main = Path(url.database)
        attached = sqlite_attachments(main, settings.mapping("source.attach"))
        return ModelInputs([main, *attached.values()], server=False)
    return ModelInputs([], server=True)


def build_model(settings: Settings) -> tuple[Model, list[Finding]]:
    """The finished, validated model from the configured source, and its warnings."""
    model = _finished_model(settings)
    return model, check(model, "model.json", settings.items("model.allow_incomplete_entities"))


def _finished_model(settings: Settings) -> Model:
    options = model_options(settings)
    from_file = settings.text("model.from_file")
    if from_file:
        return finish_model(import_advanced_sql(Path(from_file)), options, "model.json")
    url = settings.text("source.url")
    engine = create_source_engine(
        url, settings.mapping("source.attach"), settings["source.connect_timeout_seconds"]
    )
    try:
        return extract_model(engine, options, _database_label(url))
    finally:
        engine.dispose()


def _database_label(url_text: str) -> str | None:
    """The database name without credentials or paths (a SQLite file's stem)."""
    url = make_url(url_text)
    if url.get_backend_name() == "sqlite":
        return Path(url.database).stem if url.database else None
    return url.database


OSSYS_TABLES = [("dbo", "ossys_Espace"), ("dbo", "ossys_Entity"), ("dbo", "ossys_Entity_Attr")]


def extract_to_file(settings: Settings, target: Path) -> None:
    """Build, validate and atomically write model.json (via the evidence cache for databases)."""
    warnings: list[Finding] = []

    def produce() -> None:
        model, found = build_model(settings)
        write_model(target, model)
        warnings.extend(found)

    reused = False
    if settings.text("model.from_file"):
        produce()
    else:
        reused = run_cached(settings, _model_cache_key(settings), {"model.json": target}, produce)
    print(model_summary(read_model(target), None if reused else warnings, target, settings))


def _model_cache_key(settings: Settings) -> CacheKey:
    url = settings.text("source.url")
    inputs = model_inputs(settings)
    if inputs.server:
        engine = create_source_engine(
            url, settings.mapping("source.attach"), settings["source.connect_timeout_seconds"]
        )
        try:
            probe = server_probe(engine, OSSYS_TABLES)
        finally:
            engine.dispose()
    else:
        probe = file_probe(inputs.files)
    return CacheKey(
        kind="model",
        source=redact(url),
        selection=tuple(sorted(settings.items("model.modules"), key=str.casefold)),
        toggles=settings.subset("model", "naming"),
        probe=probe,
    )


def model_summary(
    model: Model, warnings: list[Finding] | None, target: Path, settings: Settings
) -> str:
    """Entities and attributes per module; the warnings (None: reused, not rebuilt)."""
    source = settings.text("model.from_file") or redact(settings.text("source.url"))
    entities = sum(len(m.entities) for m in model.modules)
    attributes = sum(len(e.attributes) for m in model.modules for e in m.entities)
    lines = [f"extract_model: {source}", f"  {'module':<24} {'entities':>8} {'attributes':>10}"]
    for module in model.modules:
        count = sum(len(e.attributes) for e in module.entities)
        lines.append(f"  {module.name:<24} {len(module.entities):>8} {count:>10}")
    lines.append(f"  {'total':<24} {entities:>8} {attributes:>10}")
    if warnings is None:
        lines.append(f"  model reused from the cache; wrote {target}")
        return "\n".join(lines)
    lines += [
        f"  warning: {w.path}: {w.message}" for w in warnings if "auto-index" not in w.message
    ]
    auto = sum(1 for w in warnings if "auto-index" in w.message)
    lines.append(f"  warnings: {len(warnings)} ({auto} platform auto-indexes); wrote {target}")
    return "\n".join(lines)
