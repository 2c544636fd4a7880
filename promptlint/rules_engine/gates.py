"""Cheap gates in front of rule patterns: a pattern runs only on texts that hold one of its required literals.

Why: a long literal message list (issue 16 point 7) gives the text rules thousands of short prompts, and most
say nothing any rule looks for ("Message 17 about the billing plan."). Running the ~100 phrase regexes of the
text rules on each cost ~100 µs a prompt. Every match of a pattern contains one of a few literal strings (a
lexicon's terms, a fixed word): if none of them occurs in the text, the pattern cannot match, so it is not run.

The literals are derived from the pattern's own parse tree (`required`), so a gate is exact by construction:
every match of the pattern (its lookarounds included) contains one of them, read with the pattern's flags. A
gate answers "may match" (run the pattern) or "cannot match" (skip it), never changing what a pattern finds.
A pattern without such literals (`\\w+ing`, a `{fact:...}` concept, a custom rule's time-limited pattern, a
case-sensitive one) has no gate and always runs (a case-sensitive group inside one, `(?-i:CSAM)`, still gives
its literal: the gate reads lower-cased text).

Per text, the work is shared by all rules (the engine's `PromptView`): the text folded to lower case once, and
its set of 3-character runs; a rule's pattern list asks one gate (`PatternList.gate`), which most texts answer
with one set comparison (each literal is filed under a run of it that ordinary text rarely holds), and the
few literals whose run occurs are looked for in full.

Parsing a pattern costs as much as compiling it, so the literals are kept in the per-user start-up cache
(`diskcache`), keyed by the pattern and its flags.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from functools import cache
from pathlib import Path
from re import _constants as sre_constants  # type: ignore[attr-defined]
from typing import Any

from promptlint import diskcache
from promptlint.fingerprint import digest
from promptlint.rules_engine.text import PLACEHOLDER

#: Length of the literal starts a gate indexes, and the shortest literal a gate uses (shorter ones, " a" or "on",
#: occur in nearly every text anyway).
GRAM = 3
#: Version of the cached literal sets; bump when `required` changes what it derives.
_FORMAT = 8


def _best(candidates: Iterable[frozenset[str]]) -> frozenset[str] | None:
    """The most selective requirement a gate can read (ASCII literals, none shorter than GRAM): longest shortest
    literal, then fewest literals."""
    best: frozenset[str] | None = None
    best_key: tuple[int, int] = (0, 0)
    for candidate in candidates:
        shortest = min(map(len, candidate))
        if shortest < GRAM or not all(literal.isascii() for literal in candidate):
            continue
        key = (min(shortest, 5), -len(candidate))
        if best is None or key > best_key:
            best, best_key = candidate, key
    return best


#: What the `(?: PLACEHOLDER)*` of a pattern's space repeats (patterns.SEP), as parsed.
_STEP = " " + PLACEHOLDER
_STEP_OVER = [(sre_constants.LITERAL, ord(c)) for c in _STEP]
#: Most strings an exact part (`_exact`) may stand for; a longer product is cut where it would exceed this.
_EXACT_LIMIT = 256


def _sequence(items: Sequence[tuple[Any, Any]], parser: Any) -> frozenset[str] | None:
    """Literals one of which every match of the sequence `items` contains (None: no such set found).

    Consecutive parts that match one of a few known strings (`_exact`: a literal, `(?:an?|the) `, `s?`) are
    joined into the strings their concatenation matches ("as" + " " gives "as "); each such run, and each other
    part's own requirement, is a candidate; `_best` picks the most selective."""
    candidates: list[frozenset[str]] = []
    run: set[str] | None = None
    for op, arg in items:
        if op is parser.ASSERT:  # a lookaround that must hold: its text is in the searched text too
            found = _node(op, arg, parser)
            if found is not None:
                candidates.append(found)
        exact = _exact(op, arg, parser)
        if exact is not None and run is not None and len(run) * len(exact) <= _EXACT_LIMIT:
            run = {a + b for a in run for b in exact}
            continue
        if run is not None:
            candidates.append(frozenset(run))
        run = set(exact) if exact is not None else None
        if exact is None:
            found = _node(op, arg, parser)
            if found is not None:
                candidates.append(found)
    if run is not None:
        candidates.append(frozenset(run))
    return _best(candidates)


