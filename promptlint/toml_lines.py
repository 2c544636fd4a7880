"""Where keys are defined in a TOML text: 1-based line numbers by dotted key path.

`tomllib` gives values, not positions, so a config error could name its file
but not its line. This scanner reads the same text once and maps every table
header (`[tool.promptlint.llm]`), key (`select = …`, dotted `llm.model = …`)
and key of an inline table (`per-file-ignores = { "tests/**" = […] }`) to the
line where it is written. It only runs when an error is reported, on text
that `tomllib` already accepted, so it can assume valid TOML.
"""

from __future__ import annotations

import re

_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+")
_BASIC_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\", "e": "\x1b"}


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.line = 1
        self.lines: dict[tuple[str, ...], int] = {}
        self.comments: list[tuple[int, int]] = []  # (start, end) of each comment, `\r` of a CRLF left out

    # -- characters -------------------------------------------------------------------------

    def peek(self, n: int = 1) -> str:
        return self.text[self.i : self.i + n]

    def advance(self, n: int = 1) -> None:
        chunk = self.text[self.i : self.i + n]
        self.line += chunk.count("\n")
        self.i += n

    def skip_space(self, newlines: bool = False) -> None:
        while self.i < len(self.text):
            ch = self.text[self.i]
            if ch in " \t" or (newlines and ch in "\r\n"):
                self.advance()
            elif ch == "#":
                end = self.text.find("\n", self.i)
                end = len(self.text) if end == -1 else end
                self.comments.append((self.i, end - (1 if self.text[end - 1 : end] == "\r" else 0)))
                self.advance(end - self.i)
            else:
                return

    def skip_line(self) -> None:
        end = self.text.find("\n", self.i)
        self.advance((len(self.text) if end == -1 else end + 1) - self.i)

    # -- keys and values ----------------------------------------------------------------------

    def string(self) -> str:
        """A string at the cursor (any of the four kinds), decoded."""
        return "".join(self.string_units()[0])

    def string_units(self) -> tuple[list[str], list[int], list[int]]:
        """The string at the cursor (any of the four kinds), decoded: its characters, each with the offset and the
        length of its source (`\\n` is one character of two; a line-ending backslash folds the lines it joins;
        the newline right after a multi-line opening is trimmed)."""
        text = self.text
        chars: list[str] = []
        offsets: list[int] = []
        lengths: list[int] = []

        def add(ch: str, at: int, length: int = 1) -> None:
            chars.append(ch)
            offsets.append(at)
            lengths.append(length)

        quote = self.peek(3) if self.peek(3) in ('"""', "'''") else self.peek()
        basic, multi = quote[0] == '"', len(quote) == 3
        self.advance(len(quote))
        if multi and text.startswith("\r\n", self.i):
            self.advance(2)
        elif multi and self.peek() == "\n":
            self.advance()
        while self.i < len(text):
            ch = text[self.i]
            if multi and text.startswith(quote, self.i):
                run = 3
                while run < 5 and text[self.i + run : self.i + run + 1] == quote[0]:
                    run += 1
                for k in range(run - 3):  # `""""` closes with one quote of content before it
                    add(quote[0], self.i + k)
                self.advance(run)
                break
            if not multi and ch in (quote, "\n"):
                self.advance()
                break
            if basic and ch == "\\":
                nxt = text[self.i + 1 : self.i + 2]
                if multi and nxt in (" ", "\t", "\r", "\n"):  # a line-ending backslash: fold the whitespace
                    j = self.i + 1
                    while j < len(text) and text[j] in " \t\r\n":
                        j += 1
                    self.advance(j - self.i)
                elif nxt in ("u", "U"):
                    width = 4 if nxt == "u" else 8
                    add(chr(int(text[self.i + 2 : self.i + 2 + width], 16)), self.i, 2 + width)
                    self.advance(2 + width)
                else:
                    add(_BASIC_ESCAPES.get(nxt, nxt), self.i, 2)
                    self.advance(2)
                continue
            if ch == "\r" and text[self.i + 1 : self.i + 2] == "\n":
                add("\n", self.i, 2)
                self.advance(2)
                continue
            add(ch, self.i)
            self.advance()
        return chars, offsets, lengths

    def key(self) -> tuple[str, ...]:
        parts: list[str] = []
        while True:
            self.skip_space()
            if self.peek() in ('"', "'"):
                parts.append(self.string())
            else:
                match = _BARE_KEY_RE.match(self.text, self.i)
                if not match:
                    return tuple(parts)
                parts.append(match.group())
                self.advance(match.end() - self.i)
            self.skip_space()
            if self.peek() != ".":
                return tuple(parts)
            self.advance()

    def value(self, path: tuple[str, ...]) -> None:
        """Skip one value, recording the keys of inline tables under `path`."""
        self.skip_space()
        ch = self.peek()
        if ch in ('"', "'"):
            self.string()
        elif ch == "[":
            self.advance()
            while self.i < len(self.text):
                self.skip_space(newlines=True)
                if self.peek() == "]":
                    self.advance()
                    return
                if self.peek() == ",":
                    self.advance()
                    continue
                self.value(path)
        elif ch == "{":
            self.advance()
            while self.i < len(self.text):
                self.skip_space(newlines=True)
                if self.peek() == "}":
                    self.advance()
                    return
                if self.peek() == ",":
                    self.advance()
                    continue
                line = self.line
                key = path + self.key()
                self.lines.setdefault(key, line)
                self.skip_space()
                if self.peek() == "=":
                    self.advance()
                self.value(key)
        else:
            while self.i < len(self.text) and self.peek() not in ",]}\n#":
                self.advance()

    # -- document -------------------------------------------------------------------------------

    def document(self) -> dict[tuple[str, ...], int]:
        table: tuple[str, ...] = ()
        while self.i < len(self.text):
            self.skip_space(newlines=True)
            if self.i >= len(self.text):
                break
            line = self.line
            if self.peek() == "[":
                array = self.peek(2) == "[["
                self.advance(2 if array else 1)
                table = self.key()
                self.lines.setdefault(table, line)
                self.skip_line()
                continue
            key = self.key()
            if not key:  # not TOML we understand: go on with the next line
                self.skip_line()
                continue
            full = table + key
            self.lines.setdefault(full, line)
            for n in range(len(table) + 1, len(full)):  # `llm.model = …` also defines `llm`
                self.lines.setdefault(full[:n], line)
            self.skip_space()
            if self.peek() == "=":
                self.advance()
            self.value(full)
        return self.lines


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Every table and key of a TOML text, by path, with the 1-based line that defines it first."""
    try:
        return _Scanner(text).document()
    except (IndexError, ValueError):  # a scanner bug must never hide the error being reported
        return {}


def line_of(lines: dict[tuple[str, ...], int], path: tuple[str, ...]) -> int | None:
    """The line of `path`, else of its nearest defined parent (a table header), else None."""
    for n in range(len(path), 0, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return None
