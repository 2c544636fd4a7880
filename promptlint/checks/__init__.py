"""Python checks for code rules, referenced from rule YAML by name (`check: temperature_for_refusals`).

A check is `check(ctx, rule) -> Iterable[Hit]`: `ctx` is the file's `CheckContext`
(`promptlint.checks.context`), built once per file by the engine and passed to every check,
so they share one walk and no check reads state left by another. The engine turns hits into
findings (positions, severity, suppression), so checks only say *where* and *why*.
Check modules are imported lazily by name: `check: temperature_for_refusals`
loads `promptlint.checks.temperature_for_refusals` and calls its `check`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from promptlint.model import Fix, Prompt

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.checks.context import CheckContext
    from promptlint.rules_engine.rule import Rule


@dataclass(slots=True)
class Hit:
    start: int  # file offset (character) of the flagged code or text
    end: int  # exclusive
    message: str | None = None  # overrides the rule's message when set
    prompt: Prompt | None = None
    fix: Fix | None = None
    #: File offsets of the whole statement, so a noqa comment on any of its lines applies.
    statement_span: tuple[int, int] | None = None


CheckFn = Callable[["CheckContext", "Rule"], Iterable[Hit]]


def load_check(name: str) -> CheckFn:
    """Import `promptlint.checks.<name>` and return its `check`; raises ImportError/AttributeError."""
    if not name.isidentifier():
        raise ImportError(f"invalid check name {name!r}")
    return importlib.import_module(f"promptlint.checks.{name}").check