def _exact(op: Any, arg: Any, parser: Any) -> frozenset[str] | None:
    """The strings a part matches, when they are few (at most _EXACT_LIMIT) and known; else None.

    Zero-width parts (anchors, lookarounds) match the empty string: they add nothing to what is consumed."""
    if op is parser.LITERAL:
        return frozenset([chr(arg)])
    if op in (parser.AT, parser.ASSERT, parser.ASSERT_NOT):
        return frozenset([""])
    if op is parser.IN:
        if len(arg) <= 8 and all(item_op is parser.LITERAL for item_op, _ in arg):
            return frozenset(chr(c) for _, c in arg)
        return None
    if op is parser.SUBPATTERN:
        _group, add_flags, _del_flags, sub = arg
        return None if _widens(add_flags) else _exact_sequence(list(sub), parser)
    if op is parser.BRANCH:
        union: set[str] = set()
        for branch in arg[1]:
            found = _exact_sequence(list(branch), parser)
            if found is None or len(union) + len(found) > _EXACT_LIMIT:
                return None
            union |= found
        return frozenset(union)
    if op in (parser.MAX_REPEAT, parser.MIN_REPEAT, parser.POSSESSIVE_REPEAT):
        low, high, sub = arg
        if low == 0 and list(sub) == _STEP_OVER:
            return frozenset([""])  # a space stepping over placeholders: `folded` drops what it matches
        if high > 3:
            return None
        once = _exact_sequence(list(sub), parser)
        if once is None:
            return None
        found, power = set(), {""}
        for count in range(high + 1):
            if count >= low:
                found |= power
            if count < high:
                power = {a + b for a in power for b in once}
                if len(power) > _EXACT_LIMIT:
                    return None
        return frozenset(found) if len(found) <= _EXACT_LIMIT else None
    return None  # classes, any, categories, back references


def _exact_sequence(items: Sequence[tuple[Any, Any]], parser: Any) -> frozenset[str] | None:
    strings: set[str] = {""}
    for op, arg in items:
        exact = _exact(op, arg, parser)
        if exact is None or len(strings) * len(exact) > _EXACT_LIMIT:
            return None
        strings = {a + b for a in strings for b in exact}
    return frozenset(strings)


def _widens(add_flags: int) -> bool:
    """Does a scoped group's flag let its literals match text other than themselves, as a gate reads them?
    Only case-insensitivity (or locale) added by the group does. Removed case-insensitivity (`(?-i:CSAM)`) only
    narrows what matches, and the gate reads the folded (lower-cased) text, which holds the literal's lower case
    wherever the literal occurs as written; dot, anchor, verbose and ASCII flags leave literals as parsed."""
    return bool(add_flags & (re.IGNORECASE | re.LOCALE))


def _node(op: Any, arg: Any, parser: Any) -> frozenset[str] | None:
    if op is parser.SUBPATTERN:
        _group, add_flags, _del_flags, sub = arg
        if _widens(add_flags):  # a scoped flag that lets a literal match other text: no gate
            return None
        return _sequence(list(sub), parser)
    if op is parser.ATOMIC_GROUP:
        return _sequence(list(arg), parser)
    if op in (parser.MAX_REPEAT, parser.MIN_REPEAT, parser.POSSESSIVE_REPEAT):
        low, _high, sub = arg
        return _sequence(list(sub), parser) if low >= 1 else None
    if op is parser.BRANCH:
        union: set[str] = set()
        for branch in arg[1]:
            found = _sequence(list(branch), parser)
            if found is None:
                return None
            union |= found
        return frozenset(union)
    if op is parser.ASSERT:  # a lookaround that must hold: its text is in the searched text too
        _direction, sub = arg
        return _sequence(list(sub), parser)
    return None  # classes, any, anchors, negative lookarounds, back references: no literal required


