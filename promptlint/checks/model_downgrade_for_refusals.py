"""PL402: answering a refusal by switching to a smaller or cheaper model.

Two shapes, both found from the ast (see `pyast`): a model call (or a `model = ...` assignment) in the
branch taken after a refusal check whose model is smaller than the one used before, and a fallback
loop that walks a list of models ordered toward smaller ones, stopping at the first answer that is not
a refusal. Error fallbacks (`except APIError`, overloaded / rate-limited) carry no refusal check and
stay quiet, as do routing by task size and evaluation loops (no early exit).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from promptlint.checks import Hit
from promptlint.checks.pyast import (
    Loop,
    constant_assignments,
    is_refusal_test,
    model_argument,
    names,
    refusal_branches,
    resolve,
    scope_bodies,
    string_list,
    string_value,
    walk_body,
)
from promptlint.diskcache import compile_regex

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.checks.context import CheckContext
    from promptlint.rules_engine.rule import Rule

_WHY = ("a smaller model infers intent from the same words, and is usually no more willing, so the refusal comes "
        "back with a weaker answer; add the purpose, audience and scope the prompt is missing instead.")
_BRANCH = "Switches to the smaller model {new!r} after a refusal: " + _WHY
_LIST = "Falls back along models ordered toward smaller ones ({first!r} -> {last!r}) after a refusal: " + _WHY


class _Finder:
    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.calls = [c for c in ctx.model_calls() if model_argument(c) is not None]
        self.model_vars = {n for c in self.calls for n in names(model_argument(c))}
        self.hits: dict[tuple[int, int], Hit] = {}

    def hit(self, node: ast.AST, message: str) -> None:
        span = self.ctx.span(node)
        if span not in self.hits:
            self.hits[span] = Hit(span[0], span[1], message=message, statement_span=self.ctx.statement_span(node))

    def run(self) -> Iterator[Hit]:
        for body in scope_bodies(self.ctx):
            for branch in refusal_branches(body):
                self._branch(branch)
        for node in self.ctx.facts.loops:  # ast.walk order
            if loop_has_refusal_check(node) and has_exit(node.body):
                self._model_list_loop(node)
        return iter(sorted(self.hits.values(), key=lambda h: h.start))

    # ------------------------------------------------------------------ after a refusal check

    def _branch(self, branch: list[ast.stmt]) -> None:
        first = branch[0]
        previous = self._call_before(first)
        before = string_value(self.ctx, model_argument(previous), first.lineno - 1) if previous else None
        inside = {id(n) for n in walk_body(branch)}
        for call in self.calls:
            if id(call) not in inside or (previous is not None and not _same_request(call, previous)):
                continue  # a side task (classify or log the refusal) on a small model is fine
            arg = model_argument(call)
            new = string_value(self.ctx, arg, call.lineno)
            if new is not None and is_smaller_model(new, before):
                self.hit(self._assignment_in(branch, arg) or arg, _BRANCH.format(new=new))
        for node in walk_body(branch):
            target, value = _model_assignment(node, self.model_vars)
            if target is None:
                continue
            new = string_value(self.ctx, value, node.lineno)
            old = before if before is not None else self._value_before(target, first)
            if new is not None and is_smaller_model(new, old):
                self.hit(value, _BRANCH.format(new=new))

    def _call_before(self, first: ast.stmt) -> ast.Call | None:
        """The closest model call before the branch, in the same function: the request that was refused."""
        function = self.ctx.function_of(first)
        earlier = [c for c in self.calls if self.ctx.function_of(c) is function
                   and (c.lineno, c.col_offset) < (first.lineno, first.col_offset)]
        return earlier[-1] if earlier else None

    def _value_before(self, target: str, first: ast.stmt) -> str | None:
        """The string `target` held before the branch (`model = "claude-opus-x"` earlier in the function)."""
        if not target:
            return None
        function = self.ctx.function_of(first)
        for body in ([function.body] if function else []) + [self.ctx.tree.body]:
            earlier = [v for line, v in constant_assignments(body, target) if line < first.lineno]
            if earlier:
                return string_value(self.ctx, earlier[-1], first.lineno - 1)
        return None

    def _assignment_in(self, branch: list[ast.stmt], arg: ast.expr | None) -> ast.expr | None:
        """`model = "x-mini"` in the branch feeding the call's `model=model`: the finding goes there."""
        if not isinstance(arg, ast.Name):
            return None
        for node in walk_body(branch):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == arg.id for t in node.targets):
                return node.value
        return None

    # ------------------------------------------------------------------ fallback lists

    def _model_list_loop(self, loop: Loop) -> None:
        inside = {id(n) for n in walk_body(loop.body)}
        targets = names(loop.target) if isinstance(loop, ast.For | ast.AsyncFor) else set()
        iterated = self._iterated_list(loop)
        for call in self.calls:
            if id(call) not in inside:
                continue
            arg = model_argument(call)
            by_target = iterated is not None and names(arg) & targets
            models = iterated if by_target else self._indexed_list(arg, loop)
            if models and len(models) > 1 and is_smaller_model(models[-1], models[0]):
                self.hit(arg, _LIST.format(first=models[0], last=models[-1]))

    def _iterated_list(self, loop: Loop) -> list[str] | None:
        """`for model in MODELS` / `for i, model in enumerate(MODELS)`."""
        if not isinstance(loop, ast.For | ast.AsyncFor):
            return None
        it = loop.iter
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "enumerate" and it.args:
            it = it.args[0]
        return string_list(self.ctx, it)

    def _indexed_list(self, arg: ast.expr | None, loop: Loop) -> list[str] | None:
        """`model=MODELS[attempt]`, or `model=model` after `model = MODELS[attempt]` in the loop."""
        if isinstance(arg, ast.Name):
            for node in walk_body(loop.body):
                if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == arg.id
                                                        for t in node.targets):
                    arg = node.value
                    break
        arg = resolve(self.ctx, arg) if isinstance(arg, ast.Name) else arg
        for node in ast.walk(arg) if arg is not None else ():
            if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Constant):
                models = string_list(self.ctx, node.value)
                if models:
                    return models
        return None


