"""Python checks for code rules, referenced from rule YAML by name (`check: temperature_for_refusals`).

A check is `fn(extraction, rule) -> Iterable[Hit]`; the engine turns hits into
findings (positions, severity, suppression), so checks only say *where* and *why*.
Check modules are imported lazily by name: `check: temperature_for_refusals`
loads `promptlint.checks.temperature_for_refusals` and calls its `check`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from promptlint.model import Extraction, Fix, Prompt


@dataclass(slots=True)
class Hit:
    start: int  # file offset (character) of the flagged code or text
    end: int  # exclusive
    message: str | None = None  # overrides the rule's message when set
    prompt: Prompt | None = None
    fix: Fix | None = None
    #: File offsets of the whole statement, so a noqa comment on any of its lines applies.
    statement_span: tuple[int, int] | None = None


CheckFn = Callable[[Extraction, "object"], Iterable[Hit]]


def load_check(name: str) -> CheckFn:
    """Import `promptlint.checks.<name>` and return its `check`; raises ImportError/AttributeError."""
    if not name.isidentifier():
        raise ImportError(f"invalid check name {name!r}")
    return importlib.import_module(f"promptlint.checks.{name}").check
