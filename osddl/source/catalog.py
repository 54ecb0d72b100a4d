"""The physical catalog of the selected tables, read with a constant number of statements.

Each engine has its own reader (SQLite pragmas, PostgreSQL's bulk Inspector, SQL Server's sys
views); all return the same `TableCatalog` facts with SQL Server type names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from osddl.model.contract import FkAction, ForeignKey, Index, Trigger
from osddl.model.sqltype import SqlType

TableKey = tuple[str, str]  # (schema, table), both case-folded; schema as OutSystems names it


@dataclass(frozen=True)
class ColumnFacts:
    name: str
    sql_type: SqlType
    is_nullable: bool
    identity: tuple[int, int] | None = None  # (seed, increment)
    computed_definition: str | None = None
    is_computed: bool = False
    default_name: str | None = None
    default_definition: str | None = None
    collation: str | None = None


@dataclass
class TableCatalog:
    schema: str
    name: str
    columns: list[ColumnFacts] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)  # the PK included, attribute names unset
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)

    def column(self, name: str) -> ColumnFacts | None:
        folded = name.casefold()
        return next((c for c in self.columns if c.name.casefold() == folded), None)


def table_key(schema: str, table: str) -> TableKey:
    return (schema.casefold(), table.casefold())


# Default expressions as SQL Server spells them (keys lower-case, without surrounding parentheses).
DEFAULT_FUNCTIONS: dict[str, str] = {
    "current_timestamp": "getdate()",
    "now()": "getdate()",
    "localtimestamp": "getdate()",
    "true": "1",
    "false": "0",
    "gen_random_uuid()": "newid()",
}

FK_ACTIONS: dict[str, FkAction] = {
    "cascade": "CASCADE",
    "set null": "SET_NULL",
    "set default": "SET_DEFAULT",
    "no action": "NO_ACTION",
    "restrict": "NO_ACTION",
    "": "NO_ACTION",
}


def sqlserver_default(expression: str | None) -> str | None:
    """A default expression in SQL Server's stored form: `0` → `(0)`, `now()` → `(getdate())`."""
    if expression is None:
        return None
    text = unparenthesised(expression)
    text = re.sub(r"::[a-z ]+(\([0-9, ]*\))?$", "", text, flags=re.IGNORECASE)
    text = DEFAULT_FUNCTIONS.get(text.lower(), text)
    return f"({text})"


def unparenthesised(expression: str) -> str:
    """`((0))` → `0`: a default's outer parentheses (SQL Server stores them doubled) removed."""
    text = expression.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def fk_action(rule: str | None) -> FkAction:
    return FK_ACTIONS.get((rule or "").strip().lower().replace("_", " "), "NO_ACTION")
