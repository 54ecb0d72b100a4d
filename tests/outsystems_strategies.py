"""Hypothesis strategies for whole OutSystems databases, and what an export of one must reproduce.

`databases(engine)` draws a `GeneratedDatabase`: modules (active or not) of entities with every
attribute type the type table knows, extreme values (long text, NUL/CR/LF/`GO` lines, 38-digit
decimals, 100 ns datetimes, GUIDs, binary), references with every delete rule (self-references,
cycles with and without a physically nullable edge, references to `ossys_User`, orphans under
`Ignore`), static entities, names with spaces, reserved words and unicode, empty tables, AutoNumber
ids and inactive attributes. `write(db, engine)` writes it with `fixtures.outsystems` (SQLite, the
demo's format, or PostgreSQL); `expected_rows(db)` is what a load of the export must hold, table by
table, computed from the description alone (never from osddl's own output).

Values are what the source engine can hold exactly (`EngineProfile`): SQLite keeps text with NUL
and 100 ns datetimes as text but only 15 significant digits of a decimal (NUMERIC affinity);
PostgreSQL keeps 38-digit decimals but no NUL in text and microseconds at best. The benchmarks may
import this module (`bench/` builds larger databases with `databases(...).example()` or by hand).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal
from typing import Any

from hypothesis import strategies as st

from fixtures.outsystems import (
    USER,
    AttrSpec,
    EntitySpec,
    ModuleSpec,
    Row,
    system_module,
    write_outsystems,
)
from osddl.model.sqltype import MAX, SqlType, parse_sql_type
from osddl.tsql.write import normalise

# ---- what a source engine holds exactly ---------------------------------------------------------


@dataclass(frozen=True)
class EngineProfile:
    name: str  # "sqlite" | "postgresql"
    nul_in_text: bool  # PostgreSQL text cannot hold U+0000
    decimal_digits: int  # significant digits a decimal column keeps
    fraction_digits: int  # fractional-second digits of datetime2(7) / time(7)


SQLITE = EngineProfile("sqlite", nul_in_text=True, decimal_digits=15, fraction_digits=7)
POSTGRES = EngineProfile("postgresql", nul_in_text=False, decimal_digits=38, fraction_digits=6)

# ---- values -------------------------------------------------------------------------------------

# Text that has broken T-SQL writers and readers: quotes, GO lines, sqlcmd syntax, line ends.
AWKWARD_TEXTS: tuple[str, ...] = (
    "", " ", "GO", "go", "\nGO\n", "a\nGO\nb", "x\r\nGO\r\ny", "GO;", "  GO  ", "GO 2", "\tGO",
    "'", "''", "N'", "it's", "\r", "\n", "\r\n", "\n\r", "\t", "--", "/*", "*/", ":r x.sql",
    ":setvar x 1", "$(x)", "[", "]", "]]", "😀", "é", "e\u0301", "\u200b", "\ufeff", "\\", "%",
    "\u2028", "\x1a", "\x7f", "NULL", "null",
)  # fmt: skip
NUL_TEXTS: tuple[str, ...] = ("\x00", "a\x00b", "\x00GO\x00")
LONG_PIECES: tuple[str, ...] = ("x", "ab\n", "GO\n", "é😀", "'", "\r\n")


def utf16_length(text: str) -> int:
    """Characters as SQL Server's nvarchar(n) counts them (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def fit_text(text: str, length: int | None) -> str:
    """`text` cut to at most `length` UTF-16 units (None or MAX: uncut)."""
    if length is None or length == MAX:
        return text
    while utf16_length(text) > length:
        text = text[:-1]
    return text


