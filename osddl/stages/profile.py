"""The profile stage: model.json + the source → out/profile.parquet and profile-summary.json."""

from __future__ import annotations

import sys
from pathlib import Path

from osddl.cache import CacheKey
from osddl.config import Settings
from osddl.io import read_json_file, sha256_file
from osddl.model.contract import Model
from osddl.model.store import read_model
from osddl.profile.run import ProfileOptions, profile_model
from osddl.profile.store import console_table, profile_summary, write_profile, write_summary
from osddl.source.engine import create_source_engine, redact
from osddl.source.probe import file_probe, server_probe
from osddl.stages.cached import run_cached
from osddl.stages.extract_model import model_inputs


def profile_options(settings: Settings) -> ProfileOptions:
    return ProfileOptions(
        timeout_seconds=settings["profile.timeout_seconds"],
        sample_threshold=settings["profile.sample_threshold"],
        sample_size=settings["profile.sample_size"],
        distinct_threshold=settings["profile.distinct_threshold"],
        parallel_tables=settings["profile.parallel_tables"],
        unique_candidates=tuple(settings.items("profile.unique_candidates")),
    )


def terminal_progress(done: int, total: int, table: str) -> None:
    """Tables done / total and the last table, on one terminal line; silent when not a TTY."""
    if sys.stderr.isatty():
        end = "\n" if done == total else ""
        sys.stderr.write(f"\rprofile: {done}/{total} tables, {table:<40.40}{end}")
        sys.stderr.flush()


def remove_deselected_outputs(data_dir: Path, model: Model) -> list[Path]:
    """Per-table outputs (`<schema>.<table>.*`) of tables that left the selection are deleted."""
    kept = {f"{e.schema}.{e.physical_name}".casefold() for m in model.modules for e in m.entities}
    removed = []
    for path in sorted(data_dir.glob("*.*.*")) if data_dir.is_dir() else []:
        if ".".join(path.name.split(".")[:2]).casefold() not in kept:
            path.unlink()
            print(f"profile: removed {path} (its table left the selection)")
            removed.append(path)
    return removed


def profile_to_files(
    settings: Settings, model_path: Path, parquet: Path, summary_path: Path
) -> None:
    """Profile the model's tables (or reuse the cached evidence) and print the summary table."""
    model = read_model(model_path)
    options = profile_options(settings)
    url = settings.text("source.url")
    engine = create_source_engine(
        url,
        settings.mapping("source.attach"),
        settings["source.connect_timeout_seconds"],
        query_timeout=options.timeout_seconds,
    )
    try:
        inputs = model_inputs(settings)
        tables = [(e.schema, e.physical_name) for m in model.modules for e in m.entities]
        probe = server_probe(engine, tables) if inputs.server else file_probe(inputs.files)
        key = CacheKey(
            kind="profile",
            source=redact(url),
            selection=tuple(m.name for m in model.modules),
            toggles={**options.knobs(), "model": sha256_file(model_path)},
            probe=probe,
        )

        def produce() -> None:
            evidence = profile_model(engine, model, options, terminal_progress)
            write_profile(parquet, evidence, options.knobs())
            write_summary(summary_path, profile_summary(evidence, options.knobs()))

        run_cached(
            settings,
            key,
            {"profile.parquet": parquet, "profile-summary.json": summary_path},
            produce,
        )
    finally:
        engine.dispose()
    remove_deselected_outputs(parquet.parent / "data", model)
    print(
        f"profile: {redact(url)}\n{console_table(read_json_file(summary_path))}\n"
        f"  wrote {parquet} and {summary_path}"
    )
