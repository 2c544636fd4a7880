"""PL404: a loop that sends each step of a plan to the model on its own, without the task's context.

`for step in plan: client.messages.create(messages=[{"role": "user", "content": step}])` asks the model
to judge every step in isolation: a later step that sounds sensitive out of context ("now write the
payload", "list the doses") gets refused mid-chain. Quiet when the call has a system prompt (`system=`,
`instructions=`, a system message), when the messages are history accumulated across iterations (a
list appended to), or when the content interpolates something from outside the loop that carries the
task (the goal, the plan, the document, the context).

A step loop may also be written without `for`: a `while` that takes the next step from a queue (`while
queue: todo = queue.popleft()`), or a function that handles `steps[0]` and calls itself on `steps[1:]`
(what it passes on to itself, a history, is carried from step to step). Messages built by a helper or
method whose every return holds a system message count as having one.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from promptlint.checks import Hit, pyast
from promptlint.checks.callgraph import params_of
from promptlint.checks.pyast import (
    FunctionNode,
    assigned_names,
    chain,
    constant_assignments,
    is_model_call,
    names,
    walk_body,
)
from promptlint.checks.values import Val
from promptlint.diskcache import compile_regex
from promptlint.extractors import pycalls

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.checks.context import CheckContext, Comprehension
    from promptlint.rules_engine.rule import Rule

#: Loop variables / iterables that hold the steps of one task.
#: Not bare `task`: `for task in benchmark_tasks` is usually a set of independent requests, each complete.
_STEP_RE = compile_regex(
    r"(?i)step|plan|sub_?tasks?|stage|phase|todo|action|milestone|instruction|agenda|pipeline|chain"
)
_STEP_WORD_RE = compile_regex(_STEP_RE.pattern.removeprefix("(?i)"))  # on lower-cased text: IGNORECASE is slow
#: Names that carry the overall task when interpolated into a step.
_CONTEXT_RE = compile_regex(
    r"(?i)task|context|goal|plan|objective|background|brief|mission|purpose|history|conversation"
    r"|overall|document|spec|requirement|summary|system|instruction|memory|state|scratchpad"
    r"|notes|previous|prior|transcript|ticket|request|question|query"
)
_MESSAGE_KWARGS = ("messages", "input", "prompt", "contents")
_RECEIVER_WITH_PROMPT_RE = compile_regex(r"(?i)chain|agent|crew|graph|executor|runnable|pipeline")
_BUILTINS = frozenset(dir(builtins))
_SYSTEM_ROLES = frozenset({"system", "developer"})
#: Arguments that make the API keep the conversation server-side: earlier steps travel with the request.
_SERVER_STATE_KWARGS = frozenset({"previous_response_id", "conversation", "conversation_id", "thread_id"})


@dataclass(slots=True)
class _ComprehensionLoop:
    """A comprehension over steps (`[ask(s) for s in plan]`, `gather(*(run(s) for s in steps))`) seen as a
    loop with no statements of its own."""

    node: Comprehension
    target: ast.expr
    iter: ast.expr
    lineno: int
    col_offset: int
    body: list[ast.stmt] = field(default_factory=list)


@dataclass(slots=True)
class _WalkedLoop:
    """A step loop written without `for`: a `while` that takes the next step from a list or queue
    (`while queue: todo = queue.popleft()`), or a function that handles the first step and calls itself on
    the rest (`_ask(steps[0]); return run_steps(steps[1:], acc)`). `node`: the `while` or the function;
    `scope`: the function its requests are made in; `taken`: the expression taking the next step (not
    followed: it is the step itself)."""

    node: ast.While | FunctionNode
    target: ast.expr
    iter: ast.expr
    lineno: int
    col_offset: int
    body: list[ast.stmt]
    scope: FunctionNode | None
    taken: ast.expr | None = None
    #: A recursion's own calls, and the parameters it passes on to itself (history threaded through).
    recursive_calls: frozenset[int] = frozenset()
    carried: frozenset[str] = frozenset()


StepLoop = ast.For | ast.AsyncFor | _ComprehensionLoop | _WalkedLoop
_TAKE_METHODS = frozenset({"pop", "popleft", "get", "get_nowait"})


def _drained(loop: ast.While, scope: FunctionNode | None) -> _WalkedLoop | None:
    """`while queue: todo = queue.popleft()` (or `pop(0)`, `pop()`, `next(it)`) over steps: a loop over them."""
    for stmt in loop.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Call)):
            continue
        func = stmt.value.func
        if isinstance(func, ast.Attribute) and func.attr in _TAKE_METHODS and isinstance(func.value, ast.Name):
            holder: ast.expr = func.value
        elif isinstance(func, ast.Name) and func.id == "next" and stmt.value.args \
                and isinstance(stmt.value.args[0], ast.Name):
            holder = stmt.value.args[0]
        else:
            continue
        target = stmt.targets[0]
        if _STEP_RE.search(target.id) or _STEP_RE.search(holder.id):  # type: ignore[attr-defined]
            return _WalkedLoop(loop, target, holder, loop.lineno, loop.col_offset, loop.body, scope, stmt.value)
    return None


def _recursive_walk(ctx: CheckContext, function: FunctionNode) -> _WalkedLoop | None:
    """A function that calls itself on the rest of a parameter holding steps (`steps[1:]`): a loop over them,
    the parameter standing for its first step."""
    step_params = [p for p in params_of(function) if _STEP_RE.search(p)]
    if not step_params:
        return None
    own = [(c, ctx.graph.bind(c, function)) for c in ctx.graph.calls_in(function)
           if function in ctx.graph.callees(c, function)]
    for _call, bound in own:
        for param, arg in bound.items():
            if param in step_params and isinstance(arg, ast.Subscript) and isinstance(arg.slice, ast.Slice) \
                    and isinstance(arg.value, ast.Name) and arg.value.id == param:
                name = ast.Name(id=param, ctx=ast.Load(), lineno=function.lineno, col_offset=function.col_offset)
                carried = frozenset(p for _c, b in own for p, a in b.items()
                                    if p != param and not isinstance(a, ast.Constant))
                return _WalkedLoop(function, name, name, function.lineno, function.col_offset, function.body, function,
                                   recursive_calls=frozenset(id(c) for c, _b in own), carried=carried)
    return None


def _step_loop(ctx: CheckContext, call: ast.Call, walked: dict[int, _WalkedLoop]) -> StepLoop | None:
    """The innermost enclosing `for` loop, comprehension, queue-draining `while` or recursive walk over steps
    (not a retry loop)."""
    for node in ctx.ancestors(call):
        if id(node) in walked:
            return walked[id(node)]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            return None
        if isinstance(node, ast.For | ast.AsyncFor) and _is_step_loop(node):
            return node
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            loop = _comprehension_loop(node)
            if loop is not None:
                return loop
    return None


def _comprehension_loop(node: Comprehension) -> _ComprehensionLoop | None:
    for generator in node.generators:
        if _is_step_loop(generator):
            return _ComprehensionLoop(node, generator.target, generator.iter, node.lineno, node.col_offset)
    return None


def _loop_scope(ctx: CheckContext, loop: StepLoop) -> FunctionNode | None:
    if isinstance(loop, _WalkedLoop):
        return loop.scope
    return ctx.function_of(loop.node if isinstance(loop, _ComprehensionLoop) else loop)


def _is_step_loop(loop: ast.For | ast.AsyncFor | ast.comprehension) -> bool:
    """A `for` over the steps of one task (`for step in plan`, `for action in plan.actions`), not a retry loop."""
    if pycalls.is_retry_loop(loop):
        return False
    return any(_STEP_RE.search(n) for n in names(loop.target) | names(loop.iter)) or (
        isinstance(loop.iter, ast.Attribute) and bool(_STEP_RE.search(loop.iter.attr)))


def _messages_of(call: ast.Call) -> ast.expr | None:
    for name in _MESSAGE_KWARGS:
        kw = next((k for k in call.keywords if k.arg == name), None)
        if kw is not None:
            return kw.value
    return call.args[0] if call.args else None


def _has_system(call: ast.Call, messages: ast.AST) -> bool:
    if any(k.arg in pycalls.SYSTEM_KWARGS for k in call.keywords):
        return True
    return _has_system_message(messages)


def _has_system_message(messages: ast.AST) -> bool:
    """A system / developer message written in `messages` (a dict, a message class, a `("system", ...)`)."""
    for node in ast.walk(messages):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "role" and isinstance(value, ast.Constant) \
                        and value.value in _SYSTEM_ROLES:
                    return True
        if isinstance(node, ast.Call) and pycalls.MESSAGE_CLASSES.get(chain(node).rsplit(".", 1)[-1]) == "system":
            return True
        if isinstance(node, ast.Tuple) and node.elts and isinstance(node.elts[0], ast.Constant) \
                and node.elts[0].value in _SYSTEM_ROLES:
            return True
    return False


def _built_with_system(ctx: CheckContext, node: ast.expr, scope: FunctionNode | None, depth: int = 0) -> bool:
    """Are the messages built by this module's code with a system message: a helper or method every return of
    which holds one (`messages=self._messages_for(action)`), or a local every assignment of which does,
    followed a few levels."""
    if depth > 3:
        return False
    targets: list[tuple[ast.expr, FunctionNode | None]] = []
    if isinstance(node, ast.Call):
        for function in ctx.graph.callees(node, scope):
            targets += [(r.value, function) for r in pycalls.returns_of(function.body) if r.value is not None]
    elif isinstance(node, ast.Name) and scope is not None:
        targets += [(value, scope) for _line, value in constant_assignments(scope.body, node.id)]
    return bool(targets) and all(_has_system_message(value) or _built_with_system(ctx, value, where, depth + 1)
                                 for value, where in targets)


def _grows(loop_body: list[ast.stmt], name: str) -> bool:
    """`name.append(...)` / `name.extend(...)` / `name += ...`: history carried from step to step."""
    for node in walk_body(loop_body):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                "append", "extend", "insert", "add_message", "add_messages") \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == name:
            return True
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            return True
    return False


def _rebound_fresh(loop_body: list[ast.stmt], name: str) -> bool:
    """Is `name` bound anew inside the loop to a value that does not read it (`messages = []`)?"""
    for node in walk_body(loop_body):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets) \
                and name not in names(node.value):
            return True
    return False


def _added_to(loop_body: list[ast.stmt], name: str) -> list[ast.expr]:
    """What the loop adds to a list it builds: `name.append(x)` / `extend(x)` / `insert(i, x)` / `name += x`."""
    added: list[ast.expr] = []
    for node in walk_body(loop_body):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                "append", "extend", "insert") and isinstance(node.func.value, ast.Name) and node.func.value.id == name:
            added += node.args
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            added.append(node.value)
    return added


def _read_names(node: ast.AST) -> set[str]:
    """Names an expression reads as data (not `json` of `json.dumps(...)`, not called functions)."""
    called = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            while isinstance(func, ast.Attribute):
                func = func.value
            if isinstance(func, ast.Name):
                called.add(id(func))
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) not in called} - _BUILTINS


class _Step:
    """What one step's messages are built from, following assignments made inside the loop."""

    def __init__(self, ctx: CheckContext, loop: StepLoop, sources: list[ast.expr], call_line: int) -> None:
        self.ctx = ctx
        self.loop = loop
        self.call_line = call_line
        self.local = assigned_names(loop.body) | names(loop.target)
        self.reads: set[str] = set()
        self.history = False
        for source in sources:
            self._follow(source, depth=0)

    def _follow(self, node: ast.AST, depth: int) -> None:
        for name in _read_names(node):
            if name in self.reads:
                continue
            self.reads.add(name)
            if isinstance(self.loop, _WalkedLoop) and name in self.loop.carried:
                self.history = True  # passed on to the recursive call: the conversation travels with the steps
            fresh = _rebound_fresh(self.loop.body, name)  # `messages = []` each step: no history kept
            if not fresh and (_grows(self.loop.body, name) or _grows(self._scope(), name)):
                self.history = True
            if depth == 0 and self._carried(name):
                self.history = True  # `previous = r.text` after the call: the last step's result travels on
            if name in self.local and depth < 4:
                for _line, value in constant_assignments(self.loop.body, name):
                    if not (isinstance(self.loop, _WalkedLoop) and value is self.loop.taken):
                        self._follow(value, depth + 1)
                for value in _added_to(self.loop.body, name):
                    self._follow(value, depth + 1)

    def _scope(self) -> list[ast.stmt]:
        function = _loop_scope(self.ctx, self.loop)
        return function.body if function else self.ctx.tree.body  # type: ignore[union-attr]

    def _carried(self, name: str) -> bool:
        """Is `name` read by the request before the loop assigns it, with a value from before the loop: what
        the previous step left in it?"""
        if name not in assigned_names(self.loop.body) or isinstance(self.loop, _ComprehensionLoop) \
                or (isinstance(self.loop, _WalkedLoop) and self.loop.taken is None):
            return False
        lines = [line for line, _value in constant_assignments(self.loop.body, name)]
        if not lines or min(lines) < self.call_line:
            return False
        function = _loop_scope(self.ctx, self.loop)
        before = [line for line, _v in constant_assignments(self._scope(), name) if line < self.loop.lineno]
        return bool(before) or (function is not None and name in params_of(function))

    def per_step(self) -> bool:
        return bool(self.reads & names(self.loop.target))

    def carries_context(self) -> bool:
        """Something from outside the loop that holds the task, not a fixed template string."""
        for name in self.reads - self.local:
            if _CONTEXT_RE.search(name):
                return True
            function = _loop_scope(self.ctx, self.loop)
            if function is not None and name in params_of(function):
                return True  # a parameter: runtime data (a goal, a document) that may carry the task
            read = ast.Name(id=name, ctx=ast.Load(), lineno=self.loop.lineno, col_offset=self.loop.col_offset)
            value = self.ctx.values.string(Val(read, function))
            if value is None and not _is_constant_name(self.ctx, name):
                return True  # runtime data (a parameter, a loaded document): assume it carries the task
        return False


