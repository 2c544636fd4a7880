"""Keeping a fixed file's layout: line width for inserted text, no empty pieces left in concatenations.

Two jobs, both about how the file looks once a fix's text is spelled in (`encode` spells it,
`verify` proves it):

* Width. An inserted sentence must not make a line far longer than the file's style. The width is
  the project's configured line length (`[tool.ruff] line-length`, `[tool.black] line-length`,
  found walking up from the file), else the longest line of the file (kept between 79 and 120).
  In a multi-line string (a triple-quoted Python string, a YAML literal block) the inserted text is
  wrapped at spaces to the width of the string's own lines: its spaces become line breaks, which a
  prompt reads the same way. In a one-line Python string inside brackets, the new text is split
  into further pieces of an implicit concatenation, so the prompt text is exactly the same.
* Empty pieces. A removed sentence that was a whole piece of an implicit concatenation
  (`("Be brief. " "Never refuse. " "Answer in English.")`) takes its piece with it, quotes and the
  white space before it, instead of leaving `""`; a concatenation that loses every piece keeps one `""`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from promptlint.model import Edit, SourceFile

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.fix.encode import Container, Containers

MIN_WIDTH, MAX_WIDTH = 79, 120
_GAP_RE = re.compile(r"(?:[ \t\r\n]|\\\r?\n)*")


# --- width ---------------------------------------------------------------------------------------------


def configured_width(path: Path | None) -> int | None:
    """`line-length` of `[tool.ruff]` (or `[tool.ruff.format]`) or `[tool.black]` in the nearest pyproject.toml,
    or of a `ruff.toml` / `.ruff.toml` next to it."""
    if path is None:
        return None
    import tomllib

    folder = Path(os.path.abspath(path)).parent
    for directory in (folder, *folder.parents):
        for name, table in (("ruff.toml", ()), (".ruff.toml", ()), ("pyproject.toml", ("tool", "ruff")),
                            ("pyproject.toml", ("tool", "black"))):  # fmt: skip
            file = directory / name
            if not file.is_file():
                continue
            try:
                data = tomllib.loads(file.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            for key in table:
                data = data.get(key, {}) if isinstance(data, dict) else {}
            value = data.get("line-length") if isinstance(data, dict) else None
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
        if (directory / ".git").exists():
            break
    return None


def file_width(source: SourceFile) -> int:
    """The file's own style: its longest line, kept between 79 and 120."""
    longest = max((len(line) for line in source.text.splitlines()), default=0)
    return min(max(longest, MIN_WIDTH), MAX_WIDTH)


def _line_bounds(text: str, offset: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    end = len(text) if end == -1 else end
    if end > start and text[end - 1] == "\r":
        end -= 1
    return start, end


def block_width(source: SourceFile, container: Container) -> int | None:
    """The width of a multi-line string's own lines (None when it holds one line)."""
    text = source.text
    if "\n" not in text[container.start : container.end]:
        return None
    lines = text[_line_bounds(text, container.start)[0] : _line_bounds(text, container.end)[1]].splitlines()
    return max((len(line.rstrip()) for line in lines), default=0) or None


def wrap_text(content: str, first_column: int, margin: int, width: int) -> str:
    """`content` with spaces turned into line breaks so no line passes `width`: its first line starts at
    `first_column`, later lines after `margin` columns of indentation (added when spelled)."""
    out: list[str] = []
    for index, line in enumerate(content.split("\n")):
        column = first_column if index == 0 else margin
        if column + len(line) <= width or " " not in line.strip():
            out.append(line)
            continue
        words = line.split(" ")
        current = words[0]
        for word in words[1:]:
            if current and column + len(current) + 1 + len(word) > width:
                out.append(current)
                current, column = word, margin
            else:
                current += " " + word
        out.append(current)
    return "\n".join(out)


def split_piece(spelled: str, container: Container, source: SourceFile, pos: int, width: int) -> str:
    """Text spelled for a one-line Python string inside brackets, split into concatenation pieces so the
    line holding `pos` stays within `width`; the pieces open and close with the string's own prefix and
    quote, each on its own line aligned under the string."""
    text = source.text
    start, end = _line_bounds(text, pos)
    if (end - start) + len(spelled) <= width or " " not in spelled:
        return spelled
    token_line_start = _line_bounds(text, container.token_start)[0]
    indent = " " * (container.token_start - token_line_start)
    quote, prefix = container.quote, container.prefix
    opener, closer = indent + prefix + quote, quote
    # what must fit on each line: the first line keeps the text before pos; the last the text after it
    room_first = width - (pos - start) - len(closer)
    room = width - len(opener) - len(closer)
    tail = end - pos
    chunks: list[str] = []
    current = ""
    for word in re.findall(r"[^ ]*(?: |$)", spelled):
        if not word:
            continue
        limit = room_first if not chunks else room
        if current and len(current) + len(word) > limit:
            chunks.append(current)
            current = word
        else:
            current += word
    if current:
        chunks.append(current)
    if len(chunks) > 1 and len(opener) + len(chunks[-1]) + tail > width and chunks[-1].endswith(" "):
        chunks.append("")  # the text after pos goes on a line of its own
    if len(chunks) < 2:
        return spelled
    nl = "\r\n" if text[end : end + 2] == "\r\n" else "\n"
    return (closer + nl + opener).join(chunks)


# --- empty concatenation pieces ---------------------------------------------------------------------


def drop_emptied_pieces(source: SourceFile, containers: Containers, edits: list[Edit]) -> list[Edit]:
    """`edits`, where a Python concatenation piece they leave empty is removed with the white space before
    it (or after it, for the first piece), its content edits folded into one edit over the group."""
    text = source.text
    pieces = [c for c in containers.items if c.style == "python" and c.token_end > c.token_start]
    if not pieces or not edits:
        return edits
    groups: list[list[Container]] = []
    for piece in pieces:
        if groups and groups[-1][-1].in_brackets and piece.in_brackets and \
                _GAP_RE.fullmatch(text, groups[-1][-1].token_end, piece.token_start):
            groups[-1].append(piece)
        else:
            groups.append([piece])
    out = list(edits)
    for group in groups:
        if len(group) < 2:
            continue
        inside = [e for e in out if group[0].token_start <= e.start and e.end <= group[-1].token_end]
        emptied = [c for c in group if c.end > c.start and _new_length(c, inside) == 0]
        if not emptied:
            continue
        kept = [c for c in group if c not in emptied]
        if not kept:
            kept, emptied = [group[0]], group[1:]
        parts: list[str] = []
        for index, piece in enumerate(group):
            if piece in emptied:
                continue
            if parts:  # the gap before a kept piece: from the piece before it in the group
                parts.append(text[group[index - 1].token_end : piece.token_start])
            parts.append(_apply(text, piece.token_start, piece.token_end, inside))
        replacement = Edit(group[0].token_start, group[-1].token_end, "".join(parts))
        out = [e for e in out if e not in inside] + [replacement]
    return sorted(out, key=lambda e: (e.start, e.end))


def _new_length(container: Container, edits: list[Edit]) -> int:
    length = container.end - container.start
    for e in edits:
        if container.start <= e.start and e.end <= container.end:
            length += len(e.content) - (e.end - e.start)
    return length


def _apply(text: str, start: int, end: int, edits: list[Edit]) -> str:
    out, pos = [], start
    for e in sorted((e for e in edits if start <= e.start and e.end <= end), key=lambda e: (e.start, e.end)):
        out.append(text[pos : e.start])
        out.append(e.content)
        pos = e.end
    out.append(text[pos:end])
    return "".join(out)
