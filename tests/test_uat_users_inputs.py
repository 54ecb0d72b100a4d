"""Inventories and the user map: every spec 05 input rule, with the operator's message asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from osddl.uat_users.inputs import read_inputs
from osddl.uat_users.inventory import kinds_agree, read_inventory
from osddl.uat_users.settings import UatUsersOptions
from osddl.uat_users.usermap import read_user_map
from tests.uat_users_data import UAT_USERS, inventory_csv

HEADER = "Id,Username,EMail,Name,External_Id,Is_Active,Creation_Date,Last_Login\n"
GUID = "6F9619FF-8B86-D011-B42D-00C04FC964FF"

# name → (file content, the exact messages)
INVENTORY_CASES: dict[str, tuple[str, list[str]]] = {
    "missing column": (
        "Id,Username,Name,External_Id,Is_Active,Creation_Date,Last_Login\n1,a,,,1,,\n",
        [
            "qa_users.csv:1: column 'EMail' is missing from the header; the header must name "
            "Id, Username, EMail, Name, External_Id, Is_Active, Creation_Date, Last_Login "
            "(any order, any case)"
        ],
    ),
    "duplicate header": (
        HEADER.strip() + ",USERNAME\n1,a,,,,1,,,\n",
        [
            "qa_users.csv:1: column 'USERNAME' appears twice in the header (fields 2 and 9); "
            "keep one column of each name"
        ],
    ),
    "duplicate id": (
        HEADER + "1,a,,,,1,,\n2,b,,,,1,,\n1,c,,,,1,,\n",
        ["qa_users.csv:4: Id '1' appears again (first at line 2); keep one row per user"],
    ),
    "blank id": (
        HEADER + "1,a,,,,1,,\n  ,b,,,,1,,\n",
        ["qa_users.csv:3: Id is blank; give the row its user's Id, or delete the row"],
    ),
    "guid and int mixed": (
        HEADER + f"1,a,,,,1,,\n{GUID},b,,,,1,,\n",
        [
            f"qa_users.csv:3: Id '{GUID}' is a GUID, but this file's ids are integers (first id "
            "at line 2); export the ids unchanged from ossys_User: one kind (integers or GUIDs) "
            "per file"
        ],
    ),
    "bad date": (
        HEADER + "1,a,,,,1,31/12/2024,\n2,b,,,,1,2024-01-01 10:00:00,2024-02-30\n",
        [
            "qa_users.csv:2: Creation_Date '31/12/2024' is not a date; write ISO 8601 "
            "(YYYY-MM-DD hh:mm:ss[.fff]) as SSMS exports it, or leave it blank",
            "qa_users.csv:3: Last_Login '2024-02-30' is not a date; write ISO 8601 "
            "(YYYY-MM-DD hh:mm:ss[.fff]) as SSMS exports it, or leave it blank",
        ],
    ),
    "bad boolean": (
        HEADER + "1,a,,,,yes,,\n",
        ["qa_users.csv:2: Is_Active 'yes' is not a boolean; write 1 or 0 (true or false)"],
    ),
    "wrong field count": (
        HEADER + "1,a,,,,1,\n",
        [
            "qa_users.csv:2: 7 fields, but the header has 8; quote fields that hold commas, "
            "quotes or line breaks; every row has the header's fields"
        ],
    ),
    "unterminated quote": (
        HEADER + '1,a,"oops,,,1,,\n',
        [
            "qa_users.csv:2: malformed CSV: unexpected end of data; re-export as RFC 4180 CSV: "
            "quote fields holding commas, quotes or line breaks"
        ],
    ),
    "quoted newline keeps later line numbers right": (
        HEADER + '1,a,,"two\nlines, ""quoted""",,1,,\n2,b,,,,maybe,,\n',
        ["qa_users.csv:4: Is_Active 'maybe' is not a boolean; write 1 or 0 (true or false)"],
    ),
    "every finding, not just the first": (
        HEADER + "1,a,,,,1,,\n1,b,,,,2,,\n,c,,,,1,x,\n",
        [
            "qa_users.csv:3: Id '1' appears again (first at line 2); keep one row per user",
            "qa_users.csv:4: Id is blank; give the row its user's Id, or delete the row",
        ],
    ),
    "empty file": ("", ["qa_users.csv:1: the file is empty; export the header row and the rows "
                        "(see docs/uat-users.md#inputs)"]),
}  # fmt: skip