def required(regex: str, flags: int) -> tuple[str, ...] | None:
    """Sorted literals one of which every match of `regex` (compiled with `flags`) contains, or None.

    Read from `re`'s parse tree; kept in the start-up cache since parsing costs as much as compiling.
    """
    key = "gate:" + digest([f"{_FORMAT}|{flags}|".encode(), regex.encode("utf-8", "surrogatepass")])
    cached = diskcache.get_data(key)
    if isinstance(cached, tuple):
        return cached[0]
    from re import _parser  # type: ignore[attr-defined]

    try:
        kept = diskcache.take_parse(regex, flags)  # parsed when it was compiled in this process, if it was
        found = _sequence(kept if kept is not None else list(_parser.parse(regex, flags)), _parser)
    except Exception:  # a private API that changed, or a pattern `re` refuses: no gate
        found = None
    literals = None if found is None else tuple(sorted(found))
    diskcache.put_data(key, (literals,))
    return literals


#: The characters outside ASCII that `re` (Unicode, IGNORECASE) matches to an ASCII letter; tests/test_gates.py
#: checks the list against every code point.
_FOLDS = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
_FOLDS_RE = re.compile("[" + "".join(_FOLDS) + "]")


def folded(text: str) -> str:
    """The text as the gates read it: lower case, and the four letters outside ASCII that `re` matches to an ASCII
    letter (dotted and dotless i, long s, Kelvin sign) made that letter. Where an IGNORECASE pattern matches ASCII
    literals, this text holds them in lower case (other characters may change length or case: they cannot be
    part of such a match). A placeholder with the space before it is dropped: what a pattern's space stepping
    over placeholders (`patterns.SEP`) consumes, so the words on either side read as adjacent, as `_exact` has them."""
    if not text.isascii():
        text = _FOLDS_RE.sub(lambda m: _FOLDS[m.group()], text).replace(_STEP, "")
    return text.lower()


def grams(low: str) -> set[str]:
    """Every run of `GRAM` characters of a folded text: a gate first asks whether its literals' runs are there."""
    return {low[i:i + GRAM] for i in range(len(low) - GRAM + 1)}  # a set comprehension: ~20% under a frozenset


@cache
def gram_counts() -> dict[str, int]:
    """How many ordinary sentences hold each 3-character run (gram_counts.json, scripts/build_gram_counts.py);
    read only when a gate is built (built gates are kept in the start-up cache)."""
    data = json.loads(_GRAM_COUNTS.read_text(encoding="utf-8"))
    return data["counts"]


_GRAM_COUNTS = Path(__file__).with_name("gram_counts.json")


def _key(literal: str, counts: Mapping[str, int], spread: Mapping[str, int]) -> str:
    """The run of `literal` a gate files it under: the one fewest ordinary sentences hold (`gram_counts`), then
    the one fewest of the gate's literals share, then the first."""
    runs = [literal[i:i + GRAM] for i in range(len(literal) - GRAM + 1)]
    return min(runs, key=lambda run: (counts.get(run, 0), spread[run]))


