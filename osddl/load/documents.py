"""The load harness's JSON artifacts: typed contracts, versions and generated schemas.

`proofs/load-verification.json` (what `doit load` ran, its findings and metrics: run times, so it
differs between runs; it is written only by `doit load`, never by `full_export`),
`proofs/source-data-fingerprint.json` and `proofs/target-data-fingerprint.json` (the same
`osddl.load.fingerprint` on both sides), `proofs/data-integrity-verification.json` (`verify:data`)
`proofs/dual-load-verification.json` (`load.dual`: the QA data loaded untransformed into a second
staging database, the UPDATE remap applied, compared with the first) and
`full-export-verification.json` (the verdict over every proof).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from osddl.load.fingerprint import TablePrint
from osddl.typed_json import TypedJson

Verdict = Literal["pass", "fail"]


# ---- proofs/load-verification.json ---------------------------------------------------------------


@dataclass(frozen=True)
class LoadFinding:
    kind: str  # script | refused | guard | update | missing-table
    file: str  # relative to the output folder
    batch: int  # 1-based GO batch; 0: the file itself
    row: int  # 1-based row of the INSERT (or the seed's VALUES); 0: the statement
    column: str  # "" when the database does not say and no value misfits
    detail: str


@dataclass(frozen=True)
class TableMetric:
    table: str
    rows: int
    statements: int
    seconds: float
    rows_per_second: float


@dataclass(frozen=True)
class LoadVerification:
    schema_version: Literal["osddl.load-verification/1"]
    verdict: Verdict
    engine: str
    target: str  # redacted URL
    files: list[str]
    tables: list[TableMetric]
    updates: int
    rows: int
    seconds: float
    rows_per_second: float
    findings: list[LoadFinding]


LOAD_VERIFICATION: Final = TypedJson(
    LoadVerification, "osddl.load-verification/1", "load-verification", "osddl load proof", "load"
)


# ---- proofs/{source,target}-data-fingerprint.json ------------------------------------------------


@dataclass(frozen=True)
class DataFingerprint:
    schema_version: Literal["osddl.data-fingerprint/1"]
    side: Literal["source", "target"]
    distinct_bound: int
    tables: dict[str, TablePrint]  # `schema.PHYSICAL` → its fingerprint (physical columns)


DATA_FINGERPRINT: Final = TypedJson(
    DataFingerprint,
    "osddl.data-fingerprint/1",
    "data-fingerprint",
    "osddl data fingerprint",
    "load",
)


# ---- proofs/data-integrity-verification.json -----------------------------------------------------


@dataclass(frozen=True)
class ColumnCheck:
    column: str
    user_reference: bool
    source_nulls: int
    target_nulls: int
    expected_checksum: str  # the source's, mapped through the transformation map for user columns
    target_checksum: str
    status: Verdict


@dataclass(frozen=True)
class RowDifference:
    key: str  # the primary key, `Column=value, ...`
    column: str  # "" when the whole row is missing on one side
    source: str | None
    target: str | None


@dataclass(frozen=True)
class TableCheck:
    table: str
    source_rows: int
    target_rows: int
    status: Verdict
    columns: list[ColumnCheck]
    differences: list[RowDifference]  # small tables only, first ones


@dataclass(frozen=True)
class UserColumnCheck:
    table: str
    column: str
    distinct_values: int
    not_uat: int  # values neither a map target nor a kept id
    orphans: int  # values that are QA ids the map remaps
    samples: list[str]
    status: Verdict


@dataclass(frozen=True)
class IntegrityFailure:
    kind: str
    table: str
    column: str
    detail: str


@dataclass(frozen=True)
class DataIntegrity:
    schema_version: Literal["osddl.data-integrity/1"]
    verdict: Verdict
    engine: str
    load_verdict: Verdict
    tables: list[TableCheck]
    user_columns: list[UserColumnCheck]
    failures: list[IntegrityFailure]


DATA_INTEGRITY: Final = TypedJson(
    DataIntegrity,
    "osddl.data-integrity/1",
    "data-integrity-verification",
    "osddl data integrity verification",
    "verify:data",
)


# ---- proofs/dual-load-verification.json ----------------------------------------------------------


@dataclass(frozen=True)
class RemappedColumn:
    column: str  # `schema.table.column` as the UPDATE script names it (folded)
    rows: int  # rows the UPDATEs changed


@dataclass(frozen=True)
class DualLoadVerification:
    schema_version: Literal["osddl.dual-load-verification/1"]
    verdict: Verdict
    engine: str
    staging: str  # redacted URL of the second staging database
    remap_script: str  # relative to the output folder; "" when uat-users did not run
    pairs: int  # mapping rows read back from the script
    remapped: list[RemappedColumn]
    # Per table: `source` is the second database (QA rows + UPDATE remap), `target` the first
    # (the emitted INSERT scripts); no column is a user reference here (both sides are mapped).
    tables: list[TableCheck]
    failures: list[IntegrityFailure]


DUAL_LOAD_VERIFICATION: Final = TypedJson(
    DualLoadVerification,
    "osddl.dual-load-verification/1",
    "dual-load-verification",
    "osddl dual load verification",
    "load:dual",
)


# ---- full-export-verification.json ---------------------------------------------------------------


@dataclass(frozen=True)
class ProofStatus:
    name: str
    status: str  # the proof file's own word (`pass`, `fail`) or `missing`
    task: str
    file: str


@dataclass(frozen=True)
class FullExportVerification:
    schema_version: Literal["osddl.full-export-verification/1"]
    verdict: Verdict
    proofs: list[ProofStatus]
    notes: list[str]


FULL_EXPORT_VERIFICATION: Final = TypedJson(
    FullExportVerification,
    "osddl.full-export-verification/1",
    "full-export-verification",
    "osddl full export verification",
    "verify",
)

DOCUMENTS: Final = (
    LOAD_VERIFICATION,
    DATA_FINGERPRINT,
    DATA_INTEGRITY,
    DUAL_LOAD_VERIFICATION,
    FULL_EXPORT_VERIFICATION,
)
