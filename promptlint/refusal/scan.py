"""Find where many regexes match in one text with one scan, not one each.

Why: CPython's `re` cannot skip ahead in a pattern that begins with `\\b`: it
runs its matcher at every position, so each of the refusal detector's ~90
patterns cost a full interpreted pass over the text (~25 us for 750
characters). A pattern that begins with a character or a character class
gets a C-level skip loop instead.

`Scanner` merges the patterns of one haystack into a single regex used only
to find *positions*. A pattern led by `\\b` is expanded into branches that
each start with a literal word character (`\\b(?:seek|consult) X` ->
`seek X`, `consult X`); since `\\b` before a word character means "no word
character before", the merged regex is `[^\\w](?:seek X|consult X|...)` (plus
a try at position 0), and its match starts one character before the
pattern would. Patterns whose branches start with `^` or a literal (`(?:^|\\n)`)
are merged without the `[^\\w]`. At each reported position, the original
patterns that can start with the text's next two characters are matched
there with `pattern.match(text, pos)`, which sees the whole text, so `\\b`
and lookarounds behave exactly as in `search`.

The result is, by construction, what `search` / `finditer` give: a pattern
matches at a position iff one of its branches does, iff the merged regex
reports that position; `search` keeps the leftmost match and `finditer`
the leftmost non-overlapping ones, which is what `_try` keeps as positions
come in order. Patterns that cannot be expanded are searched directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_WORD_CHAR = re.compile(r"\w")
_QUANTIFIERS = ("?", "*", "+", "{")
_ESCAPES = {"n": "\n", "t": "\t"}
_SPECIAL = set("\\.^$*+?{}[]|()")
_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")

Branch = tuple[str, str]  # (first literal character, regex for the rest)


def _class_end(src: str, i: int) -> int:
    """Index just past the `]` closing the character class opened at src[i]."""
    j = i + 1
    if src.startswith("^", j):
        j += 1
    if src.startswith("]", j):
        j += 1
    while src[j] != "]":
        j += 2 if src[j] == "\\" else 1
    return j + 1


def _split_top(src: str) -> tuple[list[str], int]:
    """Split `src` on `|` at depth 0 until an unmatched `)`; return the parts
    and the index of that `)` (len(src) if none)."""
    parts, depth, start, j = [], 0, 0, 0
    while j < len(src):
        c = src[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            j = _class_end(src, j)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                break
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(src[start:j])
            start = j + 1
        j += 1
    parts.append(src[start:j])
    return parts, j


def _group_branches(src: str, inner: Callable[[str], list[Branch] | None]) -> list[Branch] | None:
    """Distribute the rest of `src` over the alternatives of its leading
    `(?:...)` group: `(?:a|b)c` -> branches of `ac` and of `bc`."""
    alternatives, close = _split_top(src[3:])
    tail = src[3 + close + 1:]
    if close == len(src) - 3 or tail.startswith(_QUANTIFIERS):
        return None
    branches: list[Branch] = []
    for alternative in alternatives:
        expanded = inner(alternative + tail)
        if expanded is None:
            return None
        branches += expanded
    return branches


def word_branches(src: str) -> list[Branch] | None:
    """Branches of `src` (a regex that follows `\\b` and has no top-level `|`)
    that each start with a literal word character; None when some branch
    does not (then `\\b` cannot be moved behind the first character)."""
    if not src:
        return None
    if _WORD_CHAR.fullmatch(src[0]) and not src.startswith(_QUANTIFIERS, 1):
        return [(src[0], src[1:])]
    return _group_branches(src, word_branches) if src.startswith("(?:") else None


def lead_branches(src: str) -> list[Branch] | None:
    """Branches of `src` that each start with `^` (first is "^") or with a
    literal character (plain, `\\n`, `\\t` or escaped punctuation)."""
    parts = _split_top(src)[0]
    if len(parts) > 1:
        expanded = [lead_branches(part) for part in parts]
        return None if None in expanded else [b for bs in expanded for b in bs]  # type: ignore[union-attr]
    if src.startswith("(?:"):
        return _group_branches(src, lead_branches)
    if src.startswith("^"):
        return [("^", src[1:])]
    if src.startswith("\\"):
        char = _ESCAPES.get(src[1:2]) or (src[1:2] if src[1:2] and not _WORD_CHAR.fullmatch(src[1:2]) else None)
        size = 2
    else:
        char = src[:1] if src[:1] and src[0] not in _SPECIAL else None
        size = 1
    if char is None or src.startswith(_QUANTIFIERS, size):
        return None
    return [(char, src[size:])]


def expand(pattern: str) -> tuple[str, list[Branch]] | None:
    """("word", branches) for a pattern led by `\\b`, ("lead", branches) for
    one whose branches start with `^` or a literal; None otherwise."""
    if _GLOBAL_FLAGS.search(pattern):
        return None
    if pattern.startswith(r"\b"):
        rest = pattern[2:]
        branches = word_branches(rest) if len(_split_top(rest)[0]) == 1 else None
        return ("word", branches) if branches else None
    branches = lead_branches(pattern)
    return ("lead", branches) if branches else None


def merged_regex(branches: Sequence[Branch], kind: str, flags: int = 0) -> re.Pattern[str] | None:
    """One regex matching where any branch can start, grouped by first
    character so each position costs one small dispatch.

    For "word" branches it matches one character *before* that start: a
    non-word character. Leading with a character class lets `re` skip the
    letters inside words in C, and makes the `\\b` the branches need implicit."""
    heads = [re.escape(first) + rest for first, rest in branches if first != "^"]
    if not heads:
        return None
    groups = _trie(heads, 3)
    return re.compile(r"[^\w](?:" + groups + ")" if kind == "word" else groups, flags)


def _trie(alternatives: list[str], depth: int) -> str:
    """`ab|ac|d` as `a(?:b|c)|d`: factor out plain leading characters (any
    order will do, only *whether* some alternative matches is used), so `re`
    tests each distinct character once instead of once per alternative."""
    groups: dict[str, list[str]] = {}
    others: list[str] = []
    for alternative in alternatives:
        char = alternative[0] if depth and _second(alternative) is not None else ""
        if char:
            groups.setdefault(char, []).append(alternative[1:])
        else:
            others.append(alternative)
    parts = [re.escape(c) + (f"(?:{_trie(rests, depth - 1)})" if rests != [""] else "")
             for c, rests in groups.items()]
    return "|".join(parts + others)


@dataclass(frozen=True, slots=True)
class Dispatch:
    """Where to look and which patterns to try there, for one kind of branch."""

    merged: re.Pattern[str] | None
    #: Patterns to try where the text starts with these two characters...
    by_pair: dict[str, tuple[int, ...]]
    #: ...or, when no pair applies, with this one (branches whose second
    #: character is not a plain literal).
    by_char: dict[str, tuple[int, ...]]
    #: For "word": the merged match starts one character before the pattern.
    offset: int

    @classmethod
    def build(cls, branches: dict[int, list[Branch]], kind: str, flags: int) -> Dispatch:
        pairs: dict[str, set[int]] = {}
        singles: dict[str, set[int]] = {}
        for index, expanded in branches.items():
            for first, rest in expanded:
                second = _second(rest)
                if second is None:
                    singles.setdefault(first, set()).add(index)
                else:
                    pairs.setdefault(first + second, set()).add(index)
        by_pair = {pair: tuple(sorted(ids | singles.get(pair[0], set()))) for pair, ids in pairs.items()}
        by_char = {c: tuple(sorted(ids)) for c, ids in singles.items()}
        merged = merged_regex([b for bs in branches.values() for b in bs], kind, flags)
        return cls(merged, by_pair, by_char, 1 if kind == "word" else 0)

    def candidates(self, text: str, start: int) -> tuple[int, ...]:
        """Patterns that can match at `start`, by the text's first characters."""
        indices = self.by_pair.get(text[start:start + 2])
        return self.by_char.get(text[start:start + 1], ()) if indices is None else indices


