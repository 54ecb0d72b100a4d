"""The profile stage: model.json + the source → out/profile.parquet and profile-summary.json."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

from osddl.cache import CacheKey
from osddl.io import read_json_file, sha256_file
from osddl.model.store import read_model
from osddl.options import ProfileStageOptions
from osddl.profile.run import profile_model
from osddl.profile.store import console_table, profile_summary, write_profile, write_summary
from osddl.source.engine import redact
from osddl.source.probe import file_probe, server_probe
from osddl.stages.cached import run_cached
from osddl.stages.extract_model import model_inputs, source_engine


def terminal_progress(done: int, total: int, table: str) -> None:
    """Tables done / total and the last table, on one terminal line; silent when not a TTY."""
    if sys.stderr.isatty():
        end = "\n" if done == total else ""
        sys.stderr.write(f"\rprofile: {done}/{total} tables, {table:<40.40}{end}")
        sys.stderr.flush()


def profile_to_files(
    options: ProfileStageOptions, model_path: Path, parquet: Path, summary_path: Path
) -> None:
    """Profile the model's tables (or reuse the cached evidence) and print the summary table."""
    model = read_model(model_path)
    knobs = options.profile.knobs()
    engine = source_engine(options.source, query_timeout=options.profile.timeout_seconds)
    try:
        inputs = model_inputs(options.source, options.from_file)
        tables = [(e.schema, e.physical_name) for m in model.modules for e in m.entities]
        probe = server_probe(engine, tables) if inputs.server else file_probe(inputs.files)
        key = CacheKey(
            kind="profile",
            source=redact(options.source.url),
            selection=tuple(m.name for m in model.modules),
            toggles={**asdict(options.profile), "model": sha256_file(model_path)},
            probe=probe,
        )

        def produce() -> None:
            evidence = profile_model(engine, model, options.profile, terminal_progress)
            write_profile(parquet, evidence, knobs)
            write_summary(summary_path, profile_summary(evidence, knobs))

        run_cached(
            options.cache,
            key,
            {"profile.parquet": parquet, "profile-summary.json": summary_path},
            produce,
        )
    finally:
        engine.dispose()
    print(
        f"profile: {redact(options.source.url)}\n{console_table(read_json_file(summary_path))}\n"
        f"  wrote {parquet} and {summary_path}"
    )