class Gate:
    """Which of some patterns a folded text (`folded`) may match: the patterns one of whose literals it holds,
    as a bit mask over the patterns' places in their list (literals read as an IGNORECASE `re` reads them).

    Each literal is filed under one of its runs of GRAM characters (`_key`: one ordinary text rarely holds),
    and asked with the text's set of `grams`: a literal whose run is not in it cannot occur, so most texts
    are answered by one set comparison; the few literals whose run occurs are looked for in full."""

    __slots__ = ("_by_key", "_keys")

    def __init__(self, literals: Mapping[str, int]) -> None:
        masks: dict[str, int] = {}
        for literal, mask in literals.items():  # the folded text is lower case: so are the literals looked for
            masks[literal.lower()] = masks.get(literal.lower(), 0) | mask
        counts = gram_counts()
        spread = Counter(run for literal in masks for run in {literal[i:i + GRAM]
                                                              for i in range(len(literal) - GRAM + 1)})
        by_key: dict[str, list[tuple[str, int]]] = {}
        for literal, mask in sorted(masks.items()):
            by_key.setdefault(_key(literal, counts, spread), []).append((literal, mask))
        self._by_key = {key: tuple(found) for key, found in by_key.items()}
        self._keys = frozenset(by_key)

    def keys(self) -> frozenset[str]:
        """The runs the literals are filed under: a text holding none of them opens nothing."""
        return self._keys

    def to_plain(self) -> dict[str, tuple[tuple[str, int], ...]]:
        """Plain data for the start-up cache (marshal)."""
        return self._by_key

    @classmethod
    def from_plain(cls, by_key: dict[str, tuple[tuple[str, int], ...]]) -> Gate:
        gate = cls.__new__(cls)
        gate._by_key = by_key
        gate._keys = frozenset(by_key)
        return gate

    def open(self, low: str, text_grams: AbstractSet[str]) -> int:
        """The mask of the patterns whose literals the text holds (0: none)."""
        if self._keys.isdisjoint(text_grams):
            return 0
        mask = 0
        for key in self._keys & text_grams:
            for literal, bits in self._by_key[key]:
                if literal in low:
                    mask |= bits
        return mask


def pattern_literals(pattern: Any) -> tuple[str, ...] | None:
    """The literals a gate may use for a compiled pattern: its required literals when it is a `re` pattern
    compiled with IGNORECASE whose literals are ASCII and at least GRAM long; else None (always run it)."""
    if not isinstance(pattern, re.Pattern) or not pattern.flags & re.IGNORECASE:
        return None
    literals = required(pattern.pattern, pattern.flags & ~re.UNICODE)
    if literals is None or not all(literal.isascii() and len(literal) >= GRAM for literal in literals):
        return None
    return literals


class PatternList(list[Any]):
    """A rule's list of phrase patterns and concepts (a plain list to every reader), plus their gate.

    `gate()` gives, built on first use: the gate of all entries that have literals (None when none has), and
    the entries that always run (concepts, patterns without literals).
    """

    __slots__ = ("_always", "_gate")

    def gate(self) -> tuple[Gate | None, list[Any]]:
        try:
            return self._gate
        except AttributeError:
            pass
        # Building a gate of a few thousand literals costs ~2 ms, every process: the built gate is kept in the
        # start-up cache, keyed by the list's patterns (a one-file pre-commit run must not pay it)
        key = "gates:" + digest([f"{_FORMAT}".encode(), *(
            f"{getattr(p, 'flags', None)}|{getattr(p, 'pattern', p)!r}|{type(p).__name__}".encode(
                "utf-8", "surrogatepass") for p in self)])
        cached = diskcache.get_data(key)
        if isinstance(cached, tuple) and len(cached) == 2:
            by_start, self._always = cached
            gate = Gate.from_plain(by_start) if by_start else None
        else:
            gate, self._always = self._build()
            diskcache.put_data(key, (gate.to_plain() if gate is not None else {}, self._always))
        self._gate = (gate, [p for i, p in enumerate(self) if self._always >> i & 1])
        return self._gate

    def _build(self) -> tuple[Gate | None, int]:
        """(the gate, the mask of the entries always run) from each entry's literals."""
        literals: dict[str, int] = {}
        always = 0
        for i, pattern in enumerate(self):
            found = pattern_literals(pattern)
            if found is None:
                always |= 1 << i
                continue
            for literal in found:
                literals[literal] = literals.get(literal, 0) | 1 << i
        return (Gate(literals) if literals else None), always

    def runnable(self, mask: int) -> list[Any]:
        """The entries to run on a text the gate answered `mask` for: those with a bit set, and those always run."""
        _gate, always = self.gate()
        if not mask:
            return always
        mask |= self._always
        return [p for i, p in enumerate(self) if mask >> i & 1]


def build_all(value: Any) -> None:
    """Build the gate of every PatternList in a rule's compiled parts (lists, and lists nested in tuples and
    lists): before a pool forks, so its workers inherit the gates instead of each deriving them."""
    if isinstance(value, PatternList):
        value.gate()
    elif isinstance(value, list | tuple):
        for item in value:
            build_all(item)
