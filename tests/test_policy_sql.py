"""Every remediation and suggestion statement parses as T-SQL (sqlglot, no opaque Command node)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from osddl.errors import InputError
from osddl.policy.decide import decide
from osddl.policy.sql import duplicate_listings, null_backfills, orphan_fixes, suggestions
from tests.test_policy_matrix import SITUATIONS


def statements(sql: str) -> list[exp.Expression]:
    parsed = [s for s in sqlglot.parse(sql, read="tsql") if s is not None]
    for statement in parsed:
        assert not isinstance(statement, exp.Command), f"opaque command: {statement.sql()[:80]}"
    return parsed


def scripts(model: Any, decisions: Any, sentinels: dict[str, str] | None = None) -> list[str]:
    return [
        null_backfills(decisions, model, sentinels or {}),
        duplicate_listings(decisions, model),
        orphan_fixes(decisions, model),
        suggestions(decisions, model, remediation=False),
        suggestions(decisions, model, remediation=True),
    ]


@pytest.mark.parametrize("situation", sorted(SITUATIONS), ids=lambda s: f"{s[0]}:{s[1]}")
@pytest.mark.parametrize("mode", ["evidence-gated", "aggressive"])
def test_every_statement_parses_as_tsql(situation: tuple[str, str], mode: str) -> None:
    build, _ = SITUATIONS[situation]
    model, rows, options = build()
    decisions = decide(model, rows, replace(options, mode=mode))
    for sql in scripts(model, decisions):
        statements(sql)
        assert sql.endswith("\n") and "\r" not in sql


def test_aggressive_remediation_has_real_statements() -> None:
    build, _ = SITUATIONS[("foreign_key", "rule_dirty")]
    model, rows, options = build()
    decisions = decide(model, rows, replace(options, mode="aggressive"))
    orphans = statements(orphan_fixes(decisions, model, {"M::Child.ParentId": "7"}))
    kinds = [type(s).__name__ for s in orphans]
    assert kinds == ["Select", "Update", "Delete", "Update"]
    needs = statements(suggestions(decisions, model, remediation=True))
    assert len(needs) == 1 and "FOREIGN KEY" in needs[0].sql(dialect="tsql").upper()


def test_null_backfill_uses_the_sentinel_of_the_type() -> None:
    build, _ = SITUATIONS[("not_null", "forced_dirty")]
    model, rows, options = build()
    decisions = decide(model, rows, options)
    sql = null_backfills(decisions, model, {"number": "-1"})
    (update,) = statements(sql)
    assert "UPDATE [dbo].[CHILD] SET [A] = -1 WHERE [A] IS NULL;" in sql
    assert isinstance(update, exp.Update)


def test_bad_sentinel_is_an_input_error() -> None:
    build, _ = SITUATIONS[("not_null", "forced_dirty")]
    model, rows, options = build()
    with pytest.raises(InputError, match=r"'zero' is not a valid number for a int column"):
        null_backfills(decide(model, rows, options), model, {"number": "zero"})


def test_awkward_names_are_quoted() -> None:
    build, _ = SITUATIONS[("unique", "candidate_dirty")]
    model, rows, options = build()
    module = model.modules[0]
    entities = [
        replace(e, physical_name="CHI]LD") if e.name == "Child" else e for e in module.entities
    ]
    model = replace(model, modules=[replace(module, entities=entities)])
    rows = [replace(r, table="CHI]LD") for r in rows]
    decisions = decide(model, rows, replace(options, mode="aggressive"))
    sql = duplicate_listings(decisions, model)
    assert "FROM [dbo].[CHI]]LD]" in sql
    statements(sql)


def _orphan_sql(fallback: dict[str, str] | None = None, **options: Any) -> str:
    build, _ = SITUATIONS[("foreign_key", "rule_dirty")]
    model, rows, base = build()
    decisions = decide(model, rows, replace(base, mode="aggressive", **options))
    return orphan_fixes(decisions, model, fallback)


def test_fallback_parent_is_the_operators_chosen_id() -> None:
    sql = _orphan_sql({"m::child.parentid": "7"})  # keys are case-insensitive
    assert "MIN(" not in sql.upper()
    assert "SET c.[PARENTID] = 7 FROM" in sql
    assert "EXISTS (SELECT 1 FROM [dbo].[PARENT] AS f WHERE f.[ID] = 7)" in sql


def test_without_a_chosen_parent_the_option_says_how_to_choose_one() -> None:
    sql = _orphan_sql()
    assert "MIN(" not in sql.upper()
    assert '[policy.fallback_parents] "M::Child.ParentId" = "<id>"' in sql
    assert [type(s).__name__ for s in statements(sql)] == ["Select", "Update", "Delete", "Select"]


def test_set_null_is_not_offered_for_a_column_the_decisions_make_not_null() -> None:
    sql = _orphan_sql(force_not_null=("M::Child.ParentId",))
    assert "= NULL" not in sql
    assert [type(s).__name__ for s in statements(sql)] == ["Select", "Delete", "Select"]


def test_unknown_fallback_parent_key_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"policy.fallback_parents: 'M::Child.Parent'"):
        _orphan_sql({"M::Child.Parent": "1"})


def test_bad_fallback_parent_id_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"'x' is not a valid number"):
        _orphan_sql({"M::Child.ParentId": "x"})


@pytest.mark.parametrize("platform", ["system", "users"])
def test_platform_tables_are_never_remediated_nor_tightened(platform: str) -> None:
    build, _ = SITUATIONS[("foreign_key", "rule_dirty")]
    model, rows, options = build()
    module = model.modules[0]
    if platform == "system":
        module = replace(module, is_system=True)
    else:
        module = replace(
            module,
            entities=[
                replace(e, physical_name="ossys_User") if e.name == "Child" else e
                for e in module.entities
            ],
        )
        rows = [replace(r, table="ossys_User") for r in rows]
    model = replace(model, modules=[module])
    decisions = decide(
        model, rows, replace(options, mode="aggressive", force_not_null=("M::Child.A",))
    )
    assert any(d.requires_remediation for d in decisions.references)
    for sql in scripts(model, decisions):
        assert not statements(sql), sql
