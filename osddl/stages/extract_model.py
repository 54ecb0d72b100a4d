"""The model stage: from the source (database or Advanced SQL JSON) to out/model.json."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError

from osddl.cache import CacheKey
from osddl.layout import path
from osddl.model.advanced_sql import import_advanced_sql
from osddl.model.contract import Model
from osddl.model.finish import finish_model
from osddl.model.store import read_model, write_model
from osddl.model.validate import Finding, check
from osddl.options import ExtractOptions, SourceOptions
from osddl.source.engine import create_source_engine, redact, sqlite_attachments
from osddl.source.extract import extract_model
from osddl.source.probe import file_probe, server_probe
from osddl.stages.cached import run_cached

MODEL = path("model")  # the file name, also the label of its findings and cache entry


@dataclass(frozen=True)
class ModelInputs:
    """What decides whether model.json is stale: input files, or (servers) always re-read."""

    files: list[Path]
    server: bool


def model_inputs(source: SourceOptions, from_file: str) -> ModelInputs:
    """SQLite and Advanced SQL sources are files (doit hashes them); servers are probed."""
    if from_file:
        return ModelInputs([Path(from_file)], server=False)
    try:
        url = make_url(source.url)
    except ArgumentError:
        return ModelInputs([], server=True)  # the action reports the bad URL
    if url.get_backend_name() == "sqlite" and url.database:
        main = Path(url.database)
        attached = sqlite_attachments(main, source.attach)
        return ModelInputs([main, *attached.values()], server=False)
    return ModelInputs([], server=True)


def source_engine(source: SourceOptions, query_timeout: float | None = None) -> Engine:
    return create_source_engine(
        source.url, source.attach, source.connect_timeout_seconds, query_timeout=query_timeout
    )


def build_model(options: ExtractOptions) -> tuple[Model, list[Finding]]:
    """The finished, validated model from the configured source, and its warnings (the import's
    first)."""
    imported: list[Finding] = []
    model = _finished_model(options, imported)
    return model, imported + check(model, MODEL, options.model.allow_incomplete_entities)


def _finished_model(options: ExtractOptions, warnings: list[Finding]) -> Model:
    if options.from_file:
        imported = import_advanced_sql(Path(options.from_file), warnings)
        return finish_model(imported, options.model, MODEL)
    engine = source_engine(options.source)
    try:
        return extract_model(engine, options.model, _database_label(options.source.url))
    finally:
        engine.dispose()


def _database_label(url_text: str) -> str | None:
    """The database name without credentials or paths (a SQLite file's stem)."""
    url = make_url(url_text)
    if url.get_backend_name() == "sqlite":
        return Path(url.database).stem if url.database else None
    return url.database


OSSYS_TABLES = [("dbo", "ossys_Espace"), ("dbo", "ossys_Entity"), ("dbo", "ossys_Entity_Attr")]


def extract_to_file(options: ExtractOptions, target: Path) -> None:
    """Build, validate and atomically write model.json (via the evidence cache for databases)."""
    warnings: list[Finding] = []

    def produce() -> None:
        model, found = build_model(options)
        write_model(target, model)
        warnings.extend(found)

    reused = False
    if options.from_file:
        produce()
    else:
        reused = run_cached(options.cache, _model_cache_key(options), {MODEL: target}, produce)
    label = options.from_file or redact(options.source.url)
    print(model_summary(read_model(target), None if reused else warnings, target, label))


def _model_cache_key(options: ExtractOptions) -> CacheKey:
    inputs = model_inputs(options.source, options.from_file)
    if inputs.server:
        engine = source_engine(options.source)
        try:
            probe = server_probe(engine, OSSYS_TABLES)
        finally:
            engine.dispose()
    else:
        probe = file_probe(inputs.files)
    model = options.model
    return CacheKey(
        kind="model",
        source=redact(options.source.url),
        selection=tuple(sorted(model.modules, key=str.casefold)),
        toggles={k: v for k, v in asdict(model).items() if k != "modules"},
        probe=probe,
    )


def model_summary(model: Model, warnings: list[Finding] | None, target: Path, source: str) -> str:
    """Entities and attributes per module; the warnings (None: reused, not rebuilt)."""
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
