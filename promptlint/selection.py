"""The rules a run applies: those the config selects, and what suppressions need to know about codes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.config import Config
    from promptlint.rules_engine.rule import Rule

_PREFIX_RE = re.compile(r"^[A-Za-z]+")


@dataclass(slots=True)
class Selection:
    """Rules selected for the run, with what suppressions need to know about codes."""

    config: Config
    rules: list[Rule]
    all_rules: list[Rule]
    prefixes: frozenset[str]

    @classmethod
    def build(cls, config: Config, rules: Sequence[Rule]) -> Selection:
        selected = config.select_rules(rules)
        prefixes = {"PL"} | {m.group().upper() for r in rules if (m := _PREFIX_RE.match(r.code))}
        return cls(config, selected, list(rules), frozenset(prefixes))

    def is_known(self, code: str) -> bool:
        """Whether some rule (selected or not) has this code."""
        return any(rule.code == code for rule in self.all_rules)

    def is_ours(self, code: str) -> bool:
        match = _PREFIX_RE.match(code)
        return bool(match) and match.group().upper() in self.prefixes

    def rules_for(self, display: str, path: Path | str | None = None) -> list[Rule]:
        """The selected rules minus what `per-file-ignores` removes for this file."""
        extra = self.config.ignored_for(display, path)
        if not extra:
            return self.rules
        return [r for r in self.rules if self.config.enabled_for_file(r, extra)]

    def rule(self, code: str) -> Rule | None:
        for rule in self.rules:
            if rule.code == code:
                return rule
        return None
