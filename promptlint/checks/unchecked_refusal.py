"""PL403 (opt-in): a model's reply text used without ever checking whether it is a refusal.

A function (or module-level script) that reads `response.content[0].text`,
`completion.choices[0].message.content` or `response.output_text` of a model call it made, and nowhere
checks `stop_reason == "refusal"` / `finish_reason == "content_filter"` / `message.refusal`, nor calls
refusal detection (`is_refusal(...)`, `detect_refusal(...)`, `classify(...)`, `promptlint.refusal.detect`).
The finding points at the first such access per response.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from promptlint.checks import Hit
from promptlint.checks.pyast import (
    chain,
    is_model_call,
    scope_bodies,
    walk_body,
)
from promptlint.diskcache import compile_regex
from promptlint.extractors import pycalls

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.checks.context import CheckContext
    from promptlint.rules_engine.rule import Rule

#: Calls that detect a refusal (or classify / moderate the reply): any of them counts as a check.
_DETECTOR_RE = compile_regex(r"(?i)refus|classif|moderat|(?:^|\.)refusal\.detect$")
_REFUSAL_NAME_RE = compile_regex(r"(?i)refus")
#: Where the source may read `.output_text` / `.content` as an attribute (every reply access does): between the dot
#: and the name, Python allows only white space, line continuations and comments.
_READS_REPLY_RE = compile_regex(r"\.(?:\s|\\|#[^\n]*)*(?:output_text|content)(?!\w)")
_REASON_ATTRS = frozenset({"stop_reason", "finish_reason"})
_NORMAL_ENDS = frozenset({"end_turn", "stop", "stop_sequence", "tool_use", "tool_calls"})


def reply_base(node: ast.AST) -> ast.expr | None:
    """The response object of `r.content[0].text`, `r.choices[0].message.content`, `r.output_text`."""
    if not isinstance(node, ast.Attribute):
        return None
    if node.attr == "output_text":
        return node.value
    inner = node.value
    if node.attr == "text" and isinstance(inner, ast.Subscript) and isinstance(inner.value, ast.Attribute) \
            and inner.value.attr == "content":
        return inner.value.value
    if node.attr == "content" and isinstance(inner, ast.Attribute) and inner.attr == "message" \
            and isinstance(inner.value, ast.Subscript) and isinstance(inner.value.value, ast.Attribute) \
            and inner.value.value.attr == "choices":
        return inner.value.value.value
    return None


def _holds_model_call(value: ast.AST | None) -> bool:
    return value is not None and any(isinstance(n, ast.Call) and is_model_call(n) for n in ast.walk(value))


def _responses(nodes: Iterable[ast.AST]) -> set[str]:
    """Names bound to a model call's result in a scope (`response = client.messages.create(...)`), given the
    scope's nodes (`walk_body`)."""
    bound: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Assign | ast.AnnAssign) and _holds_model_call(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.NamedExpr) and _holds_model_call(node.value):
            bound.add(node.target.id)
    return bound


def detector_names(tree: ast.Module, imports: list[ast.ImportFrom] | None = None) -> set[str]:
    """Local names of `from promptlint.refusal import detect` (and the like); `imports`: the module's, if known."""
    found = set()
    for node in imports if imports is not None else ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("refusal"):
            found |= {alias.asname or alias.name for alias in node.names}
    return found


def checks_refusal(body: list[ast.stmt], detectors: set[str], predicates: Mapping[str, int] | None = None,
                   flags: Mapping[str, int] | None = None, nodes: Iterable[ast.AST] | None = None) -> bool:
    """Does this scope look at refusals at all (a reason test, `.refusal`, a detector call)? `nodes`: the scope's
    nodes (`walk_body(body)`) when the caller has them already."""
    for node in walk_body(body) if nodes is None else nodes:
        if isinstance(node, ast.Constant) and node.value in pycalls.REFUSAL_REASONS:
            return True
        if isinstance(node, ast.Attribute) and _REFUSAL_NAME_RE.search(node.attr):
            return True
        if isinstance(node, ast.Name) and (_REFUSAL_NAME_RE.search(node.id) or node.id in detectors):
            return True
        if isinstance(node, ast.Call) and _DETECTOR_RE.search(chain(node)):
            return True
        if isinstance(node, ast.Compare) and _tests_normal_end(node):
            return True
        if isinstance(node, ast.If | ast.While | ast.IfExp | ast.Assert) \
                and pycalls.is_refusal_test(node.test, predicates, flags):
            return True  # `if "I can't" in text:` and other refusal-phrase tests
    return False


def _tests_normal_end(node: ast.Compare) -> bool:
    """`r.stop_reason != "end_turn"` / `finish_reason == "stop"`: anything else, refusals included, is handled."""
    sides = [node.left, *node.comparators]
    if not any(isinstance(s, ast.Attribute) and s.attr in _REASON_ATTRS for s in sides):
        return False
    return any(isinstance(n, ast.Constant) and n.value in _NORMAL_ENDS for s in sides for n in ast.walk(s))


def check(ctx: CheckContext, rule: Rule) -> Iterator[Hit]:
    """Hits on the first reply-text access per response, in scopes that never check for a refusal.

    A reply access reads `.output_text` or `.content` (text), of a model call's result (the shared walk):
    files with neither are skipped before any scope is walked.
    """
    if ctx.tree is None or ctx.lacks("output_text", "content"):
        return iter(())
    if ctx.lower is not None and not _READS_REPLY_RE.search(ctx.lower):
        return iter(())  # "content" only as a word (a message dict's key), never read as an attribute
    if not any(is_model_call(c) for c in ctx.model_calls()):
        return iter(())
    detectors = detector_names(ctx.tree, ctx.facts.imports_from)
    hits: list[Hit] = []
    for body in scope_bodies(ctx):
        nodes = list(walk_body(body))  # walked once, read three times (a 20k-message list is 300k nodes)
        if checks_refusal(body, detectors, ctx.refusal_predicates, ctx.refusal_flags, nodes):
            continue
        responses = _responses(nodes)
        seen: set[str] = set()
        for node in sorted((n for n in nodes if isinstance(n, ast.Attribute)), key=lambda n: (n.lineno, n.col_offset)):
            base = reply_base(node)
            if base is None:
                continue
            key = base.id if isinstance(base, ast.Name) else f"call@{base.lineno}:{base.col_offset}"
            direct = isinstance(base, ast.Call) and is_model_call(base)
            if key in seen or not (direct or (isinstance(base, ast.Name) and base.id in responses)):
                continue
            seen.add(key)
            start, end = ctx.span(node)
            hits.append(Hit(start, end, statement_span=ctx.statement_span(node)))
    return iter(sorted(hits, key=lambda h: h.start))
