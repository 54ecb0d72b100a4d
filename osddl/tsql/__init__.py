"""The one place that knows T-SQL: facts (`types`), writing (`write`) and reading (`read`).

Callers import what they use from here; the modules say where each thing lives.
"""

from osddl.tsql.read import parse_literal, quiet_sqlglot, read_literal, split_batches
from osddl.tsql.types import FAMILIES, SqlType, family, parse_sql_type
from osddl.tsql.write import (
    SENTINELS,
    literal,
    normalise,
    qualified,
    quote,
    script,
    string,
    typed_literal,
)

__all__ = [
    "FAMILIES",
    "SENTINELS",
    "SqlType",
    "family",
    "literal",
    "normalise",
    "parse_literal",
    "parse_sql_type",
    "qualified",
    "quiet_sqlglot",
    "quote",
    "read_literal",
    "script",
    "split_batches",
    "string",
    "typed_literal",
]
