"""docs/uat-users.md and the committed schemas cannot fall behind the code."""

from __future__ import annotations

from pathlib import Path

from osddl.docgen import regenerated
from osddl.uat_users.docs import DOC
from osddl.uat_users.files import UAT_ARTIFACTS
from osddl.uat_users.matching import STATUSES
from osddl.uat_users.messages import FILE_RULES, MESSAGES, RULES
from osddl.uat_users.settings import UAT_USERS_KEYS
from osddl.uat_users.verify import VERIFY_RULES

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / DOC).read_text(encoding="utf-8")


def test_generated_sections_are_current() -> None:
    assert regenerated(DOC, TEXT) == TEXT, "run `doit docs` and commit"


def test_doc_lists_every_message_with_its_fix() -> None:
    for message in MESSAGES:
        assert f"| `{message.code}` |" in TEXT, message.code


def test_every_message_belongs_to_a_rule() -> None:
    for message in MESSAGES:
        assert message.rule is None or message.rule in RULES, message.code
    assert set(FILE_RULES.values()) <= set(RULES)


def test_doc_names_every_rule_setting_artifact_and_status() -> None:
    names = [
        *(f"`{rule}`" for rule in (*RULES, *VERIFY_RULES)),
        *(f"`{key.name}`" for key in UAT_USERS_KEYS),
        *(f"`{key.env}`" for key in UAT_USERS_KEYS),
        *(f"`{a.name}`" for a in UAT_ARTIFACTS),
        *(f"`{status}`" for status in STATUSES),
    ]
    assert [n for n in names if n not in TEXT] == []


def test_doc_leads_with_the_recommended_flow() -> None:
    headings = [line for line in TEXT.splitlines() if line.startswith("## ")]
    assert headings[0] == "## Recommended flow: pre-transformed INSERTs"
    assert "## Incident playbook" in headings
