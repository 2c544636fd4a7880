"""Columns as LSP counts them.

promptlint counts columns in code points; LSP positions count UTF-16 code
units unless client and server agreed on UTF-8 or UTF-32 at initialisation.
A character outside the Basic Multilingual Plane (most emoji, some CJK) is
one code point but two UTF-16 units, so prompts with such text need the
conversion for underlines and edits to land on the right characters.
"""

from __future__ import annotations

from promptlint.model import SourceFile

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def units(text: str, encoding: str = UTF16) -> int:
    """Length of `text` in the code units of `encoding`."""
    if encoding == UTF32:
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def code_points(line: str, count: int, encoding: str = UTF16) -> int:
    """How many code points of `line` the first `count` code units cover (clamped to the line)."""
    if encoding == UTF32:
        return min(max(count, 0), len(line))
    seen = 0
    for index, ch in enumerate(line):
        if seen >= count:
            return index
        seen += units(ch, encoding)
    return len(line)


def _line_body(source: SourceFile, line: int) -> str:
    """Text of a 1-based line without its line break (and without a trailing CR)."""
    starts = source.line_starts
    start = starts[line - 1]
    end = starts[line] - 1 if line < len(starts) else len(source.text)
    return source.text[start:end]


def offset_to_position(source: SourceFile, offset: int, encoding: str = UTF16) -> tuple[int, int]:
    """0-based (line, character) of a file offset, the character in code units of `encoding`."""
    offset = min(max(offset, 0), len(source.text))
    line, column = source.position(offset)
    return line - 1, units(_line_body(source, line)[: column - 1], encoding)


def position_to_offset(source: SourceFile, line: int, character: int, encoding: str = UTF16) -> int:
    """File offset of a 0-based LSP (line, character); past-the-end positions clamp to the line's end."""
    starts = source.line_starts
    if line >= len(starts):
        return len(source.text)
    body = _line_body(source, line + 1)
    return starts[line] + code_points(body, character, encoding)


def line_column_to_position(source: SourceFile, line: int, column: int, encoding: str = UTF16) -> tuple[int, int]:
    """0-based LSP position of a 1-based (line, column in code points), clamped to the text."""
    starts = source.line_starts
    if line < 1:
        return 0, 0
    if line > len(starts):
        return offset_to_position(source, len(source.text), encoding)
    body = _line_body(source, line)
    return line - 1, units(body[: max(column - 1, 0)], encoding)
