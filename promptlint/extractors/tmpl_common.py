"""Building `Prompt`s from mapped template text, shared by the template extractors."""

from __future__ import annotations

import re

from promptlint.diskcache import compile_regex
from promptlint.extractors.placeholders import find_placeholders
from promptlint.extractors.yaml_scalars import CharMap
from promptlint.model import ParseProblem, Prompt, Role, SourceFile

#: chat role names used by template formats -> our roles
ROLE_NAMES: dict[str, Role] = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "human": "user",
    "assistant": "assistant",
    "ai": "assistant",
    "model": "assistant",
    "bot": "assistant",
}


def line_start(text: str, offset: int) -> int:
    """Offset of the first character of the line holding `offset`."""
    return text.rfind("\n", 0, offset) + 1


def trimmed_end(text: str, start: int, end: int) -> int:
    """`end` moved back over trailing whitespace, never before `start`."""
    while end > start and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def build_prompt(
    cmap: CharMap,
    source: SourceFile,
    *,
    role: Role,
    fmt: str,
    name: str,
    statement_span: tuple[int, int],
    source_file: SourceFile | None = None,
) -> Prompt:
    """A Prompt whose positions map every character of `cmap` into `source`."""
    text = cmap.text
    return Prompt(
        text=text,
        role=role,
        path=source.path,
        format=fmt,
        positions=cmap.position_map(),
        placeholders=find_placeholders(text),
        name=name,
        statement_span=statement_span,
        source_file=source_file,
    )


def span_of(cmap: CharMap, source: SourceFile, anchor: int) -> tuple[int, int]:
    """Statement span: from the start of `anchor`'s line to the end of the text."""
    start = line_start(source.text, anchor)
    if not cmap.offsets:
        return start, max(start, anchor)
    end = max(o + n for o, n in zip(cmap.offsets, cmap.lengths, strict=True))
    return start, max(end, anchor)


_FENCE = compile_regex(r"^---[ \t]*\r?$", re.MULTILINE)


def front_matter(source: SourceFile, *, skip_comments: bool = False) -> tuple[int, ParseProblem | None]:
    """Offset where the body starts after `---` front matter, and a problem if that YAML is invalid.

    `skip_comments` allows `#` comment lines (a licence header) before the
    opening fence, as Dotprompt files do. Without front matter the body is
    the whole file.
    """
    text = source.text
    start = 0
    if skip_comments:
        for match in re.finditer(r"[^\n]*(?:\n|$)", text):
            line = match.group().strip()
            if line and not line.startswith("#"):
                start = match.start()
                break
            if not match.group():
                return 0, None
    opening = _FENCE.match(text, start)
    if not opening:
        return 0, None
    closing = _FENCE.search(text, opening.end())
    if not closing:
        line, column = source.position(start)
        return len(text), ParseProblem("front matter opened with `---` is never closed", line, column)
    # Blank out everything but the front matter so the parser's marks are file positions.
    masked = re.sub(r"[^\n]", " ", text[: opening.end()]) + text[opening.end(): closing.start()]
    from promptlint.extractors.yaml_nodes import compose_documents

    _docs, problem = compose_documents(source, masked)
    body = closing.end() + 1 if text.startswith("\n", closing.end()) else closing.end()
    return body, problem
