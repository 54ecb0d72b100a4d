"""Every operator-facing message, collected from where it is defined: the troubleshooting matrix.

Two kinds of source, read as data (nothing is restated here):
- the tables of messages: uat-users' `MESSAGES`, the export proof's `HINTS`, the gate's hints (the
  faults of `osddl/faults.py` have their own generated table in the same document);
- every `OsddlError` / `InputError` / `SourceError` constructed in `osddl/` and `tasks/`, found by
  reading the source (AST): its message template (an f-string's placeholders shown as `{name}`,
  or `{…}` for an expression), the module and function it is raised in, and its fix, the text after
  the first "; " (house style: "problem; fix").

docs/troubleshooting.md renders `messages_table()` (a generated section); tests/test_docs.py fails
when a message is added without regenerating, tests/test_messages.py when one has no fix.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from osddl.proofs.export import HINTS
from osddl.proofs.loadable import HINT, LEDGER_HINT
from osddl.source.engine import DRIVERS
from osddl.uat_users.messages import MESSAGES

# The error classes whose messages an operator reads (osddl/errors.py).
ERROR_CLASSES = frozenset({"OsddlError", "InputError", "SourceError"})
# Folders scanned, relative to the checkout (in the wheel, tasks/ is osddl/tasks/).
SCANNED = ("osddl", "tasks")
ROOT = Path(__file__).resolve().parents[1]
ELLIPSIS = "…"


@dataclass(frozen=True, order=True)
class Message:
    """One message: where it is defined, what the operator reads, and the fix it names."""

    module: str  # a source file, relative to the checkout
    where: str  # the function (or table row) that produces it
    kind: str  # the error class, or the table it is a row of
    problem: str  # the template up to the fix
    fix: str  # "" when the message names none

    @property
    def relay(self) -> bool:
        """A message made only of placeholders passes another message on (it has no words)."""
        return not any(c.isalpha() for c in _without_placeholders(self.problem + self.fix))


def _without_placeholders(text: str) -> str:
    out, depth = [], 0
    for c in text:
        depth += c == "{"
        if not depth:
            out.append(c)
        depth -= c == "}" and depth > 0
    return "".join(out)


def split_fix(template: str) -> tuple[str, str]:
    """`problem; fix` → (problem, fix), at the first "; " outside brackets (a fix may hold more);
    no such "; " → (template, "")."""
    depth = 0
    for at, c in enumerate(template):
        depth += (c in "([{") - (c in ")]}")
        if depth == 0 and template.startswith("; ", at):
            return template[:at], template[at + 2 :]
    return template, ""


# --- the templates of the source ---------------------------------------------------------------


def _placeholder(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_placeholder(node.value)}.{node.attr}"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
        return _placeholder(node.args[0]) if node.func.attr == "join" else _call(node)
    if isinstance(node, ast.Call):
        return _call(node)
    if isinstance(node, ast.Subscript):
        return _placeholder(node.value)
    return ELLIPSIS


def _call(node: ast.Call) -> str:
    return f"{_placeholder(node.func)}({ELLIPSIS})"  # redact(url) → redact(…)


def template(node: ast.expr, constants: Mapping[str, str] | None = None) -> str:
    """The text a message expression produces, its computed parts as `{name}` placeholders and
    the module's string constants (`constants`, e.g. a shared fix) spelled out."""
    known = constants or {}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in known:
        return known[node.id]
    if isinstance(node, ast.JoinedStr):
        return "".join(template(part, known) for part in node.values)
    if isinstance(node, ast.FormattedValue):
        return template(node.value, known)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return template(node.left, known) + template(node.right, known)
    if (  # "...{x}...".format(...)
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        return template(node.func.value, known)
    return "{" + _placeholder(node) + "}"


def module_constants(tree: ast.Module) -> dict[str, str]:
    """The module's top-level `NAME = "text"` (or `NAME: Final = ...`) string constants."""
    found: dict[str, str] = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else None
        target = node.target if isinstance(node, ast.AnnAssign) else target
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if isinstance(target, ast.Name) and value is not None:
            text = template(value, found)
            if "{" not in text:
                found[target.id] = text
    return found


def _error_class(call: ast.Call) -> str | None:
    name = call.func.id if isinstance(call.func, ast.Name) else None
    name = call.func.attr if isinstance(call.func, ast.Attribute) else name
    return name if name in ERROR_CLASSES and call.args else None


class _Scan(ast.NodeVisitor):
    def __init__(self, module: str, constants: Mapping[str, str]) -> None:
        self.module = module
        self.constants = constants
        self.scope: list[str] = []
        self.found: list[Message] = []

    def _enter(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _enter

    def visit_Call(self, node: ast.Call) -> None:
        kind = _error_class(node)
        if kind is not None:
            problem, fix = split_fix(template(node.args[0], self.constants))
            where = ".".join(self.scope) or "(module)"
            self.found.append(Message(self.module, where, kind, problem, fix))
        self.generic_visit(node)


def raised_messages(root: Path = ROOT) -> list[Message]:
    """Every operator error constructed under `root`'s scanned folders, one per distinct text."""
    found: set[Message] = set()
    for folder in SCANNED:
        for source in sorted((root / folder).rglob("*.py")):
            module = source.relative_to(root).as_posix()
            tree = ast.parse(source.read_text(encoding="utf-8"), module)
            scan = _Scan(module, module_constants(tree))
            scan.visit(tree)
            found.update(scan.found)
    return sorted(found)


# --- the tables of messages ----------------------------------------------------------------------


def table_messages() -> list[Message]:
    """The rows of the tables of messages other modules define."""
    rows = [
        Message("osddl/uat_users/messages.py", m.code, f"uat-users {m.severity}", m.text, m.fix)
        for m in MESSAGES
    ]
    rows += [
        Message(
            "osddl/source/engine.py",
            module,
            "missing driver",
            f"source.url: the {database} driver ({module}) is not installed",
            install,
        )
        for module, (database, install) in DRIVERS.items()
    ]
    rows += [
        Message("osddl/proofs/export.py", kind, "export-validation finding", kind, hint)
        for kind, hint in HINTS.items()
    ]
    rows += [
        Message("osddl/proofs/loadable.py", kind, "loadable-verification finding", problem, fix)
        for kind, problem, fix in (
            ("null / duplicate / orphan", "the emitted schema refuses emitted data", HINT),
            ("ledger", "INSERTs and ledger disagree", LEDGER_HINT),
        )
    ]
    return rows


def all_messages(root: Path = ROOT) -> list[Message]:
    return [*table_messages(), *(m for m in raised_messages(root) if not m.relay)]


# --- the documentation table ---------------------------------------------------------------------


def _cell(text: str) -> str:
    """Table-cell text: `|` escaped, `<...>` shown as written (not read as HTML)."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace("\n", " ") or "(none)"


def _modules(messages: list[Message]) -> Iterator[tuple[str, list[Message]]]:
    for module in sorted({m.module for m in messages}):
        yield module, [m for m in messages if m.module == module]


def messages_table(root: Path = ROOT) -> str:
    """docs/troubleshooting.md: every message by module, with where, what it says and the fix."""
    lines: list[str] = []
    for module, messages in _modules(all_messages(root)):
        lines += [
            "",
            f"### `{module}`",
            "",
            "| where | kind | message | fix |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| `{m.where}` | {m.kind} | {_cell(m.problem)} | {_cell(m.fix)} |" for m in messages
        ]
    return "\n".join(lines[1:])
