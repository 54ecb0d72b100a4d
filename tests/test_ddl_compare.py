"""dmm_compare: read DDL from either tool into table shapes and report drift (spec 03)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from osddl.compare.ddl import (
    SCHEMA_VERSION,
    ColumnShape,
    ForeignKeyShape,
    compare,
    read_ddl,
    run_compare,
)
from osddl.errors import InputError
from osddl.io import canonical_json
from osddl.schemas import SCHEMAS
from osddl.typed_json import validate

DATA = Path(__file__).parent / "data" / "ddl"
OURS = DATA / "ours"
COUNTRY, CUSTOMER, ORDER = (
    "dbo.osusr_geo_country",
    "dbo.osusr_sal_customer",
    "sales.osusr_sal_order",
)


def ddl(tmp_path: Path, text: str, name: str = "script.sql") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def valid(diff: dict[str, object]) -> bool:
    """The diff validates against the committed `docs/schemas/dmm-diff.schema.json`."""
    return validate(SCHEMAS["dmm-diff.schema.json"](), diff) == []


def column_type(tmp_path: Path, spelled: str) -> str:
    shapes = read_ddl(ddl(tmp_path, f"CREATE TABLE t (c {spelled});"))
    return shapes["dbo.t"].columns["c"].type


# --- the fixture scenario -------------------------------------------------------------------


def test_our_folder_reads_into_shapes() -> None:
    shapes = read_ddl(OURS)

    assert sorted(shapes) == [COUNTRY, CUSTOMER, ORDER]
    customer = shapes[CUSTOMER]
    assert customer.primary_key == ("id",)
    assert customer.columns["id"] == ColumnShape("bigint", nullable=False)
    assert customer.columns["name"] == ColumnShape("nvarchar(100)", nullable=False)
    assert customer.columns["notes"] == ColumnShape("nvarchar(max)", nullable=True)
    assert customer.columns["creditlimit"] == ColumnShape("decimal(18,4)", nullable=False)
    assert customer.unique == (("email",),)  # the filtered unique index; the IX_ one is not unique
    assert customer.foreign_keys == (
        ForeignKeyShape(("countryid",), COUNTRY, ("id",), "no action"),
    )
    assert customer.source.endswith("dbo.OSUSR_SAL_CUSTOMER.sql:1")
    order = shapes[ORDER]
    assert order.unique == (("number",),)
    assert order.foreign_keys == (
        ForeignKeyShape(("customerid",), CUSTOMER, ("id",), "cascade"),
        ForeignKeyShape(("shipcountryid",), COUNTRY, ("id",), "set null"),  # WITH NOCHECK
    )
    assert shapes[COUNTRY].unique == (("code",),)


def test_drift_is_reported_exactly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / "dmm-diff.json"

    assert run_compare(OURS, DATA / "theirs_drift.sql", out) == 2

    diff = json.loads(out.read_text(encoding="utf-8"))
    assert diff["schemaVersion"] == SCHEMA_VERSION and valid(diff)
    assert diff["match"] is False
    assert diff["missingTables"] == [COUNTRY]
    assert diff["extraTables"] == []
    assert diff["compared"] == {"foreignKeys": True, "uniqueKeys": True}
    none: dict[str, list[object]] = {
        "columnsOnlyOurs": [],
        "columnsOnlyTheirs": [],
        "typeDrift": [],
        "nullabilityDrift": [],
        "primaryKeyDrift": [],
        "foreignKeyDrift": [],
        "uniqueDrift": [],
    }
    assert diff["tables"] == {
        CUSTOMER: none
        | {"nullabilityDrift": [{"column": "name", "ours": "NOT NULL", "theirs": "NULL"}]},
        ORDER: none
        | {"typeDrift": [{"column": "total", "ours": "decimal(18,4)", "theirs": "decimal(18,2)"}]},
    }
    assert diff["summary"] == {
        "oursTables": 3,
        "theirsTables": 2,
        "commonTables": 2,
        "tablesWithDrift": 2,
    }
    assert out.read_bytes() == canonical_json(diff)
    printed = capsys.readouterr().out
    assert "drift" in printed and str(out) in printed


def test_same_shapes_in_another_style_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "dmm-diff.json"

    assert run_compare(OURS, DATA / "theirs_same.sql", out) == 0

    diff = json.loads(out.read_text(encoding="utf-8"))
    assert diff["match"] is True
    assert diff["missingTables"] == diff["extraTables"] == []
    assert diff["tables"] == {}
    assert "match" in capsys.readouterr().out


def test_output_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    run_compare(OURS, DATA / "theirs_drift.sql", first)
    run_compare(OURS, DATA / "theirs_drift.sql", second)
    assert first.read_bytes() == second.read_bytes()


# --- unreadable input -----------------------------------------------------------------------


def test_garbage_names_file_line_and_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "dmm-diff.json"

    assert run_compare(OURS, DATA / "garbage.sql", out) == 1

    assert not out.exists()
    message = capsys.readouterr().err
    assert f"{DATA / 'garbage.sql'}:8: cannot parse near '~~~'" in message
    assert "fix the DDL or exclude the file" in message


def test_missing_path_is_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dmm-diff.json"

    assert run_compare(tmp_path / "nowhere", OURS, out) == 1
    assert run_compare(OURS, tmp_path / "nowhere.sql", out) == 1

    assert not out.exists()
    assert "nowhere: not found" in capsys.readouterr().err


def test_folder_without_sql_files_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no \.sql files"):
        read_ddl(tmp_path)


def test_unterminated_string_names_the_line(tmp_path: Path) -> None:
    path = ddl(tmp_path, "CREATE TABLE t (a int);\nGO\nSELECT 1;\nSELECT 'open\n")
    with pytest.raises(
        InputError, match=r"script\.sql:4: cannot parse near \"'\" \(never closed\)"
    ):
        read_ddl(path)


def test_table_hidden_in_opaque_text_is_refused(tmp_path: Path) -> None:
    """sqlglot keeps `IF ... BEGIN CREATE TABLE ... END` as text: losing the table is not ok."""
    text = "SET NOCOUNT ON;\nGO\n\nIF OBJECT_ID(N'dbo.t') IS NULL\nBEGIN\n"
    text += "  CREATE TABLE t (a int)\nEND\n"
    with pytest.raises(InputError, match=r"script\.sql:6: cannot parse near 'CREATE TABLE t'"):
        read_ddl(ddl(tmp_path, text))


def test_a_table_created_twice_is_refused(tmp_path: Path) -> None:
    ddl(tmp_path, "CREATE TABLE [dbo].[T] (a int);", "a.sql")
    ddl(tmp_path, "\n\ncreate table t (a int);", "b.sql")
    with pytest.raises(InputError, match=r"b\.sql:3: table dbo\.t is created again .*a\.sql:1"):
        read_ddl(tmp_path)


# --- reading details ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelled", "normalised"),
    [
        ("NVARCHAR (50)", "nvarchar(50)"),
        ("[nvarchar](50)", "nvarchar(50)"),
        ("nvarchar(MAX)", "nvarchar(max)"),
        ("nvarchar", "nvarchar(1)"),
        ("INT", "int"),
        ("[int]", "int"),
        ("tinyint", "tinyint"),
        ("numeric(18,4)", "decimal(18,4)"),
        ("DECIMAL (18, 4)", "decimal(18,4)"),
        ("decimal", "decimal(18,0)"),
        ("numeric(10)", "decimal(10,0)"),
        ("datetime2", "datetime2(7)"),
        ("DATETIME2 (3)", "datetime2(3)"),
        ("datetimeoffset", "datetimeoffset(7)"),
        ("time", "time(7)"),
        ("datetime", "datetime"),
        ("float", "float"),
        ("float(53)", "float"),
        ("float(25)", "float"),
        ("float(24)", "real"),
        ("real", "real"),
        ("text", "text"),
        ("ntext", "ntext"),
        ("uniqueidentifier", "uniqueidentifier"),
        ("timestamp", "rowversion"),
        ("sysname", "nvarchar(128)"),
        ("varbinary(max)", "varbinary(max)"),
        ("sql_variant", "sql_variant"),
        ("[dbo].[Money2]", "dbo.money2"),
    ],
)
def test_types_normalise_to_sql_server_spelling(
    tmp_path: Path, spelled: str, normalised: str
) -> None:
    assert column_type(tmp_path, spelled) == normalised


def test_nullability_follows_sql_server_defaults(tmp_path: Path) -> None:
    text = """
    CREATE TABLE t (
        pk1 int, pk2 int, ident int IDENTITY (1, 1), plain int, said_null int NULL,
        not_null int NOT NULL, inline_pk int NULL,
        CONSTRAINT pk PRIMARY KEY CLUSTERED (pk1, pk2)
    );
    CREATE TABLE u (inline_pk int PRIMARY KEY CLUSTERED);
    """
    shapes = read_ddl(ddl(tmp_path, text))
    nullable = {name: col.nullable for name, col in shapes["dbo.t"].columns.items()}
    assert nullable == {
        "pk1": False,
        "pk2": False,
        "ident": False,
        "plain": True,
        "said_null": True,
        "not_null": False,
        "inline_pk": True,
    }
    assert shapes["dbo.t"].primary_key == ("pk1", "pk2")
    assert shapes["dbo.u"].columns["inline_pk"].nullable is False


def test_keys_from_every_statement_form(tmp_path: Path) -> None:
    text = """
    CREATE TABLE p (id int NOT NULL, CONSTRAINT pk_p PRIMARY KEY NONCLUSTERED (id DESC));
    GO
    CREATE TABLE c (
        id int NOT NULL,
        p1 int CONSTRAINT fk_inline FOREIGN KEY REFERENCES p,
        p2 int REFERENCES dbo.p (id) ON DELETE SET NULL,
        a int, b int,
        CONSTRAINT uq UNIQUE (b ASC, a)
    ) WITH (DATA_COMPRESSION = PAGE);
    GO
    ALTER TABLE c ADD CONSTRAINT pk_c PRIMARY KEY CLUSTERED (id ASC) WITH (FILLFACTOR = 90);
    ALTER TABLE c ADD p3 int NOT NULL;
    ALTER TABLE c WITH CHECK ADD CONSTRAINT fk3 FOREIGN KEY (p3) REFERENCES p (id)
        ON DELETE CASCADE;
    ALTER TABLE c ADD CONSTRAINT df DEFAULT ((0)) FOR a;
    ALTER TABLE c ALTER COLUMN a bigint NOT NULL;
    CREATE UNIQUE NONCLUSTERED INDEX ux ON c (p1 ASC) INCLUDE (b) WHERE (p1 IS NOT NULL)
        WITH (PAD_INDEX = OFF, ONLINE = OFF) ON [PRIMARY];
    CREATE INDEX ix ON c (p2);
    """
    shape = read_ddl(ddl(tmp_path, text))["dbo.c"]

    assert shape.primary_key == ("id",)
    assert shape.columns["p3"] == ColumnShape("int", nullable=False)
    assert shape.columns["a"] == ColumnShape("int", nullable=True)  # ALTER COLUMN is a change
    assert shape.unique == (("a", "b"), ("p1",))
    assert shape.foreign_keys == (
        ForeignKeyShape(("p1",), "dbo.p", ("id",), "no action"),  # REFERENCES p: its PK
        ForeignKeyShape(("p2",), "dbo.p", ("id",), "set null"),
        ForeignKeyShape(("p3",), "dbo.p", ("id",), "cascade"),
    )


def test_code_batches_seeds_and_sqlcmd_lines_are_skipped(tmp_path: Path) -> None:
    text = """:setvar Env dev