def _is_constant_name(ctx: CheckContext, name: str) -> bool:
    """A module-level string template (`STEP_PROMPT = "..."`): fixed text, no task context."""
    assignments = constant_assignments(
        [s for s in ctx.tree.body if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)], name)
    return bool(assignments) and all(isinstance(v, ast.Constant | ast.JoinedStr) for _line, v in assignments)


def _carries_state(call: ast.Call, loop: StepLoop) -> bool:
    """The request carries earlier steps outside its messages: a server-side conversation (`thread_id=`,
    `previous_response_id=`, `conversation=`), or any argument updated from one iteration to the next
    (`previous_response_id=prev_id` with `prev_id = r.id` in the loop)."""
    local = assigned_names(loop.body)
    for keyword in call.keywords:
        if keyword.arg in _MESSAGE_KWARGS or keyword.arg is None:
            continue
        if keyword.arg in _SERVER_STATE_KWARGS and not (isinstance(keyword.value, ast.Constant)
                                                       and keyword.value.value is None):
            return True
        if _read_names(keyword.value) & local - names(loop.target):
            return True
    return False


class _Sources:
    """The expressions, in the loop's scope, that a request's messages are built from."""

    def __init__(self, ctx: CheckContext, loop_scope: FunctionNode | None) -> None:
        self.ctx = ctx
        self.loop_scope = loop_scope

    def of(self, value: Val, depth: int = 0) -> list[ast.expr] | None:
        """None when a helper adds something of its own that may carry the task (runtime data it reads)."""
        if value.scope is self.loop_scope and value.env is None:
            return [value.expr]
        if depth > 4 or value.scope is None:
            return None
        function = value.scope
        sources: list[ast.expr] = []
        for name in _read_names(value.expr):
            if value.env is not None and name in value.env:
                inner = self.of(value.env[name], depth + 1)
            elif (assigned := constant_assignments(function.body, name)):
                inner = []
                for _line, assigned_value in assigned:
                    more = self.of(Val(assigned_value, function, value.env), depth + 1)
                    if more is None:
                        return None
                    inner += more
            elif _is_constant_name(self.ctx, name):
                inner = []  # a module-level template: fixed text
            else:
                return None  # a parameter left at its default, `self`, a global: may carry the task
            if inner is None:
                return None
            sources += inner
        return sources


