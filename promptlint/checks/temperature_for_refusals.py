"""PL401: answering a refusal by re-sampling at a higher temperature.

A retry re-sends a request; it is this rule's business when the temperature goes up from one attempt to
the next. The request may be written in the retry itself or in a helper function, a method of the same
class or a decorated function (`CheckContext.requests` lifts its temperature to where the retry is), and
the retry may be

- a loop that retries (named like one, `for attempt in range(3)`, or going round again after a refusal
  test, `CheckContext.flow`): the temperature grows with a counter of the loop (the loop variable, a
  `tries += 1`, also counted in a helper method), or a temperature variable, attribute or dict item is
  raised in the loop (`t = bump(t)` with every return of `bump` an increase of its argument included) or in
  a function the loop calls;
- the branch taken after a refusal test, a recursive call included (`return ask(q, temperature=t + 0.2)`):
  the request there has a higher temperature than the one before it, or the branch raises a temperature,
  itself or in a function it passes the model object to (`with warmer(llm):` where `warmer` sets
  `model.temperature = original + delta`);
- a retry decorator that retries on a refusal (`@retry(retry=retry_if_result(is_refusal), before_sleep=hook)`)
  whose hook raises the temperature the function reads.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING

from promptlint.checks import Hit
from promptlint.checks.pyast import FunctionNode, Loop, constant_number, scope_body, walk_body
from promptlint.checks.values import Val
from promptlint.extractors import pycalls

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.checks.context import CheckContext
    from promptlint.checks.requests import Request
    from promptlint.rules_engine.rule import Rule

#: Both Anthropic (where temperature is still accepted) and OpenAI default to 1.0.
DEFAULT_TEMPERATURE = 1.0
#: Matches any `x["temperature"]` item (a dict of request parameters) in `_raises`.
ANY_TEMPERATURE_ITEM = "*['temperature']"

_LOOP_COUNTER = "Temperature rises with the retry counter: {why}"
_LOOP_RAISE = "Temperature is raised on each retry: {why}"
_BRANCH_RAISE = "Temperature is raised after a refusal check: {why}"
_WHY = ("a hotter sample is the same request read the same way, so the model refuses again; "
        "add purpose and scope to the prompt instead.")
#: Monotone in each argument: the direction of their result is that of their arguments.
_MONOTONE = frozenset({"min", "max", "round", "float", "int"})


# --------------------------------------------------------------------------- keys: what a value is stored in

def key_of(node: ast.AST) -> str | None:
    """`temperature`, `self.temperature`, `state['temperature']`: a name, attribute chain or constant item."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = key_of(node.value)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        base = key_of(node.value)
        return f"{base}[{node.slice.value!r}]" if base else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        base = key_of(node.func.value)  # params.get("temperature", 0.2) reads params["temperature"]
        return f"{base}[{node.args[0].value!r}]" if base else None
    return None


def _root(key: str) -> str:
    return key.split(".", 1)[0].split("[", 1)[0]


def _target_matches(target: ast.AST, key: str) -> bool:
    if key == ANY_TEMPERATURE_ITEM:
        return (isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant)
                and target.slice.value == "temperature")
    return key_of(target) == key


def _reads(node: ast.AST, key: str) -> bool:
    return any(key_of(sub) == key for sub in ast.walk(node))


def is_increase(value: ast.AST, key: str | None = None) -> bool:
    """Does `value` grow something: `x + 0.2`, `x * 1.5`, `min(1.0, x + step)` (of `key` when given)?"""
    for node in ast.walk(value):
        if not isinstance(node, ast.BinOp) or (key is not None and key != ANY_TEMPERATURE_ITEM
                                               and not _reads(node, key)):
            continue
        constants = [c for c in (constant_number(node.left), constant_number(node.right)) if c is not None]
        if isinstance(node.op, ast.Add) and all(c > 0 for c in constants):
            return True
        if isinstance(node.op, ast.Mult) and all(c > 1 for c in constants):
            return True
    return False


