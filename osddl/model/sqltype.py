"""SQL Server type text (`nvarchar(50)`): re-exported from `osddl.tsql.types`, the facts' home."""

from osddl.tsql.types import MAX, SQLSERVER_TYPES, SqlType, parse_sql_type

__all__ = ["MAX", "SQLSERVER_TYPES", "SqlType", "parse_sql_type"]
