"""PL402: answering a refusal by switching to a smaller or cheaper model.

A fallback re-sends the refused request; it is this rule's business when the next attempt's model is
smaller than the refused one's. The request may be written where the fallback is or in a helper function,
a method of the same class, a decorated function or a model object built earlier (`cheap =
ChatAnthropic(model="claude-haiku-...")`); `CheckContext.requests` lifts its model to the fallback. Shapes:

- the branch taken after a refusal test (`CheckContext.flow`), a recursive call included: the request
  there re-sends what the refused one sent, its answer takes the refused answer's place, and its model is
  smaller than the refused request's (`model=...`, `return ask(q, tier + 1)` with `model=TIERS[tier]`);
- a model assignment after a refusal test (`model = "gpt-4o-mini"`, `params["model"] = ...`);
- a loop that goes round again after a refusal and stops at the first answer that is not one: stepping
  through two iterations (`for model in MODELS`, `self.chain[index]` with `index += 1`,
  `model = DOWNGRADE[model]`, `self._next_model()` moving `self.position`, `while refused and i < n:`)
  gives a smaller model on the second attempt than on the first;
- a LangChain fallback (`big.with_fallbacks([small], exceptions_to_handle=(Declined,))`,
  `RunnableWithFallbacks(runnable=..., fallbacks=[...], exceptions_to_handle=...)`) whose exceptions are all
  refusals: named so, or raised only after a refusal test (a guard step), with a smaller fallback model.

Error fallbacks (`except APIError`, overloaded / rate-limited) carry no refusal test and stay quiet, as do
routing by task size, moving to a larger model, evaluation loops that run every model (no early exit),
loops that give up on a refusal, `with_fallbacks` on API errors or any exception, and a small model doing a
side task after a refusal (tagging or logging it: its answer does not replace the refused one). Error
handlers (`except RateLimitError:`) are not on a refusal's path when a loop is stepped through.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from promptlint.checks import Hit
from promptlint.checks.pyast import FunctionNode, Loop, names, scope_body, walk_body
from promptlint.checks.values import UNKNOWN, Instance, Val
from promptlint.diskcache import compile_regex

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.checks.context import CheckContext
    from promptlint.checks.requests import Request
    from promptlint.rules_engine.rule import Rule

_WHY = ("a smaller model infers intent from the same words, and is usually no more willing, so the refusal comes "
        "back with a weaker answer; add the purpose, audience and scope the prompt is missing instead.")
_BRANCH = "Switches to the smaller model {new!r} after a refusal: " + _WHY
_LIST = "Falls back along models ordered toward smaller ones ({first!r} -> {last!r}) after a refusal: " + _WHY
_MODEL_ITEM = "model"
#: Attempts of a fallback loop stepped through (enough to see a list of models to its end).
_ATTEMPTS = 6
_NOT_TAKEN: Any = object()


class _Finder:
    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.hits: dict[tuple[int, int], Hit] = {}

    def hit(self, node: ast.AST, message: str) -> None:
        span = self.ctx.span(node)
        if span not in self.hits:
            self.hits[span] = Hit(span[0], span[1], message=message, statement_span=self.ctx.statement_span(node))

    def run(self) -> Iterator[Hit]:
        for scope in self._scopes():
            requests = [r for r in self.ctx.requests.of(scope) if r.kind == "model"]
            if not requests:
                continue
            self._after_refusal(scope, requests)
            self._fallback_loops(scope, requests)
        if not self.ctx.lacks("with_fallbacks", "runnablewithfallbacks"):
            self._runnable_fallbacks()
        return iter(sorted(self.hits.values(), key=lambda h: h.start))

    def _scopes(self) -> list[FunctionNode | None]:
        """Module-level code and every function that holds a refusal test."""
        wanted: dict[int, FunctionNode | None] = {}
        for test in self.ctx.refusal_tests():
            scope = self.ctx.function_of(test)
            wanted.setdefault(id(scope) if scope is not None else 0, scope)
        return list(wanted.values())

    # ------------------------------------------------------------------ after a refusal test

    def _after_refusal(self, scope: FunctionNode | None, requests: list[Request]) -> None:
        flow = self.ctx.flow(scope)
        for request in requests:
            stmt = self.ctx.statement_of(request.call)
            if not flow.after_refusal(stmt):
                continue
            previous = self._refused(request, requests, flow)
            if previous is None or not _same_request(request, previous) or not self._replaces(request, previous,
                                                                                              scope):
                continue  # a side task (tag or log the refusal) on a small model is fine
            new, old = self.ctx.values.string(request.model), self.ctx.values.string(previous.model)
            if new is not None and is_smaller_model(new, old):
                self.hit(self._where(request, scope), _BRANCH.format(new=new))
        keys = {key for r in requests if r.model is not None and (key := _model_key(r.model.expr)) is not None
                and (r.model.scope is scope or key.startswith("self."))}
        for stmt in walk_body(self._body(scope)):
            if not isinstance(stmt, ast.Assign) or not flow.after_refusal(stmt):
                continue
            if not any(_model_key(t) in keys or _is_model_item(t) for t in stmt.targets):
                continue
            new = self.ctx.values.string(Val(stmt.value, scope))
            old = self.ctx.values.string(Val(stmt.targets[0], scope)) if not _is_model_item(stmt.targets[0]) else \
                self._model_before(stmt, requests)
            if new is not None and is_smaller_model(new, old):
                self.hit(stmt.value, _BRANCH.format(new=new))

    def _refused(self, request: Request, requests: list[Request], flow: Any) -> Request | None:
        """The request whose refusal the branch answers: the closest one before it that is not itself a fallback."""
        earlier = [r for r in requests if (r.call.lineno, r.call.col_offset) < (request.call.lineno,
                                                                                 request.call.col_offset)]
        first = [r for r in earlier if not flow.after_refusal(self.ctx.statement_of(r.call))]
        return (first or earlier or [None])[-1]

    def _model_before(self, stmt: ast.stmt, requests: list[Request]) -> str | None:
        earlier = [r for r in requests if r.call.lineno < stmt.lineno]
        return self.ctx.values.string(earlier[-1].model) if earlier else None

    def _replaces(self, request: Request, previous: Request, scope: FunctionNode | None) -> bool:
        """Does the fallback's answer take the refused answer's place: returned, or stored where it was?"""
        stmt = self.ctx.statement_of(request.call)
        if isinstance(stmt, ast.Return):
            return True
        if not isinstance(stmt, ast.Assign | ast.AnnAssign):
            return False
        targets = _stored_in(stmt)
        before = self.ctx.statement_of(previous.call)
        if isinstance(before, ast.Assign | ast.AnnAssign) and targets & _stored_in(before):
            return True
        return self._returned(targets, scope)

    def _returned(self, stored: set[str], scope: FunctionNode | None) -> bool:
        """Is a value stored in `stored` returned, directly or through assignments (`text = r.content`)?"""
        body = self._body(scope)
        flows = set(stored)
        for _round in range(3):
            for node in walk_body(body):
                if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None \
                        and names(node.value) & flows:
                    flows |= _stored_in(node)
        return any(isinstance(n, ast.Return | ast.Yield) and n.value is not None and names(n.value) & flows
                   for n in walk_body(body))

    def _where(self, request: Request, scope: FunctionNode | None) -> ast.AST:
        """The node a finding points at: the smaller model as written, or the call using a smaller model object."""
        model = request.model
        assert model is not None
        if request.model_from_receiver:
            func = request.call.func
            return func.value if isinstance(func, ast.Attribute) else request.call
        key = _model_key(model.expr)
        if key is not None and model.scope is scope:
            feeding = self._assignment_before(key, scope, request.call)
            if feeding is not None:
                return feeding
        return model.expr

    def _assignment_before(self, key: str, scope: FunctionNode | None, call: ast.Call) -> ast.expr | None:
        """`model = "x-mini"` after the refusal test, feeding the call's `model=model`: the finding goes there."""
        flow = self.ctx.flow(scope)
        found = None
        for node in walk_body(self._body(scope)):
            if not isinstance(node, ast.Assign) or node.lineno >= call.lineno or not flow.after_refusal(node):
                continue
            if any(_model_key(t) == key for t in node.targets) and (found is None or node.lineno > found.lineno):
                found = node
        return found.value if found is not None else None

    def _body(self, scope: FunctionNode | None) -> list[ast.stmt]:
        assert self.ctx.tree is not None
        return scope_body(self.ctx.tree, scope)

    # ------------------------------------------------------------------ LangChain fallbacks

    def _runnable_fallbacks(self) -> None:
        """`big.with_fallbacks([small], exceptions_to_handle=(Declined,))` and `RunnableWithFallbacks(runnable=big,
        fallbacks=[small], exceptions_to_handle=...)`, where every exception handed on is a refusal: named so
        (`RefusalError`) or a class raised only after a refusal test (a guard step that raises on a refusal).
        Without `exceptions_to_handle` (any exception) or with API errors it is an error fallback."""
        assert self.ctx.tree is not None
        calls: list[ast.Call] = []
        raised: dict[str, list[ast.Raise]] = {}
        for node in ast.walk(self.ctx.tree):
            if isinstance(node, ast.Call):
                calls.append(node)
            elif isinstance(node, ast.Raise) and node.exc is not None:
                exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                name = exc.id if isinstance(exc, ast.Name) else exc.attr if isinstance(exc, ast.Attribute) else None
                if name is not None:
                    raised.setdefault(name, []).append(node)
        for call in calls:
            func = call.func
            keywords = {k.arg: k.value for k in call.keywords if k.arg}
            if isinstance(func, ast.Attribute) and func.attr == "with_fallbacks":
                primary: ast.expr | None = func.value
                fallbacks = call.args[0] if call.args else keywords.get("fallbacks")
            elif (func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute)
                  else None) == "RunnableWithFallbacks":
                primary = keywords.get("runnable") or (call.args[0] if call.args else None)
                fallbacks = keywords.get("fallbacks") or (call.args[1] if len(call.args) > 1 else None)
            else:
                continue
            handled = keywords.get("exceptions_to_handle")
            if primary is None or not isinstance(fallbacks, ast.List | ast.Tuple) or handled is None:
                continue
            exceptions = handled.elts if isinstance(handled, ast.Tuple | ast.List) else [handled]
            if not exceptions or not all(self._refusal_exception(e, raised) for e in exceptions):
                continue
            scope = self.ctx.function_of(call)
            old_model = self._runnable_model(primary, scope)
            if old_model is None:
                continue
            for fallback in fallbacks.elts:
                found = self._runnable_model(fallback, scope)
                if found is not None and is_smaller_model(found[0], old_model[0]):
                    self.hit(found[1], _BRANCH.format(new=found[0]))

    def _refusal_exception(self, node: ast.expr, raised: dict[str, list[ast.Raise]]) -> bool:
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if name is None:
            return False
        if self.ctx.is_refusal_test(node):
            return True
        sites = raised.get(name, [])
        return bool(sites) and all(self.ctx.after_refusal(r) for r in sites)

    def _runnable_model(self, node: ast.expr, scope: FunctionNode | None,
                        depth: int = 0) -> tuple[str, ast.expr] | None:
        """The model a runnable is built on: a `model=` / `model_name=` argument of a call in it (`prompt |
        ChatX(model="...") | guard`), names followed to their assignment: (the name, the node naming it)."""
        if depth > 4:
            return None
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                for keyword in sub.keywords:
                    if keyword.arg in ("model", "model_name"):
                        name = self.ctx.values.string(Val(keyword.value, scope))
                        if name is not None:
                            return name, keyword.value
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name):
                assigned = self.ctx.values.assignment(sub, scope)
                if assigned is not None:
                    found = self._runnable_model(assigned.expr, assigned.scope, depth + 1)
                    if found is not None:
                        return found
        return None

    # ------------------------------------------------------------------ fallback loops

    def _fallback_loops(self, scope: FunctionNode | None, requests: list[Request]) -> None:
        flow = self.ctx.flow(scope)
        for loop in self.ctx.facts.loops:
            if self.ctx.function_of(loop) is not scope:
                continue
            if not (flow.goes_round_after_refusal(loop) and flow.stops_on_success(loop)):
                continue
            inside = {id(n) for n in walk_body(loop.body)}
            in_loop = [r for r in requests if id(r.call) in inside and r.model is not None]
            if not in_loop:
                continue
            attempts = self._attempts(loop, scope, in_loop)
            for request in in_loop:
                models = [a.get(id(request)) for a in attempts]
                first, second = models[:2] if len(models) > 1 else (None, None)
                if isinstance(first, str) and isinstance(second, str) and is_smaller_model(second, first):
                    last = [m for m in models if isinstance(m, str)][-1]
                    self.hit(self._where_in_loop(request, loop, scope), _LIST.format(first=first, last=last))

    def _attempts(self, loop: Loop, scope: FunctionNode | None, requests: list[Request]) -> list[dict[int, Any]]:
        """The model of each request on the loop's first attempts (up to `_ATTEMPTS`), stepping through the
        loop's body: its variable takes the iterable's items in turn; assignments run in order, except those
        on the path where the answer was not a refusal (that path leaves the loop)."""
        flow = self.ctx.flow(scope)
        key = id(scope) if scope is not None else 0
        pinned: dict[tuple[int, str], Any] = {}
        items: list[Any] | None = None
        if isinstance(loop, ast.For | ast.AsyncFor):
            iterated = self.ctx.values.value(Val(loop.iter, scope))
            items = list(iterated) if isinstance(iterated, list | tuple) else None
            if not items or len(items) < 2:
                return []
        by_statement: dict[int, list[Request]] = {}
        for request in requests:
            stmt = self.ctx.statement_of(request.call)
            by_statement.setdefault(id(stmt), []).append(request)
        count = min(len(items), _ATTEMPTS) if items is not None else _ATTEMPTS
        attempts: list[dict[int, Any]] = [{} for _ in range(count)]
        for attempt in range(count):
            if items is not None:
                _unpack(loop.target, items[attempt], key, pinned)  # type: ignore[union-attr]
            for stmt in _statements(loop.body, self.ctx.is_refusal_test):
                if flow.runs_without_refusal_only(stmt):
                    continue
                for request in by_statement.get(id(stmt), []):
                    attempts[attempt][id(request)] = self.ctx.values.value(request.model, pinned)
                self._assign(stmt, scope, key, pinned)
                self._run_methods(stmt, scope, key, pinned)
        return attempts

    def _assign(self, stmt: ast.stmt, scope: FunctionNode | None, key: int, pinned: dict[tuple[int, str], Any]) -> None:
        """Run a plain assignment of the loop body on the pinned values (unknown results unpin the name):
        `x = ...`, `self.x = ...`, `i += 1`, `self.i += 1`, and taking the next item of a list or iterator
        (`model = queue.pop(0)`, `model = next(models)`), which also leaves the rest for the next attempt."""
        values = self.ctx.values
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            value = self._take_next(stmt.value, scope, key, pinned)
            if value is _NOT_TAKEN:
                value = values.value(Val(stmt.value, scope), pinned)
            where = self._pin_key(target, scope, key)
            if where is not None:
                pinned[where] = value
        elif isinstance(stmt, ast.AugAssign):
            where = self._pin_key(stmt.target, scope, key)
            if where is None:
                return
            current = values.value(Val(stmt.target, scope), pinned)
            step = values.value(Val(stmt.value, scope), pinned)
            if isinstance(current, int) and isinstance(step, int) and isinstance(stmt.op, ast.Add | ast.Sub):
                pinned[where] = current + step if isinstance(stmt.op, ast.Add) else current - step
            else:
                pinned[where] = UNKNOWN
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self._take_next(stmt.value, scope, key, pinned)  # `queue.pop(0)` on its own still moves on

    def _pin_key(self, target: ast.expr, scope: FunctionNode | None, key: int) -> tuple[int, str] | None:
        if isinstance(target, ast.Name):
            return (key, target.id)
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self" \
                and scope is not None:
            cls = self.ctx.graph.class_of_function(scope)
            return (id(cls or scope), f"self.{target.attr}")
        return None

    def _take_next(self, value: ast.expr, scope: FunctionNode | None, key: int,
                   pinned: dict[tuple[int, str], Any]) -> Any:
        """`queue.pop(0)` / `queue.popleft()` / `next(it)` on a list the loop holds: its first item, the rest
        pinned for later attempts (`_NOT_TAKEN` for any other expression)."""
        if not isinstance(value, ast.Call):
            return _NOT_TAKEN
        func = value.func
        if isinstance(func, ast.Attribute) and func.attr in ("pop", "popleft") and isinstance(func.value, ast.Name) \
                and (func.attr == "popleft" or [ast.dump(a) for a in value.args] == [ast.dump(ast.Constant(0))]):
            holder = func.value
        elif isinstance(func, ast.Name) and func.id == "next" and value.args and isinstance(value.args[0], ast.Name):
            holder = value.args[0]
        else:
            return _NOT_TAKEN
        items = self.ctx.values.value(Val(holder, scope), pinned)
        if not isinstance(items, list | tuple) or not items:
            return UNKNOWN
        pinned[(key, holder.id)] = list(items[1:])
        return items[0]

    def _run_methods(self, stmt: ast.stmt, scope: FunctionNode | None, key: int,
                     pinned: dict[tuple[int, str], Any]) -> None:
        """`ladder.step_down()` in the statement (its own expressions): the attributes the method changes on
        that object (`self._i += 1`), pinned as `ladder._i` for the next attempt."""
        own = [stmt.test] if isinstance(stmt, ast.If | ast.While) else [
            v for v in (getattr(stmt, "value", None),) if isinstance(v, ast.expr)]
        values = self.ctx.values
        for expr in own:
            for call in (n for n in ast.walk(expr) if isinstance(n, ast.Call)):
                func = call.func
                if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
                    continue
                if func.value.id == "self" and scope is not None:
                    self._run_own_method(func.attr, scope, pinned)
                    continue
                instance = values.value(Val(func.value, scope), pinned)
                if not isinstance(instance, Instance) or instance.held_in is None:
                    continue
                method = self.ctx.graph.method_of(instance.cls, func.attr)
                if method is None:
                    continue
                this = {"self": instance.bound_to()}
                for node, target in _self_assignments(method):
                    new = values.value(Val(node.value, method, this), pinned)
                    if isinstance(node, ast.AugAssign):
                        current = values.attribute_of(instance, target.attr, pinned)
                        new = current + new if isinstance(node.op, ast.Add) and isinstance(current, int) \
                            and isinstance(new, int) else UNKNOWN
                    pinned[(instance.held_in[0], f"{instance.held_in[1]}.{target.attr}")] = new

    def _run_own_method(self, name: str, scope: FunctionNode, pinned: dict[tuple[int, str], Any]) -> None:
        """`self._next_model()` in a method's loop: the attributes that method of the same class changes
        (`self.position += 1`), pinned for the next attempt (its conditions are not followed)."""
        cls = self.ctx.graph.class_of_function(scope)
        method = self.ctx.graph.method_of(cls, name) if cls is not None else None
        if method is None or method is scope:
            return
        values = self.ctx.values
        for node, target in _self_assignments(method):
            new = values.value(Val(node.value, method), pinned)
            if isinstance(node, ast.AugAssign):
                current = values.value(Val(target, method), pinned)
                counted = isinstance(node.op, ast.Add | ast.Sub) and isinstance(current, int) and isinstance(new, int)
                new = (current + new if isinstance(node.op, ast.Add) else current - new) if counted else UNKNOWN
            pinned[(id(cls), f"self.{target.attr}")] = new

    def _where_in_loop(self, request: Request, loop: Loop, scope: FunctionNode | None) -> ast.AST:
        """The model as the request names it, or the assignment in the loop that picks it."""
        model = request.model
        assert model is not None
        if request.model_from_receiver:
            return self._where(request, scope)
        if isinstance(model.expr, ast.Name) and model.scope is scope:
            feeding = [n for n in walk_body(loop.body) if isinstance(n, ast.Assign)
                       and any(isinstance(t, ast.Name) and t.id == model.expr.id for t in n.targets)]
            refusal_path = [n for n in feeding if self.ctx.flow(scope).after_refusal(n)]
            chosen = (refusal_path or feeding)
            if chosen:
                return chosen[-1].value
        return model.expr


