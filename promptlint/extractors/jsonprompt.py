"""JSON prompt files: prompt maps (`{"system": "...", "slices": {"task": "..."}}`) and message arrays.

`json.loads` decides validity (its message and line become PL000); a small scanner of our own then
walks the same text to keep, for every character of every string, its file offset (escapes such as
`\\n` and `\\u00e9` map to their source). Which strings are prompts:

- in a message array (`[{"role": "system", "content": "..."}]`), each content, in its role;
- a value under a prompt-named key (`system`, `prompt`, `instructions`, `*_template`, ...), in the key's
  role;
- any other string value that reads as prose (several words, or words with placeholders): a prompt
  file is one code loads as prompts, so its texts are prompts (role `template`).
"""

from __future__ import annotations

import json
from typing import Any

from promptlint.extractors.placeholders import find_placeholders
from promptlint.extractors.tmpl_common import ROLE_NAMES, build_prompt
from promptlint.extractors.yaml_scalars import CharMap
from promptlint.model import Extraction, ParseProblem, Role, SourceFile

FMT = "json"
_ESC = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class _Str:
    __slots__ = ("cmap", "end", "start")

    def __init__(self, cmap: CharMap, start: int, end: int) -> None:
        self.cmap, self.start, self.end = cmap, start, end


class _Scanner:
    """Values of a JSON text already known to be valid: dicts as lists of (key, value), strings as `_Str`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def ws(self) -> None:
        text, i = self.text, self.i
        while i < len(text) and text[i] in " \t\r\n\ufeff":
            i += 1
        self.i = i

    def value(self, depth: int = 0) -> Any:
        self.ws()
        ch = self.text[self.i]
        if ch == "{":
            return self.obj(depth)
        if ch == "[":
            return self.arr(depth)
        if ch == '"':
            return self.string()
        j = self.i
        while j < len(self.text) and self.text[j] not in ",]} \t\r\n":
            j += 1
        self.i = j
        return None

    def obj(self, depth: int) -> list[tuple[_Str, Any]]:
        self.i += 1
        pairs: list[tuple[_Str, Any]] = []
        self.ws()
        if self.text[self.i] == "}":
            self.i += 1
            return pairs
        while True:
            self.ws()
            key = self.string()
            self.ws()
            self.i += 1  # ':'
            pairs.append((key, self.value(depth + 1)))
            self.ws()
            ch = self.text[self.i]
            self.i += 1
            if ch == "}":
                return pairs

    def arr(self, depth: int) -> list[Any]:
        self.i += 1
        items: list[Any] = []
        self.ws()
        if self.text[self.i] == "]":
            self.i += 1
            return items
        while True:
            items.append(self.value(depth + 1))
            self.ws()
            ch = self.text[self.i]
            self.i += 1
            if ch == "]":
                return items

    def string(self) -> _Str:
        text = self.text
        start = self.i
        i = start + 1
        cmap = CharMap()
        while text[i] != '"':
            ch = text[i]
            if ch == "\\":
                nxt = text[i + 1]
                if nxt == "u":
                    code = int(text[i + 2 : i + 6], 16)
                    length = 6
                    if 0xD800 <= code < 0xDC00 and text.startswith("\\u", i + 6):
                        low = int(text[i + 8 : i + 12], 16)
                        if 0xDC00 <= low < 0xE000:
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                            length = 12
                    cmap.add(chr(code), i, length)
                    i += length
                else:
                    cmap.add(_ESC.get(nxt, nxt), i, 2)
                    i += 2
            else:
                j = i
                while text[j] not in '"\\':
                    j += 1
                cmap.add_span(text, i, j)
                i = j
        self.i = i + 1
        return _Str(cmap, start, i + 1)


def _key_role(key: str) -> Role | None:
    from promptlint.extractors.yaml import key_role

    return key_role(key)


def _prose(text: str) -> bool:
    words = text.split()
    return (len(words) >= 4 and len(text.strip()) >= 20) or (len(words) >= 2 and bool(find_placeholders(text)))


def extract(source: SourceFile) -> Extraction:
    text = source.text
    out = Extraction(source=source)
    try:
        json.loads(text)
    except ValueError as exc:
        line, col = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
        out.problem = ParseProblem(f"invalid JSON: {getattr(exc, 'msg', exc)}", line, col)
        return out
    if not text.strip():
        return out
    try:
        root = _Scanner(text).value()
    except (IndexError, ValueError):  # pragma: no cover - json.loads accepted it
        return out
    _walk(root, "", None, source, out)
    return out


def _emit(value: _Str, role: Role, name: str, source: SourceFile, out: Extraction) -> None:
    if not value.cmap.text.strip():
        return
    out.prompts.append(build_prompt(value.cmap, source, role=role, fmt=FMT, name=name or "$",
                                    statement_span=(source.text.rfind("\n", 0, value.start) + 1, value.end)))


def _walk(node: Any, path: str, role: Role | None, source: SourceFile, out: Extraction) -> None:
    if isinstance(node, _Str):
        if role is not None or _prose(node.cmap.text):
            _emit(node, role or "template", path, source, out)
        return
    if isinstance(node, list) and node and all(isinstance(p, tuple) for p in node):  # an object
        pairs = {k.cmap.text: v for k, v in node}
        message_role = pairs.get("role")
        if isinstance(message_role, _Str) and "content" in pairs:
            mapped = ROLE_NAMES.get(message_role.cmap.text.strip().lower())
            content = pairs["content"]
            if mapped is not None:
                if isinstance(content, _Str):
                    _emit(content, mapped, f"{path}.content", source, out)
                elif isinstance(content, list):
                    for i, part in enumerate(content):
                        if isinstance(part, list) and all(isinstance(p, tuple) for p in part):
                            block = {k.cmap.text: v for k, v in part}
                            if isinstance(block.get("text"), _Str):
                                _emit(block["text"], mapped, f"{path}.content[{i}].text", source, out)
            return
        for key, value in node:
            name = f"{path}.{key.cmap.text}" if path else key.cmap.text
            _walk(value, name, _key_role(key.cmap.text) or role, source, out)
        return
    if isinstance(node, list):
        for i, item in enumerate(node):
            _walk(item, f"{path}[{i}]", role, source, out)
