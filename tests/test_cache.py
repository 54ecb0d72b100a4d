"""Evidence cache: hits, misses, expiry, every eviction reason, LRU size cap, junk cleanup, logs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from osddl.cache import CacheKey, Eviction, EvidenceCache

SOURCE = "mssql+pymssql://osddl:***@db.example:1433/QA"


class FakeClock:
    """A clock the test moves by hand, so TTL and recency are exact."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Harness:
    """One cache under tmp_path with a fake clock and captured log lines."""

    def __init__(self, tmp_path: Path, ttl: int = 3600, max_bytes: int = 0) -> None:
        self.root = tmp_path / "cache"
        self.src = tmp_path / "src"
        self.src.mkdir(exist_ok=True)
        self.clock = FakeClock()
        self.lines: list[str] = []
        self.ttl = ttl
        self.max_bytes = max_bytes
        self.cache = self.reopen()

    def reopen(self) -> EvidenceCache:
        self.cache = EvidenceCache(
            self.root, self.ttl, self.max_bytes, log=self.lines.append, clock=self.clock
        )
        return self.cache

    def file(self, name: str, data: bytes) -> Path:
        path = self.src / name
        path.write_bytes(data)
        return path

    def store(self, key: CacheKey, size: int = 100) -> Path:
        payload = self.file(f"{key.digest()}.bin", bytes(range(256))[:size].ljust(size, b"x"))
        return self.cache.store(key, {"model.json": payload})

    def log_records(self) -> list[dict[str, Any]]:
        text = (self.root / "cache-log.jsonl").read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines()]


def key(
    selection: tuple[str, ...] = ("A", "B"),
    *,
    kind: str = "model",
    source: str = SOURCE,
    toggles: dict[str, Any] | None = None,
    probe: str = "p1",
) -> CacheKey:
    return CacheKey(kind, source, selection, {"x": 1} if toggles is None else toggles, probe)


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


def test_store_then_lookup_returns_identical_bytes(h: Harness) -> None:
    model = h.file("model.json", b'{"modules": []}\n')
    profile = h.file("profile.parquet", bytes(range(256)) * 3)
    k = key()
    stored = h.cache.store(k, {"model.json": model, "nested/profile.parquet": profile})
    found = h.cache.lookup(k)
    assert found == stored == h.root / f"model-{k.digest()}"
    assert (found / "model.json").read_bytes() == model.read_bytes()
    assert (found / "nested" / "profile.parquet").read_bytes() == profile.read_bytes()
    [entry] = h.cache.entries()
    assert entry["bytes"] == 16 + 768
    assert entry["files"] == ["model.json", "nested/profile.parquet"]
    assert entry["selection"] == ["A", "B"] and entry["probe"] == "p1"
    assert not [p for p in h.root.iterdir() if p.name.startswith(".tmp-")]


def test_lookup_with_another_probe_misses_and_keeps_the_entry(h: Harness) -> None:
    stored = h.store(key(probe="p1"))
    assert h.cache.lookup(key(probe="p2")) is None
    assert stored.is_dir()
    assert h.cache.lookup(key(probe="p1")) == stored
    assert h.lines == []


def test_lookup_touches_last_used_time(h: Harness) -> None:
    k = key()
    h.store(k)
    h.clock.now = 1234.5
    assert h.cache.lookup(k) is not None
    [entry] = h.cache.entries()
    assert entry["createdAt"] == 1000.0
    assert entry["lastUsedAt"] == 1234.5


def test_entry_expires_after_ttl_and_is_deleted(tmp_path: Path) -> None:
    h = Harness(tmp_path, ttl=60)
    k = key()
    stored = h.store(k)
    h.clock.now += 59
    assert h.cache.lookup(k) == stored
    h.clock.now += 1
    assert h.cache.lookup(k) is None
    assert not stored.exists()
    assert h.lines == [f"cache: evicted {stored.name} (expired, 100 bytes)"]
    assert h.log_records() == [
        {"at": h.clock.now, "entry": stored.name, "reason": "expired", "bytes": 100}
    ]


