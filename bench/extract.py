"""Benchmark: extraction of generated OutSystems databases (wall time, peak memory, statements).

    python bench/extract.py            # 100, 500, 1000 entities x 15 attributes
    python bench/extract.py --quick    # small sizes, proves the benchmark still runs (CI)

Each size runs in a fresh process so peak RSS belongs to that extraction alone. The statement
count must be the same for every size: extraction never issues a query per entity or column.
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


def measure_one(entities: int, attributes: int, workdir: Path) -> dict[str, float]:
    """Build the database (not timed), then time one extraction in this process."""
    from fixtures.scale import build_scale
    from osddl.model.finish import ModelOptions
    from osddl.model.store import model_to_bytes
    from osddl.source.engine import StatementCounter, create_source_engine
    from osddl.source.extract import extract_model

    path = workdir / f"scale_{entities}x{attributes}.sqlite"
    build_scale(path, entities=entities, attributes=attributes, rows=0, fk_depth=4)
    engine = create_source_engine(f"sqlite:///{path}")
    counter = StatementCounter(engine)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    model = extract_model(engine, ModelOptions(), "scale")
    size = len(model_to_bytes(model))
    seconds = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "entities": entities,
        "attributes": attributes,
        "seconds": seconds,
        "statements": counter.count,
        "peak_rss_mb": rss_after / 1024,
        "rss_growth_mb": (rss_after - rss_before) / 1024,
        "model_bytes": size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--one", nargs=2, type=int, metavar=("ENTITIES", "ATTRIBUTES"))
    args = parser.parse_args()
    if args.one:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(measure_one(*args.one, Path(tmp))))
        return
    sizes = [(20, 5), (100, 5)] if args.quick else [(100, 15), (500, 15), (1000, 15)]
    print(
        f"{'entities':>8} {'attrs':>5} {'seconds':>8} {'statements':>10} "
        f"{'peak RSS MB':>11} {'model KB':>8}"
    )
    counts = set()
    for entities, attributes in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(entities), str(attributes)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        row = json.loads(out.strip().splitlines()[-1])
        counts.add(row["statements"])
        print(
            f"{row['entities']:>8} {row['attributes']:>5} {row['seconds']:>8.2f} "
            f"{row['statements']:>10} {row['peak_rss_mb']:>11.1f} "
            f"{row['model_bytes'] / 1024:>8.0f}"
        )
    verdict = "constant" if len(counts) == 1 else "GROWS with entity count"
    print(f"statements per extraction: {verdict}")
    if len(counts) != 1:
        sys.exit(1)


if __name__ == "__main__":
    main()