#: From a `for` to the end of the next line: where a comprehension over steps names its target and iterable.
_FOR_IN_LINES_RE = compile_regex(r"\bfor\b[^\n]*?\bin\b[^\n]*(?:\n[^\n]*)?")


def _may_hold_step_comprehension(lower: str | None) -> bool:
    """Can the file hold a comprehension over steps? Finding comprehensions walks every node of the tree (the parent
    links), so a file whose `for ... in` lines name no step word is spared the walk."""
    if lower is None:
        return True
    return any(_STEP_WORD_RE.search(m.group()) for m in _FOR_IN_LINES_RE.finditer(lower))


def _step_loops(ctx: CheckContext) -> tuple[list[StepLoop], dict[int, _WalkedLoop]]:
    """The step loops of the module, and those written without `for` by the node they stand for."""
    loops: list[StepLoop] = [loop for loop in ctx.facts.loops
                             if isinstance(loop, ast.For | ast.AsyncFor) and _is_step_loop(loop)]
    walked: dict[int, _WalkedLoop] = {}
    for loop in ctx.facts.loops:
        if isinstance(loop, ast.While) and (drained := _drained(loop, ctx.function_of(loop))) is not None:
            walked[id(loop)] = drained
    for function in ctx.facts.functions:
        if (recursive := _recursive_walk(ctx, function)) is not None:
            walked[id(function)] = recursive
    loops += walked.values()
    if _may_hold_step_comprehension(ctx.lower):
        loops += [loop for node in ctx.comprehensions if (loop := _comprehension_loop(node)) is not None]
    return loops, walked