def _self_assignments(method: FunctionNode) -> Iterator[tuple[ast.Assign | ast.AugAssign, ast.Attribute]]:
    """`self.x = ...` and `self.x += ...` in a method's body, with their `self.x` target."""
    for node in walk_body(method.body):
        if isinstance(node, ast.AugAssign):
            target: ast.expr | None = node.target
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        else:
            continue
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
            yield node, target


def _statements(body: list[ast.stmt], refusal_test: Callable[[ast.expr], bool]) -> Iterator[ast.stmt]:
    """Statements of a loop body in execution order, nested blocks included (not nested functions or loops'
    own iteration: a nested loop's body is run once), `except` clauses only for a refusal exception (an
    error handler's `self._next_model()` is not on the path a refusal takes)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for name in ("body", "orelse", "finalbody"):
            block = getattr(stmt, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield from _statements(block, refusal_test)
        for handler in getattr(stmt, "handlers", ()):
            if handler.type is not None and refusal_test(handler.type):
                yield from _statements(handler.body, refusal_test)


def _unpack(target: ast.expr, value: Any, key: int, pinned: dict[tuple[int, str], Any]) -> None:
    if isinstance(target, ast.Name):
        pinned[(key, target.id)] = value
    elif isinstance(target, ast.Tuple | ast.List):
        parts = value if isinstance(value, list | tuple) and len(value) == len(target.elts) else None
        for i, element in enumerate(target.elts):
            _unpack(element, parts[i] if parts is not None else UNKNOWN, key, pinned)


def _stored_in(stmt: ast.Assign | ast.AnnAssign) -> set[str]:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _model_key(node: ast.AST) -> str | None:
    """`model` or `self.model`: where a request's model may be stored."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return f"self.{node.attr}"
    return None


