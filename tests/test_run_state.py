"""Kill-safe run state and one run at a time (tasks/state.py): a SIGKILL loses at most the task in
flight, and a second run in the same folder refuses with one line instead of interleaving."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from doit.dependency import Dependency, JsonDB, SqliteDB
from doit.task import Task

from fixtures.demo import build_demo
from tasks.state import REFUSED, commit_task, lock_run, state_file, unlock_run
from tests.doit_runs import (
    RAN,
    doit,
    doit_command,
    doit_environment,
    executed,
    tail,
    tree,
    tree_diff,
)

REFUSAL = re.compile(
    r"osddl: another run is using this project \(pid (\d+), started [^)]+\); "
    r"wait for it to finish \(or stop it\), then run again\n"
)

# --- the state file --------------------------------------------------------------------------


def finished_task(folder: Path) -> Task:
    source = folder / "input.txt"
    source.write_text("input\n", encoding="utf-8")
    return Task("make", actions=None, file_dep=[str(source)])


def test_a_task_state_is_durable_as_soon_as_it_is_committed(tmp_path: Path) -> None:
    """Pins doit's SqliteDB internals that `commit_task` relies on: without the commit, another
    reader sees nothing until the run exits."""
    state, task = str(tmp_path / ".doit.db"), finished_task(tmp_path)
    running = Dependency(SqliteDB, state)
    running.save_success(task)
    assert not Dependency(SqliteDB, state)._in("make")  # doit alone: saved only at exit
    commit_task(running, "make")
    reader = Dependency(SqliteDB, state)
    assert reader.get_status(task, {}).status == "up-to-date"


def test_a_json_state_file_is_migrated_without_losing_a_task(tmp_path: Path) -> None:
    state, task = str(tmp_path / ".doit.db"), finished_task(tmp_path)
    old = Dependency(JsonDB, state)
    old.save_success(task)
    old.close()
    assert state_file(state) == state
    assert Path(state).read_bytes().startswith(b"SQLite format 3\x00")
    assert Dependency(SqliteDB, state).get_status(task, {}).status == "up-to-date"
    assert state_file(state) == state  # already SQLite: left alone
    assert state_file(str(tmp_path / "none.db")) == str(tmp_path / "none.db")


def test_a_second_run_is_refused_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = str(tmp_path / ".doit.db")
    held = lock_run(state)
    with pytest.raises(SystemExit) as refused:
        lock_run(state)
    assert refused.value.code == REFUSED
    message = REFUSAL.fullmatch(capsys.readouterr().err)
    assert message and int(message.group(1)) == os.getpid()
    unlock_run(held)
    unlock_run(lock_run(state))  # released: the next run goes ahead


# --- end to end: SIGKILL at random points, two runs at once ------------------------------------


def start(project: Path) -> subprocess.Popen[str]:
    """`full_export` in the background, one task at a time (`-n 1`: a task is committed before
    the next starts; a killed parallel run is tests/test_full_export.py's); each `.  task` line
    reaches the pipe as it is printed."""
    return subprocess.Popen(
        doit_command(project, "-n", "1", "full_export"),
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=doit_environment({"PYTHONUNBUFFERED": "1"}),
        start_new_session=True,
    )


def started(lines: list[str]) -> list[str]:
    """The tasks a run started, in order."""
    return [line[3:].strip() for line in lines if line.startswith(RAN)]


class Clean:
    """A cold run on the demo: its tasks in order, its tree, and what a no-op rerun executes."""

    def __init__(self, folder: Path) -> None:
        self.source = folder / "source"
        build_demo(self.source)
        self.folder = shutil.copytree(self.source, folder / "clean")
        cold = doit(self.folder, "full_export")
        assert cold.returncode == 0, tail(cold)
        self.tasks = started(cold.stdout.splitlines())
        self.tree = tree(self.folder / "out")
        self.always = executed(doit(self.folder, "full_export"))

    def copy(self, target: Path) -> Path:
        return shutil.copytree(self.source, target)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Clean:
    return Clean(tmp_path_factory.mktemp("state"))


def kill_after(process: subprocess.Popen[str], tasks: int, delay: float) -> list[str]:
    """SIGKILL the run `delay` seconds after its `tasks`-th task started; returns its output."""
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line)
        if len(started(lines)) == tasks:
            time.sleep(delay)
            break
    assert process.poll() is None, "the run ended before the kill"
    os.killpg(process.pid, signal.SIGKILL)
    lines.extend(process.stdout)
    process.wait()
    return lines


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_a_killed_run_loses_at_most_the_task_in_flight(
    clean: Clean, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    work = clean.copy(tmp_path / "w")
    tasks = rng.randrange(1, len(clean.tasks) - 2)
    first = started(kill_after(start(work), tasks, rng.uniform(0, 0.05)))
    finished, in_flight = set(first[:-1]), first[-1]  # doit commits a task before the next starts
    never_started = set(clean.tasks) - set(first)

    rerun = doit(work, "-n", "1", "full_export")
    assert rerun.returncode == 0, tail(rerun)
    ran = executed(rerun)
    assert not (ran & finished) - clean.always, "a task that had finished ran again"
    assert never_started <= ran
    assert ran <= never_started | {in_flight} | clean.always
    assert not tree_diff(tree(work / "out"), clean.tree)


@pytest.mark.slow
def test_a_second_concurrent_run_refuses_and_the_first_finishes(
    clean: Clean, tmp_path: Path
) -> None:
    work = clean.copy(tmp_path / "w")
    first = start(work)
    assert first.stdout is not None
    lines = [first.stdout.readline()]
    while not started(lines):  # the lock is held from before the first task starts
        lines.append(first.stdout.readline())
        assert lines[-1], "the first run printed no task"

    # Paused, the first run keeps the lock however fast the rest of it would be.
    os.killpg(first.pid, signal.SIGSTOP)
    try:
        second = start(work)
        out, err = second.communicate(timeout=120)
    finally:
        os.killpg(first.pid, signal.SIGCONT)
    assert second.returncode == REFUSED, out[-2000:] + err[-2000:]
    message = REFUSAL.fullmatch(err)
    assert message and int(message.group(1)) == first.pid
    assert out == ""

    rest, first_err = first.communicate(timeout=120)
    assert first.returncode == 0, rest[-3000:] + first_err[-3000:]
    assert not tree_diff(tree(work / "out"), clean.tree)
    assert executed(doit(work, "full_export")) <= clean.always  # the refused run saved nothing


def test_read_only_commands_do_not_wait_for_a_run(tmp_path: Path) -> None:
    held = lock_run(str(tmp_path / ".doit.db"))
    try:
        listing = doit(tmp_path, "list")
    finally:
        unlock_run(held)
    assert listing.returncode == 0, listing.stderr[-2000:]
    assert "full_export" in listing.stdout
