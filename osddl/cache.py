"""Evidence cache: reuse extraction results (model, profile, snapshots) without querying the DB.

Each entry is a folder ``<root>/<sanitised kind>-<digest>/`` holding the cached files plus an
``entry.json`` written last, so a folder without a readable ``entry.json`` is by definition an
interrupted write and is never reused. Entries are built in ``<root>/.tmp-*`` folders and renamed
into place, so a reader sees either the whole entry or none of it. Recency lives in ``entry.json``
(not in filesystem atimes, which ``noatime`` mounts and copies do not keep), and every deletion is
explained on the console and in ``<root>/cache-log.jsonl`` so an operator can tell why a run
went back to the database.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from osddl.io import canonical_json, sha256_bytes, write_json
from osddl.source.engine import redact

ENTRY_FILE = "entry.json"
LOG_FILE = "cache-log.jsonl"
TMP_PREFIX = ".tmp-"
DIGEST_LENGTH = 24

SELECTION_SHRANK = "module selection shrank"
SELECTION_CHANGED = "module selection changed"
TOGGLES_CHANGED = "toggles changed"
SOURCE_CHANGED = "source changed"
EXPIRED = "expired"
SIZE_CAP = "size cap"
REFRESH = "refresh"
INCOMPLETE = "incomplete entry"

_KEY_FIELDS = ("kind", "source", "selection", "toggles", "probe")
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")


def _selection_order(name: str) -> tuple[str, str]:
    """Case-insensitive order with a case-sensitive tie-break, so the order is total."""
    return (name.casefold(), name)


@dataclass(frozen=True)
class CacheKey:
    """Everything that decides whether a cached result is still the right answer.

    ``selection`` is re-sorted case-insensitively on construction so that two keys naming the
    same modules in another order hash identically. ``source`` is redacted on construction too,
    so no secret of the source URL reaches ``entry.json`` whatever the caller passes.
    """

    kind: str
    source: str
    selection: tuple[str, ...]
    toggles: Mapping[str, Any]
    probe: str

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.selection, key=_selection_order))
        object.__setattr__(self, "selection", ordered)
        object.__setattr__(self, "source", redact(self.source))

    def as_json(self) -> dict[str, Any]:
        """The key fields as stored in ``entry.json`` and hashed by ``digest``."""
        return {
            "kind": self.kind,
            "source": self.source,
            "selection": list(self.selection),
            "toggles": dict(self.toggles),
            "probe": self.probe,
        }

    def digest(self) -> str:
        """A stable short hash: canonical JSON makes it independent of dict order."""
        return sha256_bytes(canonical_json(self.as_json()))[:DIGEST_LENGTH]

    def entry_name(self) -> str:
        """Folder name; the readable kind prefix lets an operator see what is cached."""
        return f"{_UNSAFE_NAME_CHARS.sub('_', self.kind)}-{self.digest()}"


@dataclass(frozen=True)
class Eviction:
    """One deleted entry and why it went, for the log and the caller's summary."""

    entry: str
    reason: str
    bytes: int


