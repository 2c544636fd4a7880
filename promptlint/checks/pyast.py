"""Stateless AST helpers shared by the code checks (PL401-PL404): node offsets, model calls, loops,
refusal branches, simple constant resolution.

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


def is_refusal_test(test: ast.expr) -> bool:
    """`stop_reason == "refusal"`, `finish_reason == "content_filter"`, `is_refusal(text)`, `"I can't" in text`,
    `if refused:`: the one definition, `pycalls.is_refusal_test`, shared with the extractor."""
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


def resolve(ctx: CheckContext, node: ast.expr | None, before_line: int | None = None) -> ast.expr | None:
    """A Name replaced by the last value assigned to it (in its function, else at module level)."""
    for _ in range(3):  # MODEL = DEFAULT_MODEL = "..." chains, not deeper
        if not isinstance(node, ast.Name):
            return node
        function = ctx.function_of(node)
        line = before_line if before_line is not None else node.lineno
        value = None
        for scope in ([function.body] if function else []) + [ctx.tree.body]:
            earlier = [v for n, v in constant_assignments(scope, node.id) if n <= line or scope is ctx.tree.body]
            if earlier:
                value = earlier[-1]
                break
        if value is None:
            return node
        node, before_line = value, None
    return node


def string_value(ctx: CheckContext, node: ast.expr | None, before_line: int | None = None) -> str | None:
    """The literal string an expression holds, following simple name assignments."""
    node = resolve(ctx, node, before_line)
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def string_list(ctx: CheckContext, node: ast.expr | None) -> list[str] | None:
    """`["claude-opus-x", "claude-haiku-x"]` (directly or through a name) as strings, else None."""
    node = resolve(ctx, node)
    if not isinstance(node, ast.List | ast.Tuple):
        return None
    values = [string_value(ctx, e) for e in node.elts]
    return [v for v in values if v is not None] if all(v is not None for v in values) and values else None


def model_argument(call: ast.Call) -> ast.expr | None:
    """The `model=` (or `model_name=` / `model_id=`) argument of a model call or constructor."""
    for name in ("model", "model_name", "model_id", "deployment_name", "azure_deployment"):
        kw = keyword(call, name)
        if kw is not None:
            return kw.value
    return None


def module_code(tree: ast.Module) -> list[ast.stmt]:
    """Module-level statements, functions and classes left out: the module's own scope."""
    return [s for s in tree.body if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]


def scope_body(tree: ast.Module, scope: FunctionNode | None) -> list[ast.stmt]:
    """The statements of a function, or (None) of the module's own scope."""
    return scope.body if scope is not None else module_code(tree)


def scope_bodies(ctx: CheckContext) -> list[list[ast.stmt]]:
    """Module-level statements (functions and classes left out) and every function body, one scope each."""
    body = ctx.tree.body
    bodies = [[s for s in body if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]]
    bodies += [n.body for n in ctx.facts.functions]  # ast.walk order
    return bodies
