"""Scanning Python string literals ourselves, so every character keeps its file offset.

`ast` gives a string's value but not where each character came from (and
Python 3.11 reports wrong positions for f-string parts), so we re-read the
literal's source: prefixes, quotes, escapes, implicit concatenation, f-string
replacement fields (copied verbatim as visible `{expression}` placeholders).
The result is a `Frag`: text plus, per character, its file offset and the
length of the source it came from (1 for a verbatim character, more for an
escape such as ``\\n``). Transformations (`dedent`, `cleandoc`, `strip`) only
drop characters, so positions survive them exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from promptlint.diskcache import compile_regex
from promptlint.model import PositionMap

_SIMPLE_ESCAPES = {
    "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f",
    "n": "\n", "r": "\r", "t": "\t", "v": "\v",
}
_OCTAL = frozenset("01234567")
_HEX = frozenset("0123456789abcdefABCDEF")
_PREFIX_CHARS = frozenset("rRuUfFbB")


@dataclass(slots=True)
class Frag:
    """Prompt text under construction, with per-character provenance."""

    text: str = ""
    offs: list[int] = field(default_factory=list)  # file offset of each character
    slens: list[int] = field(default_factory=list)  # source length of each character's unit
    holes: list[tuple[int, int]] = field(default_factory=list)  # placeholder spans of `text`

    def append(self, other: Frag) -> None:
        shift = len(self.text)
        self.text += other.text
        self.offs.extend(other.offs)
        self.slens.extend(other.slens)
        self.holes.extend((a + shift, b + shift) for a, b in other.holes)

    def add_verbatim(self, src: str, start: int, end: int, hole: bool = False) -> None:
        """Copy src[start:end] unchanged (CRLF / CR become one newline, as Python reads them)."""
        if start >= end:
            return
        chunk = src[start:end]
        first = len(self.text)
        if "\r" not in chunk:
            self.text += chunk
            self.offs.extend(range(start, end))
            self.slens.extend([1] * (end - start))
        else:
            i = start
            while i < end:
                ch = src[i]
                if ch == "\r":
                    n = 2 if i + 1 < end and src[i + 1] == "\n" else 1
                    self.add_unit("\n", i, n)
                    i += n
                else:
                    self.add_unit(ch, i, 1)
                    i += 1
        if hole:
            self.holes.append((first, len(self.text)))

    def add_unit(self, ch: str, offset: int, source_length: int) -> None:
        self.text += ch
        self.offs.append(offset)
        self.slens.append(source_length)

    def add_synthetic(self, text: str, offset: int, source_length: int) -> None:
        """A placeholder standing for source that is not a string (`"a" + name` -> `{name}`)."""
        first = len(self.text)
        last = offset + max(source_length - 1, 0)
        for k, ch in enumerate(text):
            self.add_unit(ch, offset if k == 0 else min(offset + k - 1, last), 1)
        self.holes.append((first, len(self.text)))

    def keep(self, mask: list[bool]) -> Frag:
        """A new Frag with only the characters whose mask entry is True."""
        if all(mask):
            return self
        index = [-1] * (len(mask) + 1)
        text, offs, slens = [], [], []
        n = 0
        for i, keep in enumerate(mask):
            index[i] = n
            if keep:
                text.append(self.text[i])
                offs.append(self.offs[i])
                slens.append(self.slens[i])
                n += 1
        index[len(mask)] = n
        holes = [(index[a], index[b]) for a, b in self.holes if index[b] > index[a]]
        return Frag("".join(text), offs, slens, holes)

    def position_map(self) -> PositionMap:
        """The runs `PositionMap.add` would make of one unit at a time, in one pass (a 20k-message file
        has a million characters): a unit whose source is not one character is a run of its own."""
        pm = PositionMap()
        runs, lengths = pm.runs, pm.source_lengths
        offs, slens = self.offs, self.slens
        n = len(offs)
        if n and slens.count(1) == n and offs == list(range(offs[0], offs[0] + n)):
            runs.append((0, offs[0], n))  # a literal written as it reads (most messages): one run, found in C
            lengths.append(n)
            return pm
        i = 0
        while i < n:
            if slens[i] != 1:
                runs.append((i, offs[i], 1))
                lengths.append(slens[i])
                i += 1
                continue
            j = i + 1
            step = offs[i] - i  # file offset minus text index, constant along a 1:1 run
            while j < n and slens[j] == 1 and offs[j] - j == step:
                j += 1
            runs.append((i, offs[i], j - i))
            lengths.append(j - i)
            i = j
        return pm


# --------------------------------------------------------------------------- scanning


def scan_literals(src: str, start: int, end: int) -> Frag | None:
    """Scan the (implicitly concatenated) string literals in src[start:end].

    Returns None for bytes literals or anything that is not a string literal.
    """
    frag = Frag()
    i = start
    found = False
    while i < end:
        ch = src[i]
        if ch in " \t\f\r\n":
            i += 1
            continue
        if ch == "\\":  # line continuation between pieces
            i += 1
            continue
        if ch == "#":
            nl = src.find("\n", i, end)
            i = end if nl == -1 else nl + 1
            continue
        j = i
        while j < end and src[j] in _PREFIX_CHARS:
            j += 1
        if j >= end or src[j] not in "'\"" or j - i > 2:
            return None
        prefix = src[i:j].lower()
        if "b" in prefix:
            return None
        i = _scan_one(src, j, "r" in prefix, "f" in prefix, frag)
        found = True
    return frag if found else None


def _scan_one(src: str, q: int, raw: bool, fmode: bool, frag: Frag) -> int:
    """Scan one literal whose opening quote is at q; returns the index after it."""
    quote = src[q] * 3 if src.startswith(src[q] * 3, q) else src[q]
    i = q + len(quote)
    n = len(src)
    while i < n:
        if src.startswith(quote, i):
            return i + len(quote)
        ch = src[i]
        if ch == "\\":
            i = _escape(src, i, raw, frag, fmode)
        elif fmode and ch == "{":
            if src.startswith("{{", i):
                frag.add_unit("{", i, 2)
                i += 2
            else:
                j = skip_field(src, i)
                frag.add_verbatim(src, i, j, hole=True)
                i = j
        elif fmode and ch == "}" and src.startswith("}}", i):
            frag.add_unit("}", i, 2)
            i += 2
        else:
            j = i + 1
            stop = "\\{}" + quote[0] if fmode else "\\" + quote[0]
            while j < n and src[j] not in stop:
                j += 1
            frag.add_verbatim(src, i, j)
            i = j
    return n


def _escape(src: str, i: int, raw: bool, frag: Frag, fmode: bool = False) -> int:
    """Decode the escape at src[i] == '\\\\'; returns the index after it."""
    nxt = src[i + 1] if i + 1 < len(src) else ""
    if raw:  # the backslash stays, and protects the next character from ending the string
        if fmode and nxt and nxt in "{}":
            frag.add_unit("\\", i, 1)
            return i + 1
        frag.add_verbatim(src, i, min(i + 2, len(src)))
        return i + 2
    if nxt == "\n":
        return i + 2
    if nxt == "\r":
        return i + 3 if src.startswith("\n", i + 2) else i + 2
    if nxt in _SIMPLE_ESCAPES:
        frag.add_unit(_SIMPLE_ESCAPES[nxt], i, 2)
        return i + 2
    if nxt in _OCTAL:
        j = i + 1
        while j < i + 4 and j < len(src) and src[j] in _OCTAL:
            j += 1
        frag.add_unit(chr(int(src[i + 1 : j], 8)), i, j - i)
        return j
    width = {"x": 2, "u": 4, "U": 8}.get(nxt)
    if width:
        digits = src[i + 2 : i + 2 + width]
        if len(digits) == width and all(c in _HEX for c in digits):
            frag.add_unit(chr(int(digits, 16)), i, width + 2)
            return i + 2 + width
    if nxt == "N" and src.startswith("{", i + 2):
        close = src.find("}", i + 3)
        if close != -1:
            import unicodedata  # only for the rare \N{...}

            try:
                frag.add_unit(unicodedata.lookup(src[i + 3 : close]), i, close + 1 - i)
                return close + 1
            except KeyError:
                pass
    frag.add_unit("\\", i, 1)  # unknown escape: the backslash is kept
    return i + 1


def skip_field(src: str, i: int) -> int:
    """Index just past the f-string replacement field opening at src[i] == '{'.

    Handles nested brackets, nested strings (any quote, as Python 3.12 allows),
    format specs with nested fields, and comments in multi-line fields.
    """
    n = len(src)
    depth = 0
    j = i + 1
    while j < n:
        ch = src[j]
        if ch in "'\"":
            j = skip_string(src, j)
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "}":
            if depth == 0:
                return j + 1
            depth -= 1
        elif ch == "#":
            nl = src.find("\n", j)
            j = n if nl == -1 else nl
            continue
        elif ch == ":" and depth == 0 and not src.startswith(":=", j):
            return _skip_spec(src, j + 1)
        j += 1
    return n


def _skip_spec(src: str, j: int) -> int:
    n = len(src)
    while j < n:
        ch = src[j]
        if ch == "{":
            j = skip_field(src, j)
            continue
        if ch == "}":
            return j + 1
        j += 1
    return n


def skip_string(src: str, q: int) -> int:
    """Index just past the string literal whose opening quote is at q (prefix letters before q)."""
    k = q
    while k > 0 and src[k - 1] in _PREFIX_CHARS:
        k -= 1
    prefix = src[k:q].lower()
    fmode = "f" in prefix
    quote = src[q] * 3 if src.startswith(src[q] * 3, q) else src[q]
    i = q + len(quote)
    n = len(src)
    while i < n:
        if src.startswith(quote, i):
            return i + len(quote)
        ch = src[i]
        if ch == "\\":
            i += 2
        elif fmode and ch == "{":
            i = i + 2 if src.startswith("{{", i) else skip_field(src, i)
        elif len(quote) == 1 and ch == "\n":
            return i
        else:
            i += 1
    return n


# --------------------------------------------------------------------------- transformations

_WS_ONLY_LINE = compile_regex(r"^[ \t]+$", re.MULTILINE)
_LEADING_WS = compile_regex(r"(^[ \t]*)(?:[^ \t\n])", re.MULTILINE)


def dedent(frag: Frag) -> Frag:
    """`textwrap.dedent`, dropping characters instead of rebuilding the string."""
    mask = [True] * len(frag.text)
    for m in _WS_ONLY_LINE.finditer(frag.text):
        mask[m.start() : m.end()] = [False] * (m.end() - m.start())
    text = frag.keep(mask)
    margin: str | None = None
    for indent in _LEADING_WS.findall(text.text):
        if margin is None:
            margin = indent
        elif indent.startswith(margin):
            pass
        elif margin.startswith(indent):
            margin = indent
        else:
            k = 0
            while k < min(len(margin), len(indent)) and margin[k] == indent[k]:
                k += 1
            margin = margin[:k]
    if not margin:
        return text
    mask = [True] * len(text.text)
    for m in re.finditer("(?m)^" + re.escape(margin), text.text):
        mask[m.start() : m.end()] = [False] * (m.end() - m.start())
    return text.keep(mask)


def cleandoc(frag: Frag) -> Frag:
    """`inspect.cleandoc` (tabs are not expanded: positions must stay 1:1)."""
    text = frag.text
    lines: list[tuple[int, int]] = []  # (start, end) of each line in text
    start = 0
    for k, ch in enumerate(text):
        if ch == "\n":
            lines.append((start, k))
            start = k + 1
    lines.append((start, len(text)))
    margin = None
    for a, b in lines[1:]:
        content = len(text[a:b].lstrip())
        if content:
            indent = (b - a) - content
            margin = indent if margin is None else min(margin, indent)
    keep = [True] * len(text)
    kept: list[tuple[int, int]] = []
    for idx, (a, b) in enumerate(lines):
        cut = a + ((b - a) - len(text[a:b].lstrip())) if idx == 0 else min(a + (margin or 0), b)
        keep[a:cut] = [False] * (cut - a)
        kept.append((cut, b))
    # drop leading and trailing empty lines (with their newlines)
    first, last = 0, len(kept) - 1
    while first <= last and kept[first][0] == kept[first][1]:
        first += 1
    while last >= first and kept[last][0] == kept[last][1]:
        last -= 1
    if first > last:
        return frag.keep([False] * len(text))
    lo, hi = kept[first][0], kept[last][1]
    keep[:lo] = [False] * lo
    keep[hi:] = [False] * (len(text) - hi)
    return frag.keep(keep)


def strip(frag: Frag, chars: str | None = None, left: bool = True, right: bool = True) -> Frag:
    """`str.strip` / `lstrip` / `rstrip`."""
    text = frag.text
    a, b = 0, len(text)
    if left:
        a = len(text) - len(text.lstrip(chars))
    if right:
        b = len(text.rstrip(chars))
    if a >= b:
        return frag.keep([False] * len(text))
    return frag.keep([a <= k < b for k in range(len(text))])


_PERCENT_RE = compile_regex(r"%(?:\([^()\n]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")


def percent_placeholders(text: str) -> list[tuple[int, int]]:
    """`%s` / `%(name)s` fields of a `%`-formatted template (`%%` is a literal percent)."""
    spans = []
    i = 0
    while True:
        i = text.find("%", i)
        if i == -1:
            return spans
        if text.startswith("%%", i):
            i += 2
            continue
        m = _PERCENT_RE.match(text, i)
        if m:
            spans.append(m.span())
            i = m.end()
        else:
            i += 1
