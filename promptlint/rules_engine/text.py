"""A normalised view of a prompt's text that rule patterns match against.

Real prompts say the same thing many ways: curly quotes, contractions, a
sentence wrapped over two lines, a `{placeholder}` in the middle, Markdown
emphasis. Patterns are written once against a canonical form:

* template placeholders become one sentinel character (`PLACEHOLDER`), so no
  word ever matches inside them while a pattern gap may step over them;
* curly quotes and apostrophes become straight ones, en/em dashes become `-`;
* Markdown emphasis markers glued to a word (`**never**`, `` `x` ``) vanish;
* contractions are expanded (`won't` -> `will not`, `you're` -> `you are`,
  `there's` -> `there is`; other `'s` stay, they are mostly possessive);
* a whitespace run becomes one space, or one newline when it ends a
  sentence (blank line, line ending in `.!?:;`, next line a list item or
  starting a new capitalised line).

Every normalised character keeps the (start, end) span of prompt text it came
from, so a match maps back to the exact original phrase.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from promptlint.diskcache import compile_regex

#: Stands for one template placeholder in the normalised text (private use area).
PLACEHOLDER = "\ue000"

_CHARS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
}
#: One character for one: the map stays as it is. A regex scan beats str.translate on long texts.
_CHARS_RE = compile_regex("[" + "".join(_CHARS) + "]")
#: Emphasis markers; whether one is glued to a word is decided in `_strip_emphasis` (cheaper than lookarounds).
_EMPHASIS_RE = compile_regex(r"\*+|`+|~~")
#: `word'suffix` and `cannot`, anchored at word starts so the scan stays linear.
_CONTRACTION_RE = compile_regex(r"(?<!\w)(?:(\w+)'(t|re|ll|ve|m|d|s)|(can)(not))(?!\w)", re.IGNORECASE)
#: Negative contractions typed without the apostrophe ("dont", "doesnt", "shouldnt"): casual prompts write them.
_BARE_NOT_RE = compile_regex(
    r"(?<![\w'])(do|does|did|is|are|was|were|has|have|had|should|would|could|must|need)nt(?![\w'])|(?<![\w'])(can|won)t(?![\w'])",
    re.IGNORECASE)
_IRREGULAR_NOT = {"won": "will not", "can": "can not", "shan": "shall not", "ain": "is not"}
_IS_PRONOUNS = frozenset({"there", "here", "it", "that", "what", "who", "where", "he", "she", "this", "everything",
                          "nothing"})
_SUFFIXES = {"re": "are", "ll": "will", "ve": "have", "m": "am", "d": "would"}
#: Whitespace runs other than a single plain space (those need no rewrite, and are most of them).
_WS_RE = compile_regex(r" ?[^\S ]\s*| {2,}\s*")
_LIST_MARK_RE = compile_regex(r"(?:[-*+\u2022>#]|\d{1,3}[.)])(?:\s|$)")
#: A sentence ends at `.!?` before a space, at a sentence-ending newline, or at `.!?` glued to the next
#: sentence's capitalised word ("in 2023.I would like": pasted text often loses the space).
_SENTENCE_END_RE = compile_regex(r"[.!?]+[\"')\]]*(?= )|\n|(?<=[a-z0-9][.!?])(?=[A-Z](?:[a-z]| ))")
#: What a list item's number looks like ("5.", "b.", "iv.", "(3)."): its dot does not end a sentence.
_ENUMERATOR_RE = compile_regex(r"\s*\(?(?:\d{1,3}|[a-z]|[ivx]{1,4}|[IVX]{1,4})\)?\s*")


def _expand_contraction(m: re.Match[str]) -> str:
    """`won't` -> `will not`, `don't` -> `do not`, `you're` -> `you are`, `there's` -> `there is`; else unchanged."""
    word, suffix, can, _not = m.groups()
    if can:
        return can + " not"
    low, suffix = word.lower(), suffix.lower()
    if suffix == "t":
        if low in _IRREGULAR_NOT:
            return _IRREGULAR_NOT[low]
        return word[:-1] + " not" if low.endswith("n") and len(low) > 1 else m.group()
    if suffix == "s":
        return word + " is" if low in _IS_PRONOUNS else m.group()
    return f"{word} {_SUFFIXES[suffix]}"


def _expand_bare_not(m: re.Match[str]) -> str:
    """`dont` -> `do not`, `cant` -> `can not`, `wont` -> `will not`."""
    word, modal = m.group(1), m.group(2)
    if word:
        return word + " not"
    return "can not" if modal.lower() == "can" else "will not"


def _strip_emphasis(text: str) -> Callable[[re.Match[str]], str]:
    def repl(m: re.Match[str]) -> str:
        a, b = m.span()
        glued = (b < len(text) and (text[b].isalnum() or text[b] == "_")) or (
            a > 0 and (text[a - 1].isalnum() or text[a - 1] in "_.!?"))
        return "" if glued else m.group()

    return repl


@dataclass(slots=True)
class NormalText:
    """Normalised text plus, for each of its characters, the source span in the prompt text."""

    text: str
    starts: list[int]
    ends: list[int]
    _sentences: list[tuple[int, int]] | None = field(default=None, repr=False)

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Prompt-text span (start, exclusive end) of the normalised span [start, end)."""
        if not self.text:
            return 0, 0
        end = max(end, start + 1)
        return self.starts[min(start, len(self.starts) - 1)], self.ends[min(end, len(self.ends)) - 1]

    @property
    def sentences(self) -> list[tuple[int, int]]:
        """(start, end) spans of sentences: split after `.!?` + space and at sentence-ending newlines."""
        if self._sentences is None:
            spans: list[tuple[int, int]] = []
            start = 0
            for m in _SENTENCE_END_RE.finditer(self.text):
                if m.group() == "." and _ENUMERATOR_RE.fullmatch(self.text, start, m.start()):
                    continue  # "5. Go over each item": the number of a list item, not a sentence
                spans.append((start, m.end()))
                start = m.end() + (1 if m.group() not in ("\n", "") else 0)
            spans.append((start, len(self.text)))
            self._sentences = spans
        return self._sentences

    def sentence_at(self, index: int) -> tuple[int, int]:
        """The sentence holding normalised index `index`."""
        spans = self.sentences
        i = bisect.bisect_right(spans, (index, len(self.text) + 1)) - 1
        return spans[max(i, 0)]


