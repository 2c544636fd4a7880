"""The model requests a scope makes: directly, or through this module's functions and methods.

A `Request` is a call written in one scope (a function, or module-level code) that ends in a model call:
the model call itself, or a call of a helper, a method of the same class, a decorated function or the
function itself (recursion) that makes one. Its sampling temperature, model and messages are `Val`s
lifted into the calling scope: a helper's `temperature=temperature` becomes what the call site passes
for `temperature`; anything else keeps its own scope, with the call site's arguments bound to the
helper's parameters. So a check looking at a retry loop or a refusal branch sees the requests made in
it whichever function they are written in.

Besides the model calls `pyast.is_model_call` knows, a request is `x.invoke(...)`-style on a receiver
built by a model factory (`smart = ChatAnthropic(model=...)`, `(prompt | flash).invoke(...)`), and, for
sampling, a call of something defined elsewhere that is passed `temperature=`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from promptlint.checks import pyast
from promptlint.checks.callgraph import params_of
from promptlint.checks.pyast import FunctionNode, scope_body, walk_body
from promptlint.checks.values import Val
from promptlint.diskcache import compile_regex
from promptlint.extractors import pycalls

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.checks.callgraph import CallGraph
    from promptlint.checks.context import CheckContext

MODEL_KWARGS = ("model", "model_name", "model_id", "modelId", "deployment_name", "azure_deployment")
#: What a request sends besides its model: a call of something defined elsewhere given a model and one of
#: these is a model request (`bedrock.converse(modelId=..., messages=...)`).
_SENT_KWARGS = frozenset({"messages", "input", "prompt", "contents", "body", "system", "instructions"})
#: A constructor named like a model (`genai.GenerativeModel("gemini-1.5-pro")`): its receiver is a model.
_MODEL_CLASS_RE = compile_regex(r"(?:^|\.)\w*Model$")
MESSAGE_KWARGS = ("messages", "input", "prompt", "contents")
_NOT_SAMPLING = frozenset({"dict", "update", "setdefault", "get", "format", "print", "log", "info", "debug",
                           "warning", "error"})
_MAX_DEPTH = 4
#: A model factory call (`ChatAnthropic(model=...)`) and the function it is written in.
_Factory = tuple[ast.Call, "FunctionNode | None"]


@dataclass(slots=True, eq=False)
class Request:
    """A call in `scope` that sends a prompt to a model, directly (`call is target`) or through functions."""

    call: ast.Call
    target: ast.Call
    scope: FunctionNode | None
    temperature: Val | None = None
    model: Val | None = None
    #: Where the model is named when it comes from the receiver's factory (`cheap = ChatX(model=...)`).
    model_from_receiver: bool = False
    messages: Val | None = None
    #: "model": a model call, a call on a model object or a factory; "sampling": a call of something defined
    #: elsewhere that is given `temperature=`.
    kind: str = "model"
    through: tuple[ast.Call, ...] = field(default_factory=tuple)
    #: The model object the target call is made on, when a factory built it (`llm` of `llm.invoke(...)`).
    receiver: ast.expr | None = None

    @property
    def direct(self) -> bool:
        return self.call is self.target


class Requests:
    """The requests of every scope of one module, computed per scope on first use."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.graph: CallGraph = ctx.graph
        self._direct: dict[int, list[Request]] = {}
        self._all: dict[int, list[Request]] = {}
        self._stack: list[int] = []

    def of(self, scope: FunctionNode | None) -> list[Request]:
        """Requests written in `scope`, direct ones and those through this module's functions, in source order."""
        key = id(scope) if scope is not None else 0
        if key in self._all:
            return self._all[key]
        self._stack.append(key)
        found = list(self.direct(scope))
        if len(self._stack) <= _MAX_DEPTH:
            for call in self.graph.calls_in(scope):
                for function in self.graph.callees(call):
                    inner = self.direct(function) if id(function) in self._stack else self.of(function)
                    found += [self._lift(r, call, function, scope) for r in inner]
        self._stack.pop()
        found.sort(key=lambda r: (r.call.lineno, r.call.col_offset))
        if len(self._stack) == 0 or key not in self._stack:
            self._all[key] = found
        return found

    def direct(self, scope: FunctionNode | None) -> list[Request]:
        """Model calls (and sampling calls) written directly in `scope`."""
        key = id(scope) if scope is not None else 0
        if key not in self._direct:
            found = []
            for call in self.graph.calls_in(scope):
                request = self._request(call, scope)
                if request is not None:
                    found.append(request)
            found.sort(key=lambda r: (r.call.lineno, r.call.col_offset))
            self._direct[key] = found
        return self._direct[key]

    # ------------------------------------------------------------------ one call

    def _request(self, call: ast.Call, scope: FunctionNode | None) -> Request | None:
        factory = None
        kind = "model"
        if not (pyast.is_model_call(call) or pyast.is_model_factory(call)):
            factory = self.receiver_factory(call, scope)
            if factory is None:
                if self.graph.callees(call) or _name_of(call) in _NOT_SAMPLING:
                    return None
                if not _sends_to_a_model(call):
                    if not _passes_temperature(call):
                        return None
                    kind = "sampling"
        request = Request(call=call, target=call, scope=scope, kind=kind,
                          temperature=_temperature_of(call, scope), messages=_messages_of(call, scope))
        model = next((k.value for k in call.keywords if k.arg in MODEL_KWARGS), None)
        if model is not None:
            request.model = Val(model, scope)
        elif factory is None and pyast.is_model_call(call):
            factory = self.receiver_factory(call, scope)
        if factory is not None and isinstance(call.func, ast.Attribute):
            request.receiver = call.func.value
        if request.model is None and factory is not None:
            factory_call, factory_scope = factory
            model = next((k.value for k in factory_call.keywords if k.arg in MODEL_KWARGS), None)
            if model is None and factory_call.args and _MODEL_CLASS_RE.search(pyast.chain(factory_call)):
                model = factory_call.args[0]  # GenerativeModel("gemini-1.5-pro")
            if model is not None:
                request.model = Val(model, factory_scope)
                request.model_from_receiver = True
            if request.temperature is None:
                request.temperature = _temperature_of(factory_call, factory_scope)
        return request

    def receiver_factory(self, call: ast.Call, scope: FunctionNode | None) -> _Factory | None:
        """The model factory call the receiver of `x.invoke(...)` was built by, and its scope, if known."""
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr not in pycalls.MODEL_METHODS:
            return None
        return self._factory_of(func.value, scope, 0)

    def _factory_of(self, node: ast.expr, scope: FunctionNode | None, depth: int) -> _Factory | None:
        if depth > 3:
            return None
        if isinstance(node, ast.Call):
            is_factory = pyast.is_model_factory(node) or bool(_MODEL_CLASS_RE.search(pyast.chain(node)))
            return (node, scope) if is_factory else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):  # LCEL: prompt | model | parser
            for side in (node.right, node.left):
                found = self._factory_of(side, scope, depth + 1)
                if found is not None:
                    return found
            return None
        if isinstance(node, ast.Name):
            current = scope
            while True:
                value = self._assigned_value(node.id, current)
                if value is not None:
                    return self._factory_of(value, current, depth + 1)
                if current is None or node.id in params_of(current):
                    return None
                current = self.graph.enclosing(current)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self" \
                and scope is not None:
            cls = self.graph.class_of_function(scope)
            if cls is None:
                return None
            for method in (m for m in cls.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)):
                for stmt in walk_body(method.body):
                    if isinstance(stmt, ast.Assign) and any(
                            isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
                            and t.attr == node.attr for t in stmt.targets):
                        found = self._factory_of(stmt.value, method, depth + 1)
                        if found is not None:
                            return found
        return None

    def _assigned_value(self, name: str, scope: FunctionNode | None) -> ast.expr | None:
        """The last value assigned to `name` directly in a scope (module: outside functions and classes)."""
        assert self.ctx.tree is not None
        value = None
        for node in walk_body(scope_body(self.ctx.tree, scope)):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                value = node.value
        return value

    # ------------------------------------------------------------------ through a call

    def _lift(self, inner: Request, call: ast.Call, function: FunctionNode, scope: FunctionNode | None) -> Request:
        """`inner` (a request of `function`) as made by `call`, written in `scope`."""
        bound = self.graph.bind(call, function)
        env = {param: Val(arg, scope) for param, arg in bound.items()}

        def lift(val: Val | None) -> Val | None:
            if val is None:
                return None
            if val.scope is function and val.env is None:
                if isinstance(val.expr, ast.Name) and val.expr.id in bound:
                    return env[val.expr.id]  # passed straight through: the caller's own expression
                return Val(val.expr, function, env)
            if val.env:
                return Val(val.expr, val.scope, {k: lift(v) or v for k, v in val.env.items()})
            return val

        shared = inner.receiver is not None and isinstance(inner.receiver, ast.Attribute)  # self.llm: same object
        return Request(call=call, target=inner.target, scope=scope, temperature=lift(inner.temperature),
                       model=lift(inner.model), model_from_receiver=inner.model_from_receiver,
                       messages=lift(inner.messages), kind=inner.kind, through=(call, *inner.through),
                       receiver=inner.receiver if shared else None)