def _folder_bytes(folder: Path) -> int:
    """Disk footprint of a folder whose entry.json cannot be trusted for its size."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _read_entry(folder: Path) -> dict[str, Any] | None:
    """The entry.json of a well-formed entry, or None when it is missing, broken or misnamed."""
    try:
        data = json.loads((folder / ENTRY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not _entry_fields_ok(data):
        return None
    return data if _key_of(data).entry_name() == folder.name else None


def _entry_fields_ok(data: dict[str, Any]) -> bool:
    """Type-check the fields the cache relies on, so junk never reaches the comparisons."""
    texts = all(isinstance(data.get(k), str) for k in ("kind", "source", "probe"))
    selection = data.get("selection")
    names = isinstance(selection, list) and all(isinstance(s, str) for s in selection)
    numbers = all(
        isinstance(data.get(k), int | float) for k in ("createdAt", "lastUsedAt", "bytes")
    )
    listed = data.get("files")
    files = isinstance(listed, list) and all(isinstance(f, str) for f in listed)
    return texts and names and numbers and files and isinstance(data.get("toggles"), dict)


def _key_of(data: Mapping[str, Any]) -> CacheKey:
    return CacheKey(
        kind=data["kind"],
        source=data["source"],
        selection=tuple(data["selection"]),
        toggles=data["toggles"],
        probe=data["probe"],
    )


def _same_key(left: CacheKey, right: CacheKey) -> bool:
    """Compare as stored JSON, so a tuple toggle read back as a list still matches."""
    return canonical_json(left.as_json()) == canonical_json(right.as_json())


def _check_entry_file_name(name: str) -> PurePosixPath:
    """Reject names that would escape the entry folder or clobber entry.json."""
    path = PurePosixPath(name)
    bad = not path.parts or path.is_absolute() or ".." in path.parts or "\\" in name
    if bad or str(path) == ENTRY_FILE:
        raise ValueError(f"cache: invalid file name {name!r} for an entry")
    return path


def _unreachable_reason(current: CacheKey, other: CacheKey) -> str | None:
    """Why ``other`` (same kind and source) can never be hit again, or None if it is current."""
    mine = {s.casefold() for s in current.selection}
    theirs = {s.casefold() for s in other.selection}
    if theirs != mine:
        return SELECTION_SHRANK if theirs > mine else SELECTION_CHANGED
    if canonical_json(dict(other.toggles)) != canonical_json(dict(current.toggles)):
        return TOGGLES_CHANGED
    return SOURCE_CHANGED if other.probe != current.probe else None


class EvidenceCache:
    """Entries under ``root`` keyed by ``CacheKey``, with TTL, LRU size cap and explained evictions.

    ``ttl_seconds`` is measured from creation: an entry is fresh while its age is strictly below
    it (so ``ttl_seconds <= 0`` means nothing is ever reused). ``max_bytes <= 0`` disables the cap.
    """

    def __init__(
        self,
        root: Path,
        ttl_seconds: int,
        max_bytes: int,
        log: Callable[[str], None] = print,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = Path(root)
        self.ttl_seconds = ttl_seconds
        self.max_bytes = max_bytes
        self._log = log
        self._clock = clock
        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_incomplete()

    # -- public API ---------------------------------------------------------------------------

    def lookup(self, key: CacheKey) -> Path | None:
        """The fresh entry folder for exactly ``key``, or None; a hit refreshes its recency."""
        folder = self.root / key.entry_name()
        if not folder.is_dir():
            return None
        data = self._valid_entry(folder)
        if data is None or not _same_key(_key_of(data), key):
            return None
        now = self._clock()
        if now - float(data["createdAt"]) >= self.ttl_seconds:
            self._delete(folder, EXPIRED, int(data["bytes"]))
            return None
        data["lastUsedAt"] = now
        write_json(folder / ENTRY_FILE, data)
        return folder

    def store(self, key: CacheKey, files: Mapping[str, Path]) -> Path:
        """Copy ``files`` into a new entry atomically, replace any same-key entry, apply the cap.

        The entry just stored is never the one the cap evicts, so the returned folder exists
        even when it alone is larger than ``max_bytes``.
        """
        names = {name: _check_entry_file_name(name) for name in files}
        tmp = self.root / f"{TMP_PREFIX}{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            size = self._copy_files(tmp, files, names)
            now = self._clock()
            entry = key.as_json() | {
                "digest": key.digest(),
                "createdAt": now,
                "lastUsedAt": now,
                "bytes": size,
                "files": sorted(names),
            }
            write_json(tmp / ENTRY_FILE, entry)
            target = self._move_into_place(tmp, key.entry_name())
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.enforce_size_cap(keep=target.name)
        return target

    def evict_unreachable(self, key: CacheKey) -> list[Eviction]:
        """Drop same-kind, same-source entries that ``key`` can never hit again."""
        evicted: list[Eviction] = []
        for folder, data in self._valid_entries():
            other = _key_of(data)
            if other.kind != key.kind or other.source != key.source:
                continue
            reason = _unreachable_reason(key, other)
            if reason is not None:
                evicted.append(self._delete(folder, reason, int(data["bytes"])))
        return evicted

    def evict(self, key: CacheKey, reason: str) -> list[Eviction]:
        """Delete the entry for exactly ``key`` (e.g. ``--refresh``); empty when there is none."""
        folder = self.root / key.entry_name()
        if not folder.is_dir():
            return []
        data = self._valid_entry(folder)
        if data is None:
            return []
        return [self._delete(folder, reason, int(data["bytes"]))]

    def enforce_size_cap(self, keep: str | None = None) -> list[Eviction]:
        """Evict least recently used entries until the total fits ``max_bytes``.

        ``keep`` names an entry that is never chosen (the one ``store`` just wrote).
        """
        if self.max_bytes <= 0:
            return []
        live = self._valid_entries()
        total = sum(int(data["bytes"]) for _, data in live)
        victims = sorted(
            (item for item in live if item[0].name != keep),
            key=lambda item: (float(item[1]["lastUsedAt"]), item[0].name),
        )
        evicted: list[Eviction] = []
        for folder, data in victims:
            if total <= self.max_bytes:
                break
            evicted.append(self._delete(folder, SIZE_CAP, int(data["bytes"])))
            total -= int(data["bytes"])
        return evicted

    def entries(self) -> list[dict[str, Any]]:
        """The entry.json of every well-formed entry, sorted by folder name."""
        return [data for _, data in self._valid_entries()]

    # -- internals ----------------------------------------------------------------------------

    def _valid_entries(self) -> list[tuple[Path, dict[str, Any]]]:
        """Well-formed entries sorted by folder name; broken ones met here are removed."""
        found: list[tuple[Path, dict[str, Any]]] = []
        for folder in sorted(self.root.iterdir(), key=lambda p: p.name):
            if not folder.is_dir() or folder.name.startswith(TMP_PREFIX):
                continue
            data = self._valid_entry(folder)
            if data is not None:
                found.append((folder, data))
        return found

    def _valid_entry(self, folder: Path) -> dict[str, Any] | None:
        """entry.json of ``folder``, deleting the folder when it is broken or lost a file."""
        data = _read_entry(folder)
        if data is not None and all((folder / name).is_file() for name in data["files"]):
            return data
        self._delete(folder, INCOMPLETE, _folder_bytes(folder))
        return None

    def _remove_incomplete(self) -> None:
        """Clear leftovers of killed runs so they are never mistaken for entries."""
        for folder in sorted(self.root.iterdir(), key=lambda p: p.name):
            if not folder.is_dir():
                continue
            if folder.name.startswith(TMP_PREFIX):
                self._delete(folder, INCOMPLETE, _folder_bytes(folder))
            else:
                self._valid_entry(folder)

    @staticmethod
    def _copy_files(
        tmp: Path, files: Mapping[str, Path], names: Mapping[str, PurePosixPath]
    ) -> int:
        """Copy each source file to its name inside ``tmp``; returns the total bytes copied."""
        size = 0
        for name, source in files.items():
            target = tmp.joinpath(*names[name].parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            size += target.stat().st_size
        return size

    def _move_into_place(self, tmp: Path, name: str) -> Path:
        """Rename ``tmp`` to ``name``; an existing same-key entry is moved aside, then removed."""
        target = self.root / name
        old: Path | None = None
        if target.exists():
            old = self.root / f"{TMP_PREFIX}old-{uuid.uuid4().hex}"
            target.rename(old)
        tmp.rename(target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return target

    def _delete(self, folder: Path, reason: str, size: int) -> Eviction:
        """Remove ``folder`` and record why, on the console and in cache-log.jsonl."""
        shutil.rmtree(folder, ignore_errors=True)
        eviction = Eviction(entry=folder.name, reason=reason, bytes=size)
        self._log(f"cache: evicted {eviction.entry} ({eviction.reason}, {eviction.bytes} bytes)")
        record = {"at": self._clock(), "entry": folder.name, "reason": reason, "bytes": size}
        line = json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n"
        with (self.root / LOG_FILE).open("a", encoding="utf-8") as handle:
            handle.write(line)
        return eviction
