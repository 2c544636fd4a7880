"""Prompty files: YAML front matter, then a body split into chat turns.

The body is split the way Prompty's own parser does it: a line holding only
a role name and a colon (`system:`, `user:`, `# assistant:`, `user[name="A"]:`,
any case) starts a turn; text before the first marker is a system turn; each
turn's content is stripped. The front matter is model configuration: it is
only parsed, so that broken YAML is reported with its line (the body is
still linted: the turns do not depend on it).
"""

from __future__ import annotations

import re

from promptlint.diskcache import compile_regex
from promptlint.extractors.tmpl_common import ROLE_NAMES, build_prompt, front_matter, span_of
from promptlint.extractors.yaml_scalars import CharMap
from promptlint.model import Extraction, Prompt, SourceFile

FMT = "prompty"
_MARKER = compile_regex(
    r"^[ \t]*#?[ \t]*(system|user|assistant|developer|function|tool)(?:\[[^\]\n]*\])?[ \t]*:[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE,
)


def extract(source: SourceFile) -> Extraction:
    """The chat turns of a .prompty body, each mapped to its lines in the file."""
    body, problem = front_matter(source)
    prompts = split_turns(source, body, _MARKER, default_role="system", fmt=FMT)
    return Extraction(source=source, prompts=prompts, problem=problem)


def split_turns(source: SourceFile, body: int, marker: re.Pattern[str], *, default_role: str, fmt: str,
                body_map: CharMap | None = None) -> list[Prompt]:
    """Split a body at role markers into stripped, position-mapped prompts.

    `body_map` (the body's characters, possibly with comments removed) is
    searched for markers; by default the body is taken verbatim.
    """
    cmap = body_map if body_map is not None else CharMap.verbatim(source.text, body, len(source.text))
    text = cmap.text
    sections: list[tuple[str, int, int, int]] = []  # role, marker offset in text, content start, end
    role, anchor, start = default_role, 0, 0
    for match in marker.finditer(text):
        sections.append((role, anchor, start, match.start()))
        role, anchor, start = match.group(1).lower(), match.start(), match.end()
    sections.append((role, anchor, start, len(text)))
    prompts: list[Prompt] = []
    counts: dict[str, int] = {}
    for role_name, anchor_at, begin, end in sections:
        part = cmap.slice(begin, end).strip()
        chat_role = ROLE_NAMES.get(role_name)
        if not part.chars or chat_role is None:
            continue
        n = counts[role_name] = counts.get(role_name, 0) + 1
        name = role_name if n == 1 else f"{role_name}[{n}]"
        anchor_offset = cmap.offsets[anchor_at] if anchor_at < len(cmap.offsets) else part.offsets[0]
        prompts.append(build_prompt(part, source, role=chat_role, fmt=fmt, name=name,
                                    statement_span=span_of(part, source, anchor_offset)))
    return prompts