def test_lookup_does_not_extend_the_ttl(tmp_path: Path) -> None:
    h = Harness(tmp_path, ttl=60)
    k = key()
    h.store(k)
    h.clock.now += 50
    assert h.cache.lookup(k) is not None
    h.clock.now += 10
    assert h.cache.lookup(k) is None


@pytest.mark.parametrize(
    ("old", "current", "reason"),
    [
        (key(("A", "B")), key(("A",)), "module selection shrank"),
        (key(("A", "C")), key(("A", "B")), "module selection changed"),
        (key(("A",)), key(("A", "B")), "module selection changed"),
        (key(toggles={"x": 1}), key(toggles={"x": 2}), "toggles changed"),
        (key(probe="p1"), key(probe="p2"), "source changed"),
    ],
    ids=["shrank", "changed", "grew", "toggles", "probe"],
)
def test_evict_unreachable_reasons(
    h: Harness, old: CacheKey, current: CacheKey, reason: str
) -> None:
    doomed = h.store(old)
    kept_current = h.store(current)
    other_kind = h.store(key(("A", "B", "C"), kind="profile"))
    other_source = h.store(key(("A", "B", "C"), source="postgresql://u:***@h/other"))

    evicted = h.cache.evict_unreachable(current)

    assert evicted == [Eviction(doomed.name, reason, 100)]
    assert not doomed.exists()
    assert kept_current.is_dir() and other_kind.is_dir() and other_source.is_dir()
    assert h.lines == [f"cache: evicted {doomed.name} ({reason}, 100 bytes)"]
    assert [r["reason"] for r in h.log_records()] == [reason]


def test_selection_comparison_ignores_case_and_order(h: Harness) -> None:
    stored = h.store(key(("b", "A")))
    assert key(("A", "b")).digest() == key(("b", "A")).digest()
    assert h.cache.evict_unreachable(key(("A", "b"))) == []
    assert stored.is_dir()


def test_evict_exact_entry_for_refresh_logs_line_and_jsonl(h: Harness) -> None:
    k = key()
    stored = h.store(k, size=42)
    keep = h.store(key(probe="other"))
    h.clock.now = 2000.0

    assert h.cache.evict(k, "refresh") == [Eviction(stored.name, "refresh", 42)]
    assert not stored.exists() and keep.is_dir()
    assert h.cache.evict(k, "refresh") == []
    assert h.lines == [f"cache: evicted {stored.name} (refresh, 42 bytes)"]
    assert h.log_records() == [
        {"at": 2000.0, "bytes": 42, "entry": stored.name, "reason": "refresh"}
    ]


def test_size_cap_evicts_least_recently_used_first(tmp_path: Path) -> None:
    h = Harness(tmp_path, max_bytes=250)
    first, second, third = key(probe="1"), key(probe="2"), key(probe="3")
    a = h.store(first)
    h.clock.now += 1
    b = h.store(second)
    h.clock.now += 1
    assert h.cache.lookup(first) == a  # first is now more recent than second
    h.clock.now += 1
    c = h.store(third)

    assert a.is_dir() and c.is_dir()
    assert not b.exists()
    assert h.lines == [f"cache: evicted {b.name} (size cap, 100 bytes)"]
    assert sum(e["bytes"] for e in h.cache.entries()) == 200


def test_size_cap_keeps_the_entry_just_stored_even_if_too_big(tmp_path: Path) -> None:
    h = Harness(tmp_path, max_bytes=150)
    small = h.store(key(probe="small"), size=100)
    h.clock.now += 1
    big = h.store(key(probe="big"), size=500)
    assert big.is_dir()
    assert not small.exists()
    assert [r["reason"] for r in h.log_records()] == ["size cap"]


def test_no_cap_when_max_bytes_is_zero(h: Harness) -> None:
    stored = [h.store(key(probe=str(i)), size=1000) for i in range(5)]
    assert h.cache.enforce_size_cap() == []
    assert all(p.is_dir() for p in stored)


def test_store_replaces_an_entry_with_the_same_key(h: Harness) -> None:
    k = key()
    h.cache.store(k, {"model.json": h.file("v1", b"old")})
    h.clock.now += 5
    target = h.cache.store(k, {"model.json": h.file("v2", b"new!")})
    assert (target / "model.json").read_bytes() == b"new!"
    assert [p.name for p in h.root.iterdir() if p.is_dir()] == [target.name]
    [entry] = h.cache.entries()
    assert entry["createdAt"] == 1005.0 and entry["bytes"] == 4


