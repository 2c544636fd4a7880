"""Map every character of a YAML scalar's value back to its offset in the file.

PyYAML tells us where a scalar node starts and ends, not where each of its
characters came from. Findings must point inside multi-line plain, quoted and
block scalars, so we re-scan the raw source between the node's marks with the
same rules PyYAML's scanner uses (line folding, escapes, chomping,
indentation) and record, for each produced character, the file offset and
the length of the source it stands for.

The scanners are checked against the value PyYAML loaded: when they disagree
(an exotic construct we do not model) we fall back to a greedy alignment, so
positions degrade gracefully instead of being wrong by whole lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from promptlint.diskcache import compile_regex
from promptlint.model import PositionMap

_BREAKS = "\r\n\x85\u2028\u2029"
_ESCAPES = {
    "0": "\0", "a": "\x07", "b": "\x08", "t": "\t", "\t": "\t", "n": "\n", "v": "\x0b", "f": "\x0c",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
    "L": "\u2028", "P": "\u2029",
}
_ESCAPE_CODES = {"x": 2, "u": 4, "U": 8}
_BREAK_RE = compile_regex("[\r\n\x85\u2028\u2029]")


@dataclass(slots=True)
class CharMap:
    """A scalar's value with, per character, its file offset and source length.

    Kept per character (not as runs) so that callers can slice it (SK
    `<message>` tags, Prompty sections) and drop characters (Handlebars
    comments) before turning it into a `PositionMap`.
    """

    chars: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)

    def add(self, text: str, offset: int, source_length: int = 1) -> None:
        for ch in text:
            self.chars.append(ch)
            self.offsets.append(offset)
            self.lengths.append(source_length)

    def add_span(self, source: str, start: int, end: int) -> None:
        """Characters copied verbatim from source[start:end]."""
        self.chars.extend(source[start:end])
        self.offsets.extend(range(start, end))
        self.lengths.extend([1] * (end - start))

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def slice(self, start: int, end: int) -> CharMap:
        return CharMap(self.chars[start:end], self.offsets[start:end], self.lengths[start:end])

    def strip(self, chars: str = " \t\r\n") -> CharMap:
        start, end = 0, len(self.chars)
        while start < end and self.chars[start] in chars:
            start += 1
        while end > start and self.chars[end - 1] in chars:
            end -= 1
        return self.slice(start, end)

    def position_map(self) -> PositionMap:
        """Runs of the model's PositionMap: 1:1 stretches merged, escapes and breaks on their own."""
        runs: list[tuple[int, int, int]] = []
        sources: list[int] = []
        run_start, run_offset, run_length = 0, -2, 0
        for i, (offset, length) in enumerate(zip(self.offsets, self.lengths, strict=True)):
            if length == 1 and run_length and offset == run_offset + run_length and sources[-1] == -1:
                run_length += 1
                continue
            if run_length:
                runs.append((run_start, run_offset, run_length))
                sources[-1] = run_length if sources[-1] == -1 else sources[-1]
            run_start, run_offset, run_length = i, offset, 1
            sources.append(-1 if length == 1 else length)
        if run_length:
            runs.append((run_start, run_offset, run_length))
            sources[-1] = run_length if sources[-1] == -1 else sources[-1]
        return PositionMap(runs, sources)

    @classmethod
    def verbatim(cls, source: str, start: int, end: int) -> CharMap:
        cmap = cls()
        cmap.add_span(source, start, end)
        return cmap


class _Cursor:
    """A read position in the file text with PyYAML's notion of column."""

    __slots__ = ("column", "pos", "src")

    def __init__(self, src: str, pos: int, column: int) -> None:
        self.src, self.pos, self.column = src, pos, column

    def peek(self, k: int = 0) -> str:
        i = self.pos + k
        return self.src[i] if i < len(self.src) else "\0"

    def forward(self, n: int = 1) -> None:
        for _ in range(n):
            ch = self.src[self.pos]
            self.pos += 1
            if ch in _BREAKS and not (ch == "\r" and self.peek() == "\n"):
                self.column = 0
            elif ch != "\ufeff":
                self.column += 1

    def line_break(self) -> tuple[str, int, int]:
        """Consume a line break: (normalised break, offset, source length)."""
        start = self.pos
        ch = self.peek()
        if ch == "\r" and self.peek(1) == "\n":
            self.forward(2)
            return "\n", start, 2
        if ch in "\r\n\x85":
            self.forward()
            return "\n", start, 1
        if ch in "\u2028\u2029":
            self.forward()
            return ch, start, 1
        return "", start, 0