def _request(call: ast.Call) -> list[ast.expr]:
    """What a call sends: its messages / input / prompt arguments, else its positional ones."""
    sent = [k.value for k in call.keywords if k.arg in ("messages", "input", "prompt", "contents", "system")]
    return sent or list(call.args)


def _same_request(call: ast.Call, previous: ast.Call) -> bool:
    """Does `call` re-send what `previous` sent (same expression, or built from the same names)?"""
    now, before = _request(call), _request(previous)
    if not now or not before:
        return True
    if {ast.dump(n) for n in now} & {ast.dump(n) for n in before}:
        return True
    return bool(set().union(*(names(n) for n in now)) & set().union(*(names(n) for n in before)))


def _model_assignment(node: ast.AST, model_vars: set[str]) -> tuple[str | None, ast.expr | None]:
    """`model = ...` (a name some call passes as `model=`) or `params["model"] = ...`."""
    if not isinstance(node, ast.Assign):
        return None, None
    for target in node.targets:
        if isinstance(target, ast.Name) and target.id in model_vars:
            return target.id, node.value
        if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) \
                and target.slice.value == "model":
            return "", node.value
    return None, None


# --------------------------------------------------------------------------- model sizes

_SIZE_RE = compile_regex(r"(?<![\w.])(\d+(?:\.\d+)?)\s*([bm])(?![a-z])", re.IGNORECASE)
#: Tier words, smallest first (matched as whole words: "gemini" holds no "mini").
_TIERS = tuple((tier, compile_regex(rf"(?i)(?<![a-z])(?:{words})(?![a-z])")) for tier, words in (
    (0, r"nano|tiny|flash[-_]?lite|flash[-_]?8b|ministral|lite"),
    (1, r"haiku|mini|flash|small|instant|gpt-3\.5[-\w]*|light|fast"),
    (2, r"sonnet|medium|gpt-4[-\w.]*|gpt-5[-\w.]*|pro|command-r(?!-plus)"),
    (3, r"opus|large|ultra|command-r-plus|max"),
))


def model_size(name: str) -> float | None:
    """Parameter count in billions for open models named like `llama-3-70b` / `qwen2.5-7b-instruct`."""
    match = _SIZE_RE.search(name)
    if match is None:
        return None
    value = float(match.group(1))
    return value / 1000 if match.group(2).lower() == "m" else value


def model_tier(name: str) -> int | None:
    """0 (nano / lite) .. 3 (opus / large) from the name's size words, None when the name says nothing."""
    for tier, pattern in _TIERS:
        if pattern.search(name):
            return tier
    return None


def is_smaller_model(new: str, old: str | None) -> bool:
    """Is `new` a smaller / cheaper model than `old` (or, with `old` unknown, a small one by name)?"""
    if old is not None and new == old:
        return False
    new_size = model_size(new)
    old_size = model_size(old) if old else None
    if new_size is not None and old_size is not None:
        return new_size < old_size
    new_tier = model_tier(new)
    if new_tier is None:
        return False
    old_tier = model_tier(old) if old else None
    if old_tier is None:
        return new_tier <= 1 and not (old and model_size(old) is not None)
    return new_tier < old_tier


def has_exit(body: list[ast.stmt]) -> bool:
    """Does the block leave early (`break` / `return`)? A fallback loop stops at the first success."""
    return any(isinstance(n, ast.Break | ast.Return) for n in walk_body(body))


def loop_has_refusal_check(loop: Loop) -> bool:
    """A refusal test in the loop's own test or anywhere in its body."""
    if isinstance(loop, ast.While) and is_refusal_test(loop.test):
        return True
    return any(isinstance(n, ast.If | ast.While | ast.IfExp) and is_refusal_test(n.test) for n in walk_body(loop.body))


def check(ctx: CheckContext, rule: Rule) -> Iterator[Hit]:
    """Hits on the smaller model chosen after a refusal (the argument, or the assignment feeding it).

    Both shapes need a `model=`-like argument or a `["model"]` item (text) and a refusal test in some
    `if` / `while` / conditional expression (the shared walk), so files without them cost no further walk.
    """
    if ctx.tree is None or ctx.lacks("model", "deployment") or not ctx.may_hold_refusal_check():
        return iter(())
    if not ctx.has_refusal_test():
        return iter(())
    return _Finder(ctx).run()
