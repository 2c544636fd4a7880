"""The rules engine: YAML rules (pattern, condition, check) loaded, validated and run.

Public API:
    load_rules(extra_dirs=()) -> list[Rule]       built-in rules, then each extra dir (same code replaces)
    run_rules(extraction, rules) -> list[Finding]
    builtin_rules_dir() -> Path
    RuleError                                      (path, line, message) of a broken rule file
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from promptlint import __version__, diskcache
from promptlint.model import Severity
from promptlint.rules_engine.engine import find_hits, prompt_finding, run_rules
from promptlint.rules_engine.errors import RuleError
from promptlint.rules_engine.loader import _Doc, compile_lazily, compile_rule, load_lexicon, parse_rule, read_yaml
from promptlint.rules_engine.patterns import Lexicon
from promptlint.rules_engine.rule import Rule, RuleDoc
from promptlint.source import read_regular

__all__ = [
    "Lexicon",
    "Rule",
    "RuleDoc",
    "RuleError",
    "builtin_rules_dir",
    "find_hits",
    "load_lexicons",
    "load_rules",
    "prompt_finding",
    "run_rules",
]

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_CACHE: dict[tuple[object, ...], tuple[list[Rule], dict[str, Lexicon]]] = {}


def builtin_rules_dir() -> Path:
    """`promptlint/_builtin_rules` in an installed wheel, else `rules/` of the source checkout."""
    packaged = _PACKAGE_DIR / "_builtin_rules"
    return packaged if packaged.is_dir() else _PACKAGE_DIR.parent / "rules"


def _rule_files(directory: Path) -> list[Path]:
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def _lexicon_files(directory: Path) -> list[Path]:
    return sorted((directory / "lexicons").glob("*.yaml"))


def _fingerprint(dirs: Sequence[Path]) -> tuple[object, ...]:
    """Identifies the rule set on disk (paths, sizes, mtimes) so repeated loads hit the cache."""
    key: list[object] = []
    for directory in dirs:
        for path in (*_rule_files(directory), *_lexicon_files(directory)):
            stat = path.stat()
            key.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(key)


def _load(dirs: list[Path]) -> tuple[list[Rule], dict[str, Lexicon]]:
    """The rule set, from the disk cache when these exact files were loaded and validated before."""
    key = _set_key(dirs)
    if key is not None:
        snapshot = diskcache.get_data(key)
        if snapshot is not None:
            with contextlib.suppress(Exception):  # an unexpected shape: load for real
                return _rebuild(snapshot)
    rules, lexicons, docs = _load_files(dirs)
    if key is not None:
        diskcache.put_data(key, _snapshot(rules, lexicons, docs))
    return rules, lexicons


def _load_files(dirs: list[Path]) -> tuple[list[Rule], dict[str, Lexicon], dict[str, _Doc]]:
    lexicons: dict[str, Lexicon] = {}
    for directory in dirs:
        for path in _lexicon_files(directory):
            lexicon = load_lexicon(path)
            lexicons[lexicon.name] = lexicon
    by_code: dict[str, tuple[Rule, _Doc]] = {}
    for index, directory in enumerate(dirs):
        builtin = index == 0 and directory == builtin_rules_dir()
        seen: dict[str, Path] = {}
        for path in _rule_files(directory):
            doc = read_yaml(path)
            rule = parse_rule(doc, builtin_dir=builtin)
            if rule.kind == "builtin" and not builtin:
                raise RuleError(path, doc.line("kind"), "kind 'builtin' is reserved for promptlint's own rules")
            if rule.code in seen:
                raise RuleError(path, doc.line("code"), f"duplicate rule code {rule.code} (also in {seen[rule.code]})")
            seen[rule.code] = path
            by_code[rule.code] = (rule, doc)
    names: dict[str, str] = {}
    for code, (rule, doc) in sorted(by_code.items()):
        if rule.name in names:
            raise RuleError(rule.path, doc.line("name"), f"duplicate rule name {rule.name!r} (also {names[rule.name]})")
        names[rule.name] = code
        compile_rule(rule, doc, lexicons)
    rules = [rule for _code, (rule, _doc) in sorted(by_code.items())]
    return rules, lexicons, {code: doc for code, (_rule, doc) in by_code.items()}


# -- the validated rule set on disk ---------------------------------------------------------------
#
# Why: parsing and validating 15 rules and 16 lexicons is most of a one-file run's start-up. The result
# depends only on the rule files' bytes and on the engine's code, so it is stored (diskcache) under a
# key made of both; a changed file gets a new key and goes through full validation, errors included.


def _set_key(dirs: list[Path]) -> str | None:
    try:
        parts = [f"ruleset|{__version__}".encode(), _code_stamp().encode()]
        for index, directory in enumerate(dirs):
            parts.append(f"dir|{directory}|{index == 0 and directory == builtin_rules_dir()}".encode())
            for path in (*_rule_files(directory), *_lexicon_files(directory)):
                parts += [str(path).encode(), read_regular(path)]
    except OSError:
        return None  # an unreadable file (or a FIFO, never waited on): the real load reports it
    return "set:" + diskcache.digest(parts)


def _code_stamp() -> str:
    """Size and mtime of the engine's modules and the names of the check modules (a dev checkout edits them)."""
    stamp = []
    for folder in (Path(__file__).parent, _PACKAGE_DIR / "checks"):
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.name.endswith(".py"):
                stat = entry.stat()
                stamp.append(f"{entry.path}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(stamp)


def _snapshot(rules: list[Rule], lexicons: dict[str, Lexicon], docs: dict[str, _Doc]) -> dict[str, Any]:
    """Plain data (marshal) holding everything `_rebuild` needs."""
    return {
        "lexicons": [(x.name, x.description, x.groups, x.plural, x.path, x.lines) for x in lexicons.values()],
        "rules": [(
            r.code, r.name, r.severity.value, r.kind, r.message, r.hint,
            (r.docs.what, r.docs.why, r.docs.example, r.docs.use_instead, r.docs.fix_safety),
            r.roles, r.formats, r.default_enabled, r.never_fix, r.examples,
            {k: v for k, v in r.spec.items() if k != "compiled"},
            None if r.kind in _LAZY_KINDS else dict(r.spec["compiled"]),
            str(r.path), r.line, docs[r.code].data, docs[r.code].lines,
        ) for r in rules],
    }


_LAZY_KINDS = ("pattern", "condition")


def _rebuild(snapshot: dict[str, Any]) -> tuple[list[Rule], dict[str, Lexicon]]:
    lexicons = {row[0]: Lexicon(row[0], row[1], row[2], row[3], row[4], row[5]) for row in snapshot["lexicons"]}
    rules = []
    for (code, name, severity, kind, message, hint, docs, roles, formats, default_enabled, never_fix, examples,
         spec, compiled, path, line, data, lines) in snapshot["rules"]:
        rule = Rule(code=code, name=name, severity=Severity(severity), kind=kind, message=message, hint=hint,
                    docs=RuleDoc(*docs), roles=roles, formats=formats, default_enabled=default_enabled,
                    never_fix=never_fix, examples=examples, spec=spec, path=Path(path), line=line)
        if kind in _LAZY_KINDS:
            compile_lazily(rule, _Doc(Path(path), data, lines), lexicons)
        else:
            spec["compiled"] = compiled
        rules.append(rule)
    return rules, lexicons


def _dirs(extra_dirs: Sequence[Path | str]) -> list[Path]:
    dirs = [builtin_rules_dir()]
    for extra in extra_dirs:
        path = Path(extra)
        if not path.is_dir():
            raise RuleError(path, None, "rule path is not a directory")
        dirs.append(path)
    return dirs


def load_rules(extra_dirs: Sequence[Path | str] = ()) -> list[Rule]:
    """All rules: the built-in ones, then each extra directory's (a rule with a known code replaces it).

    Raises RuleError naming the file and line of the first problem. Results are cached in-process
    per rule set on disk; the returned list is new but the Rule objects are shared: do not mutate them.
    """
    dirs = _dirs(extra_dirs)
    key = _fingerprint(dirs)
    if key not in _CACHE:
        _CACHE[key] = _load(dirs)
    return list(_CACHE[key][0])


def load_lexicons(extra_dirs: Sequence[Path | str] = ()) -> dict[str, Lexicon]:
    """The lexicons the same rule set uses, by name (for tools that list or reuse terms)."""
    dirs = _dirs(extra_dirs)
    key = _fingerprint(dirs)
    if key not in _CACHE:
        _CACHE[key] = _load(dirs)
    return dict(_CACHE[key][1])
