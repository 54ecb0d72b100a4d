"""Atomic writes, canonical JSON and hashing: the only way artifacts reach disk."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO


def canonical_json(value: Any) -> bytes:
    """Sorted keys, two-space indent, UTF-8 without escapes, LF, trailing newline."""
    text = json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


LEFTOVER_REASON = "a leftover temp file of an interrupted write"


def is_leftover(name: str) -> bool:
    """A temp file of `temp_file_for` (`.<target name>.<random>.tmp`): only a killed write leaves
    one behind."""
    return name.startswith(".") and name.endswith(".tmp")


# Temp files seen in a folder and not removed yet, per folder (absolute path, device, inode). Only
# a killed process leaves temp files behind, so a folder is listed on its first write in this
# process, not on every write (a listing per write made n files written into one folder O(n²)).
_LEFTOVERS: dict[tuple[str, int, int], set[str]] = {}
_LEFTOVERS_LOCK = threading.Lock()


def _remove_leftovers(folder: Path, prefix: str) -> None:
    stat = folder.stat()
    key = (os.path.abspath(folder), stat.st_dev, stat.st_ino)
    with _LEFTOVERS_LOCK:
        if key not in _LEFTOVERS:
            with os.scandir(folder) as entries:
                _LEFTOVERS[key] = {e.name for e in entries if is_leftover(e.name)}
        leftovers = _LEFTOVERS[key]
        stale = [name for name in leftovers if name.startswith(prefix)]
        leftovers.difference_update(stale)
    for name in stale:
        (folder / name).unlink(missing_ok=True)


def temp_file_for(path: Path) -> str:
    """A new temp file beside `path`; leftovers of an earlier, killed write of it are removed.
    Created with mode 0666 less the umask like any new file (0644 under 022), not mkstemp's 0600:
    the rename gives it the artifact's name, and the artifact its mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}."
    _remove_leftovers(path.parent, prefix)
    while True:
        tmp = path.parent / f"{prefix}{secrets.token_hex(6)}.tmp"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue  # 48 random bits: another name
        except OSError as exc:
            raise about(exc, path) from None
        return str(tmp)


def about(exc: OSError, path: Path) -> OSError:
    """The error of writing a temp file, told about its target (the name the operator knows)."""
    return type(exc)(exc.errno, exc.strerror, str(path))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then rename over the target."""
    tmp = temp_file_for(path)
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise about(exc, path) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A binary file that replaces `path` whole: written to a temp file beside it, fsynced and
    renamed over it when the block ends; removed when the block fails."""
    tmp = temp_file_for(path)
    try:
        with open(tmp, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, value: Any) -> None:
    atomic_write_bytes(path, canonical_json(value))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_json_file(path: Path) -> Any:
    """Parse a JSON file; a syntax error names the file, line and column."""
    from osddl.errors import InputError

    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: file not found; check the path") from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 ({exc.reason} at byte {exc.start}); save as UTF-8"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}:{exc.lineno}:{exc.colno}: malformed JSON ({exc.msg}); fix the syntax there"
        ) from None
    except (ValueError, RecursionError) as exc:  # a number beyond 4300 digits, deep nesting
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise InputError(f"{path}: not a usable JSON document ({reason}); fix the file") from None


def json_path(parts: Any) -> str:
    """`['modules', 1, 'name']` → `$.modules[1].name`."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out
