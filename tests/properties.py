"""Hypothesis settings shared by the property tests: how many examples (`OSDDL_TEST_EXAMPLES`, else
the file's default: CI keeps them bounded) and which health checks a file's strategies may trip."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings


def examples(default: int) -> int:
    return int(os.environ.get("OSDDL_TEST_EXAMPLES", str(default)))


def property_settings(max_examples: int, *allowed: HealthCheck) -> settings:
    """No deadline: examples write files, start subprocesses or query databases."""
    return settings(max_examples=max_examples, deadline=None, suppress_health_check=list(allowed))
