"""Benchmark: SSDT emission for a generated model (wall time, peak memory).

    python bench/ssdt.py            # 1,000 entities x 15 attributes
    python bench/ssdt.py --quick    # 50 entities, proves the benchmark still runs (CI)

The database is generated and extracted, and the decisions computed, before the clock starts;
the measured part is `emit_ssdt` (reading model.json, plans, templates, atomic writes, stale-file
sweep, sqlproj). It runs in a fresh process so peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def measure(entities: int, workdir: Path) -> dict[str, float]:
    from fixtures.scale import build_scale
    from osddl.config import load_settings
    from osddl.model.store import read_model
    from osddl.options import extract_options, ssdt_stage_options
    from osddl.policy.decide import PolicyOptions, decide
    from osddl.policy.report import decisions_document
    from osddl.policy.store import write_decisions
    from osddl.stages.extract_model import extract_to_file
    from osddl.stages.ssdt import emit_ssdt

    build_scale(workdir / "scale.sqlite", entities=entities, attributes=15, rows=0, fk_depth=4)
    config = load_settings(
        None,
        environ={
            "OSDDL_SOURCE_URL": f"sqlite:///{workdir / 'scale.sqlite'}",
            "OSDDL_CACHE_DIR": str(workdir / "cache"),
        },
    )
    out = workdir / "out"
    extract_to_file(extract_options(config), out / "model.json")
    decisions = decide(read_model(out / "model.json"), [], PolicyOptions(mode="aggressive"))
    write_decisions(out / "decisions.json", decisions_document(decisions, {}))
    options = ssdt_stage_options(config)
    start = time.perf_counter()
    emit_ssdt(options, out / "model.json", out / "decisions.json", out)
    seconds = time.perf_counter() - start
    files = list((out / "ssdt").rglob("*.sql"))
    return {
        "entities": entities,
        "seconds": seconds,
        "files": len(files),
        "bytes": sum(f.stat().st_size for f in files),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--one", type=int)
    args = parser.parse_args()
    if args.one:
        with tempfile.TemporaryDirectory() as tmp:
            row = measure(args.one, Path(tmp))
        print(json.dumps(row))
        return
    sizes = [50] if args.quick else [100, 1000]
    print(f"{'entities':>8} {'files':>6} {'MB':>6} {'seconds':>8} {'peak RSS MB':>11}")
    for entities in sizes:
        result = subprocess.run(
            [sys.executable, __file__, "--one", str(entities)],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(result.stdout.strip().splitlines()[-1])
        print(
            f"{row['entities']:>8} {row['files']:>6} {row['bytes'] / 1e6:>6.1f} "
            f"{row['seconds']:>8.2f} {row['peak_rss_mb']:>11.1f}"
        )


if __name__ == "__main__":
    main()
