"""The rules engine: YAML rules (pattern, condition, check) loaded, validated and run.

Public API:
    load_rules(extra_dirs=()) -> list[Rule]       built-in rules, then each extra dir (same code replaces)
    run_rules(extraction, rules) -> list[Finding]
    builtin_rules_dir() -> Path
    RuleError                                      (path, line, message) of a broken rule file
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from promptlint.rules_engine.engine import find_hits, prompt_finding, run_rules
from promptlint.rules_engine.errors import RuleError
from promptlint.rules_engine.loader import compile_rule, load_lexicon, parse_rule, read_yaml
from promptlint.rules_engine.patterns import Lexicon
from promptlint.rules_engine.rule import Rule, RuleDoc

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
    lexicons: dict[str, Lexicon] = {}
    for directory in dirs:
        for path in _lexicon_files(directory):
            lexicon = load_lexicon(path)
            lexicons[lexicon.name] = lexicon
    by_code: dict[str, tuple[Rule, object]] = {}
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
    return [rule for _code, (rule, _doc) in sorted(by_code.items())], lexicons


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