def texts(profile: EngineProfile, length: int | None) -> st.SearchStrategy[str]:
    excluded = () if profile.nul_in_text else ("\x00",)
    chars = st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters=excluded)
    samples = AWKWARD_TEXTS + (NUL_TEXTS if profile.nul_in_text else ())
    limit = 9000 if length in (None, MAX) else length
    long = st.builds(
        lambda piece, extra: piece * (limit // len(piece) + extra),
        st.sampled_from(LONG_PIECES),
        st.integers(0, 2),
    )
    drawn = st.text(chars, max_size=20) | st.sampled_from(samples) | long
    return drawn.map(lambda text: fit_text(text, length))


def decimals(profile: EngineProfile, precision: int, scale: int) -> st.SearchStrategy[Decimal]:
    digits = min(precision, profile.decimal_digits)
    top = 10**digits - 1
    exact = Context(prec=100)  # the default context keeps 28 digits: too few for decimal(38, s)
    return st.integers(-top, top).map(lambda unscaled: Decimal(unscaled).scaleb(-scale, exact))


def _fraction(profile: EngineProfile) -> st.SearchStrategy[int]:
    """100 ns ticks within the second, at the engine's precision."""
    step = 10 ** (7 - profile.fraction_digits)
    return st.integers(0, 10**7 // step - 1).map(lambda n: n * step)


def datetime2s(profile: EngineProfile) -> st.SearchStrategy[object]:
    """datetime2(7) from year 1 to 9999: ISO text with 7 digits on SQLite, else a datetime."""
    moments = st.datetimes(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59))
    if profile.fraction_digits == 7:
        return st.builds(
            lambda m, t: f"{m:%Y-%m-%d %H:%M:%S}.{t:07d}".rjust(27, "0"),
            moments.map(lambda m: m.replace(microsecond=0)),
            _fraction(profile),
        )
    return st.builds(lambda m, t: m.replace(microsecond=t // 10), moments, _fraction(profile))


def times(profile: EngineProfile) -> st.SearchStrategy[object]:
    clocks = st.times().map(lambda t: t.replace(microsecond=0))
    if profile.fraction_digits == 7:
        return st.builds(lambda c, t: f"{c:%H:%M:%S}.{t:07d}", clocks, _fraction(profile))
    return st.builds(lambda c, t: c.replace(microsecond=t // 10), clocks, _fraction(profile))


def datetimes_1_300() -> st.SearchStrategy[dt.datetime]:
    """SQL Server datetime: 1753-9999, milliseconds ending in 0, 3 or 7 (1/300 s)."""
    moments = st.datetimes(dt.datetime(1753, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59))
    ms = st.integers(0, 99).flatmap(
        lambda tens: st.sampled_from([tens * 10, tens * 10 + 3, tens * 10 + 7])
    )
    return st.builds(lambda m, n: m.replace(microsecond=n * 1000), moments, ms)


def values(profile: EngineProfile, sql_type: SqlType) -> st.SearchStrategy[object]:
    """Non-NULL values a column of `sql_type` holds on SQL Server and on `profile`'s engine."""
    name = sql_type.name
    if name in INTEGER_LIMITS:
        low, high = INTEGER_LIMITS[name]
        return st.integers(low, high)
    if name == "decimal":
        precision, scale = sql_type.precision_scale()
        return decimals(profile, precision, scale)
    if name in ("nvarchar", "varchar"):
        return texts(profile, sql_type.length)
    return VALUE_STRATEGIES[name](profile)


INTEGER_LIMITS: dict[str, tuple[int, int]] = {
    "int": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}
VALUE_STRATEGIES: dict[str, Callable[[EngineProfile], st.SearchStrategy[Any]]] = {
    "bit": lambda _: st.booleans(),
    "date": lambda _: st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    "time": times,
    "datetime": lambda _: datetimes_1_300(),
    "datetime2": datetime2s,
    "uniqueidentifier": lambda _: st.uuids(),
    "varbinary": lambda _: (
        st.binary(max_size=40) | st.sampled_from([b"", b"\x00", bytes(range(256)) * 40])
    ),
}

# ---- attribute kinds: (OutSystems type, SQL Server type) ----------------------------------------

# Every logical type of osddl/model/type_mapping.toml, with the on-disk types the platform uses.
ATTRIBUTE_KINDS: tuple[tuple[str, str], ...] = (
    ("Integer", "int"),
    ("LongInteger", "bigint"),
    ("Boolean", "bit"),
    ("Decimal", "decimal(18,0)"),
    ("Decimal", "decimal(38,0)"),
    ("Decimal", "decimal(38,38)"),
    ("Decimal", "decimal(38,12)"),
    ("Decimal", "decimal(5,2)"),
    ("Currency", "decimal(37,8)"),
    ("Date", "date"),
    ("Time", "time(7)"),
    ("DateTime", "datetime"),
    ("DateTime", "datetime2(7)"),
    ("Text", "nvarchar(1)"),
    ("Text", "nvarchar(50)"),
    ("Text", "nvarchar(2000)"),
    ("Text", "nvarchar(max)"),
    ("Email", "nvarchar(250)"),
    ("PhoneNumber", "nvarchar(20)"),
    ("LongText", "nvarchar(max)"),
    ("BinaryData", "varbinary(max)"),
    ("GUID", "uniqueidentifier"),
)

# Identifier kinds: (OutSystems type, SQL Server type, AutoNumber).
IDENTIFIER_KINDS: tuple[tuple[str, str, bool], ...] = (
    ("Identifier", "int", True),
    ("Identifier", "int", False),
    ("LongInteger", "bigint", False),
    ("Text", "nvarchar(40)", False),
    ("GUID", "uniqueidentifier", False),
)

# Names: plain, reserved words in T-SQL, with spaces, unicode (short: PostgreSQL's 63 bytes);
# "Größe" folds to "grösse" (casefold is not lower).
NAMES: tuple[str, ...] = (
    "Customer", "Order", "Select", "Group", "Table", "Key", "User", "Index", "From", "Where",
    "Default", "Line Item", "First Name", "Café", "Ñandú", "数据", "Δelta", "Name_2", "Größe",
    "Status", "Note", "Value", "Left", "Check", "Percent", "Go", "Begin", "End", "Identity",
)  # fmt: skip

# ---- the description ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedDatabase:
    """A whole OutSystems database: `modules` (the `(System)` module with `users` comes on top)."""

    profile: EngineProfile
    modules: tuple[ModuleSpec, ...]
    users: tuple[Row, ...] = ()
    notes: tuple[str, ...] = field(default=(), compare=False)  # what the draw exercised

    def all_modules(self) -> list[ModuleSpec]:
        return [system_module(self.users), *self.modules]


def write(db: GeneratedDatabase, engine: Any) -> None:
    """Write `db` into an empty database (a `fixtures.outsystems` engine)."""
    write_outsystems(engine, db.all_modules())


def table_name(module: ModuleSpec, entity: EntitySpec) -> str:
    return entity.table or f"OSUSR_{module.key}_{entity.name.upper()}"


def _sql_types(db: GeneratedDatabase) -> dict[str, dict[str, SqlType]]:
    """Per "Module.Entity", each attribute's SQL type (a reference: its target's id type)."""
    ids: dict[str, SqlType] = {}
    for module in db.all_modules():
        for entity in module.entities:
            identifier = next(a for a in entity.attrs if a.identifier)
            ids[f"{module.name}.{entity.name}"] = parse_sql_type(identifier.sql)
    return {
        f"{module.name}.{entity.name}": {
            a.name: parse_sql_type(a.sql) if a.sql else ids[a.ref] for a in entity.attrs
        }
        for module in db.all_modules()
        for entity in module.entities
    }


@dataclass(frozen=True)
class ExpectedTable:
    static: bool
    rows: list[dict[str, object]]  # physical column → value in `osddl.tsql.normalise` form


def expected_rows(db: GeneratedDatabase) -> dict[str, ExpectedTable]:
    """`dbo.<physical table>` → the rows a faithful export and load must hold: every entity of an
    active module but the platform's, active attributes only (`Is_Active` NULL is active)."""
    types = _sql_types(db)
    found: dict[str, ExpectedTable] = {}
    for module in db.modules:
        if not module.active:
            continue
        for entity in module.entities:
            if not entity.active:
                continue
            kinds = types[f"{module.name}.{entity.name}"]
            active = [a for a in entity.attrs if a.active is not False]
            rows = [
                {
                    a.column_name: normalise(row.get(a.name, a.default), kinds[a.name])
                    for a in active
                }
                for row in entity.rows
            ]
            found[f"dbo.{table_name(module, entity)}"] = ExpectedTable(entity.static, rows)
    return found


def canonical(rows: Sequence[Mapping[str, object]]) -> list[str]:
    """Rows as sorted reprs: an order-independent comparison that shows the differing row."""
    return sorted(repr(sorted(row.items())) for row in rows)


def one_entity(
    profile: EngineProfile, attrs: Sequence[AttrSpec], rows: Sequence[Row], name: str = "Thing"
) -> GeneratedDatabase:
    """A database of one module with one entity: the shape of a named regression case."""
    entity = EntitySpec(name, tuple(attrs), rows=tuple(rows))
    return GeneratedDatabase(profile, (ModuleSpec("Shop", "M0", (entity,)),))


# ---- drawing ------------------------------------------------------------------------------------


@dataclass
class _Draft:
    """An entity while references are drawn: its attributes and its rows (mutable)."""

    module: int
    name: str
    id_attr: AttrSpec
    ids: list[object]
    static: bool
    active: bool
    attrs: list[AttrSpec] = field(default_factory=list)
    rows: list[dict[str, object]] = field(default_factory=list)


def _unique_names(draw: st.DrawFn, count: int, taken: set[str]) -> list[str]:
    """`count` names from NAMES (or Name<n>), unique by upper case as physical names must be."""
    pool = [n for n in NAMES if n.upper() not in taken]
    names = (
        draw(st.lists(st.sampled_from(pool), max_size=count, unique_by=str.upper)) if pool else []
    )
    n = 0
    while len(names) < count:
        n += 1
        if f"NAME{n}" not in taken and f"NAME{n}" not in {x.upper() for x in names}:
            names.append(f"Name{n}")
    taken.update(name.upper() for name in names)
    return names


def _ids(
    draw: st.DrawFn, profile: EngineProfile, kind: tuple[str, str, bool], count: int
) -> list[object]:
    _, sql, autonumber = kind
    sql_type = parse_sql_type(sql)
    if autonumber:
        # below int's top: the writer restarts the identity past the highest id
        strategy: st.SearchStrategy[Any] = st.integers(1, 2**31 - 2)
    else:
        strategy = values(profile, sql_type)
    # SQL Server compares text keys case-insensitively and without trailing spaces.
    key: Callable[[Any], Any] = (
        (lambda v: v.rstrip(" ").casefold()) if sql_type.name == "nvarchar" else (lambda v: v)
    )
    ids = draw(st.lists(strategy, min_size=count, max_size=count, unique_by=key))
    return sorted(ids) if autonumber else ids


def _identifier(kind: tuple[str, str, bool]) -> AttrSpec:
    type_, sql, autonumber = kind
    return AttrSpec("Id", type_, sql, identifier=True, autonumber=autonumber, nullable=False)


def _plain(draw: st.DrawFn, profile: EngineProfile, draft: _Draft, name: str) -> None:
    type_, sql = draw(st.sampled_from(ATTRIBUTE_KINDS))
    nullable = draw(st.booleans())
    active = draw(st.sampled_from([True, True, True, None, False]))
    spec = AttrSpec(
        name, type_, sql, mandatory=draw(st.booleans()), nullable=nullable, active=active
    )
    draft.attrs.append(spec)
    strategy = values(profile, parse_sql_type(sql))
    for row in draft.rows:
        row[name] = None if nullable and draw(st.integers(0, 4)) == 0 else draw(strategy)


def _orphan(draw: st.DrawFn, profile: EngineProfile, sql: str, ids: Sequence[object]) -> object:
    taken = {str(i).casefold() for i in ids}
    return draw(
        values(profile, parse_sql_type(sql)).filter(lambda v: str(v).casefold() not in taken)
    )


def _reference(
    draw: st.DrawFn,
    profile: EngineProfile,
    drafts: list[_Draft],
    index: int,
    name: str,
    users: list[int],
    module_names: list[str],
) -> str:
    """One reference attribute of drafts[index]; returns a note of what it exercises."""
    draft = drafts[index]
    choices = [i for i, d in enumerate(drafts) if d.active] + [-1]  # -1: ossys_User
    target = draw(st.sampled_from(choices))
    if target == -1:
        ids: list[object] = list(users)
        target_name, id_sql = USER, "int"
    else:
        parent = drafts[target]
        target_name = f"{module_names[parent.module]}.{parent.name}"
        ids, id_sql = parent.ids, parent.id_attr.sql
    rule = draw(st.sampled_from(["Protect", "Delete", "Ignore"]))
    if target >= 0 and drafts[target].static:
        rule = "Ignore"  # tests/dynamic_loader cannot seed static entities (see test module)
    has_fk = rule != "Ignore"
    self_ref = target == index
    forward = target > index or (self_ref and draw(st.booleans()))  # needs the UPDATE pass
    deferred = has_fk and forward
    nullable = deferred or draw(st.booleans()) or (has_fk and (self_ref or not ids))
    mandatory = draw(st.booleans())
    by_type = draw(st.booleans())
    draft.attrs.append(
        AttrSpec(
            name,
            ref=target_name,
            rule=rule,
            mandatory=mandatory,
            nullable=nullable,
            deferred=deferred,
            ref_by_type=by_type,
        )
    )
    for number, row in enumerate(draft.rows):
        allowed = ids[:number] if self_ref and not forward else ids
        # A deferred self-reference keeps a NULL: without one, decide makes the column NOT NULL
        # and a row cycle cannot load (test_self_reference_row_cycle_without_nulls, xfail).
        keep_null = self_ref and deferred and number == 0
        null = nullable and (keep_null or not allowed or draw(st.integers(0, 3)) == 0)
        if null:
            row[name] = None
        elif not allowed or (rule == "Ignore" and draw(st.integers(0, 3)) == 0):
            row[name] = _orphan(draw, profile, id_sql, ids)
        else:
            row[name] = draw(st.sampled_from(allowed))
    kind = "self" if self_ref else "user" if target == -1 else "forward" if forward else "back"
    return f"{kind}:{rule}:{'null' if nullable else 'notnull'}"


@st.composite
def databases(draw: st.DrawFn, profile: EngineProfile = SQLITE) -> GeneratedDatabase:
    module_count = draw(st.integers(1, 3))
    module_names = _unique_names(draw, module_count, set())
    module_active = [draw(st.booleans()) or k == 0 for k in range(module_count)]
    user_count = draw(st.integers(0, 4))
    users = [
        {"Id": n, "Username": f"user{n}", "Name": f"User {n}"} for n in range(1, user_count + 1)
    ]
    drafts: list[_Draft] = []
    entity_names: list[set[str]] = [set() for _ in range(module_count)]
    everywhere: set[str] = set()
    for _ in range(draw(st.integers(1, 5))):
        module = draw(st.integers(0, module_count - 1))
        # Rarely a name another module uses too: the export must refuse the [dbo].[Name] clash.
        clash = draw(st.integers(0, 11)) == 0
        taken = set(entity_names[module]) if clash else everywhere
        (name,) = _unique_names(draw, 1, taken)
        entity_names[module].add(name.upper())
        everywhere.add(name.upper())
        kind = draw(st.sampled_from(IDENTIFIER_KINDS))
        count = draw(st.sampled_from([0, 1, 2, 3, 5, 8]))
        ids = _ids(draw, profile, kind, count)
        drafts.append(
            _Draft(
                module=module,
                name=name,
                id_attr=_identifier(kind),
                ids=ids,
                static=draw(st.integers(0, 5)) == 0,
                active=module_active[module] and draw(st.integers(0, 7)) > 0,
            )
        )
        drafts[-1].rows = [{"Id": i} for i in ids]
    notes: list[str] = []
    for index, draft in enumerate(drafts):
        draft.attrs.append(draft.id_attr)
        taken = {"ID"}
        for attr_name in _unique_names(draw, draw(st.integers(0, 5)), taken):
            _plain(draw, profile, draft, attr_name)
        if draft.static:
            continue
        for attr_name in _unique_names(draw, draw(st.integers(0, 3)), taken):
            user_ids = [int(str(u["Id"])) for u in users]
            notes.append(
                _reference(draw, profile, drafts, index, attr_name, user_ids, module_names)
            )
    modules = tuple(
        ModuleSpec(
            module_names[k],
            f"M{k}",
            tuple(_entity(d) for d in drafts if d.module == k),
            active=module_active[k],
        )
        for k in range(module_count)
    )
    return GeneratedDatabase(profile, modules, tuple(users), tuple(notes))


def _entity(draft: _Draft) -> EntitySpec:
    return EntitySpec(
        draft.name,
        tuple(draft.attrs),
        rows=tuple(draft.rows),
        static=draft.static,
        active=draft.active,
    )
