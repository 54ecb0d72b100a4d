"""The md5 file check: doit's answers and states, each file version hashed once per process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from doit import dependency

from tasks import filecheck


def _rewrite(path: Path, data: bytes, mtime_ns: int) -> None:
    """Atomic rewrite (new inode) with a chosen mtime."""
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    os.utime(path, ns=(mtime_ns, mtime_ns))


@pytest.mark.parametrize(
    ("after", "mtime_shift", "modified"),
    [
        (b"same bytes", 0, False),  # untouched
        (b"same bytes", 10**9, False),  # rewritten with the same bytes
        (b"SAME BYTES", 10**9, True),  # same size, other bytes
        (b"longer bytes!", 10**9, True),  # other size
    ],
    ids=["untouched", "same-bytes", "same-size", "other-size"],
)
def test_same_answers_and_states_as_doits_checker(
    tmp_path: Path, after: bytes, mtime_shift: int, modified: bool
) -> None:
    path = tmp_path / "model.json"
    path.write_bytes(b"same bytes")
    start = path.stat().st_mtime_ns
    doit_checker, ours = dependency.MD5Checker(), filecheck.MD5Checker()
    state = doit_checker.get_state(str(path), None)
    assert ours.get_state(str(path), None) == state
    if mtime_shift:
        _rewrite(path, after, start + mtime_shift)
    stat = os.stat(path)
    assert ours.check_modified(str(path), stat, state) is modified
    assert doit_checker.check_modified(str(path), stat, state) is modified
    assert ours.get_state(str(path), state) == doit_checker.get_state(str(path), state)


def test_one_hash_per_file_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hashed: list[str] = []
    real = filecheck.get_file_md5
    monkeypatch.setattr(filecheck, "get_file_md5", lambda p: hashed.append(p) or real(p))
    path = tmp_path / "model.json"
    path.write_bytes(b"v1")
    ours = filecheck.MD5Checker()
    states = [ours.get_state(str(path), None) for _ in range(100)]  # 100 tasks depend on it
    assert len(set(states)) == 1 and len(hashed) == 1
    _rewrite(path, b"v2", path.stat().st_mtime_ns + 10**9)
    assert ours.check_modified(str(path), os.stat(path), states[0])
    assert ours.get_state(str(path), None)[2] != states[0][2]  # type: ignore[index]
    assert len(hashed) == 2


def test_dep_files_of_doits_checker_stay_valid() -> None:
    """doit reruns every task whose saved checker name differs from the current one."""
    assert filecheck.MD5Checker.__name__ == dependency.MD5Checker.__name__