# ---------------------------------------------------------------- plain


def scan_plain(src: str, start: int, end: int, column: int) -> CharMap:
    """A plain scalar: trailing spaces dropped, single breaks folded to spaces."""
    out = CharMap()
    cur = _Cursor(src, start, column)
    while cur.pos < end:
        ch = cur.peek()
        if ch in " \t":
            ws_start = cur.pos
            while cur.pos < end and cur.peek() in " \t":
                cur.forward()
            if cur.pos < end and cur.peek() not in _BREAKS:
                out.add_span(src, ws_start, cur.pos)
        elif ch in _BREAKS:
            _fold_breaks(cur, end, out, flow=True)
        else:
            run = cur.pos
            while cur.pos < end and cur.peek() not in " \t" + _BREAKS:
                cur.pos += 1
                cur.column += 1
            out.add_span(src, run, cur.pos)
    return out


def _fold_breaks(cur: _Cursor, end: int, out: CharMap, *, flow: bool) -> None:
    """A line break plus following blank lines, folded the way YAML folds them."""
    first, off, length = cur.line_break()
    extra: list[tuple[str, int, int]] = []
    while cur.pos < end:
        ch = cur.peek()
        if ch == " " or (flow and ch == "\t"):
            cur.forward()
        elif ch in _BREAKS:
            extra.append(cur.line_break())
        else:
            break
    if first != "\n":
        out.add(first, off, length)
    elif not extra:
        out.add(" ", off, length)
    for text, o, n in extra:
        out.add(text, o, n)


# ---------------------------------------------------------------- quoted


def scan_quoted(src: str, start: int, end: int, column: int) -> CharMap:
    """A single- or double-quoted scalar (the marks include the quotes)."""
    double = src[start] == '"'
    quote = src[start]
    out = CharMap()
    cur = _Cursor(src, start + 1, column + 1)
    limit = max(end - 1, cur.pos)
    while cur.pos < limit:
        ch = cur.peek()
        if ch in " \t":
            ws_start = cur.pos
            while cur.pos < limit and cur.peek() in " \t":
                cur.forward()
            if cur.pos < limit and cur.peek() in _BREAKS:
                _fold_breaks(cur, limit, out, flow=True)
            else:
                out.add_span(src, ws_start, cur.pos)
        elif ch in _BREAKS:
            _fold_breaks(cur, limit, out, flow=True)
        elif not double and ch == "'" and cur.peek(1) == "'":
            out.add("'", cur.pos, 2)
            cur.forward(2)
        elif double and ch == "\\":
            _scan_escape(cur, limit, out)
        elif ch == quote:  # stray closing quote before `end` (should not happen)
            break
        else:
            out.add(ch, cur.pos)
            cur.forward()
    return out


def _scan_escape(cur: _Cursor, limit: int, out: CharMap) -> None:
    esc_start = cur.pos
    code = cur.peek(1)
    if code in _ESCAPES:
        out.add(_ESCAPES[code], esc_start, 2)
        cur.forward(2)
    elif code in _ESCAPE_CODES:
        width = _ESCAPE_CODES[code]
        digits = cur.src[esc_start + 2:esc_start + 2 + width]
        try:
            out.add(chr(int(digits, 16)), esc_start, 2 + width)
        except ValueError:
            out.add("\\", esc_start, 1)
            cur.forward()
            return
        cur.forward(2 + width)
    elif code in _BREAKS:
        cur.forward()  # the backslash
        cur.line_break()
        while cur.pos < limit:  # an escaped break swallows indentation; blank lines stay
            ch = cur.peek()
            if ch in " \t":
                cur.forward()
            elif ch in _BREAKS:
                text, o, n = cur.line_break()
                out.add(text, o, n)
            else:
                break
    else:
        out.add("\\", esc_start, 1)
        cur.forward()


# ---------------------------------------------------------------- block