def _raises(stmt: ast.AST, key: str, aliases: frozenset[str] = frozenset()) -> bool:
    """Is `stmt` an assignment that increases `key` (`t += 0.3`, `self.t = min(1.0, self.t + 0.3)`)?
    `aliases`: names holding the key's earlier value (`original = model.temperature`, then
    `model.temperature = original + delta`)."""
    if isinstance(stmt, ast.AugAssign):
        if not _target_matches(stmt.target, key):
            return False
        step = constant_number(stmt.value)
        if isinstance(stmt.op, ast.Add):
            return step is None or step > 0
        return isinstance(stmt.op, ast.Mult) and (step is None or step > 1)
    if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        if any(_target_matches(t, key) for t in targets):
            target_key = key_of(targets[0]) if key == ANY_TEMPERATURE_ITEM else key
            return is_increase(stmt.value, target_key) or any(is_increase(stmt.value, a) for a in aliases)
    return False


def _aliases(body: list[ast.stmt], key: str) -> frozenset[str]:
    """Names a function body assigns the key's value to (`original = model.temperature`)."""
    return frozenset(t.id for n in walk_body(body) if isinstance(n, ast.Assign) and key_of(n.value) == key
                     for t in n.targets if isinstance(t, ast.Name))


def _test_nodes(loop: Loop) -> list[ast.AST]:
    """Nodes of a `while` loop's test (a call there runs on every attempt)."""
    return list(ast.walk(loop.test)) if isinstance(loop, ast.While) else []


def _containers(keys: set[str]) -> set[str]:
    """Keys that hold another of the keys (`params` of `params['temperature']`): the item is what matters."""
    return {k for k in keys if any(o != k and o.startswith(k) and o[len(k)] in ".[" for o in keys)}


def _combine(a: int | None, b: int | None) -> int | None:
    """Direction of a sum of two terms of directions `a`, `b` (0: constant, None: unknown)."""
    if a == 0:
        return b
    if b == 0 or a == b:
        return a
    return None


