"""A verifier's result: failures per rule (a count and the first samples), and which rules ran."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

SAMPLES: Final = 20


@dataclass
class Outcome:
    """Failures per rule (count and the first samples); rules never touched are not-checked."""

    checked: set[str] = field(default_factory=set)
    failures: dict[str, int] = field(default_factory=dict)
    samples: dict[str, list[str]] = field(default_factory=dict)

    def check(self, *rules: str) -> None:
        self.checked.update(rules)

    def fail(self, rule: str, detail: str) -> None:
        self.checked.add(rule)
        self.failures[rule] = self.failures.get(rule, 0) + 1
        own = self.samples.setdefault(rule, [])
        if len(own) < SAMPLES:
            own.append(detail)

    def merge(self, other: Outcome) -> Outcome:
        merged = Outcome(set(self.checked | other.checked), dict(self.failures), {})
        for rule, count in other.failures.items():
            merged.failures[rule] = merged.failures.get(rule, 0) + count
        for source in (self.samples, other.samples):
            for rule, samples in source.items():
                merged.samples.setdefault(rule, []).extend(samples)
        for rule in merged.samples:
            merged.samples[rule] = merged.samples[rule][:SAMPLES]
        return merged

    @property
    def passed(self) -> bool:
        return not self.failures


def shown(value: object) -> str:
    """A value in a failure sample: `NULL`, or its repr."""
    return "NULL" if value is None else repr(value)