def scan_block(src: str, start: int, end: int, column: int, parent_indent: int) -> CharMap:
    """A literal `|` or folded `>` block scalar, header included in the marks.

    Mirrors PyYAML's `scan_block_scalar`: `parent_indent` is the column of
    the enclosing block collection (-1 at top level), which an explicit
    indentation indicator is relative to.
    """
    cur = _Cursor(src, start, column)
    folded = cur.peek() == ">"
    cur.forward()
    chomping: bool | None = None
    increment: int | None = None
    for _ in range(2):
        ch = cur.peek()
        if ch in "+-":
            chomping = ch == "+"
            cur.forward()
        elif ch.isdigit() and ch != "0":
            increment = int(ch)
            cur.forward()
    while cur.peek() not in _BREAKS + "\0":  # spaces and an optional comment
        cur.forward()
    cur.line_break()
    min_indent = max(parent_indent + 1, 1)
    if increment is None:
        breaks, indent = _detect_indent(cur, end)
        indent = max(min_indent, indent)
    else:
        indent = min_indent + increment - 1
        breaks = _block_breaks(cur, indent, end)

    out = CharMap()
    line_break: tuple[str, int, int] = ("", 0, 0)
    while cur.column == indent and cur.pos < end and cur.peek() != "\0":
        for item in breaks:
            out.add(*item)
        leading_non_space = cur.peek() not in " \t"
        run = cur.pos
        found = _BREAK_RE.search(src, run)
        cur.pos = found.start() if found else len(src)
        cur.column += cur.pos - run
        out.add_span(src, run, cur.pos)
        line_break = cur.line_break()
        breaks = _block_breaks(cur, indent, end)
        if cur.column == indent and cur.pos < end and cur.peek() != "\0":
            if folded and line_break[0] == "\n" and leading_non_space and cur.peek() not in " \t":
                if not breaks:
                    out.add(" ", line_break[1], line_break[2])
            elif line_break[0]:
                out.add(*line_break)
        else:
            break
    if chomping is not False and line_break[0]:
        out.add(*line_break)
    if chomping is True:
        for item in breaks:
            out.add(*item)
    return out


def _detect_indent(cur: _Cursor, end: int) -> tuple[list[tuple[str, int, int]], int]:
    breaks: list[tuple[str, int, int]] = []
    max_indent = 0
    while cur.pos < end and cur.peek() in " " + _BREAKS:
        if cur.peek() != " ":
            breaks.append(cur.line_break())
        else:
            cur.forward()
            max_indent = max(max_indent, cur.column)
    return breaks, max_indent


def _block_breaks(cur: _Cursor, indent: int, end: int) -> list[tuple[str, int, int]]:
    breaks: list[tuple[str, int, int]] = []
    while cur.column < indent and cur.peek() == " ":
        cur.forward()
    while cur.pos < end and cur.peek() in _BREAKS:
        breaks.append(cur.line_break())
        while cur.column < indent and cur.peek() == " ":
            cur.forward()
    return breaks


# ---------------------------------------------------------------- entry point


def align(value: str, src: str, start: int, end: int) -> CharMap:
    """Fallback: match each value character to the next equal source character."""
    out = CharMap()
    pos = start
    for ch in value:
        found = src.find(ch, pos, end) if ch not in " \n" else -1
        if found == -1 and ch in " \n":
            found = next((i for i in range(pos, end) if src[i] in " \t\r\n"), -1)
        if found == -1:
            out.add(ch, min(pos, max(end - 1, start)))
        else:
            out.add(ch, found)
            pos = found + 1
    return out


def scalar_chars(src: str, node: object, parent_indent: int = -1) -> CharMap:
    """Value and per-character offsets of a PyYAML `ScalarNode`.

    `node` needs `value`, `style`, `start_mark` and `end_mark` (with `index`
    and `column`). The result's text always equals `node.value`.
    """
    value: str = node.value  # type: ignore[attr-defined]
    start: int = node.start_mark.index  # type: ignore[attr-defined]
    end: int = node.end_mark.index  # type: ignore[attr-defined]
    column: int = node.start_mark.column  # type: ignore[attr-defined]
    style = node.style  # type: ignore[attr-defined]
    try:
        if style in ("|", ">"):
            cmap = scan_block(src, start, end, column, parent_indent)
            if cmap.text != value:  # unusual indentation context: try the others
                for guess in range(-1, column + 1):
                    cmap = scan_block(src, start, end, column, guess)
                    if cmap.text == value:
                        break
        elif style in ("'", '"'):
            cmap = scan_quoted(src, start, end, column)
        else:
            cmap = scan_plain(src, start, end, column)
    except (IndexError, ValueError):
        cmap = CharMap()
    if cmap.text != value:
        cmap = align(value, src, start, end)
    return cmap