def _second(rest: str) -> str | None:
    """The branch's second character if it is a plain, unrepeated literal."""
    if not rest or rest[0] in _SPECIAL or rest.startswith(_QUANTIFIERS, 1):
        return None
    return rest[0]


@dataclass(frozen=True, slots=True)
class Scanner:
    """All patterns matched against one haystack, found with a scan or two.

    `matches(text)` returns, per pattern index, the matches `finditer` would
    give for patterns marked `every`, else a list with just the first match
    (what `search` gives); patterns without a match are absent."""

    patterns: tuple[re.Pattern[str], ...]
    every: tuple[bool, ...]
    word: Dispatch
    lead: Dispatch
    anchored: tuple[int, ...]  # patterns with a `^` branch: also tried at 0
    direct: tuple[int, ...]  # patterns that could not be expanded

    @classmethod
    def build(cls, patterns: Sequence[re.Pattern[str]], every: Sequence[bool]) -> Scanner:
        kinds: dict[str, dict[int, list[Branch]]] = {"word": {}, "lead": {}}
        direct: list[int] = []
        flags = {p.flags for p in patterns}
        for index, pattern in enumerate(patterns):
            expanded = expand(pattern.pattern) if len(flags) == 1 else None
            if expanded is None:
                direct.append(index)
            else:
                kinds[expanded[0]][index] = expanded[1]
        flag = flags.pop() if len(flags) == 1 else 0
        anchored = tuple(i for i, bs in kinds["lead"].items() if any(first == "^" for first, _ in bs))
        return cls(tuple(patterns), tuple(every), Dispatch.build(kinds["word"], "word", flag),
                   Dispatch.build(kinds["lead"], "lead", flag), anchored, tuple(direct))

    def matches(self, text: str) -> dict[int, list[re.Match[str]]]:
        found: dict[int, list[re.Match[str]]] = {}
        for index in self.direct:
            pattern = self.patterns[index]
            hits = list(pattern.finditer(text)) if self.every[index] else [m] if (m := pattern.search(text)) else []
            if hits:
                found[index] = hits
        self._try(text, 0, self.anchored, found)
        self._try(text, 0, self.word.candidates(text, 0), found)
        for dispatch in (self.word, self.lead):
            if dispatch.merged is not None:
                self._scan(text, dispatch, found)
        return found

    def _scan(self, text: str, dispatch: Dispatch, found: dict[int, list[re.Match[str]]]) -> None:
        """Try the patterns that can start at each position the merged regex
        reports, in order; keep what search/finditer would keep."""
        search, pos, offset = dispatch.merged.search, 0, dispatch.offset  # type: ignore[union-attr]
        while hit := search(text, pos):
            start = hit.start() + offset
            self._try(text, start, dispatch.candidates(text, start), found)
            pos = start + 1 - offset

    def _try(self, text: str, start: int, indices: tuple[int, ...], found: dict[int, list[re.Match[str]]]) -> None:
        for index in indices:
            match = self.patterns[index].match(text, start)
            if match is None:
                continue
            hits = found.get(index)
            if hits is None:
                found[index] = [match]
            elif self.every[index] and start >= hits[-1].end() and start > hits[-1].start():
                hits.append(match)
