"""The validated rule set on disk: a snapshot keyed by the rule files' bytes and the engine's code.

Why: parsing and validating 15 rules and 16 lexicons is most of a one-file run's start-up. The result
depends only on the rule files' bytes and on the engine's code, so it is stored in the per-user start-up
cache (`diskcache`) under a key made of both; a changed file gets a new key and goes through full
validation, errors included.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from promptlint import __version__, diskcache
from promptlint.fingerprint import PACKAGE_DIR, code_stamp, digest
from promptlint.model import Severity
from promptlint.rules_engine.files import builtin_rules_dir, content_parts
from promptlint.rules_engine.loader import ParsedFile, compile_lazily
from promptlint.rules_engine.patterns import Lexicon
from promptlint.rules_engine.rule import Rule, RuleDoc

#: Kinds whose compiled patterns are rebuilt on first use (regexes are not plain data); the others' are stored.
LAZY_KINDS = ("pattern", "condition")

RuleSet = tuple[list[Rule], dict[str, Lexicon]]


def set_key(dirs: list[Path]) -> str | None:
    """The key of this rule set's snapshot, or None when a file cannot be read (the real load reports it)."""
    try:
        parts = [f"ruleset|{__version__}".encode(), engine_stamp().encode()]
        for index, directory in enumerate(dirs):
            parts.append(f"dir|{directory}|{index == 0 and directory == builtin_rules_dir()}".encode())
            parts += content_parts([directory])
    except OSError:
        return None  # an unreadable file (or a FIFO, never waited on): the real load reports it
    return "set:" + digest(parts)


def engine_stamp() -> str:
    """Size and mtime of the engine's modules and the names of the check modules (a dev checkout edits them)."""
    return "|".join(code_stamp([PACKAGE_DIR / "rules_engine", PACKAGE_DIR / "checks"], (".py",), recursive=False))


def load_cached(dirs: list[Path], load: Callable[[list[Path]], tuple[list[Rule], dict[str, Lexicon],
                                                                      dict[str, ParsedFile]]]) -> RuleSet:
    """The rule set from its snapshot when these exact files were loaded and validated before, else `load(dirs)`
    (whose result is then stored)."""
    key = set_key(dirs)
    if key is not None:
        stored = diskcache.get_data(key)
        if stored is not None:
            with contextlib.suppress(Exception):  # an unexpected shape: load for real
                return rebuild(stored)
    rules, lexicons, docs = load(dirs)
    if key is not None:
        diskcache.put_data(key, snapshot(rules, lexicons, docs))
    return rules, lexicons


def snapshot(rules: list[Rule], lexicons: dict[str, Lexicon], docs: dict[str, ParsedFile]) -> dict[str, Any]:
    """Plain data (marshal) holding everything `rebuild` needs."""
    return {
        "lexicons": [(x.name, x.description, x.groups, x.plural, x.path, x.lines) for x in lexicons.values()],
        "rules": [(
            r.code, r.name, r.severity.value, r.kind, r.message, r.hint,
            (r.docs.what, r.docs.why, r.docs.example, r.docs.use_instead, r.docs.fix_safety),
            r.roles, r.formats, r.default_enabled, r.never_fix, r.examples,
            {k: v for k, v in r.spec.items() if k != "compiled"},
            None if r.kind in LAZY_KINDS else dict(r.spec["compiled"]),
            str(r.path), r.line, docs[r.code].data, docs[r.code].lines,
        ) for r in rules],
    }


def rebuild(stored: dict[str, Any]) -> RuleSet:
    """The rules and lexicons a `snapshot` was taken of (pattern rules compile again on first use)."""
    lexicons = {row[0]: Lexicon(row[0], row[1], row[2], row[3], row[4], row[5]) for row in stored["lexicons"]}
    rules = []
    for (code, name, severity, kind, message, hint, docs, roles, formats, default_enabled, never_fix, examples,
         spec, compiled, path, line, data, lines) in stored["rules"]:
        rule = Rule(code=code, name=name, severity=Severity(severity), kind=kind, message=message, hint=hint,
                    docs=RuleDoc(*docs), roles=roles, formats=formats, default_enabled=default_enabled,
                    never_fix=never_fix, examples=examples, spec=spec, path=Path(path), line=line)
        if kind in LAZY_KINDS:
            compile_lazily(rule, ParsedFile(Path(path), data, lines), lexicons)
        else:
            spec["compiled"] = compiled
        rules.append(rule)
    return rules, lexicons
