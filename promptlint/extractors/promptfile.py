"""Standalone prompt files: Markdown, plain text, Jinja, Mustache / Handlebars templates.

The whole file (after `---` front matter, if any, or after a comment header closed by
`<commentblockmarker>###</commentblockmarker>`, the generative-agents convention whose loaders send only what
follows it) is one prompt, as the code that loads it reads it;
template syntax (`{{ x }}`, `{% if %}`, `{# #}`, `{{#each}}`, `{x}`, `${x}`) is masked as placeholders
so rules never match inside it. The role comes from the file name (`system_prompt.md` is a system
prompt, `user.txt` a user turn, anything else a template); the runner replaces it with the role of the
code that loads the file when that is known (`promptlint.project`).
"""

from __future__ import annotations

from promptlint.diskcache import compile_regex
from promptlint.extractors.tmpl_common import build_prompt, front_matter
from promptlint.extractors.yaml_scalars import CharMap
from promptlint.model import Extraction, Role, SourceFile

FMT = "promptfile"
_SYSTEM_NAME = compile_regex(r"(?i)system|instruction|persona|(?:^|[_\-.])sys(?:[_\-.]|$)")
_IDENTIFIER = compile_regex(r"[A-Za-z_][\w.]*")
_USER_NAME = compile_regex(r"(?i)(?:^|[_\-.])(?:user|human)(?:[_\-.]|$)")
#: The end of a comment header the loader cuts off (generative agents' prompt templates and their forks).
_HEADER_END = "<commentblockmarker>###</commentblockmarker>"


def role_for_file(path: str) -> Role:
    """From the file's name (`system_prompt.md`, `user.txt`), else its folder's (`system_prompts/default.md`)."""
    parts = path.replace("\\", "/").rsplit("/", 2)
    for name in reversed(parts[-2:]):
        if _SYSTEM_NAME.search(name):
            return "system"
        if _USER_NAME.search(name):
            return "user"
    return "template"


def extract(source: SourceFile) -> Extraction:
    """One prompt: the file's text after front matter, mapped 1:1 to the file."""
    text = source.text
    body, problem = front_matter(source) if text.startswith("---") else (0, None)
    header = text.find(_HEADER_END, body)
    if header >= 0:
        body = header + len(_HEADER_END)
        while body < len(text) and text[body] in "\r\n":
            body += 1
    cmap = CharMap()
    cmap.add_span(text, body, len(text))
    out = Extraction(source=source, problem=problem)
    if cmap.text.strip() and not _IDENTIFIER.fullmatch(cmap.text.strip()):  # `class.txt` holding a class name
        out.prompts.append(build_prompt(cmap, source, role=role_for_file(source.path), fmt=FMT,
                                        name=source.path.rsplit("/", 1)[-1], statement_span=(body, len(text))))
    return out