def test_construction_removes_leftovers_and_broken_entries(h: Harness) -> None:
    good = h.store(key())
    tmp = h.root / ".tmp-deadbeef"
    tmp.mkdir()
    (tmp / "model.json").write_bytes(b"12345")
    no_entry = h.root / "model-0123456789abcdef01234567"
    no_entry.mkdir()
    (no_entry / "model.json").write_bytes(b"abc")
    corrupt = h.root / "profile-aaaaaaaaaaaaaaaaaaaaaaaa"
    corrupt.mkdir()
    (corrupt / "entry.json").write_text("{not json", encoding="utf-8")

    h.reopen()

    assert not tmp.exists() and not no_entry.exists() and not corrupt.exists()
    assert good.is_dir()
    assert h.cache.lookup(key()) == good
    assert sorted(h.lines) == sorted(
        [
            "cache: evicted .tmp-deadbeef (incomplete entry, 5 bytes)",
            f"cache: evicted {no_entry.name} (incomplete entry, 3 bytes)",
            f"cache: evicted {corrupt.name} (incomplete entry, 9 bytes)",
        ]
    )
    assert {r["reason"] for r in h.log_records()} == {"incomplete entry"}
    assert len(h.log_records()) == 3


def test_entry_that_lost_a_file_is_not_reused(h: Harness) -> None:
    k = key()
    stored = h.store(k)
    (stored / "model.json").unlink()
    left = (stored / "entry.json").stat().st_size
    assert h.cache.lookup(k) is None
    assert not stored.exists()
    assert h.lines == [f"cache: evicted {stored.name} (incomplete entry, {left} bytes)"]


def test_digest_is_stable_and_sensitive_to_every_field() -> None:
    base = key()
    same = CacheKey("model", SOURCE, ("B", "A"), {"x": 1}, "p1")
    assert base == same and base.digest() == same.digest()
    assert len(base.digest()) == 24
    variants = [
        key(kind="profile"),
        key(source="other"),
        key(("A",)),
        key(toggles={"x": 2}),
        key(probe="p2"),
    ]
    assert len({v.digest() for v in variants} | {base.digest()}) == 6


def test_snapshot_kind_is_sanitised_in_the_folder_name(h: Harness) -> None:
    k = key(kind="snapshot:dbo.OSUSR_ABC_ORDER")
    stored = h.store(k)
    assert stored.name == f"snapshot_dbo_OSUSR_ABC_ORDER-{k.digest()}"
    assert h.cache.lookup(k) == stored


def test_entries_are_sorted_by_folder_name_and_hold_no_extra_fields(h: Harness) -> None:
    keys = [key(kind="profile"), key(kind="model"), key(kind="snapshot:dbo.T")]
    for k in keys:
        h.store(k)
    entries = h.cache.entries()
    names = [f"{e['kind'].replace(':', '_').replace('.', '_')}-{e['digest']}" for e in entries]
    assert names == sorted(names)
    assert set(entries[0]) == {
        "kind",
        "source",
        "selection",
        "toggles",
        "probe",
        "digest",
        "createdAt",
        "lastUsedAt",
        "bytes",
        "files",
    }
    assert all(e["source"] == SOURCE for e in entries)


@pytest.mark.parametrize("name", ["../escape", "/abs", "entry.json", "", "."])
def test_store_rejects_unsafe_names_and_leaves_nothing(h: Harness, name: str) -> None:
    with pytest.raises(ValueError, match="invalid file name"):
        h.cache.store(key(), {name: h.file("f", b"x")})
    assert [p.name for p in h.root.iterdir()] == []


def test_failed_store_leaves_no_temp_folder(h: Harness) -> None:
    with pytest.raises(FileNotFoundError):
        h.cache.store(key(), {"model.json": h.src / "missing.json"})
    assert [p.name for p in h.root.iterdir()] == []
    assert h.cache.lookup(key()) is None
