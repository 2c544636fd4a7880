"""PL401: answering a refusal by re-sampling at a higher temperature.

Found from the ast alone (see `pyast`): a model call's `temperature=` that depends on a retry loop's
counter, a temperature variable raised inside a retry loop, or a higher temperature in the branch
taken after a refusal check (`stop_reason == "refusal"`, `is_refusal(...)`, a refusal phrase test).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from promptlint.checks import Hit
from promptlint.checks.pyast import (
    constant_number,
    is_retry_loop,
    keyword,
    loop_counters,
    names,
    refusal_branches,
    walk_body,
)

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.checks.context import CheckContext
    from promptlint.rules_engine.rule import Rule

#: Both Anthropic (where temperature is still accepted) and OpenAI default to 1.0.
DEFAULT_TEMPERATURE = 1.0

_LOOP_COUNTER = "Temperature rises with the retry counter: {why}"
_LOOP_RAISE = "Temperature is raised on each retry: {why}"
_BRANCH_RAISE = "Temperature is raised after a refusal check: {why}"
_WHY = ("a hotter sample is the same request read the same way, so the model refuses again; "
        "add purpose and scope to the prompt instead.")


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


def _raises(stmt: ast.AST, var: str | None) -> ast.AST | None:
    """The value node of an assignment that increases `var` (or any `["temperature"]` item), else None."""
    if isinstance(stmt, ast.AugAssign):
        if not _targets_var(stmt.target, var):
            return None
        step = constant_number(stmt.value)
        if isinstance(stmt.op, ast.Add) and (step is None or step > 0):
            return stmt
        if isinstance(stmt.op, ast.Mult) and (step is None or step > 1):
            return stmt
        return None
    if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        if any(_targets_var(t, var) for t in targets) and is_increase(stmt.value, var if var else None):
            return stmt
    return None


def _targets_var(target: ast.AST, var: str | None) -> bool:
    if var is not None and isinstance(target, ast.Name):
        return target.id == var
    return (isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant)
            and target.slice.value == "temperature")


def _assigned_constants(body: list[ast.stmt], var: str) -> dict[int, float]:
    """line -> constant value of plain `var = <number>` assignments."""
    found = {}
    for node in walk_body(body):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == var for t in node.targets):
            value = constant_number(node.value)
            if value is not None:
                found[node.lineno] = value
    return found


class _Finder:
    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.calls = ctx.model_calls()
        self.hits: dict[tuple[int, int], Hit] = {}

    def hit(self, node: ast.AST, template: str) -> None:
        start, end = self.ctx.span(node)
        if (start, end) not in self.hits:
            self.hits[(start, end)] = Hit(start, end, template.format(why=_WHY),
                                          statement_span=self.ctx.statement_span(node))

    def run(self) -> Iterator[Hit]:
        branch_ids = self._branch_node_ids()
        for call in self.calls:
            kw = keyword(call, "temperature")
            if kw is None:
                continue
            self._in_retry_loop(call, kw.value)
            if id(call) in branch_ids or self.ctx.call_site_after_refusal(call):
                self._in_refusal_branch(call, kw.value)
        self._raised_in_branches(branch_ids)
        return iter(sorted(self.hits.values(), key=lambda h: h.start))

    def _branch_node_ids(self) -> dict[int, list[ast.stmt]]:
        """id(node) -> the refusal branch (statement list) holding it."""
        ids: dict[int, list[ast.stmt]] = {}
        if not self.ctx.has_refusal_test():
            return ids  # every refusal branch hangs off an `if` / `while` the shared walk saw
        for branch in refusal_branches(self.ctx.tree.body):
            for node in walk_body(branch):
                ids.setdefault(id(node), branch)
        return ids

    def _in_retry_loop(self, call: ast.Call, value: ast.expr) -> None:
        for loop in self.ctx.loops_of(call):
            if not is_retry_loop(loop):
                continue
            counters = loop_counters(loop)
            if names(value) & counters and constant_number(value) is None:
                self.hit(value, _LOOP_COUNTER)
            for var in names(value) - counters:  # counting attempts up is not the offence itself
                for node in walk_body(loop.body):
                    raised = _raises(node, var)
                    if raised is not None:
                        self.hit(raised, _LOOP_RAISE)

    def _in_refusal_branch(self, call: ast.Call, value: ast.expr) -> None:
        new = constant_number(value)
        if new is None:
            if is_increase(value):
                self.hit(value, _BRANCH_RAISE)
            return
        baseline = self._baseline(call)
        if new > (baseline if baseline is not None else DEFAULT_TEMPERATURE):
            self.hit(value, _BRANCH_RAISE)

    def _baseline(self, call: ast.Call) -> float | None:
        """Temperature of the closest earlier model call in the same function (default when it sets none)."""
        function = self.ctx.function_of(call)
        earlier = [c for c in self.calls if self.ctx.function_of(c) is function
                   and (c.lineno, c.col_offset) < (call.lineno, call.col_offset) and c is not call]
        if not earlier:
            return None
        kw = keyword(earlier[-1], "temperature")
        if kw is None:
            return DEFAULT_TEMPERATURE
        value = constant_number(kw.value)
        if value is None and isinstance(kw.value, ast.Name):
            scope = function.body if function else self.ctx.tree.body
            before = {line: v for line, v in _assigned_constants(scope, kw.value.id).items() if line < call.lineno}
            value = before[max(before)] if before else None
        return value

    def _raised_in_branches(self, branch_ids: dict[int, list[ast.stmt]]) -> None:
        """`temperature += 0.3` / `temperature = 1.0` / `params["temperature"] = ...` inside a refusal branch."""
        temperature_vars = {k.value.id for c in self.calls if (k := keyword(c, "temperature"))
                            and isinstance(k.value, ast.Name)}
        seen: set[int] = set()
        for branch in branch_ids.values():
            if id(branch) in seen:
                continue
            seen.add(id(branch))
            for node in walk_body(branch):
                for var in (*temperature_vars, None):
                    if _raises(node, var) is not None or self._raised_constant(node, var, branch):
                        self.hit(node, _BRANCH_RAISE)

    def _raised_constant(self, node: ast.AST, var: str | None, branch: list[ast.stmt]) -> bool:
        """`temperature = 1.0` in the branch, above the value it had before the refusal check."""
        if var is None or not isinstance(node, ast.Assign):
            return False
        if not any(isinstance(t, ast.Name) and t.id == var for t in node.targets):
            return False
        new = constant_number(node.value)
        if new is None:
            return False
        function = self.ctx.function_of(node)
        scope = function.body if function else self.ctx.tree.body
        first_line = branch[0].lineno
        before = {line: v for line, v in _assigned_constants(scope, var).items() if line < first_line}
        return new > (before[max(before)] if before else DEFAULT_TEMPERATURE)


def check(ctx: CheckContext, rule: Rule) -> Iterator[Hit]:
    """Hits on the temperature argument or assignment that re-samples hotter after a refusal.

    Every hit involves a `temperature=` argument or a `["temperature"]` item, and either a model call
    (or factory) or a refusal branch, so a file whose text rules out either is skipped before any tree walk.
    """
    if ctx.tree is None or ctx.lacks("temperature"):
        return iter(())
    if not ctx.extraction.calls and not ctx.may_hold_model_call() and not ctx.may_hold_refusal_check():
        return iter(())
    return _Finder(ctx).run()