def _is_model_item(node: ast.AST) -> bool:
    """`params["model"]`: the model entry of a dict of request parameters."""
    return isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value == _MODEL_ITEM


def _request_args(request: Request) -> list[ast.expr]:
    """What a call sends: its messages / input / prompt / system arguments, else its positional ones."""
    call = request.call
    sent = [k.value for k in call.keywords if k.arg in ("messages", "input", "prompt", "contents", "system")]
    return sent or list(call.args)


def _same_request(call: Request, previous: Request) -> bool:
    """Does `call` re-send what `previous` sent (same expression, or built from the same names)?"""
    now, before = _request_args(call), _request_args(previous)
    if not now or not before:
        return True
    if {ast.dump(n) for n in now} & {ast.dump(n) for n in before}:
        return True
    return bool(set().union(*(names(n) for n in now)) & set().union(*(names(n) for n in before)))


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


def check(ctx: CheckContext, rule: Rule) -> Iterator[Hit]:
    """Hits on the smaller model chosen after a refusal (the argument, the assignment feeding it, or the call
    on a smaller model object).

    Every shape needs a model named somewhere (text) and a refusal test in some `if` / `while` /
    conditional expression (the shared walk), so files without them cost no further walk.
    """
    if ctx.tree is None or ctx.lacks("model", "deployment") or not ctx.may_hold_refusal_check():
        return iter(())
    if not ctx.has_refusal_test():
        return iter(())
    return _Finder(ctx).run()
