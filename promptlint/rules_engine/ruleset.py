"""Loading a rule set: the built-in rules, then each `rule-paths` folder's (a rule with a known code replaces it).

Each file is validated by `loader`; the validated set is kept per process (by the files' paths, sizes and
mtimes) and on disk (`snapshot`, by their bytes).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from promptlint.rules_engine.errors import RuleError
from promptlint.rules_engine.files import builtin_rules_dir, lexicon_files, rule_files, rule_set_files
from promptlint.rules_engine.loader import ParsedFile, compile_rule, load_lexicon, parse_rule, read_yaml
from promptlint.rules_engine.patterns import Lexicon
from promptlint.rules_engine.rule import Rule
from promptlint.rules_engine.snapshot import RuleSet, load_cached

#: Rule sets loaded by this process, by `_fingerprint` of their files.
_LOADED: dict[tuple[object, ...], RuleSet] = {}


def load_rules(extra_dirs: Sequence[Path | str] = ()) -> list[Rule]:
    """All rules: the built-in ones, then each extra directory's (a rule with a known code replaces it).

    Raises RuleError naming the file and line of the first problem. Results are cached in-process
    per rule set on disk; the returned list is new but the Rule objects are shared: do not mutate them.
    """
    return list(_rule_set(extra_dirs)[0])


def load_lexicons(extra_dirs: Sequence[Path | str] = ()) -> dict[str, Lexicon]:
    """The lexicons the same rule set uses, by name (for tools that list or reuse terms)."""
    return dict(_rule_set(extra_dirs)[1])


def _rule_set(extra_dirs: Sequence[Path | str]) -> RuleSet:
    dirs = rule_dirs(extra_dirs)
    key = _fingerprint(dirs)
    if key not in _LOADED:
        _LOADED[key] = load_cached(dirs, load_files)
    return _LOADED[key]


def rule_dirs(extra_dirs: Sequence[Path | str]) -> list[Path]:
    """The built-in rules folder, then the extra ones (each must be a folder)."""
    dirs = [builtin_rules_dir()]
    for extra in extra_dirs:
        path = Path(extra)
        if not path.is_dir():
            raise RuleError(path, None, "rule path is not a directory")
        dirs.append(path)
    return dirs


def _fingerprint(dirs: Sequence[Path]) -> tuple[object, ...]:
    """Identifies the rule set on disk (paths, sizes, mtimes) so repeated loads hit the cache."""
    key: list[object] = []
    for path in rule_set_files(dirs):
        stat = path.stat()
        key.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(key)


def load_files(dirs: list[Path]) -> tuple[list[Rule], dict[str, Lexicon], dict[str, ParsedFile]]:
    """Read and validate every rule and lexicon file (no cache): rules sorted by code, lexicons, parsed files."""
    lexicons: dict[str, Lexicon] = {}
    for directory in dirs:
        for path in lexicon_files(directory):
            lexicon = load_lexicon(path)
            lexicons[lexicon.name] = lexicon
    by_code: dict[str, tuple[Rule, ParsedFile]] = {}
    for index, directory in enumerate(dirs):
        builtin = index == 0 and directory == builtin_rules_dir()
        seen: dict[str, Path] = {}
        for path in rule_files(directory):
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
