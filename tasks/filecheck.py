"""How doit decides that a file dependency changed: doit's md5 rule, each file hashed once per run.

doit (`check_file_uptodate = md5`) keeps `(mtime, size, md5)` per task and file dependency. Its
`MD5Checker` hashes a file once per *task*: after each task runs (to save its state) and whenever
the mtime moved but the size did not (to tell a rewrite with the same bytes from an edit). With a
7 MB `model.json` behind ~1,000 per-table tasks that was 12 of the 24 s of a cold `full_export` at
500 entities (3,514 hashes, docs/performance.md).

`MD5Checker` here gives doit exactly the same states and answers, but remembers each digest for the
life of the process, keyed by the file's path and `os.stat` identity (mtime in nanoseconds, size,
inode, device). That is no weaker than doit's own rule, which already takes an equal mtime for equal
content; an atomic rewrite (temp file + rename) always gets a new inode.

It has doit's class name on purpose: doit stores the checker's class name with every task and reruns
all tasks when it differs (`checker_changed`). The saved states are the same, so a dep file written
with either checker stays valid and switching reruns nothing.
"""

from __future__ import annotations

import os
from typing import Any

from doit import dependency
from doit.dependency import get_file_md5

StatKey = tuple[str, int, int, int, int]  # absolute path, mtime_ns, size, inode, device


class MD5Checker(dependency.MD5Checker):  # type: ignore[misc]  # doit ships no type hints
    """doit's MD5Checker, one hash per file version per process (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._digests: dict[StatKey, str] = {}

    def digest(self, path: str, stat: os.stat_result) -> str:
        key = (os.path.abspath(path), stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_dev)
        found = self._digests.get(key)
        if found is None:
            found = self._digests[key] = get_file_md5(path)
        return found

    def check_modified(self, file_path: str, file_stat: os.stat_result, state: Any) -> bool:
        timestamp, size, file_md5 = state
        if file_stat.st_mtime == timestamp:
            return False
        if file_stat.st_size != size:
            return True
        return bool(file_md5 != self.digest(file_path, file_stat))

    def get_state(self, dep: str, current_state: Any) -> tuple[float, int, str] | None:
        stat = os.stat(dep)
        if current_state and current_state[0] == stat.st_mtime:
            return None
        return stat.st_mtime, stat.st_size, self.digest(dep, stat)
