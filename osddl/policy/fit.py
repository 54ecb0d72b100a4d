"""Value fit: columns whose profiled values do not fit their emitted type, with remediation.

Pure: `(model, evidence) → misfits`, no I/O. The profile's null scan measured, per column, the
longest text (characters) or binary (bytes), MIN and MAX, and the values with more decimals than
the emitted scale; each is checked with the fit proof's rule (`osddl.proofs.fit.misfit`), so the
policy and `verify:fit` cannot disagree. Remediation: the type to widen to (the observed size, or
`max`; a wider integer or decimal; `datetime2`), and a query listing the rows, for the operator
to fix the data instead. Missing evidence (a failed probe) is not reported as fitting or not.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation

from osddl.model.contract import Attribute, Entity, Model
from osddl.model.sqltype import MAX, SqlType, parse_sql_type
from osddl.policy.contract import ValueMisfit
from osddl.profile.evidence import EVIDENCE_STATUSES, Evidence
from osddl.proofs.fit import length_misfit, misfit
from osddl.tsql import qualified, quote
from osddl.tsql.types import (
    BY_NAME,
    DAY_RANGES,
    INTEGER_RANGES,
    INTEGERS,
    MONEY_RANGES,
    UNICODE_SIZED,
    WIDER,
)

# The remedy for a day before `datetime`'s or outside `smalldatetime`'s: the datetime2 that keeps
# the same fractional digits (3 for datetime's milliseconds, 0 for smalldatetime's minutes).
WIDER_MOMENT = {"datetime": "datetime2(3)", "smalldatetime": "datetime2(0)"}
_MAX_PRECISION = BY_NAME["decimal"].max_precision or 0


def value_misfits(model: Model, evidence: Sequence[Evidence]) -> list[ValueMisfit]:
    """Every column whose observed values its emitted type refuses or rounds, sorted."""
    by_column = {
        (e.schema.casefold(), e.table.casefold(), e.name.casefold()): e
        for e in evidence
        if e.kind == "column" and e.status in EVIDENCE_STATUSES
    }
    found: list[ValueMisfit] = []
    for module in model.modules:
        for entity in module.entities:
            for attribute in entity.attributes:
                key = (
                    entity.schema.casefold(),
                    entity.physical_name.casefold(),
                    attribute.physical_name.casefold(),
                )
                if key in by_column:
                    found += _misfits(module.name, entity, attribute, by_column[key])
    return sorted(found, key=lambda m: (m.module, m.entity, m.attribute, m.problem))


def _misfits(
    module: str, entity: Entity, attribute: Attribute, evidence: Evidence
) -> Iterator[ValueMisfit]:
    emitted = parse_sql_type(attribute.sql_type, attribute.name)
    for observed, problem, widen, where in _problems(emitted, evidence):
        yield ValueMisfit(
            module=module,
            entity=entity.name,
            attribute=attribute.name,
            physical=f"{entity.schema}.{entity.physical_name}.{attribute.physical_name}",
            emitted_type=emitted.render(),
            observed=observed,
            problem=problem,
            widen_to=widen,
            listing=_listing(entity, attribute, where),
        )


def _problems(emitted: SqlType, evidence: Evidence) -> Iterator[tuple[str, str, str | None, str]]:
    """(observed, problem, widen to, listing condition) per problem of one column."""
    column = quote(evidence.name)
    if evidence.max_length is not None:
        problem = length_misfit(evidence.max_length, emitted)
        if problem is not None:
            where = f"DATALENGTH({column}) > {_bytes(emitted)}"
            yield f"longest {evidence.max_length}", problem, _wider_size(emitted, evidence), where
    low, high = _number(evidence.min_value), _number(evidence.max_value)
    for value in (low, high):
        problem = misfit(value, emitted) if value is not None else None
        if problem is not None and "decimals" not in problem:
            where = f"{column} NOT BETWEEN {_bounds(emitted)}"
            yield _observed(low, high), problem, _wider_number(emitted, low, high), where
            break
    moments = (evidence.min_value, evidence.max_value)
    for moment in moments if emitted.name in DAY_RANGES else ():
        problem = misfit(moment, emitted) if moment is not None else None
        if problem is not None:
            first, last = DAY_RANGES[emitted.name]
            where = f"{column} < '{first}' OR {column} >= DATEADD(day, 1, '{last}')"
            observed = _observed(*moments)
            yield observed, problem, WIDER_MOMENT[emitted.name], where
            break
    if evidence.scale_overflow:
        scale = emitted.scale or 0
        problem = f"{evidence.scale_overflow} values have more than {scale} decimals (rounded)"
        yield "", problem, None, f"{column} <> ROUND({column}, {scale})"


def _observed(low: object, high: object) -> str:
    return ", ".join(f"{name} {v}" for name, v in (("MIN", low), ("MAX", high)) if v is not None)


def _bytes(emitted: SqlType) -> int:
    """`(n)` in bytes, as DATALENGTH counts them."""
    length = 1 if emitted.length is None else emitted.length
    return length * 2 if emitted.name in UNICODE_SIZED else length


def _wider_size(emitted: SqlType, evidence: Evidence) -> str:
    name = WIDER.get(emitted.name, emitted.name)
    size = evidence.max_length or 0
    fits = size <= (BY_NAME[emitted.name].max_length or 0)
    return SqlType(name, length=size if fits else MAX).render()


def _number(text: str | None) -> Decimal | int | None:
    if text is None:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return int(number) if number == number.to_integral_value() and "." not in text else number


def _bounds(emitted: SqlType) -> str:
    ranges = {**INTEGER_RANGES, **MONEY_RANGES}
    if emitted.name in ranges:
        low, high = ranges[emitted.name]
        return f"{low} AND {high}"
    precision, scale = emitted.precision_scale()
    whole = "9" * (precision - scale) or "0"
    top = f"{whole}.{'9' * scale}" if scale else whole
    return f"-{top} AND {top}"


def _wider_number(emitted: SqlType, low: object, high: object) -> str | None:
    if emitted.name in INTEGERS:
        for name in INTEGERS:
            ints = [int(v) for v in (low, high) if isinstance(v, int | Decimal)]
            if all(misfit(v, SqlType(name)) is None for v in ints):
                return name
        return SqlType("decimal", precision=_MAX_PRECISION, scale=0).render()
    scale = emitted.scale or 0
    digits = max(_whole_digits(v) for v in (low, high) if isinstance(v, int | Decimal))
    if digits + scale > _MAX_PRECISION:
        return None
    return SqlType("decimal", precision=digits + scale, scale=scale).render()


def _whole_digits(value: int | Decimal) -> int:
    return len(str(abs(int(value))).lstrip("0")) or 1


def _listing(entity: Entity, attribute: Attribute, where: str) -> str:
    """A query listing the offending rows (key columns and the value), for review."""
    keys = [quote(a.physical_name) for a in entity.attributes if a.is_identifier]
    shown = ", ".join([*keys, quote(attribute.physical_name)])
    return f"SELECT {shown} FROM {qualified(entity.schema, entity.physical_name)} WHERE {where};"