def write(tmp_path: Path, content: str | bytes, name: str = "qa_users.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize("case", sorted(INVENTORY_CASES))
def test_inventory_rule_names_file_line_value_and_fix(tmp_path: Path, case: str) -> None:
    content, messages = INVENTORY_CASES[case]
    inventory, findings = read_inventory(write(tmp_path, content), "qa", "qa_users.csv")
    assert [f.text() for f in findings] == messages
    assert inventory is None
    assert {f.rule for f in findings} == {"qa-inventory-integrity"}


def test_invalid_utf8_is_reported_with_its_byte_offset(tmp_path: Path) -> None:
    data = (HEADER + "1,zoë,,,,1,,\n").encode() + b"2,ren\xe9,,,,1,,\n"
    offset = data.index(b"\xe9")
    _, findings = read_inventory(write(tmp_path, data), "uat", "uat_users.csv")
    assert [f.text() for f in findings] == [
        f"uat_users.csv:3: invalid UTF-8 at byte {offset} (byte 0xE9); save the file as UTF-8 "
        "(Excel: 'CSV UTF-8'); a BOM is accepted"
    ]
    assert findings[0].rule == "uat-inventory-integrity"


def test_bom_quoted_newline_any_case_and_order_are_accepted(tmp_path: Path) -> None:
    text = (
        "last_login,IS_ACTIVE,creation_date,external_id,name,email,USERNAME,id,Extra\r\n"
        '"",true,2024-01-02T03:04:05.1234567Z,,"Kowalski, Carla\r\n(QA)",c@x.org,carla,7,x\r\n'
        "NULL,0,2024-01-02,,,NULL,bo,8,\r\n"
    )
    inventory, findings = read_inventory(
        write(tmp_path, b"\xef\xbb\xbf" + text.encode()), "qa", "qa_users.csv"
    )
    assert findings == []
    assert inventory is not None and inventory.kind == "int"
    carla, bo = inventory.users[7], inventory.users[8]
    assert carla.name == "Kowalski, Carla\r\n(QA)" and carla.is_active and carla.line == 2
    assert bo.line == 4 and bo.email == "" and not bo.is_active


@pytest.mark.parametrize(
    ("ids", "kind"),
    [(["1", "20"], "int"), ([GUID.lower(), GUID.replace("F", "E")], "guid"), (["u1", "7"], "text")],
)
def test_the_first_id_sets_the_kind_of_the_file(tmp_path: Path, ids: list[str], kind: str) -> None:
    rows = "".join(f"{i},user{k},,,,1,,\n" for k, i in enumerate(ids))
    inventory, findings = read_inventory(write(tmp_path, HEADER + rows), "qa")
    assert findings == [] and inventory is not None and inventory.kind == kind
    if kind == "guid":
        assert GUID in inventory.users  # canonical: upper case


def test_missing_file_names_the_setting(tmp_path: Path) -> None:
    _, findings = read_inventory(tmp_path / "nope.csv", "uat", "nope.csv")
    assert [f.text() for f in findings] == [
        "nope.csv: file not found; export the file or set uat_users.uat_inventory to its path"
    ]


def test_inventories_of_different_kinds_are_refused(tmp_path: Path) -> None:
    qa, _ = read_inventory(write(tmp_path, HEADER + "1,a,,,,1,,\n"), "qa", "qa_users.csv")
    uat, _ = read_inventory(
        write(tmp_path, HEADER + f"{GUID},a,,,,1,,\n", "uat_users.csv"), "uat", "uat_users.csv"
    )
    assert qa is not None and uat is not None
    assert [f.text() for f in kinds_agree(qa, uat)] == [
        "uat_users.csv: QA ids are integers but UAT ids are GUIDs; export both inventories from "
        "ossys_User unchanged; ids of one kind in both"
    ]


# --- the user map ------------------------------------------------------------------------------

MAP_CASES: dict[str, tuple[str, list[str]]] = {
    "duplicate source": (
        "SourceUserId,TargetUserId,Note\n7,5900,a\n13,5901,\n7,5901,again\n",
        [
            "user_map.csv:4: SourceUserId '7' appears again (first at line 2); keep one row per "
            "source user; delete the other rows"
        ],
    ),
    "target not in UAT": (
        "SourceUserId,TargetUserId\n7,4242\n",
        [
            "user_map.csv:2: TargetUserId '4242' is not in the UAT inventory; pick a user listed "
            "in the UAT inventory, or add the user to UAT and re-export it"
        ],
    ),
    "inactive target": (
        "SourceUserId,TargetUserId\n7,5006\n",
        [
            "user_map.csv:2: TargetUserId '5006' (frank) is inactive in UAT; pick an active UAT "
            "user, or set uat_users.allow_inactive_targets = true"
        ],
    ),
    "blank and wrong-kind ids": (
        f"SourceUserId,TargetUserId\n,5900\n7,{GUID}\n",
        [
            "user_map.csv:2: SourceUserId is blank; fill it in, or delete the row",
            f"user_map.csv:3: TargetUserId '{GUID}' is not an integer (the inventories' kind); "
            "copy the id from the inventory unchanged",
        ],
    ),
    "missing column": (
        "Source,TargetUserId\n7,5900\n",
        [
            "user_map.csv:1: column 'SourceUserId' is missing from the header; the header must "
            "name SourceUserId, TargetUserId (any order, any case)"
        ],
    ),
    "quoted newline in a note, extra columns": (
        'sourceuserid,Note,TargetUserId,SourceUsername\n7,"two\nlines",5900,gina\n8,,5901,\n',
        [],
    ),
}


@pytest.mark.parametrize("case", sorted(MAP_CASES))
def test_map_rule_names_file_line_value_and_fix(tmp_path: Path, case: str) -> None:
    content, messages = MAP_CASES[case]
    write(tmp_path, inventory_csv(UAT_USERS, "int"), "uat_users.csv")
    write(tmp_path, HEADER + "7,gina,,,,1,,\n8,hank,,,,1,,\n", "qa_users.csv")
    write(tmp_path, content, "user_map.csv")
    inputs = read_inputs(
        tmp_path / "qa_users.csv",
        tmp_path / "uat_users.csv",
        tmp_path / "user_map.csv",
        UatUsersOptions(),
        {"qa": "qa_users.csv", "uat": "uat_users.csv", "map": "user_map.csv"},
    )
    assert [f.text() for f in inputs.findings] == messages
    assert inputs.ok == (not messages)


def test_map_rows_keep_their_lines_and_notes(tmp_path: Path) -> None:
    content = MAP_CASES["quoted newline in a note, extra columns"][0]
    user_map, findings = read_user_map(write(tmp_path, content, "m.csv"), "int", "m.csv")
    assert findings == [] and user_map is not None
    assert [(r.line, r.source, r.target, r.note) for r in user_map.rows] == [
        (2, 7, 5900, "two\nlines"),
        (4, 8, 5901, ""),
    ]


def test_fallback_targets_are_checked_with_the_inputs(tmp_path: Path) -> None:
    write(tmp_path, inventory_csv(UAT_USERS, "int"), "uat_users.csv")
    write(tmp_path, HEADER + "7,gina,,,,1,,\n", "qa_users.csv")
    inputs = read_inputs(
        tmp_path / "qa_users.csv",
        tmp_path / "uat_users.csv",
        None,
        UatUsersOptions(fallback="round-robin:5900,4242,5006,x"),
    )
    assert [f.text() for f in inputs.findings] == [
        "uat_users.fallback: '4242' is not in the UAT inventory; name UAT users in "
        "uat_users.fallback, e.g. single:<UAT id>",
        "uat_users.fallback: '5006' (frank) is inactive in UAT; name active UAT users, or set "
        "uat_users.allow_inactive_targets = true",
        "uat_users.fallback: 'x' is not an integer (the inventories' kind); copy the ids from "
        "the UAT inventory",
    ]
    assert not inputs.ok and inputs.map_file is None
