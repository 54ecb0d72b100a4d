"""The Jinja environments for every templated artifact: StrictUndefined, trailing newline kept.
SQL and sqlproj templates get no autoescape (values reach them already quoted by `osddl.tsql`);
HTML pages escape every value."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2


def _templates() -> Path:
    """Installed, the templates ship inside the package (`osddl/templates`); in a checkout they are
    `templates/` at the repository root."""
    shipped = Path(__file__).resolve().with_name("templates")
    return shipped if shipped.is_dir() else Path(__file__).resolve().parents[1] / "templates"


TEMPLATES = _templates()


@cache
def environment(html: bool = False) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        autoescape=html,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)


def render_html(template: str, **values: Any) -> str:
    return environment(html=True).get_template(template).render(**values)