def _rewrite(
    text: str, starts: list[int], ends: list[int], pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str]
) -> tuple[str, list[int], list[int]]:
    """Apply `pattern` -> `repl` and carry the source map; replaced characters map to the whole match."""
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        a, b = m.span()
        if a == b:
            continue
        rep = repl(m)
        if rep == m.group():
            continue  # unchanged: keep the finer per-character map
        out.append(text[pos:a])
        new_starts.extend(starts[pos:a])
        new_ends.extend(ends[pos:a])
        out.append(rep)
        new_starts.extend([starts[a]] * len(rep))
        new_ends.extend([ends[b - 1]] * len(rep))
        pos = b
    if pos == 0:
        return text, starts, ends
    out.append(text[pos:])
    new_starts.extend(starts[pos:])
    new_ends.extend(ends[pos:])
    return "".join(out), new_starts, new_ends


def _is_break(text: str, m: re.Match[str]) -> bool:
    """Does this whitespace run end a sentence (vs. a line wrapped inside one)?"""
    run = m.group()
    if "\n" not in run:
        return False
    if run.count("\n") > 1:
        return True
    before = text[m.start() - 1] if m.start() else ""
    after = text[m.end():m.end() + 4]
    if before in ".!?:;" or _LIST_MARK_RE.match(after) or after.startswith(PLACEHOLDER):
        return True
    return bool(after[:1].isupper() and before not in ",(-" and not re.match(r"I\b", after))


def _placeholders_to_sentinel(
    text: str, placeholders: Sequence[tuple[int, int]]
) -> tuple[str, list[int], list[int]]:
    if not placeholders:
        return text, list(range(len(text))), list(range(1, len(text) + 1))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for a, b in sorted(placeholders):
        if a < pos or b <= a:
            continue
        out.append(text[pos:a])
        starts.extend(range(pos, a))
        ends.extend(range(pos + 1, a + 1))
        out.append(PLACEHOLDER)
        starts.append(a)
        ends.append(b)
        pos = b
    out.append(text[pos:])
    starts.extend(range(pos, len(text)))
    ends.extend(range(pos + 1, len(text) + 1))
    return "".join(out), starts, ends


def normalise(text: str, placeholders: Sequence[tuple[int, int]] = ()) -> NormalText:
    """Build the normalised view of a prompt text (see the module docstring)."""
    norm, starts, ends = _placeholders_to_sentinel(text, placeholders)
    if not norm.isascii():
        norm = _CHARS_RE.sub(lambda m: _CHARS[m.group()], norm)
    if "*" in norm or "`" in norm or "~~" in norm:
        norm, starts, ends = _rewrite(norm, starts, ends, _EMPHASIS_RE, _strip_emphasis(norm))
    if "'" in norm or "nnot" in norm.lower():
        norm, starts, ends = _rewrite(norm, starts, ends, _CONTRACTION_RE, _expand_contraction)
    if "nt" in norm:
        norm, starts, ends = _rewrite(norm, starts, ends, _BARE_NOT_RE, _expand_bare_not)
    if not norm.isprintable() or "  " in norm:  # a printable text holds no whitespace but single spaces
        current = norm
        norm, starts, ends = _rewrite(norm, starts, ends, _WS_RE, lambda m: "\n" if _is_break(current, m) else " ")
    # Trim leading / trailing whitespace so sentences and {start} anchors behave.
    lead = len(norm) - len(norm.lstrip())
    trail = len(norm.rstrip())
    if lead or trail < len(norm):
        norm, starts, ends = norm[lead:trail], starts[lead:trail], ends[lead:trail]
    return NormalText(norm, starts, ends)