def _name_of(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _sends_to_a_model(call: ast.Call) -> bool:
    """A model named and a prompt sent: `converse(modelId=..., messages=...)`, `invoke_model(modelId=..., body=...)`."""
    given = {k.arg for k in call.keywords}
    return bool(given & set(MODEL_KWARGS)) and bool(given & _SENT_KWARGS)


def _passes_temperature(call: ast.Call) -> bool:
    return any(k.arg == "temperature" for k in call.keywords)


def _temperature_of(call: ast.Call, scope: FunctionNode | None) -> Val | None:
    """`temperature=`, a `"temperature"` entry of a dict argument, or the `"temperature"` item of `**params`."""
    for keyword in call.keywords:
        if keyword.arg == "temperature":
            return Val(keyword.value, scope)
    for keyword in call.keywords:
        if isinstance(keyword.value, ast.Dict):
            for key, value in zip(keyword.value.keys, keyword.value.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "temperature":
                    return Val(value, scope)
    for keyword in call.keywords:
        if keyword.arg is None and isinstance(keyword.value, ast.Name):  # **params: params["temperature"]
            item = ast.Subscript(value=keyword.value, slice=ast.Constant("temperature"), ctx=ast.Load())
            ast.copy_location(item, keyword.value)
            item.end_lineno, item.end_col_offset = keyword.value.end_lineno, keyword.value.end_col_offset
            return Val(item, scope)
    return None


def _messages_of(call: ast.Call, scope: FunctionNode | None) -> Val | None:
    for name in MESSAGE_KWARGS:
        keyword = next((k for k in call.keywords if k.arg == name), None)
        if keyword is not None:
            return Val(keyword.value, scope)
    return Val(call.args[0], scope) if call.args else None
