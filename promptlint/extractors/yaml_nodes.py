"""Composing YAML into position-carrying nodes, safely.

We compose (never construct): nodes keep their marks, aliases stay shared
node objects (a "billion laughs" file is a small graph, never expanded), and
duplicate keys are simply two pairs. libyaml's composer recurses in C and
crashes on very deep nesting, so suspiciously deep input goes to the pure
Python loader, whose RecursionError we turn into a parse problem.
"""

from __future__ import annotations

import re

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from promptlint.diskcache import compile_regex
from promptlint.model import ParseProblem, SourceFile

STR_TAG = "tag:yaml.org,2002:str"
_MAX_C_DEPTH = 400
_BRACKETS = compile_regex(r"[\[\]{}]")
_DASH_PREFIX = compile_regex(r"^[ \t\-?]*", re.MULTILINE)


def _index_is_characters(loader: type) -> bool:
    """libyaml builds differ; positions matter, so check marks count characters."""
    try:
        node = yaml.compose("a: \u00e9\u20ac\U0001f600\r\nb: x\n", Loader=loader)
        return node.value[1][1].start_mark.index == 11
    except Exception:  # pragma: no cover - a broken libyaml binding
        return False


_FAST: type | None = getattr(yaml, "CSafeLoader", None)
if _FAST is not None and not _index_is_characters(_FAST):  # pragma: no cover
    _FAST = None


def _deep(text: str) -> bool:
    """Cheap upper bound on nesting depth: flow brackets and compact `- - -` prefixes."""
    depth = peak = 0
    if text.count("[") + text.count("{") > _MAX_C_DEPTH:
        for match in _BRACKETS.finditer(text):
            if match.group() in "[{":
                depth += 1
                peak = max(peak, depth)
            elif depth:
                depth -= 1
    if peak > _MAX_C_DEPTH:
        return True
    return any(len(m.group()) > 2 * _MAX_C_DEPTH for m in _DASH_PREFIX.finditer(text))


def problem_from(exc: BaseException, source: SourceFile) -> ParseProblem:
    """A ParseProblem at the parser's line for any YAML failure."""
    if isinstance(exc, RecursionError):
        return ParseProblem("invalid YAML: nested too deeply to parse", 1, 1)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if isinstance(exc, yaml.reader.ReaderError):
        line, column = source.position(min(exc.position, len(source.text)))
        return ParseProblem(f"invalid YAML: {exc.reason}", line, column)
    message = " ".join(str(part) for part in (context, problem) if part) or str(exc).splitlines()[0]
    context_mark = getattr(exc, "context_mark", None)
    if context and context_mark is not None and mark is not None and context_mark.line != mark.line:
        # "while scanning a quoted scalar ... found end of stream": say where the scalar began.
        message += f" (the construct began at line {context_mark.line + 1}, column {context_mark.column + 1})"
    if mark is None:
        return ParseProblem(f"invalid YAML: {message}", 1, 1)
    return ParseProblem(f"invalid YAML: {message}", mark.line + 1, mark.column + 1)


def compose_documents(source: SourceFile, text: str | None = None) -> tuple[list[Node], ParseProblem | None]:
    """All documents of a YAML stream; on error, the documents before it and the problem."""
    text = source.text if text is None else text
    loader = yaml.SafeLoader if _FAST is None or _deep(text) else _FAST
    docs: list[Node] = []
    try:
        for doc in yaml.compose_all(text, Loader=loader):
            if doc is not None:
                docs.append(doc)
    except (yaml.YAMLError, RecursionError) as exc:
        return docs, problem_from(exc, source)
    except Exception as exc:  # libyaml edge cases (e.g. ValueError); never raise
        return docs, ParseProblem(f"invalid YAML: {exc}", 1, 1)
    return docs, None


def is_str(node: Node | None) -> bool:
    return isinstance(node, ScalarNode) and node.tag == STR_TAG


def key_of(node: Node) -> str | None:
    """A mapping key as text, if it is a plain scalar."""
    return node.value if isinstance(node, ScalarNode) else None


def get(node: Node | None, key: str) -> tuple[Node, Node] | None:
    """(key node, value node) of the last `key` in a mapping (PyYAML keeps the last duplicate)."""
    if not isinstance(node, MappingNode):
        return None
    found = None
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            found = (k, v)
    return found


def value(node: Node | None, key: str) -> Node | None:
    pair = get(node, key)
    return pair[1] if pair else None


def text_value(node: Node | None, key: str) -> str | None:
    v = value(node, key)
    return v.value if is_str(v) else None


def keys(node: Node | None) -> set[str]:
    if not isinstance(node, MappingNode):
        return set()
    return {k.value for k, _ in node.value if isinstance(k, ScalarNode) and isinstance(k.value, str)}


def indent_of(node: Node | None) -> int:
    """Column of a block collection, the reference for block-scalar indentation."""
    if isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style:
        return node.start_mark.column
    return -1


__all__ = [
    "STR_TAG",
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "compose_documents",
    "get",
    "indent_of",
    "is_str",
    "key_of",
    "keys",
    "problem_from",
    "text_value",
    "value",
]