def check(ctx: CheckContext, rule: Rule) -> Iterator[Hit]:
    """Hits on the messages of a per-step model call that carry neither a system prompt nor the task; when
    the call is in a helper the step loop calls, on that call in the loop."""
    if ctx.tree is None:
        return iter(())
    lower = ctx.lower
    if lower is not None and (("for" not in lower and "while" not in lower and "[1:]" not in lower)
                              or not _STEP_WORD_RE.search(lower)):
        return iter(())  # a step loop names a step (`_STEP_RE`) and is a `for`, a `while` or a recursion: none
    if not ctx.may_hold_model_call() or not ctx.model_calls():
        return iter(())  # every hit is on a model call (made here, or through a helper): none here
    loops, walked = _step_loops(ctx)
    if not loops:
        return iter(())  # no `for` loop or comprehension over steps: nothing to find
    scopes: dict[int, FunctionNode | None] = {}
    for loop in loops:
        scope = _loop_scope(ctx, loop)
        scopes.setdefault(id(scope) if scope is not None else 0, scope)
    hits: dict[tuple[int, int], Hit] = {}
    for scope in scopes.values():
        for request in ctx.requests.of(scope):
            target = request.target
            if request.kind != "model" or (pyast.is_model_factory(target) and not is_model_call(target)):
                continue
            if _RECEIVER_WITH_PROMPT_RE.search(chain(target).rsplit(".", 1)[0]):
                continue
            messages = _messages_of(target)  # checked before the loop: no parent links needed to rule a call out
            if messages is None or _has_system(target, messages) or request.messages is None \
                    or _built_with_system(ctx, request.messages.expr, request.messages.scope):
                continue
            loop = _step_loop(ctx, request.call, walked)
            if isinstance(loop, _WalkedLoop) and id(request.call) in loop.recursive_calls:
                continue  # the recursion's next step, not a request of this one
            if loop is None or _carries_state(request.call, loop) or _carries_state(target, loop):
                continue
            sources = _Sources(ctx, scope).of(request.messages)
            if sources is None:
                continue
            step = _Step(ctx, loop, sources, request.call.lineno)
            if step.history or not step.per_step() or step.carries_context():
                continue
            flagged = messages if request.direct else request.call
            span = ctx.span(flagged)
            hits.setdefault(span, Hit(span[0], span[1], statement_span=ctx.statement_span(request.call)))
    return iter(sorted(hits.values(), key=lambda h: h.start))
