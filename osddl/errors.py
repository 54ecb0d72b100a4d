"""Operator-facing errors: one clear message, never a traceback.

Each error's exit code is decided in one place, `osddl/faults.py` (docs/troubleshooting.md).
"""


class OsddlError(Exception):
    """Bad input or an unreachable resource; the message says where, what, and the fix.
    `exit_code` is set when the raiser knows the kind of fault (faults.py), else derived there."""

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class InputError(OsddlError):
    """An input file or setting is wrong (file, line or JSONPath, bad value, fix)."""


class SourceError(OsddlError):
    """The source database cannot be read (message carries the redacted URL)."""
