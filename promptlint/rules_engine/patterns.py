"""Rule pattern syntax: Python regular expressions over the normalised text, plus macros.

A pattern is matched case-insensitively against `text.normalise()`'s output,
with word boundaries added at both ends. On top of regex syntax:

* a literal space matches one space, optionally stepping over placeholders
  (`no restrictions` matches "no {kind} restrictions");
* `{gap}` / `{gap:N}` matches up to 3 / N words (or placeholders) inside a sentence;
* `{lex:NAME}` / `{lex:NAME.GROUP}` matches any term of a lexicon (or one of its groups);
* `{ph}` matches one placeholder;
* `{end}` asserts the end of a clause (punctuation, line end, "and"/"or"/"but");
* a named group `(?P<hit>...)` narrows the finding to that part of the match
  (context words before or after it are required but not flagged);
* a line break and the indentation after it are dropped, so a long pattern can
  be wrapped in a YAML `|-` block at any point.

Patterns are compiled once per rule set; `re` keeps them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from promptlint.diskcache import compile_regex
from promptlint.rules_engine.errors import RuleError
from promptlint.rules_engine.text import PLACEHOLDER


class Exception_(NamedTuple):
    """A compiled exception of a pattern or condition rule: where `pattern` is found (relative to a hit, by
    `scope`), the hit is cancelled, unless the hit's own text matches `spares` (e.g. a condition such as
    "when ..." bounds "never refuse a refund" but not "ignore your safety guidelines"), and only in a prompt
    where `requires` is found, when it is given (e.g. a learned "talks about overrides" reading cancels an
    override only in a prompt that says what it detects, moderates or refuses)."""

    pattern: Any
    scope: str
    spares: Any = None
    requires: Any = None


SEP = f"(?: {PLACEHOLDER})* "
_WORD = f"[^ \\n.!?;{PLACEHOLDER}]+|{PLACEHOLDER}"
END = f"(?= ?(?:[.,;:!?)\\]\"\\n]|$| - |{PLACEHOLDER}| and | or | but ))"
_MACRO_RE = compile_regex(r"\{(lex|gap|ph|end)(?::([A-Za-z0-9_.]+))?\}")
_LINE_BREAK_RE = compile_regex(r"\n[ \t]*")
#: What `translate` rewrites or must step over whole: an escape, a character class (`[]...]` and an
#: unclosed one included), a macro with the space after it, a space. One C-level scan, not a char loop.
_TOKEN_RE = compile_regex(r"\\.|\[\]?(?:\\.|[^\]\\])*\]?|\{(lex|gap|ph|end)(?::([A-Za-z0-9_.]+))?\}( ?)| ", re.DOTALL)
_BRACKET_RE = compile_regex(r"[][()]")
#: An escape (a trailing lone backslash too), a class (`[]...]` form included; group 1 is its closing
#: bracket, None when it stays open) or a parenthesis.
_BALANCE_TOKEN_RE = compile_regex(r"\\.?|\[\]?(?:\\.?|[^\]\\])*(\])?|[()]", re.DOTALL)
_PLURAL_OK_RE = compile_regex(r"[a-z]$", re.IGNORECASE)


class PatternError(ValueError):
    """A pattern or lexicon term that does not compile; the loader adds file and line."""


@dataclass(slots=True)
class Lexicon:
    """A named, documented list of terms, optionally split into groups; shared by rules."""

    name: str
    description: str
    groups: dict[str, list[str]]  # "" holds ungrouped terms
    plural: bool = True
    path: str = ""
    #: (group, index) -> line of the term in the lexicon file, for error messages
    lines: dict[tuple[str, int], int] = field(default_factory=dict)
    _cache: dict[str, str] = field(default_factory=dict, repr=False)

    def terms(self, group: str | None = None) -> list[str]:
        if group is None:
            return [t for terms in self.groups.values() for t in terms]
        return list(self.groups.get(group, ()))

    def check_brackets(self) -> tuple[str, int] | None:
        """(group, index) of the first term with unbalanced brackets: cheap enough for load time.

        Checked per term because a term with an open bracket could pair up with its neighbours
        inside the alternation and compile.
        """
        for group, terms in self.groups.items():
            for i, term in enumerate(terms):
                if not _balanced(term):
                    return group, i
        return None

    def find_invalid(self) -> tuple[str, int, str] | None:
        """(group, index, regex error) of the first term that does not compile (slow: per term)."""
        for group, terms in self.groups.items():
            for i, term in enumerate(terms):
                try:
                    re.compile(translate(term, {}, allow_lex=False))
                except (re.error, PatternError) as exc:
                    return group, i, getattr(exc, "msg", str(exc))
        return None

    def alternation(self, group: str | None = None) -> str:
        """Regex alternation of the (group's) terms, longest first; terms are patterns themselves."""
        key = group or ""
        if key not in self._cache:
            parts = []
            # dict.fromkeys, not set: the same order in every process (set order of str varies with the
            # hash seed), so the regex text is stable and its compiled form can be cached on disk.
            for term in sorted(dict.fromkeys(self.terms(group)), key=len, reverse=True):
                body = translate(term, {}, allow_lex=False)
                if self.plural and _PLURAL_OK_RE.search(term):
                    body += "(?:s|es)?"
                parts.append(body)
            self._cache[key] = "(?:" + "|".join(parts) + ")"
        return self._cache[key]


def _balanced(pattern: str) -> bool:
    """Parentheses balanced and character classes closed (escapes respected).

    Scans only the tokens that matter (escapes, classes, parentheses) with one regex: load time.
    """
    if not _BRACKET_RE.search(pattern):  # most terms are plain words
        return True
    depth = 0
    for m in _BALANCE_TOKEN_RE.finditer(pattern):
        token = m.group()
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
            if depth < 0:
                return False
        elif token[0] == "[" and m.group(1) is None:
            return False  # a class left open runs to the end of the pattern
    return depth == 0


def _macro(kind: str, arg: str | None, lexicons: Mapping[str, Lexicon], allow_lex: bool, stub: bool) -> str:
    if kind == "gap":
        n = int(arg) if arg and arg.isdigit() else 3 if arg is None else -1
        if n < 0:
            raise PatternError(f"{{gap:{arg}}}: the gap size must be a whole number")
        return f"(?:(?:{_WORD}) ){{0,{n}}}"
    if kind == "ph":
        return PLACEHOLDER
    if kind == "end":
        return END
    if not allow_lex:
        raise PatternError("{lex:...} cannot be used inside a lexicon term")
    name, _, group = (arg or "").partition(".")
    lexicon = lexicons.get(name)
    if lexicon is None:
        known = ", ".join(sorted(lexicons)) or "none"
        raise PatternError(f"unknown lexicon {name!r} (known: {known})")
    if group and group not in lexicon.groups:
        raise PatternError(f"lexicon {name!r} has no group {group!r} (groups: {', '.join(sorted(lexicon.groups))})")
    return "(?:x)" if stub else lexicon.alternation(group or None)


def translate(pattern: str, lexicons: Mapping[str, Lexicon], *, allow_lex: bool = True, stub: bool = False) -> str:
    """Expand macros and spaces of a rule pattern into a plain regex (no boundaries added).

    With `stub`, lexicon macros become a trivial group: enough to validate the pattern's own syntax
    (lexicons are validated on their own) without building the large alternations.
    """
    space = " " if stub else SEP  # validity does not depend on SEP; the stub stays small

    def expand(m: re.Match[str]) -> str:
        kind = m.group(1)
        if kind is None:  # a space, or an escape / character class copied as it is
            return space if m.group() == " " else m.group()
        regex = _macro(kind, m.group(2), lexicons, allow_lex, stub)
        if m.group(3) and kind != "gap":  # only a gap consumes its own trailing space
            regex += space
        return regex

    return _TOKEN_RE.sub(expand, pattern)


def compile_pattern(pattern: str, lexicons: Mapping[str, Lexicon], *, stub: bool = False,
                    bounded: tuple[Path, int] | None = None) -> Any:
    """Compile a rule pattern; raises PatternError naming the regex problem.

    `stub=True` validates cheaply (see `translate`); the engine compiles the real pattern on first use.
    `bounded=(rule file, line)` marks a custom rule's pattern: nested unbounded repeats are refused at
    load and the pattern runs under a time limit (`BoundedPattern`), so a user's regex cannot hang a run.
    """
    if not isinstance(pattern, str) or not pattern.strip():
        raise PatternError("a pattern must be a non-empty string")
    body = translate(_LINE_BREAK_RE.sub("", pattern.strip()), lexicons, stub=stub)
    full = f"(?<!\\w)(?:{body})(?!\\w)"
    try:
        compiled = compile_regex(full, re.IGNORECASE, keep_parse=not stub)  # the gates read its parse (gates.py)
    except re.error as exc:
        raise PatternError(f"invalid regular expression {pattern!r}: {exc.msg}") from None
    if bounded is None:
        return compiled
    if stub:
        nested = nested_repeat(body)
        if nested:
            raise PatternError(f"pattern {pattern!r} repeats a repeat ({nested}): it can backtrack catastrophically; "
                               "rewrite it so that each repeated part must consume a fixed separator")
        return compiled
    return BoundedPattern(full, pattern, *bounded)


#: Seconds one custom-rule pattern may spend on one prompt before the run stops with a RuleError.
CUSTOM_PATTERN_TIMEOUT = 1.0


class BoundedPattern:
    """A custom rule's regex run by the `regex` package with a time limit.

    Why: `re` cannot be interrupted, so a user's pattern such as `(a|aa)+$` could hang a whole run (or an
    editor via the LSP). Built-in patterns are reviewed and tested and stay on `re`; only custom rules pay
    for this. A timeout becomes a RuleError naming the rule file and the pattern's line (exit 2).
    """

    __slots__ = ("_compiled", "groupindex", "line", "path", "pattern")

    def __init__(self, full: str, pattern: str, path: Path, line: int) -> None:
        import regex  # imported only when a custom rule is used (start-up time)

        self._compiled = regex.compile(full, regex.IGNORECASE | regex.VERSION0)
        self.groupindex = self._compiled.groupindex
        self.pattern, self.path, self.line = pattern, path, line

    def _timeout(self) -> RuleError:
        limit = CUSTOM_PATTERN_TIMEOUT
        return RuleError(self.path, self.line, f"pattern {self.pattern!r} ran for more than {limit:g} s on one prompt "
                         "(catastrophic backtracking?): rewrite it without nested or overlapping repeats")

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        try:
            return self._compiled.search(text, pos, endpos, timeout=CUSTOM_PATTERN_TIMEOUT)
        except TimeoutError:
            raise self._timeout() from None

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[Any]:
        """All matches, found up front so that one time limit covers the whole scan."""
        try:
            return iter(list(self._compiled.finditer(text, pos, endpos, timeout=CUSTOM_PATTERN_TIMEOUT)))
        except TimeoutError:
            raise self._timeout() from None


def nested_repeat(body: str) -> str | None:
    """Text of an unbounded repeat whose body is only another unbounded repeat plus optional parts.

    `(a+)+`, `(\\w+ ?)*` and `(?:x*)*` match a string in exponentially many ways and backtrack
    catastrophically on a near miss; `(\\w+ )+` (a required separator) does not and is allowed.
    A cheap load-time screen for custom rules; the time limit catches what it cannot see.
    """
    try:
        from re import _parser  # type: ignore[attr-defined]

        tree = _parser.parse(body)
    except Exception:  # a private API: without it, rely on the time limit
        return None
    return _find_nested(tree, _parser)


def _find_nested(items: Any, parser: Any) -> str | None:
    for op, arg in items:
        if op in (parser.MAX_REPEAT, parser.MIN_REPEAT, parser.POSSESSIVE_REPEAT):
            _low, high, sub = arg
            if high == parser.MAXREPEAT and op != parser.POSSESSIVE_REPEAT and _only_repeat(sub, parser):
                return "a repeated group whose content is itself repeated"
            inner = _find_nested(sub, parser)
        elif op is parser.SUBPATTERN:
            inner = _find_nested(arg[-1], parser)
        elif op is parser.BRANCH:
            inner = next((r for branch in arg[1] if (r := _find_nested(branch, parser))), None)
        else:
            inner = None
        if inner:
            return inner
    return None


def _only_repeat(sub: Any, parser: Any) -> bool:
    """Does `sub` hold an unbounded repeat, everything else in it being optional (zero width at least)?"""
    items = list(sub)
    while len(items) == 1 and items[0][0] is parser.SUBPATTERN:
        items = list(items[0][1][-1])
    has_repeat = False
    for op, arg in items:
        if op in (parser.MAX_REPEAT, parser.MIN_REPEAT) and arg[1] == parser.MAXREPEAT:
            has_repeat = True
            continue
        if op in (parser.AT, parser.ASSERT, parser.ASSERT_NOT):
            continue
        if parser.SubPattern(parser.State(), [(op, arg)]).getwidth()[0] > 0:
            return False
    return has_repeat
