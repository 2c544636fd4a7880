"""Stateless AST helpers shared by the code checks (PL401-PL404): node offsets, model calls, names read,
constants, walking a scope without entering nested ones.

Nothing here keeps state between calls: what a check knows about the file it is looking at comes from
the `CheckContext` the engine passes it (`promptlint.checks.context`). Heuristics that only one rule
uses live in that rule's module. The tables of model method chains, retry loops and the one definition
of a refusal test live in `promptlint.extractors.pycalls`, shared with the extractor.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from promptlint.diskcache import compile_regex
from promptlint.extractors import pycalls
from promptlint.model import SourceFile

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.checks.context import CheckContext

Loop = ast.For | ast.AsyncFor | ast.While
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

#: Constructors / binders that fix sampling parameters for later `.invoke()` calls (LangChain and friends).
_MODEL_FACTORY_RE = compile_regex(r"(?:^|\.)(?:Chat[A-Z]\w*|Azure\w*OpenAI|\w*LLM|OpenAI|Anthropic|bind|with_config)$")


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


def walk_body(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node under some statements, not entering nested functions or classes."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                stack.append(child)


def assigned_names(body: list[ast.stmt]) -> set[str]:
    """Names bound anywhere under `body` (assignments, loop targets, `with ... as`, walrus)."""
    bound: set[str] = set()
    for node in walk_body(body):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
    return bound


def constant_assignments(body: list[ast.stmt], name: str) -> list[tuple[int, ast.expr]]:
    """(line, value) of every plain `name = <value>` under `body`, in source order."""
    found = []
    for node in walk_body(body):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            found.append((node.lineno, node.value))
    return sorted(found, key=lambda item: item[0])


def module_code(tree: ast.Module) -> list[ast.stmt]:
    """Module-level statements, functions and classes left out: the module's own scope."""
    return [s for s in tree.body if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]


def scope_body(tree: ast.Module, scope: FunctionNode | None) -> list[ast.stmt]:
    """The statements of a function, or (None) of the module's own scope."""
    return scope.body if scope is not None else module_code(tree)


def scope_bodies(ctx: CheckContext) -> list[list[ast.stmt]]:
    """Module-level statements (functions and classes left out) and every function body, one scope each."""
    assert ctx.tree is not None
    return [module_code(ctx.tree)] + [n.body for n in ctx.facts.functions]  # ast.walk order
