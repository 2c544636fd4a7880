"""TOML prompt files: prompts kept as strings under prompt-named keys (pr-agent's `settings/*_prompts.toml`).

`tomllib` decides validity (its message and line become PL000); the key scanner of `promptlint.toml_lines`
then walks the same text, and every string value is decoded here with, per character, its file offset
(escapes such as `\\n` and `\\u00e9` map to their source; a line-ending backslash folds the lines it joins).
Which strings are prompts:

- a value under a prompt-named key (`system`, `system_prompt`, `instructions`, `*_prompt`, `*_template`, ...
  as in YAML files), in the key's role;
- `system` / `user` / `human` / `assistant` keys of a table named for a prompt (`[pr_review_prompt]`), in that
  role;
- the `content` of a chat message written as a table with its `role` (`[[messages]]`), in that role;

and only when it reads as prose (several words, or words with placeholders): a `prompt = "auto"` setting is
not a prompt. Jinja and brace placeholders in the text are masked as in the other template formats.
"""

from __future__ import annotations

import tomllib
from typing import Any

from promptlint.diskcache import compile_regex
from promptlint.extractors.tmpl_common import ROLE_NAMES, build_prompt, line_start
from promptlint.extractors.yaml import key_role, looks_like_prompt
from promptlint.extractors.yaml_scalars import CharMap
from promptlint.model import Extraction, ParseProblem, Role, SourceFile
from promptlint.toml_lines import _Scanner

FMT = "toml"
_AT_LINE = compile_regex(r"\(at line (\d+), column (\d+)\)")
_PROMPT_TABLE = compile_regex(r"(?i)prompt|template|instruction")


class _Strings(_Scanner):
    """The key scanner (which keeps every comment's span), keeping every string value decoded, with positions."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.found: list[tuple[tuple[str, ...], CharMap, int]] = []  # (key path, chars, offset of the key line)
        self._key_at = 0

    def key(self) -> tuple[str, ...]:
        self._key_at = self.i
        return super().key()

    def value(self, path: tuple[str, ...]) -> None:
        self.skip_space()
        if self.peek() in ('"', "'"):
            at = self._key_at
            self.found.append((path, self.string_chars(), at))
            return
        super().value(path)

    def string_chars(self) -> CharMap:
        """The string at the cursor, decoded, each character mapped to its source."""
        return CharMap(*self.string_units())


def _role(path: tuple[str, ...]) -> Role | None:
    if not path:
        return None
    role = key_role(path[-1])
    if role is not None:
        return role
    last = path[-1].lower()
    if last in ("system", "user", "human", "assistant") and len(path) > 1 and _PROMPT_TABLE.search(path[-2]):
        return ROLE_NAMES[last]  # `[pr_review_prompt]` with `system = """..."""` and `user = """..."""`
    return None


class _Turns:
    """The roles of chat messages written as tables (`[[messages]]` with `role = "system"` and `content = "..."`,
    or `messages = [{role = "user", content = "..."}]`): the k-th `content` string under a path, as the scanner
    meets them, is the k-th message of the parsed list there that has one."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.seen: dict[tuple[str, ...], int] = {}

    def role(self, parent: tuple[str, ...]) -> Role | None:
        k = self.seen.get(parent, 0)
        self.seen[parent] = k + 1
        node: Any = self.data
        for part in parent:
            node = node.get(part) if isinstance(node, dict) else None
        entries = node if isinstance(node, list) else [node]
        turns = [e for e in entries if isinstance(e, dict) and isinstance(e.get("content"), str)]
        if k >= len(turns) or not isinstance(turns[k].get("role"), str):
            return None
        return ROLE_NAMES.get(turns[k]["role"].lower())


def extract(source: SourceFile) -> Extraction:
    text = source.text
    out = Extraction(source=source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _AT_LINE.search(message)
        line, col = (int(where.group(1)), int(where.group(2))) if where else (1, 1)
        out.problem = ParseProblem(f"invalid TOML: {_AT_LINE.sub('', message).strip()}", line, col)
        return out
    scanner = _Strings(text)
    try:
        scanner.document()
    except (IndexError, ValueError):  # a scanner bug: no prompts rather than wrong ones
        return out
    turns = _Turns(data)
    for path, cmap, key_at in scanner.found:
        role = _role(path) if path[-1] != "content" else turns.role(path[:-1])
        if role is None or not looks_like_prompt(cmap.text) or not cmap.chars:
            continue
        start = line_start(text, key_at)
        end = cmap.offsets[-1] + cmap.lengths[-1]
        out.prompts.append(build_prompt(cmap, source, role=role, fmt=FMT, name=".".join(path),
                                        statement_span=(start, end)))
    return out


def comments(text: str) -> list[tuple[int, int]]:
    """Spans of the real comments of a TOML text (not `#` inside strings); empty if the scanner fails."""
    scanner = _Strings(text)
    try:
        scanner.document()
    except (IndexError, ValueError):
        return []
    return scanner.comments
