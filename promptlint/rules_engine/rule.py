"""The in-memory form of a rule loaded from `rules/*.yaml`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from promptlint.model import Severity

RuleKind = Literal["pattern", "condition", "check", "builtin"]


@dataclass(slots=True, frozen=True)
class RuleDoc:
    """ruff-style documentation, rendered by `promptlint rule CODE`."""

    what: str
    why: str
    example: str
    use_instead: str
    fix_safety: str


@dataclass(slots=True)
class Rule:
    code: str  # "PL101"
    name: str  # "unrestricted-override"
    severity: Severity
    kind: RuleKind
    message: str  # one line: why the model is likely to refuse
    hint: str  # one line: how to fix
    docs: RuleDoc
    roles: frozenset[str]  # roles of prompts the rule reads ("any" expanded)
    formats: frozenset[str] | None = None  # None: every source format
    default_enabled: bool = True
    never_fix: bool = False  # PL103: no fixer, rule-based or LLM, may touch it
    examples: dict[str, list[Any]] = field(default_factory=dict)  # {"bad": [...], "good": [...]}
    spec: dict[str, Any] = field(default_factory=dict)  # kind-specific data, compiled by the engine
    path: Path | None = None  # the YAML file it came from
    line: int = 1
