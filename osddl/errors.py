"""Operator-facing errors: one clear message, never a traceback."""


class OsddlError(Exception):
    """Bad input or an unreachable resource; the message says where, what, and the fix."""


class InputError(OsddlError):
    """An input file or setting is wrong (file, line or JSONPath, bad value, fix)."""


class SourceError(OsddlError):
    """The source database cannot be read (message carries the redacted URL)."""
