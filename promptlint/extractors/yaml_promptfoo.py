"""promptfoo configs: `prompts:` entries, `file://` prompt files, red-team purpose.

Test `vars` and assertions are data, not prompts, and are never read.
Referenced prompt files (txt / md / json / yaml) are read relative to the
config and yield prompts whose `source_file` is that file; a reference that
cannot be read (missing, glob, code module) is skipped silently.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from promptlint.diskcache import compile_regex
from promptlint.extractors import yaml_nodes as yn
from promptlint.extractors.tmpl_common import ROLE_NAMES, build_prompt, line_start, span_of, trimmed_end
from promptlint.extractors.yaml_nodes import MappingNode, Node, ScalarNode, SequenceNode
from promptlint.extractors.yaml_scalars import CharMap, scalar_chars
from promptlint.model import Prompt, Role, SourceFile

if TYPE_CHECKING:
    from promptlint.extractors.yaml import _Ctx

FMT = "promptfoo"
_PATH_LIKE = compile_regex(r"^[^\s]+\.(txt|md|markdown|json|jsonl|ya?ml|j2|jinja2?|py|js|ts|mjs|cjs)(:[\w.]+)?$", re.I)
_TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".j2", ".jinja", ".jinja2"}
_DELIMITER = compile_regex(r"^---[ \t]*\r?$", re.MULTILINE)


def is_reference(text: str) -> bool:
    stripped = text.strip()
    return stripped.startswith("file://") or bool(_PATH_LIKE.match(stripped))


def extract_config(ctx: _Ctx, root: MappingNode) -> None:
    """Prompts of one promptfoo config document."""
    done: set[str] = set()
    prompts = yn.value(root, "prompts")
    if yn.is_str(prompts):
        _prompt_string(ctx, prompts, root, "prompts", done)
    elif isinstance(prompts, SequenceNode):
        for i, item in enumerate(prompts.value):
            name = f"prompts[{i}]"
            if isinstance(item, ScalarNode):
                _prompt_string(ctx, item, prompts, name, done)
            elif isinstance(item, MappingNode):
                _prompt_object(ctx, item, name, done)
    elif isinstance(prompts, MappingNode):  # {path: label}
        for k, _label in prompts.value:
            if yn.is_str(k) and is_reference(k.value):
                _reference(ctx, k.value, done)
    purpose = yn.get(yn.value(root, "redteam"), "purpose")
    if purpose:
        ctx.emit(purpose[1], role="system", fmt=FMT, name="redteam.purpose", key=purpose[0],
                 parent=yn.value(root, "redteam"))
    for section in ("providers", "targets"):
        providers = yn.value(root, section)
        for i, provider in enumerate(providers.value if isinstance(providers, SequenceNode) else ()):
            config = yn.value(provider, "config")
            for key in ("systemPrompt", "system_prompt", "system"):
                pair = yn.get(config, key)
                if pair:
                    ctx.emit(pair[1], role="system", fmt=FMT, name=f"{section}[{i}].config.{key}", key=pair[0],
                             parent=config)


def _prompt_object(ctx: _Ctx, item: MappingNode, name: str, done: set[str]) -> None:
    raw = yn.get(item, "raw")
    if raw and yn.is_str(raw[1]):
        _prompt_string(ctx, raw[1], item, f"{name}.raw", done, key=raw[0])
        return
    ident = yn.get(item, "id")
    if ident and yn.is_str(ident[1]):
        _prompt_string(ctx, ident[1], item, f"{name}.id", done, key=ident[0])


def _prompt_string(ctx: _Ctx, node: Node, parent: Node, name: str, done: set[str], key: Node | None = None) -> None:
    if not yn.is_str(node) or not node.value.strip():
        return
    text = node.value
    if is_reference(text):
        _reference(ctx, text, done)
        return
    stripped = text.lstrip()
    if stripped.startswith(("[", "- role", "-  role")):
        outer = scalar_chars(ctx.source.text, node, yn.indent_of(parent))
        anchor = line_start(ctx.source.text, (key or node).start_mark.index)
        span = (anchor, trimmed_end(ctx.source.text, node.start_mark.index, node.end_mark.index))
        inner = _chat_list(text, outer, ctx.source, name, span)
        if inner:
            ctx.seen.add(id(node))
            ctx.prompts.extend(inner)
            return
    ctx.emit(node, role="template", fmt=FMT, name=name, key=key, parent=parent)


def _chat_list(text: str, outer: CharMap, source: SourceFile, name: str, span: tuple[int, int]) -> list[Prompt]:
    """A prompt string that is itself a JSON / YAML message list, mapped through the outer scalar."""
    inner_source = SourceFile(path=source.path, text=text)
    docs, problem = yn.compose_documents(inner_source)
    if problem or len(docs) != 1:
        return []
    found: list[Prompt] = []
    for i, message, content in _messages(docs[0]):
        role = ROLE_NAMES[str(yn.text_value(message, "role")).lower()]
        cmap = scalar_chars(text, content, yn.indent_of(message))
        mapped = CharMap(cmap.chars, [outer.offsets[o] for o in cmap.offsets], [outer.lengths[o] for o in cmap.offsets])
        found.append(build_prompt(mapped, source, role=role, fmt=FMT, name=f"{name}[{i}].content",
                                  statement_span=span))
    return found


def _messages(root: Node) -> list[tuple[int, Node, Node]]:
    """(index, message, content node) of a [{role, content}] list with known roles."""
    if not isinstance(root, SequenceNode):
        return []
    out = []
    for i, message in enumerate(root.value):
        content = yn.value(message, "content")
        if yn.is_str(content) and str(yn.text_value(message, "role")).lower() in ROLE_NAMES:
            out.append((i, message, content))
    return out


# ---------------------------------------------------------------- referenced files


def _reference(ctx: _Ctx, ref: str, done: set[str]) -> None:
    ref = ref.strip()
    if ref.startswith("file://"):
        ref = ref[len("file://"):]
    if any(ch in ref for ch in "*?[") or re.search(r"\.(py|js|ts|mjs|cjs)(:|$)", ref) or re.search(r":\w+$", ref):
        return
    if ref in done:
        return
    done.add(ref)
    suffix = Path(ref).suffix.lower()
    if suffix not in _TEXT_SUFFIXES | {".json", ".yaml", ".yml"}:
        return
    base = Path(ctx.source.path).parent
    path = Path(ref) if os.path.isabs(ref) else base / ref
    display = os.path.normpath(str(path))
    ctx.depends_on.append(display)
    from promptlint.source import read_source

    ref_source = read_source(path, display)
    if not isinstance(ref_source, SourceFile):
        return
    if suffix in _TEXT_SUFFIXES:
        ctx.prompts.extend(_text_file(ref_source, split=suffix == ".txt"))
    else:
        ctx.prompts.extend(_structured_file(ref_source))


def _text_file(source: SourceFile, *, split: bool) -> list[Prompt]:
    """A .txt prompt file holds several prompts separated by `---` lines."""
    text = source.text
    bounds = [0]
    if split:
        for match in _DELIMITER.finditer(text):
            bounds.extend([match.start(), match.end()])
    bounds.append(len(text))
    prompts = []
    for n, (start, end) in enumerate(zip(bounds[::2], bounds[1::2], strict=True)):
        cmap = CharMap.verbatim(text, start, end).strip()
        if cmap.text:
            prompts.append(build_prompt(cmap, source, role="template", fmt=FMT, name=f"prompt[{n}]",
                                        statement_span=span_of(cmap, source, cmap.offsets[0]),
                                        source_file=source))
    return prompts


def _structured_file(source: SourceFile) -> list[Prompt]:
    """A JSON / YAML prompt file: a chat message list, or one prompt string."""
    text = source.text
    docs, problem = yn.compose_documents(source)
    if problem and source.path.endswith(".json"):
        try:
            json.loads(text)
        except ValueError:  # a Nunjucks template that renders to JSON: lint it as text
            return _text_file(source, split=False)
        docs, problem = yn.compose_documents(source, text.replace("\t", " "))
    if problem or len(docs) != 1:
        return []
    root = docs[0]
    prompts = []
    if yn.is_str(root):
        cmap = scalar_chars(text, root)
        return [build_prompt(cmap, source, role="template", fmt=FMT, name="prompt",
                             statement_span=span_of(cmap, source, root.start_mark.index), source_file=source)]
    for i, message, content in _messages(root):
        role: Role = ROLE_NAMES[str(yn.text_value(message, "role")).lower()]
        cmap = scalar_chars(text, content, yn.indent_of(message))
        if not cmap.text.strip():
            continue
        span = (line_start(text, message.start_mark.index), trimmed_end(text, content.start_mark.index,
                                                                          content.end_mark.index))
        prompts.append(build_prompt(cmap, source, role=role, fmt=FMT, name=f"[{i}].content", statement_span=span,
                                    source_file=source))
    return prompts
