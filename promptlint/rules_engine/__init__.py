"""The rules engine: YAML rules (pattern, condition, check) loaded, validated and run.

Public API:
    load_rules(extra_dirs=()) -> list[Rule]       built-in rules, then each extra dir (same code replaces)
    load_lexicons(extra_dirs=()) -> dict[str, Lexicon]
    run_rules(extraction, rules) -> list[Finding]
    builtin_rules_dir() -> Path
    RuleError                                      (path, line, message) of a broken rule file
    Rule, RuleDoc, Lexicon, find_hits, prompt_finding

Each name is imported from its module on first use, so importing a light module of the package
(`rule`, `files`: what the result cache needs) does not load the engine, yaml or the regexes.

Modules: `files` (where rule sets live), `loader` (parsing and validating one file), `ruleset` (loading a
rule set, kept per process), `snapshot` (the validated set on disk), `rule` (`Rule`, `RuleDoc`), `patterns`
and `text` (the pattern language over the normalised text), `concepts` (`{fact:...}` entries), `fixes`,
`engine` (`run_rules`), `examples` (running a rule's examples), `errors`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["Lexicon", "Rule", "RuleDoc", "RuleError", "builtin_rules_dir", "find_hits", "load_lexicons", "load_rules",
           "prompt_finding", "run_rules"]

#: Public name -> the module of this package that defines it.
_HOMES = {
    "Lexicon": "patterns", "Rule": "rule", "RuleDoc": "rule", "RuleError": "errors", "builtin_rules_dir": "files",
    "find_hits": "engine", "load_lexicons": "ruleset", "load_rules": "ruleset", "prompt_finding": "engine",
    "run_rules": "engine",
}  # fmt: skip

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.rules_engine.engine import find_hits, prompt_finding, run_rules
    from promptlint.rules_engine.errors import RuleError
    from promptlint.rules_engine.files import builtin_rules_dir
    from promptlint.rules_engine.patterns import Lexicon
    from promptlint.rules_engine.rule import Rule, RuleDoc
    from promptlint.rules_engine.ruleset import load_lexicons, load_rules


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
