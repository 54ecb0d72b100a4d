"""The sweep: whatever a rerun would not produce is removed, so a rerun's tree equals a cold run's.

Runs after every producer and before the proofs. Only files the layout knows are touched (an
operator's own file under out/ is left for `verify:export` to report), plus leftover temp files of
killed writes. Folders a task owns (out/ssdt/Modules, ...) are swept by that task.
"""

from __future__ import annotations

from pathlib import Path

from osddl.io import LEFTOVER_REASON, is_leftover
from osddl.layout import classify, produced
from osddl.model.store import read_model
from osddl.options import DataOptions
from osddl.selection import select, table_id


def sweep(options: DataOptions, model_path: Path, out: Path) -> list[str]:
    """Remove and print every artifact this selection and insert mode no longer produce."""
    selection = select(read_model(model_path), options.selection)
    keep = produced(selection.exported, selection.static, options.insert_mode, options.uat_users)
    static = {table_id(e) for _, e in selection.static}
    removed = []
    for file in sorted(p for p in out.rglob("*") if p.is_file()):
        relative = file.relative_to(out).as_posix()
        if is_leftover(file.name):
            reason = LEFTOVER_REASON
        else:
            known = classify(relative, static)
            if known is None or known[0].sweep != "run" or relative in keep:
                continue
            reason = f"not produced by this run ({known[0].doc.rstrip('.').lower()})"
        file.unlink()
        removed.append(relative)
        print(f"sweep: removed {relative}: {reason}")
    _remove_empty_folders(out)
    return removed


def _remove_empty_folders(out: Path) -> None:
    for folder in sorted((d for d in out.rglob("*") if d.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
