"""Running the probes: per-table connections, time limits, statuses, optional parallelism.

A probe that times out or fails is recorded as missing evidence (`timeout` / `error`), never as
"all NULL" or "has duplicates". A missing table, a missing column or a permission error stops the
run with one operator message instead.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from osddl.errors import SourceError
from osddl.model.contract import Model
from osddl.profile import queries
from osddl.profile.evidence import Evidence, Status, value_text
from osddl.profile.plan import ReferencePlan, TableProbes, UniquePlan, plan_profile
from osddl.profile.timeouts import arm, denied_read, driver_line, is_timeout
from osddl.source.catalog import table_key
from osddl.source.engine import DEFAULT_SCHEMA, redact, source_errors
from osddl.source.physical import read_catalog

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ProfileOptions:
    timeout_seconds: float = 60.0
    sample_threshold: int = 1_000_000
    distinct_threshold: int = 100_000
    sample_size: int = 100_000
    parallel_tables: int = 2
    unique_candidates: tuple[str, ...] = ()

    def knobs(self) -> dict[str, Any]:
        return {
            "timeoutSeconds": self.timeout_seconds,
            "sampleThreshold": self.sample_threshold,
            "sampleSize": self.sample_size,
            "parallelTables": self.parallel_tables,
            "uniqueCandidates": list(self.unique_candidates),
        }


class _Probe:
    """Runs statements on one connection, turning timeouts and failures into statuses."""

    def __init__(self, connection: Connection, options: ProfileOptions, where: str) -> None:
        self.connection = connection
        self.options = options
        self.where = where

    def rows(self, query: Any) -> tuple[list[tuple[Any, ...]] | None, Status, str | None]:
        disarm = arm(self.connection, self.options.timeout_seconds)
        try:
            return [tuple(r) for r in self.connection.execute(query)], "succeeded", None
        except DBAPIError as exc:
            message = driver_line(exc)
            denied = denied_read(self.connection.engine.url, message, self.where)
            if denied is not None:
                raise denied from None
            if is_timeout(self.connection.dialect.name, message):
                return None, "timeout", f"no answer within {self.options.timeout_seconds} s"
            return None, "error", message
        finally:
            disarm()


def _column_evidence(probe: _Probe, plan: TableProbes, schema: str | None) -> list[Evidence]:
    """The null scan, with every column's fit measures in the same pass; when the engine refuses
    a measure, the null counts alone (the fit measures are then missing, with a message)."""
    ref = plan.table
    names = [c.column for c in plan.columns]
    table = queries.table_clause(ref, names, schema)
    extra = [
        queries.fit_measures(table, c.column, c.measures, c.scale, c.seekable) for c in plan.columns
    ]
    flat = [m for measures in extra for m in measures]
    rows, status, message = probe.rows(queries.null_scan(table, names, flat))
    fit_message = None
    if rows is None and flat:
        fit_message = f"fit measures: {status} ({message})"
        rows, status, message = probe.rows(queries.null_scan(table, names))
    counts = rows[0] if rows else None
    out = _column_rows(plan, status, message, counts)
    if counts is not None and fit_message is None:
        _fit_evidence(plan, out, list(counts[len(names) + 1 :]))
    for evidence in out:
        evidence.message = evidence.message or fit_message
    return out


def _fit_evidence(plan: TableProbes, found: list[Evidence], values: list[Any]) -> None:
    """Spread the fit measures' results (in plan order) over the columns' evidence."""
    for column, evidence in zip(plan.columns, found, strict=True):
        for measure in column.measures:
            if measure in ("chars", "bytes"):
                length = values.pop(0)
                evidence.max_length = None if length is None else int(length)
            elif measure == "range":
                evidence.min_value = value_text(values.pop(0))
                evidence.max_value = value_text(values.pop(0))
            elif measure == "min":
                evidence.min_value = value_text(values.pop(0))
            elif measure == "scale":
                evidence.scale_overflow = int(values.pop(0) or 0)


def _column_rows(
    plan: TableProbes, status: Status, message: str | None, counts: tuple[Any, ...] | None
) -> list[Evidence]:
    ref = plan.table
    out = []
    for k, column in enumerate(plan.columns):
        disk = column.attribute.on_disk
        out.append(
            Evidence(
                kind="column",
                module=ref.module,
                entity=ref.entity,
                schema=ref.schema,
                table=ref.table,
                name=column.column,
                columns=[column.column],
                attributes=[column.attribute.name],
                status=status,
                message=message,
                row_count=counts[0] if counts else None,
                null_count=counts[0] - counts[k + 1] if counts else None,
                is_nullable_physical=disk.is_nullable if disk else None,
                is_computed=disk.is_computed if disk else None,
                default_definition=disk.default_definition if disk else None,
            )
        )
    return out


def _distinct_counts(
    probe: _Probe, plan: TableProbes, schema: str | None, found: list[Evidence]
) -> None:
    """Exact distinct counts, only for tables up to `distinct_threshold` rows (a costly pass)."""
    countable = [c.column for c in plan.columns if c.distinct_countable]
    row_count = found[0].row_count if found else None
    if not countable or row_count is None or row_count > probe.options.distinct_threshold:
        return
    table = queries.table_clause(plan.table, countable, schema)
    rows, status, message = probe.rows(queries.distinct_scan(table, countable))
    if rows is None:
        for evidence in found:
            evidence.message = f"distinct count: {status} ({message})"
        return
    if rows:
        by_column = dict(zip(countable, rows[0], strict=True))
        for evidence in found:
            evidence.distinct_count = by_column.get(evidence.name)


def _sample_size(row_count: int | None, options: ProfileOptions) -> int | None:
    if row_count is not None and row_count > options.sample_threshold:
        return options.sample_size
    return None


def _unique_evidence(
    probe: _Probe, plan: TableProbes, unique: UniquePlan, schema: str | None, row_count: int | None
) -> Evidence:
    ref = plan.table
    evidence = Evidence(
        kind="unique",
        module=ref.module,
        entity=ref.entity,
        schema=ref.schema,
        table=ref.table,
        name=unique.name,
        columns=list(unique.columns),
        attributes=list(unique.attributes),
        row_count=row_count,
    )
    size = _sample_size(row_count, probe.options)
    source = queries.sampled(
        queries.table_clause(ref, unique.columns, schema), ref.primary_key, size
    )
    totals, evidence.status, evidence.message = probe.rows(
        queries.duplicate_totals(source, unique.columns)
    )
    if totals is None:
        return evidence
    evidence.duplicate_groups, evidence.duplicate_rows = (int(v) for v in totals[0])
    nulls, status, message = probe.rows(queries.rows_with_nulls(source, unique.columns))
    samples, status2, message2 = probe.rows(queries.duplicate_samples(source, unique.columns))
    evidence.null_count = nulls[0][0] if nulls else None
    evidence.samples = [list(s[:-1]) for s in samples or []]
    _worst(evidence, [(status, message), (status2, message2)])
    _mark_sampled(evidence, size)
    return evidence


def _worst(evidence: Evidence, results: Sequence[tuple[Status, str | None]]) -> None:
    for status, message in results:
        if status != "succeeded":
            evidence.status, evidence.message = status, message


def _mark_sampled(evidence: Evidence, size: int | None) -> None:
    if size is not None and evidence.status == "succeeded":
        evidence.status, evidence.sample_size = "sampled", size


def _reference_evidence(
    probe: _Probe,
    plan: TableProbes,
    reference: ReferencePlan,
    schema_of: Callable[[str], str | None],
    row_count: int | None,
) -> Evidence:
    ref = plan.table
    target = reference.target
    evidence = Evidence(
        kind="reference",
        module=ref.module,
        entity=ref.entity,
        schema=ref.schema,
        table=ref.table,
        name=reference.attribute,
        columns=[reference.column],
        attributes=[reference.attribute],
        row_count=row_count,
    )
    if target is None or len(target.primary_key) != 1:
        evidence.message = "target entity is not in the model or has no single identifier"
        return evidence
    evidence.referenced_schema, evidence.referenced_table = target.schema, target.table
    evidence.referenced_column = target.primary_key[0]
    if reference.trusted:
        evidence.status, evidence.orphan_count, evidence.orphan_distinct_values = (
            "trusted_constraint",
            0,
            0,
        )
        return evidence
    size = _sample_size(row_count, probe.options)
    child = queries.sampled(
        queries.table_clause(ref, [reference.column], schema_of(ref.schema)), ref.primary_key, size
    )
    parent = queries.table_clause(target, [], schema_of(target.schema))
    key = target.primary_key[0]
    totals, evidence.status, evidence.message = probe.rows(
        queries.orphan_totals(child, reference.column, parent, key)
    )
    if totals is None:
        return evidence
    evidence.orphan_count, evidence.orphan_distinct_values = (int(v) for v in totals[0])
    samples, status, message = probe.rows(
        queries.orphan_samples(child, reference.column, ref.primary_key, parent, key)
    )
    evidence.samples = [list(s) for s in samples or []]
    _worst(evidence, [(status, message)])
    _mark_sampled(evidence, size)
    return evidence


def _profile_table(
    engine: Engine, plan: TableProbes, options: ProfileOptions, default_schema: str
) -> list[Evidence]:
    def schema_of(schema: str) -> str | None:
        return default_schema if schema.casefold() == "dbo" else schema

    where = f"[{plan.table.schema}].[{plan.table.table}]"
    with source_errors(engine), engine.connect() as raw:
        connection = raw.execution_options(isolation_level="AUTOCOMMIT")
        probe = _Probe(connection, options, where)
        schema = schema_of(plan.table.schema)
        found = _column_evidence(probe, plan, schema)
        _distinct_counts(probe, plan, schema, found)
        row_count = found[0].row_count if found else None
        found += [_unique_evidence(probe, plan, u, schema, row_count) for u in plan.uniques]
        found += [
            _reference_evidence(probe, plan, r, schema_of, row_count) for r in plan.references
        ]
    return found


def _check_tables_exist(engine: Engine, plans: Sequence[TableProbes], default_schema: str) -> None:
    wanted = [table_key(p.table.schema, p.table.table) for p in plans]
    with source_errors(engine), engine.connect() as connection:
        catalog = read_catalog(connection, wanted, default_schema)
    for plan in plans:
        table = catalog.get(table_key(plan.table.schema, plan.table.table))
        where = f"[{plan.table.schema}].[{plan.table.table}]"
        if table is None:
            raise SourceError(
                f"{redact(engine.url)}: table {where} of the model "
                f"({plan.table.module}::{plan.table.entity}) is missing in the "
                "source; re-run extract_model against this database or check "
                "source.url"
            )
        for column in plan.columns:
            if table.column(column.column) is None:
                raise SourceError(
                    f"{redact(engine.url)}: column {column.column!r} of {where} "
                    "is missing in the source; re-run extract_model"
                )


def profile_model(
    engine: Engine, model: Model, options: ProfileOptions, progress: Progress | None = None
) -> list[Evidence]:
    """Every probe of the model's tables, sorted (kind, schema, table, name)."""
    plans = plan_profile(model, options.unique_candidates)
    default_schema = DEFAULT_SCHEMA.get(engine.dialect.name) or str(
        engine.dialect.default_schema_name
    )
    _check_tables_exist(engine, plans, default_schema)
    found: list[Evidence] = []
    workers = max(1, options.parallel_tables)
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {
            pool.submit(_profile_table, engine, p, options, default_schema): p for p in plans
        }
        for done, future in enumerate(concurrent.futures.as_completed(futures), start=1):
            found += future.result()
            if progress is not None:
                progress(done, len(plans), futures[future].table.table)
    return sorted(found, key=Evidence.sort_key)
