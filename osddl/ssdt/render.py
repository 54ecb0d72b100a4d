"""The SSDT files rendered from their templates (tables, schemas, post-deployment, sqlproj)."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from osddl.ssdt.plan import TablePlan
from osddl.templating import render
from osddl.tsql import quote
from osddl.tsql.write import include

SDK_VERSION = "0.2.0-preview"


def table_script(plan: TablePlan) -> str:
    return render("ssdt/table.sql.j2", plan=plan, lines=[*plan.columns, *plan.constraints])


def schema_script(schema: str) -> str:
    return render("ssdt/schema.sql.j2", schema=quote(schema))


def post_deployment(seed_paths: list[str]) -> str:
    """`:r` includes with Windows separators, as sqlcmd in SSDT expects them."""
    return render("ssdt/post_deployment.sql.j2", seeds=[include(p) for p in seed_paths])


def project(name: str, build: list[str], other: list[str]) -> str:
    def attr(path: str) -> str:
        return quoteattr(path.replace("/", "\\"))[1:-1]

    return render(
        "ssdt/project.sqlproj.j2",
        name=name,
        sdk_version=SDK_VERSION,
        build=[attr(p) for p in build],
        other=[attr(p) for p in other],
    )
