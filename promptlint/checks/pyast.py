"""Shared AST helpers for code rules (PL401 temperature, PL402 model downgrade, PL404 chain context loss).

They work from the `ast.Module` alone, so a check never depends on what the extractor chose to record;
when the extractor's `CallSite`s are there they only add to what is found here. The tables of model
method chains, retry loops and refusal tests live in `promptlint.extractors.pycalls` and are reused.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from promptlint.extractors import pycalls
from promptlint.model import Extraction, SourceFile

Loop = ast.For | ast.AsyncFor | ast.While
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

#: Constructors / binders that fix sampling parameters for later `.invoke()` calls (LangChain and friends).
_MODEL_FACTORY_RE = re.compile(r"(?:^|\.)(?:Chat[A-Z]\w*|Azure\w*OpenAI|\w*LLM|OpenAI|Anthropic|bind|with_config)$")
_EXITS = (ast.Return, ast.Break, ast.Continue, ast.Raise)


def node_span(source: SourceFile, node: ast.AST) -> tuple[int, int]:
    """Character offsets (start, exclusive end) of a node; ast columns are UTF-8 byte offsets."""

    def offset(lineno: int, col: int) -> int:
        starts = source.line_starts
        if lineno - 1 >= len(starts):
            return len(source.text)
        start = starts[lineno - 1]
        prefix = source.text[start:start + col]
        if prefix.isascii():
            return start + col
        return start + len(prefix.encode("utf-8")[:col].decode("utf-8", "ignore"))

    end_line = getattr(node, "end_lineno", None) or node.lineno
    end_col = getattr(node, "end_col_offset", None)
    end_col = node.col_offset + 1 if end_col is None else end_col
    return offset(node.lineno, node.col_offset), offset(end_line, end_col)


def chain(call: ast.Call) -> str:
    """The dotted function chain of a call as written (`self.client.messages.create`)."""
    return pycalls.dotted(call.func)


def is_model_call(call: ast.Call) -> bool:
    """A call that sends a prompt: `messages.create`, `chat.completions.create`, `responses.create`, `.invoke`..."""
    return pycalls.call_kind(chain(call)) not in (None, "anthropic_batch")


def is_model_factory(call: ast.Call) -> bool:
    """`ChatOpenAI(temperature=...)`, `llm.bind(temperature=...)`: sampling fixed for later calls."""
    return bool(_MODEL_FACTORY_RE.search(chain(call)))


def keyword(call: ast.Call, name: str) -> ast.keyword | None:
    return next((k for k in call.keywords if k.arg == name), None)


def names(node: ast.AST | None) -> set[str]:
    """Variable names read in an expression (`a.b` counts `a`)."""
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def constant_number(node: ast.AST | None) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = constant_number(node.operand)
        return -inner if inner is not None else None
    return None


def is_increase(value: ast.AST, var: str | None = None) -> bool:
    """Does `value` grow something: `x + 0.2`, `x * 1.5`, `min(1.0, x + step)` (of `var` when given)?"""
    for node in ast.walk(value):
        if not isinstance(node, ast.BinOp) or (var is not None and var not in names(node)):
            continue
        constants = [c for c in (constant_number(node.left), constant_number(node.right)) if c is not None]
        if isinstance(node.op, ast.Add) and all(c > 0 for c in constants):
            return True
        if isinstance(node.op, ast.Mult) and all(c > 1 for c in constants):
            return True
    return False


def is_refusal_test(test: ast.expr) -> bool:
    """`stop_reason == "refusal"`, `is_refusal(text)`, `"I can't" in text`, `if refused:`."""
    return pycalls.is_refusal_test(test)


def is_retry_loop(loop: Loop) -> bool:
    """A loop that retries: named like one (`for attempt in range(3)`) or re-asking after a refusal test."""
    if pycalls.is_retry_loop(loop):
        return True
    if isinstance(loop, ast.While) and is_refusal_test(loop.test):
        return True
    return any(isinstance(n, ast.If | ast.While) and is_refusal_test(n.test) for n in walk_body(loop.body))


def walk_body(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node under some statements, not entering nested functions or classes."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                stack.append(child)


def loop_counters(loop: Loop) -> set[str]:
    """Names that change each iteration: a `for` target, or what a `while` body counts up."""
    if isinstance(loop, ast.For | ast.AsyncFor):
        return names(loop.target)
    counters = set()
    for node in walk_body(loop.body):
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and isinstance(node.op, ast.Add):
            counters.add(node.target.id)
    return counters


def refusal_branches(body: list[ast.stmt]) -> list[list[ast.stmt]]:
    """Statement lists that run only after a refusal was detected, found anywhere under `body`.

    `if is_refusal(r): <branch>`, `if not refused: return r` + `<the rest of the block>`,
    `if r.stop_reason != "refusal": ... else: <branch>`, `while is_refusal(r): <branch>`.
    """
    branches: list[list[ast.stmt]] = []
    blocks = [body]
    for node in walk_body(body):
        for name in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                blocks.append(block)
    for block in blocks:
        for i, stmt in enumerate(block):
            if isinstance(stmt, ast.While) and is_refusal_test(stmt.test):
                branches.append(stmt.body)
            if not isinstance(stmt, ast.If) or not is_refusal_test(stmt.test):
                continue
            if _negated(stmt.test):
                if stmt.orelse:
                    branches.append(stmt.orelse)
                if stmt.body and isinstance(stmt.body[-1], _EXITS):
                    branches.append(block[i + 1:])
            else:
                branches.append(stmt.body)
    return [b for b in branches if b]


def _negated(test: ast.expr) -> bool:
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return True
    return isinstance(test, ast.Compare) and all(isinstance(op, ast.NotEq | ast.IsNot | ast.NotIn) for op in test.ops)


@dataclass(slots=True)
class PyContext:
    """Parent links, enclosing functions / loops / statements and model calls of one module."""

    extraction: Extraction
    tree: ast.Module
    parents: dict[int, ast.AST] = field(default_factory=dict)

    @classmethod
    def of(cls, extraction: Extraction) -> PyContext | None:
        tree = extraction.tree
        if not isinstance(tree, ast.Module):
            return None
        ctx = cls(extraction, tree)
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                ctx.parents[id(child)] = node
        return ctx

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        parent = self.parents.get(id(node))
        while parent is not None:
            yield parent
            parent = self.parents.get(id(parent))

    def function_of(self, node: ast.AST) -> FunctionNode | None:
        return next((a for a in self.ancestors(node) if isinstance(a, ast.FunctionDef | ast.AsyncFunctionDef)), None)

    def loops_of(self, node: ast.AST) -> list[Loop]:
        """Enclosing loops, innermost first, up to the enclosing function."""
        loops: list[Loop] = []
        for a in self.ancestors(node):
            if isinstance(a, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                break
            if isinstance(a, ast.For | ast.AsyncFor | ast.While):
                loops.append(a)
        return loops

    def statement_of(self, node: ast.AST) -> ast.stmt | None:
        """The outermost simple statement holding `node` (a compound statement's header when in its test)."""
        current: ast.AST | None = node
        while current is not None and not isinstance(current, ast.stmt):
            current = self.parents.get(id(current))
        return current

    def statement_span(self, node: ast.AST) -> tuple[int, int] | None:
        stmt = self.statement_of(node)
        if stmt is None:
            return None
        if isinstance(stmt, ast.For | ast.AsyncFor | ast.While | ast.If | ast.With | ast.AsyncWith | ast.Try):
            return None  # a whole block: noqa belongs on the flagged line itself
        return node_span(self.extraction.source, stmt)

    def model_calls(self) -> list[ast.Call]:
        """Every model call and model factory in the module, in source order."""
        known = {(c.line, c.column) for c in self.extraction.calls}
        source = self.extraction.source
        calls = []
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call):
                continue
            if is_model_call(node) or is_model_factory(node) or (
                known and source.position(node_span(source, node)[0]) in known
            ):
                calls.append(node)
        calls.sort(key=lambda c: (c.lineno, c.col_offset))
        return calls

    def call_site_after_refusal(self, call: ast.Call) -> bool:
        """The extractor's verdict, when it recorded this call."""
        line, column = self.extraction.source.position(node_span(self.extraction.source, call)[0])
        return any(c.after_refusal_check for c in self.extraction.calls if (c.line, c.column) == (line, column))
