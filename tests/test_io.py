"""Atomic writes: leftovers of a killed write are removed; a folder is listed once per process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from osddl import io
from osddl.io import atomic_write_bytes, temp_file_for


def test_leftovers_of_the_same_target_are_removed_others_kept(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text("old", encoding="utf-8")
    for name in (".a.sql.x1.tmp", ".a.sql.x2.tmp", ".b.sql.x3.tmp", ".a.sql.notes"):
        (tmp_path / name).write_text("partial", encoding="utf-8")
    atomic_write_bytes(tmp_path / "a.sql", b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".a.sql.notes", ".b.sql.x3.tmp", "a.sql"]
    assert (tmp_path / "a.sql").read_bytes() == b"new"
    atomic_write_bytes(tmp_path / "b.sql", b"b")
    assert not (tmp_path / ".b.sql.x3.tmp").exists()


def test_a_folder_is_listed_once_however_many_files_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed: list[str] = []
    real = os.scandir

    def counting(path: object) -> object:
        listed.append(str(path))
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(io.os, "scandir", counting)
    for n in range(50):
        atomic_write_bytes(tmp_path / "data" / f"t{n}.parquet", b"x")
    assert listed == [str(tmp_path / "data")]
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == sorted(
        f"t{n}.parquet" for n in range(50)
    )


def test_temp_file_is_beside_the_target_with_the_target_name(tmp_path: Path) -> None:
    tmp = Path(temp_file_for(tmp_path / "sub" / "model.json"))
    assert tmp.parent == tmp_path / "sub"
    assert tmp.name.startswith(".model.json.") and tmp.name.endswith(".tmp")
