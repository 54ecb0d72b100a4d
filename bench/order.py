"""Benchmark: load order (sort + cycle breaking + proof) for a generated FK graph.

    python bench/order.py            # 10,000 tables / 30,000 FKs (target: well under 2 s)
    python bench/order.py --quick    # 500 tables / 1,500 FKs, proves the benchmark still runs (CI)

The graph is generated deterministically (seeded): tables in 50 schemas, FKs pointing mostly at
tables a little earlier in a hidden order (as modules reference their neighbours), about 70 %
nullable, 1 % self-references, and 1 % pairs of mutual FKs one or two tables apart (cycles; one
side always nullable). Measured: `load_order` + `LoadOrder.proof()`, median of 3 runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from osddl.export.order import FkEdge, TableRef, load_order  # noqa: E402

SEED = 20240611
WINDOW = 200  # how far back (in the hidden order) a parent usually is
CYCLE_SHARE = 0.01  # share of FKs that close a cycle
SELF_SHARE = 0.01  # share of FKs that are self-references
RUNS = 3


def generate(tables: int, fks: int) -> tuple[list[TableRef], list[FkEdge]]:
    """Deterministic tables and FK edges; input lists are shuffled like real catalog order."""
    rng = random.Random(SEED)
    refs = [TableRef(f"s{i % 50:02d}", f"OSUSR_T{i:05d}") for i in range(tables)]
    edges: list[FkEdge] = []
    for n in range(fks):
        child = rng.randrange(1, tables)
        roll = rng.random()
        if roll < SELF_SHARE:
            parent = child
        elif roll < SELF_SHARE + CYCLE_SHARE:
            parent = min(tables - 1, child + rng.randint(1, 2))  # closes a short cycle below
            edges.append(_edge(refs, parent, child, n, nullable=rng.random() < 0.7, tag="F"))
        else:
            parent = max(0, child - rng.randint(1, WINDOW))
        nullable = roll < SELF_SHARE + CYCLE_SHARE or rng.random() < 0.7
        edges.append(_edge(refs, child, parent, n, nullable=nullable, tag="R"))
    edges = edges[:fks]
    rng.shuffle(refs)
    rng.shuffle(edges)
    return refs, edges


def _edge(
    refs: list[TableRef], child: int, parent: int, n: int, nullable: bool, tag: str
) -> FkEdge:
    return FkEdge(refs[child], f"{tag}{n:05d}Id", refs[parent], "Id", nullable=nullable)


def measure(tables: int, fks: int) -> dict[str, float]:
    times: list[float] = []
    for _ in range(RUNS):
        refs, edges = generate(tables, fks)  # fresh objects: no cached keys from the last run
        start = time.perf_counter()
        order = load_order(refs, edges)
        proof = order.proof()
        times.append(time.perf_counter() - start)
    return {
        "tables": tables,
        "fks": len(edges),
        "cycles": len(proof["cycles"]),
        "deferred": len(order.deferred),
        "self": len(order.self_references),
        "median": statistics.median(times),
        "max": max(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sizes = [(500, 1_500)] if args.quick else [(1_000, 3_000), (10_000, 30_000)]
    print(
        f"{'tables':>7} {'FKs':>7} {'cycles':>6} {'deferred':>8} {'self':>5} "
        f"{'median s':>8} {'max s':>6}"
    )
    for tables, fks in sizes:
        row = measure(tables, fks)
        print(
            f"{row['tables']:>7,} {row['fks']:>7,} {row['cycles']:>6} {row['deferred']:>8} "
            f"{row['self']:>5} {row['median']:>8.3f} {row['max']:>6.3f}"
        )


if __name__ == "__main__":
    main()
