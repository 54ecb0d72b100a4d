"""The troubleshooting matrix lists every operator message, and every message names its fix."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from osddl.messages import (
    Message,
    all_messages,
    messages_table,
    raised_messages,
    split_fix,
    table_messages,
    template,
)

ROOT = Path(__file__).resolve().parents[1]

# Messages that do not follow "problem; fix" yet, in modules other helpers own. Each entry is
# (module, function, the start of the message); a message fixed later must leave this list (the
# test below fails on a stale entry), a new fix-less message must not join it.
WITHOUT_FIX: frozenset[tuple[str, str, str]] = frozenset(
    {
        # the fix is the "did you mean" of closest(), when a name is close
        ("osddl/config.py", "_unknown", "{where}: unknown setting"),
        # usage line: the fix is the expected form itself
        ("osddl/init.py", "init_project", "init: {args}: expected"),
        # osddl/load/* (load proof, being finished by another helper)
        ("osddl/load/target.py", "staging_engine", "load.target_url {url}: a SQLite staging"),
        ("osddl/load/target.py", "staging_engine", "no staging database at"),
        ("osddl/load/target.py", "staging_engine._connect", "SQLite does not enforce"),
        # osddl/source/engine.py: a URL with no file (sqlite://)
        ("osddl/source/engine.py", "_sqlite_engine", "{redact(…)}: a SQLite source needs"),
        # the fix follows ": ... or set" rather than "; "
        ("osddl/stages/uat_users.py", "uat_users_to_files", "uat_users: {missing} not found"),
        # osddl/tsql/* (another helper's): the column and value are named, not the fix
        ("osddl/tsql/write.py", "typed_literal", "{where}: {value} is not a 0x"),
        ("osddl/tsql/write.py", "typed_literal", "{where}: {value} is not a valid"),
    }
)

# Errors that pass on a message composed elsewhere (a helper's text, a list of findings joined by
# line, a fault row of osddl/faults.py): they carry no words of their own.
RELAYS: frozenset[tuple[str, str]] = frozenset(
    {
        ("osddl/compare/ddl.py", "_batch"),
        ("osddl/compare/ddl.py", "_parse"),
        ("osddl/export/order.py", "_break_cycles"),
        ("osddl/export/remediation.py", "_typed"),
        ("osddl/faults.py", "_os_line"),
        ("osddl/faults.py", "as_operator_error"),
        ("osddl/faults.py", "source_fault"),
        ("osddl/model/advanced_sql.py", "_resolve"),
        ("osddl/model/store.py", "_read_model"),
        ("osddl/model/validate.py", "check"),
        ("osddl/source/engine.py", "source_errors"),
        ("osddl/source/extract.py", "_check_resolved"),
        ("osddl/typed_json.py", "TypedJson.parse"),
    }
)


def _key(m: Message) -> tuple[str, str, str]:
    """The allowlist entry of a message, or (module, function, "") when it has none."""
    listed = (e for e in WITHOUT_FIX if e[:2] == (m.module, m.where) and m.problem.startswith(e[2]))
    return next(listed, (m.module, m.where, ""))


def test_every_message_names_its_fix_or_is_a_listed_exception() -> None:
    lacking = {_key(m) for m in all_messages() if not m.fix.strip()}
    unlisted = sorted(k for k in lacking if k not in WITHOUT_FIX)
    assert not unlisted, f"messages without '; fix' (house style 'problem; fix'): {unlisted}"
    assert lacking == WITHOUT_FIX, f"fixed since, drop from WITHOUT_FIX: {WITHOUT_FIX - lacking}"


def test_relays_are_exactly_the_listed_ones() -> None:
    relays = {(m.module, m.where) for m in raised_messages() if m.relay}
    assert relays == RELAYS, "a new error passes on a message with no words: give it text"


def test_the_doc_lists_every_message() -> None:
    doc = (ROOT / "docs/troubleshooting.md").read_text(encoding="utf-8")
    table = messages_table()
    for message in all_messages():
        assert f"| `{message.where}` | {message.kind} |" in table
    assert table in doc  # and test_docs checks the section is the regenerated one


def test_every_error_class_construction_of_the_source_is_collected() -> None:
    """An independent count: every call of an error class with a message, by a plain AST walk."""
    names = {"OsddlError", "InputError", "SourceError"}
    calls = 0
    for folder in ("osddl", "tasks"):
        for source in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and node.args:
                    func = node.func
                    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                    calls += name in names
    distinct = raised_messages()
    assert 0 < len(distinct) <= calls
    assert len({(m.module, m.where) for m in distinct}) >= len(distinct) // 2


def test_a_new_fixless_raise_is_caught(tmp_path: Path) -> None:
    package = tmp_path / "osddl"
    package.mkdir()
    (package / "new.py").write_text(
        'FIX = "do this"\n'
        "def f(x):\n"
        '    raise InputError(f"{x}: broken")\n'
        "def g(x):\n"
        '    raise SourceError(f"{x}: broken (a; b); " + FIX)\n',
        encoding="utf-8",
    )
    found = raised_messages(tmp_path)
    assert found == [
        Message("osddl/new.py", "f", "InputError", "{x}: broken", ""),
        Message("osddl/new.py", "g", "SourceError", "{x}: broken (a; b)", "do this"),
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('f"{path}: not found; check {redact(url)}"', "{path}: not found; check {redact(…)}"),
        ("f\"known: {', '.join(names)}\"", "known: {names}"),
        ('"a " + f"{x.y}" + "b"', "a {x.y}b"),
        ('"{n} rows".format(n=3)', "{n} rows"),
        ("message", "{message}"),
    ],
)
def test_templates_show_computed_parts_as_placeholders(source: str, expected: str) -> None:
    node = ast.parse(source, mode="eval").body
    assert template(node) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: bad; fix it; and more", ("a: bad", "fix it; and more")),
        ("a (x; y): bad; fix", ("a (x; y): bad", "fix")),
        ("no fix here", ("no fix here", "")),
    ],
)
def test_the_fix_is_after_the_first_separator_outside_brackets(
    text: str, expected: tuple[str, str]
) -> None:
    assert split_fix(text) == expected


def test_table_messages_come_from_their_tables() -> None:
    from osddl.proofs.export import HINTS
    from osddl.uat_users.messages import MESSAGES

    rows = table_messages()
    assert {m.where for m in rows} >= {m.code for m in MESSAGES} | set(HINTS)
