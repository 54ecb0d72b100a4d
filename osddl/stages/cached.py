"""Running an extraction through the evidence cache: reuse a fresh entry or produce and store."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from osddl.cache import CacheKey, EvidenceCache
from osddl.io import atomic_write_bytes
from osddl.options import CacheOptions


def open_cache(options: CacheOptions) -> EvidenceCache:
    return EvidenceCache(Path(options.dir), options.ttl_seconds, options.max_bytes)


def run_cached(
    options: CacheOptions, key: CacheKey, outputs: Mapping[str, Path], produce: Callable[[], None]
) -> bool:
    """True when the outputs came from the cache; else `produce` wrote them and they are stored.

    Entries the current key can never reach again are evicted first (their reasons are logged).
    """
    cache = open_cache(options)
    cache.evict_unreachable(key)
    if options.refresh:
        cache.evict(key, "refresh")
    entry = cache.lookup(key)
    if entry is not None:
        for name, target in outputs.items():
            atomic_write_bytes(target, (entry / name).read_bytes())
        print(f"{key.kind}: reused cache entry {entry.name} (source unchanged)")
        return True
    produce()
    cache.store(key, outputs)
    return False