CREATE TABLE t (id int NOT NULL);
GO
CREATE OR ALTER PROCEDURE p AS BEGIN IF 1 = 1 THROW 50001, N'x', 1; END
GO
CREATE VIEW v AS SELECT id FROM t
GO
ENABLE TRIGGER tr ON t
GO
SET IDENTITY_INSERT t ON;
EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'x';
PRINT N'done';
:r .\\Seeds\\t.seed.sql
"""
    assert list(read_ddl(ddl(tmp_path, text))) == ["dbo.t"]


def test_guarded_create_table_and_temp_tables(tmp_path: Path) -> None:
    text = (
        "IF OBJECT_ID(N'dbo.t') IS NULL CREATE TABLE t (id int NOT NULL);\n"
        "CREATE TABLE #scratch (id int);\n"
    )
    assert list(read_ddl(ddl(tmp_path, text))) == ["dbo.t"]


def test_storage_only_syntax_is_ignored(tmp_path: Path) -> None:
    text = """
    CREATE TABLE [dbo].[T](
        [Id] [int] IDENTITY(1,1) NOT FOR REPLICATION NOT NULL,
        [Guid] [uniqueidentifier] ROWGUIDCOL NOT NULL,
        [Wide] [nvarchar](max) SPARSE NULL,
     CONSTRAINT [PK_T] PRIMARY KEY CLUSTERED ([Id] ASC)
     WITH (PAD_INDEX = OFF, ALLOW_PAGE_LOCKS = ON) ON [PRIMARY]
    ) ON [PRIMARY] TEXTIMAGE_ON [PRIMARY]
    """
    shape = read_ddl(ddl(tmp_path, text))["dbo.t"]
    assert list(shape.columns) == ["id", "guid", "wide"]
    assert shape.primary_key == ("id",)


def test_utf16_scripts_from_ssms_are_read(tmp_path: Path) -> None:
    path = tmp_path / "ssms.sql"
    path.write_bytes("CREATE TABLE [dbo].[Ünï] ([Id] INT NOT NULL)\r\nGO\r\n".encode("utf-16"))
    assert list(read_ddl(path)) == ["dbo.ünï"]


# --- comparing ------------------------------------------------------------------------------


def test_keys_are_compared_only_when_theirs_has_any(tmp_path: Path) -> None:
    ours = read_ddl(OURS)
    bare = """
    CREATE TABLE dbo.osusr_geo_country (id int NOT NULL PRIMARY KEY, code nchar(2) NOT NULL,
        name nvarchar(50) NOT NULL, population bigint);
    CREATE TABLE dbo.osusr_sal_customer (id bigint IDENTITY PRIMARY KEY,
        name nvarchar(100) NOT NULL, email nvarchar(250), countryid int,
        creditlimit decimal(18,4) NOT NULL, notes nvarchar(max), createdon datetime2 NOT NULL);
    CREATE TABLE sales.osusr_sal_order (id bigint IDENTITY PRIMARY KEY,
        number nvarchar(20) NOT NULL, customerid bigint NOT NULL, shipcountryid int,
        total decimal(18,4) NOT NULL, placedat datetime2 NOT NULL, isgift bit NOT NULL);
    """
    theirs = read_ddl(ddl(tmp_path, bare))

    diff = compare(ours, theirs)
    assert diff["match"] is True
    assert diff["compared"] == {"foreignKeys": False, "uniqueKeys": False}

    keyed = bare + "ALTER TABLE sales.osusr_sal_order ADD FOREIGN KEY (customerid)"
    keyed += " REFERENCES dbo.osusr_sal_customer (id);"
    diff = compare(ours, read_ddl(ddl(tmp_path, keyed, "keyed.sql")))
    assert diff["match"] is False and valid(diff)
    assert diff["compared"] == {"foreignKeys": True, "uniqueKeys": False}
    assert list(diff["tables"]) == [CUSTOMER, ORDER]
    assert diff["tables"][CUSTOMER]["foreignKeyDrift"] == [
        {
            "columns": ["countryid"],
            "ours": [{"references": COUNTRY, "referencedColumns": ["id"], "onDelete": "no action"}],
            "theirs": [],
        }
    ]
    assert diff["tables"][ORDER]["foreignKeyDrift"] == [
        {
            "columns": ["customerid"],
            "ours": [{"references": CUSTOMER, "referencedColumns": ["id"], "onDelete": "cascade"}],
            "theirs": [
                {"references": CUSTOMER, "referencedColumns": ["id"], "onDelete": "no action"}
            ],
        },
        {
            "columns": ["shipcountryid"],
            "ours": [{"references": COUNTRY, "referencedColumns": ["id"], "onDelete": "set null"}],
            "theirs": [],
        },
    ]


def test_columns_pk_and_unique_drift(tmp_path: Path) -> None:
    ours = read_ddl(
        ddl(
            tmp_path,
            "CREATE TABLE t (a int NOT NULL, b int, CONSTRAINT pk PRIMARY KEY (a),"
            " UNIQUE (b)); CREATE TABLE gone (x int);",
            "ours.sql",
        )
    )
    theirs = read_ddl(
        ddl(
            tmp_path,
            "CREATE TABLE T (A int NOT NULL, c int, d int, PRIMARY KEY (a, c),"
            " UNIQUE (c, d)); CREATE TABLE new (x int);",
            "theirs.sql",
        )
    )
    diff = compare(ours, theirs)

    assert valid(diff)
    assert diff["missingTables"] == ["dbo.gone"]
    assert diff["extraTables"] == ["dbo.new"]
    table = diff["tables"]["dbo.t"]
    assert table["columnsOnlyOurs"] == ["b"]
    assert table["columnsOnlyTheirs"] == ["c", "d"]
    assert table["primaryKeyDrift"] == [{"ours": ["a"], "theirs": ["a", "c"]}]
    assert table["uniqueDrift"] == [
        {"columns": ["b"], "onlyIn": "ours"},
        {"columns": ["c", "d"], "onlyIn": "theirs"},
    ]


def test_table_and_column_names_compare_case_insensitively() -> None:
    shape = read_ddl(OURS)[CUSTOMER]
    upper = {CUSTOMER.upper(): shape}
    assert compare({CUSTOMER: shape}, upper)["match"] is True
