"""Dotprompt (`.prompt`) files: optional comment header, front matter, Handlebars body.

The body is split at `{{role "x"}}` / `{{#role "x"}}` markers (`model` is the
assistant); text before the first marker is a user turn, as in Dotprompt's
own `toMessages`. Handlebars comments (`{{! }}`, `{{!-- --}}`) never reach
the model, so they are dropped from the text (a comment alone on its line
takes the line with it, as Handlebars renders it); other Handlebars tags,
`{{history}}` included, stay as placeholders.
"""

from __future__ import annotations

import re

from promptlint.diskcache import compile_regex
from promptlint.extractors.prompty import split_turns
from promptlint.extractors.tmpl_common import front_matter
from promptlint.extractors.yaml_scalars import CharMap
from promptlint.model import Extraction, SourceFile

FMT = "dotprompt"
_MARKER = compile_regex(r"\{\{~?\s*#?role\s+[\"'](\w+)[\"']\s*~?\}\}|\{\{~?\s*/role\s*~?\}\}()")
_COMMENT = compile_regex(r"\{\{~?!--.*?--~?\}\}|\{\{~?![^}]*?~?\}\}", re.DOTALL)


class _Marker:
    """`_MARKER` with `{{/role}}` read as "same role continues" (group 1 is None there)."""

    def __init__(self) -> None:
        self.role = "user"

    def finditer(self, text: str):  # type: ignore[no-untyped-def]
        role = "user"
        for match in _MARKER.finditer(text):
            if match.group(1) is not None:
                role = match.group(1)
            yield _Match(match, role)


class _Match:
    __slots__ = ("_m", "_role")

    def __init__(self, match: re.Match[str], role: str) -> None:
        self._m, self._role = match, role

    def start(self) -> int:
        return self._m.start()

    def end(self) -> int:
        return self._m.end()

    def group(self, _n: int) -> str:
        return self._role


def without_comments(text: str, start: int, end: int) -> CharMap:
    """text[start:end] as a CharMap with Handlebars comments removed."""
    cmap = CharMap()
    pos = start
    for match in _COMMENT.finditer(text, start, end):
        cut_start, cut_end = match.start(), match.end()
        line_begin = text.rfind("\n", 0, cut_start) + 1
        newline = text.find("\n", cut_end)
        line_end = end if newline == -1 else newline + 1
        if line_begin >= pos and not text[line_begin:cut_start].strip() and not text[cut_end:line_end].strip():
            cut_start, cut_end = line_begin, min(line_end, end)  # standalone: the whole line goes
        cmap.add_span(text, pos, max(pos, cut_start))
        pos = max(pos, cut_end)
    cmap.add_span(text, pos, end)
    return cmap


def extract(source: SourceFile) -> Extraction:
    """The chat turns of a .prompt body, comments removed, mapped to the file."""
    body, problem = front_matter(source, skip_comments=True)
    cmap = without_comments(source.text, body, len(source.text))
    prompts = split_turns(source, body, _Marker(), default_role="user", fmt=FMT, body_map=cmap)  # type: ignore[arg-type]
    return Extraction(source=source, prompts=prompts, problem=problem)