class _Finder:
    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.hits: dict[tuple[int, int], Hit] = {}
        self._module_names: set[str] | None = None

    def hit(self, node: ast.AST, template: str) -> None:
        start, end = self.ctx.span(node)
        if (start, end) not in self.hits:
            self.hits[(start, end)] = Hit(start, end, template.format(why=_WHY),
                                          statement_span=self.ctx.statement_span(node))

    def run(self) -> Iterator[Hit]:
        for scope in self._scopes():
            requests = self.ctx.requests.of(scope)
            if not requests:
                continue
            self._retry_loops(scope, requests)
            self._refusal_branches(scope, requests)
            if scope is not None:
                self._retry_decorators(scope, requests)
        return iter(sorted(self.hits.values(), key=lambda h: h.start))

    def _scopes(self) -> list[FunctionNode | None]:
        """Module-level code and every function that holds a loop or a refusal test or is retried by a decorator."""
        ctx = self.ctx
        wanted: dict[int, FunctionNode | None] = {}
        for node in (*(loop for loop in ctx.facts.loops if self._may_retry(loop)), *ctx.refusal_tests()):
            scope = ctx.function_of(node)
            wanted.setdefault(id(scope) if scope is not None else 0, scope)
        for function in ctx.facts.functions:
            if any(pycalls.is_retry_decorator(d) for d in function.decorator_list):
                wanted.setdefault(id(function), function)
        return list(wanted.values())

    # ------------------------------------------------------------------ loops

    def _retry_loops(self, scope: FunctionNode | None, requests: list[Request]) -> None:
        flow = self.ctx.flow(scope)
        for loop in self.ctx.facts.loops:
            if self.ctx.function_of(loop) is not scope:
                continue
            if not (self._named_or_tested_retry(loop) or flow.goes_round_after_refusal(loop)):
                continue
            inside = {id(n) for n in walk_body(loop.body)}
            in_loop = [r for r in requests if id(r.call) in inside and r.temperature is not None]
            if not in_loop:
                continue
            loop_calls = [n for n in (*walk_body(loop.body), *_test_nodes(loop)) if isinstance(n, ast.Call)]
            called = self.ctx.graph.reachable(loop_calls)
            counters = self._counters(loop, scope, loop_calls)
            for request in in_loop:
                value = request.temperature
                assert value is not None
                if constant_number(value.expr) is None and self._depends(value, counters, scope):
                    direction = self._direction(value.expr, value.scope, value.env, counters, scope, 0)
                    if direction is None or direction > 0:
                        self.hit(value.expr, _LOOP_COUNTER)
                keys = self._keys(value, scope) - set(counters)
                for key in keys - _containers(keys):
                    for stmt in walk_body(loop.body):
                        if _raises(stmt, key) or self._raised_by_helper(stmt, key, scope):
                            self.hit(stmt, _LOOP_RAISE)
                        elif isinstance(stmt, ast.Assign):
                            raised = self._rebuilt_hotter(stmt, key, scope)
                            if raised is not None:
                                self.hit(raised, _LOOP_RAISE)
                    if self._shared(key):
                        for function in called:
                            for stmt in walk_body(function.body):
                                if _raises(stmt, key):
                                    self.hit(stmt, _LOOP_RAISE)

    def _may_retry(self, loop: Loop) -> bool:
        """Named like a retry, or holding a refusal test: only such a loop can be one (`_retry_loops`)."""
        if pycalls.is_retry_loop(loop):
            return True
        tests = {id(t) for t in self.ctx.refusal_tests()}
        return any(id(n) in tests for n in walk_body([loop])) if tests else False

    def _rebuilt_hotter(self, stmt: ast.Assign, key: str, scope: FunctionNode | None) -> ast.expr | None:
        """`params = replace(params, temperature=params.temperature + 0.4)`: the object holding the temperature
        rebuilt with a higher one, directly or by a function or method (a retry strategy's `next_params`)."""
        if len(stmt.targets) != 1:
            return None
        holder = key_of(stmt.targets[0])
        if holder is None or not key.startswith(holder) or key[len(holder):len(holder) + 1] not in (".", "["):
            return None
        return self._hotter_copy(stmt.value, holder, key[len(holder):], scope, 0)

    def _hotter_copy(self, value: ast.expr, holder: str, rest: str, scope: FunctionNode | None,
                     depth: int) -> ast.expr | None:
        """The expression raising `<holder><rest>` in a new value for `holder`, if `value` builds one."""
        field = rest.lstrip(".").removeprefix("['").removesuffix("']")
        key = holder + rest
        if isinstance(value, ast.Dict):  # {**params, "temperature": params["temperature"] + 0.3}
            for k, v in zip(value.keys, value.values, strict=True):
                if isinstance(k, ast.Constant) and k.value == field and is_increase(v, key):
                    return v
            return None
        if not isinstance(value, ast.Call) or depth > 3:
            return None
        for keyword in value.keywords:  # replace(params, temperature=...), params.model_copy(update={...})
            if keyword.arg == field and is_increase(keyword.value, key):
                return keyword.value
            if keyword.arg == "update" and isinstance(keyword.value, ast.Dict):
                found = self._hotter_copy(keyword.value, holder, rest, scope, depth + 1)
                if found is not None:
                    return found
        func = value.func
        functions = self.ctx.graph.callees(value, scope)
        if not functions and isinstance(func, ast.Attribute):
            functions = self.ctx.graph.methods_named(func.attr)
        for function in functions:
            bound = self.ctx.graph.bind(value, function, method=isinstance(func, ast.Attribute))
            for param, arg in bound.items():
                if key_of(arg) != holder:
                    continue
                for returned in (r.value for r in pycalls.returns_of(function.body) if r.value is not None):
                    found = self._hotter_copy(returned, param, rest, function, depth + 1)
                    if found is not None:
                        return found
        return None

    def _raised_by_helper(self, stmt: ast.stmt, key: str, scope: FunctionNode | None) -> bool:
        """`t = bump(t)`: the key assigned what a function of this module returns for it, every return an
        increase of that parameter (`return t * 2 if t else 0.4`)."""
        if not isinstance(stmt, ast.Assign) or not isinstance(stmt.value, ast.Call) \
                or not any(_target_matches(t, key) for t in stmt.targets) or key == ANY_TEMPERATURE_ITEM:
            return False
        for function in self.ctx.graph.callees(stmt.value, scope):
            params = [p for p, a in self.ctx.graph.bind(stmt.value, function).items() if key_of(a) == key]
            returns = [r.value for r in pycalls.returns_of(function.body) if r.value is not None]
            if params and returns and all(any(is_increase(r, p) for p in params) for r in returns):
                return True
        return False

    def _named_or_tested_retry(self, loop: Loop) -> bool:
        """Named like a retry (`for attempt in ...`, `while tries < 3`), or a refusal test in it."""
        if pycalls.is_retry_loop(loop):
            return True
        tests = {id(t) for t in self.ctx.refusal_tests() if not isinstance(t, ast.IfExp)}
        return bool(tests) and any(id(n) in tests for n in walk_body([loop]))  # an `except` clause counts

    def _counters(self, loop: Loop, scope: FunctionNode | None, calls: list[ast.Call]) -> dict[str, int | None]:
        """Keys that count the attempts, with the direction they move in: the loop variable (its iterable's
        order), keys a `while` test reads, and keys stepped by a whole number in the loop or a method it
        calls (`tries += 1`; `self.attempts += 1` in `budget.next()` counts `budget.attempts`)."""
        counters: dict[str, int | None] = {}
        if isinstance(loop, ast.For | ast.AsyncFor):
            order = self._order(loop.iter, scope)
            for target in ast.walk(loop.target):
                if isinstance(target, ast.Name):
                    counters[target.id] = order
            if isinstance(loop.iter, ast.Call) and isinstance(loop.iter.func, ast.Name) \
                    and loop.iter.func.id == "enumerate" and isinstance(loop.target, ast.Tuple) \
                    and loop.target.elts and isinstance(loop.target.elts[0], ast.Name):
                counters[loop.target.elts[0].id] = 1
                inner = self._order(loop.iter.args[0], scope) if loop.iter.args else None
                for target in loop.target.elts[1:]:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            counters[name.id] = inner
        tested = {key_of(n) for n in ast.walk(loop.test)} - {None} if isinstance(loop, ast.While) else set()
        bodies: list[tuple[list[ast.stmt], str | None]] = [(loop.body, None)]
        for call in calls:  # methods called on an object: their `self.x` is that object's `x`
            receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
            prefix = receiver.id if isinstance(receiver, ast.Name) else None
            bodies += [(f.body, prefix) for f in self.ctx.graph.callees(call)]
        for body, prefix in bodies:
            for node in walk_body(body):
                if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add | ast.Sub):
                    key = key_of(node.target)
                    if key and prefix and prefix != "self" and key.startswith("self."):
                        key = prefix + key[4:]
                    step = constant_number(node.value)
                    whole = step is not None and float(step).is_integer()
                    if key and (whole or key in tested) and (body is loop.body or self._shared(key) or prefix):
                        counters[key] = 1 if isinstance(node.op, ast.Add) == (step is None or step > 0) else -1
        return counters

    def _order(self, iterable: ast.expr, scope: FunctionNode | None) -> int | None:
        """+1 / -1 when the loop walks numbers upward / downward (`range(3)`, `[0.2, 0.5, 0.9]`), else None."""
        if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.func.id == "range":
            step = constant_number(iterable.args[2]) if len(iterable.args) == 3 else 1
            return None if step is None else 1 if step > 0 else -1
        values = self.ctx.values.value(Val(iterable, scope))
        if isinstance(values, list | tuple) and len(values) > 1 and all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            if all(a <= b for a, b in itertools.pairwise(values)) and values[0] < values[-1]:
                return 1
            if all(a >= b for a, b in itertools.pairwise(values)):
                return -1
        return None

    def _depends(self, value: Val, counters: dict[str, int | None], scope: FunctionNode | None) -> bool:
        return bool(self._keys(value, scope) & set(counters))

    def _direction(self, node: ast.expr, where: FunctionNode | None, env: dict | None,  # type: ignore[type-arg]
                   counters: dict[str, int | None], scope: FunctionNode | None, depth: int) -> int | None:
        """How an expression moves as the counters go up: +1, -1, 0 (not at all) or None (unknown)."""
        if depth > 6:
            return None
        key = key_of(node)
        if key is not None:
            root = _root(key)
            if env is not None and root in env and isinstance(node, ast.Name):
                bound = env[root]
                return self._direction(bound.expr, bound.scope, bound.env, counters, scope, depth + 1)
            if key in counters and (where is scope or self._shared(key)):
                return counters[key]
            return None if any(k in counters for k in self._node_keys(node)) and where is scope else 0
        if isinstance(node, ast.Constant):
            return 0
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = self._direction(node.operand, where, env, counters, scope, depth + 1)
            return -inner if inner is not None else None
        if isinstance(node, ast.BinOp):
            left = self._direction(node.left, where, env, counters, scope, depth + 1)
            right = self._direction(node.right, where, env, counters, scope, depth + 1)
            if isinstance(node.op, ast.Add):
                return _combine(left, right)
            if isinstance(node.op, ast.Sub):
                return _combine(left, -right if right is not None else None)
            if isinstance(node.op, ast.Mult | ast.Div):
                factor = constant_number(node.right) if right == 0 else constant_number(node.left) \
                    if left == 0 and isinstance(node.op, ast.Mult) else None
                if factor is not None:
                    moving = left if right == 0 else right
                    return moving * (1 if factor > 0 else -1 if factor < 0 else 0) if moving is not None else None
                return _combine(left, right) if isinstance(node.op, ast.Mult) else None
            return None if left or right or left is None or right is None else 0
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            args = [self._direction(a, where, env, counters, scope, depth + 1) for a in node.args]
            if name in _MONOTONE:
                result: int | None = 0
                for direction in args[:1] if name == "round" else args:
                    result = _combine(result, direction)
                return result
            for function in self.ctx.graph.callees(node, where):  # a helper computing it: follow its returns
                bound = self.ctx.graph.bind(node, function)
                inner_env = {p: Val(a, where, env) for p, a in bound.items()}
                returns = [n.value for n in walk_body(function.body) if isinstance(n, ast.Return) and n.value]
                result = 0
                for value in returns:
                    result = _combine(result, self._direction(value, function, inner_env, counters, scope, depth + 1))
                return result
            return 0 if all(a == 0 for a in args) else None
        if isinstance(node, ast.Subscript):
            index = self._direction(node.slice, where, env, counters, scope, depth + 1)
            if index == 0:
                return 0
            order = self._order(node.value, where)
            return order * index if order is not None and index is not None else None
        return None if any(k in counters for k in self._node_keys(node)) else 0

    @staticmethod
    def _node_keys(node: ast.AST) -> set[str]:
        return {k for sub in ast.walk(node) if (k := key_of(sub)) is not None}

    def _keys(self, value: Val, scope: FunctionNode | None, depth: int = 0) -> set[str]:
        """Keys the value reads, as the scope `scope` names them: its own names, the caller's arguments
        for a helper's parameters, and attributes of `self` or module-level names read anywhere."""
        keys: set[str] = set()
        for key in self._node_keys(value.expr):
            root = _root(key)
            if value.env is not None and root in value.env and depth < 4:
                keys |= self._keys(value.env[root], scope, depth + 1)
            elif value.scope is scope or self._shared(key):
                keys.add(key)
        return keys

    def _stored_in(self, value: Val, scope: FunctionNode | None, depth: int = 0) -> set[str]:
        """The key the temperature *is* (`temperature=t`, `=self.temperature`, `=params["temperature"]`), as
        `scope` names it; empty for a computed value (`0.2 * (tries + 1)`: raising `tries` counts attempts)."""
        key = key_of(value.expr)
        if key is None:
            return set()
        if value.env is not None and isinstance(value.expr, ast.Name) and key in value.env and depth < 4:
            return self._stored_in(value.env[key], scope, depth + 1)
        return {key} if value.scope is scope or self._shared(key) else set()

    def _shared(self, key: str) -> bool:
        """Is `key` the same storage wherever it is read: an attribute of `self` or a module-level name?"""
        root = _root(key)
        if root in ("self", "cls"):
            return "." in key or "[" in key
        if self._module_names is None:
            assert self.ctx.tree is not None
            self._module_names = {t.id for s in self.ctx.tree.body if isinstance(s, ast.Assign | ast.AnnAssign)
                                  for t in (s.targets if isinstance(s, ast.Assign) else [s.target])
                                  if isinstance(t, ast.Name)}
        return root in self._module_names

    # ------------------------------------------------------------------ after a refusal test

    def _refusal_branches(self, scope: FunctionNode | None, requests: list[Request]) -> None:
        flow = self.ctx.flow(scope)
        after = [r for r in requests if flow.after_refusal(self.ctx.statement_of(r.call))]
        for request in after:
            if request.temperature is not None:
                self._hotter_request(request, requests)
        assert self.ctx.tree is not None
        body = scope_body(self.ctx.tree, scope)
        branch_statements = [s for s in walk_body(body) if isinstance(s, ast.stmt) and flow.after_refusal(s)]
        if not branch_statements:
            return
        #: key -> the temperature it held for the request before the branch (None: read it from the key)
        keys: dict[str, Val | None] = {ANY_TEMPERATURE_ITEM: None}
        for request in requests:
            if request.temperature is not None:
                keys.update(dict.fromkeys(self._stored_in(request.temperature, scope)))
            if request.receiver is not None and (held := key_of(request.receiver)) is not None:
                keys[f"{held}.temperature"] = request.temperature  # llm.temperature = 0.9 on the model object
        calls = [n for s in branch_statements for n in ast.walk(s) if isinstance(n, ast.Call)]
        called = self.ctx.graph.reachable(calls)
        for stmt in branch_statements:
            for key, before in keys.items():
                if _raises(stmt, key) or self._raised_constant(stmt, key, scope, before) \
                        or self._raised_by_helper(stmt, key, scope):
                    self.hit(stmt, _BRANCH_RAISE)
        for function in called:
            for stmt in walk_body(function.body):
                if any(_raises(stmt, key) for key in keys if key == ANY_TEMPERATURE_ITEM or self._shared(key)):
                    self.hit(stmt, _BRANCH_RAISE)
        for call in calls:  # `with warmer(llm):` where `def warmer(model): model.temperature = original + delta`
            for function in self.ctx.graph.callees(call, scope):
                for param, arg in self.ctx.graph.bind(call, function).items():
                    holder = key_of(arg)
                    for key in keys:
                        if holder is None or not key.startswith(holder) or key[len(holder):len(holder) + 1] != ".":
                            continue
                        inner = param + key[len(holder):]
                        aliases = _aliases(function.body, inner)
                        for stmt in walk_body(function.body):
                            if _raises(stmt, inner, aliases):
                                self.hit(stmt, _BRANCH_RAISE)

    def _hotter_request(self, request: Request, requests: list[Request]) -> None:
        """A request after a refusal test whose temperature is above the one of the request before it."""
        value = request.temperature
        assert value is not None
        if key_of(value.expr) is not None and value.scope is request.scope:
            return  # a variable: the assignment that raised it is the finding (`_raises`, `_raised_constant`)
        new = self.ctx.values.value(value)
        if not isinstance(new, int | float) or isinstance(new, bool):
            if is_increase(value.expr):
                self.hit(value.expr, _BRANCH_RAISE)
            return
        earlier = [r for r in requests if (r.call.lineno, r.call.col_offset) < (request.call.lineno,
                                                                                 request.call.col_offset)]
        baseline = DEFAULT_TEMPERATURE  # a request that sets no temperature samples at the API's default
        if earlier and earlier[-1].temperature is not None:
            before = self.ctx.values.value(earlier[-1].temperature)
            if isinstance(before, int | float) and not isinstance(before, bool):
                baseline = before
        if new > baseline:
            self.hit(value.expr, _BRANCH_RAISE)

    def _raised_constant(self, stmt: ast.stmt, key: str, scope: FunctionNode | None, held: Val | None) -> bool:
        """`temperature = 1.0` / `llm.temperature = 0.9` after a refusal test, above the value it had before
        (`held`: where that value is written, when not in the key itself)."""
        if not isinstance(stmt, ast.Assign) or not any(key_of(t) == key for t in stmt.targets):
            return False
        new = constant_number(stmt.value)
        if new is None:
            return False
        before = self.ctx.values.value(held if held is not None else Val(stmt.targets[0], scope))
        if not isinstance(before, int | float) or isinstance(before, bool):
            before = DEFAULT_TEMPERATURE
        return new > before

    # ------------------------------------------------------------------ retry decorators

    def _retry_decorators(self, function: FunctionNode, requests: list[Request]) -> None:
        """`@retry(retry=retry_if_result(is_refusal), before_sleep=warm_up)`: hooks run between attempts."""
        for decorator in function.decorator_list:
            if not pycalls.is_retry_decorator(decorator) or not isinstance(decorator, ast.Call):
                continue
            arguments = [*decorator.args, *(k.value for k in decorator.keywords)]
            where = self.ctx.graph.enclosing(function)
            hooks = [f for a in arguments for f in self.ctx.graph.functions_named(a, where)]
            refusal = any(self.ctx.is_refusal_test(a) for a in arguments) or any(
                self.ctx.refusal_predicates.get(f.name) or pycalls.is_refusal_test(ast.Name(id=f.name))
                for f in hooks)
            if not refusal:
                continue
            keys = {k for r in requests if r.temperature is not None for k in self._stored_in(r.temperature, function)}
            for hook in hooks:
                for stmt in walk_body(hook.body):
                    if any(_raises(stmt, key) for key in keys | {ANY_TEMPERATURE_ITEM}
                           if key == ANY_TEMPERATURE_ITEM or self._shared(key)):
                        self.hit(stmt, _LOOP_RAISE)


def check(ctx: CheckContext, rule: Rule) -> Iterator[Hit]:
    """Hits on the temperature argument or assignment that re-samples hotter after a refusal.

    Every hit involves a temperature (`temperature=`, a `"temperature"` item) and a retry: a loop, a
    refusal test or a retry decorator. A file whose text lacks the word, or both a model call and a
    refusal test, is skipped before any tree walk; one with no loop, refusal test or retry decorator
    before the call graph is built.
    """
    if ctx.tree is None or ctx.lacks("temperature"):
        return iter(())
    if not ctx.extraction.calls and not ctx.may_hold_model_call() and not ctx.may_hold_refusal_check():
        return iter(())
    facts = ctx.facts
    if not any(pycalls.is_retry_loop(loop) for loop in facts.loops) and not ctx.has_refusal_test() and not any(
            pycalls.is_retry_decorator(d) for f in facts.functions for d in f.decorator_list):
        return iter(())  # a retry is a loop named like one, a refusal test or a retry decorator: none here
    return _Finder(ctx).run()
