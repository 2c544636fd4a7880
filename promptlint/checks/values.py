"""What constant an expression holds, read the way a reviewer would: a small evaluator over one module.

`Val` is an expression together with where to read it: the function it is written in and, when it was
followed out of a function through a call, what that call passed for the function's parameters.
`Evaluator.value(val)` gives the Python value when the code fixes it (strings, numbers, lists, tuples,
dicts, and what `range`, `len`, `min`, `max`, `round`, `enumerate`, `zip`, `itertools.chain` /
`itertools.count`, indexing, slicing and arithmetic make of them), else `UNKNOWN`. Names are followed to
their last assignment before the line that reads them (`a, b = x, y` included; a local of a function
followed through a call reads that call's arguments), then to the parameters' call sites in this module
or defaults, then to enclosing functions and module constants; `self.x` to the class body (dataclass
fields included), a property's return or a method's `self.x = ...`.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from promptlint.checks.callgraph import default_of, params_of
from promptlint.checks.pyast import FunctionNode, scope_body, walk_body
from promptlint.extractors.pycalls import returns_of as _returns

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.checks.callgraph import CallGraph
    from promptlint.checks.context import CheckContext


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
_MAX_DEPTH = 12


@dataclass(frozen=True, slots=True, eq=False)
class Val:
    """An expression, the function it is written in (None: module level) and, when it was followed out of
    that function through a call, the caller's arguments for the function's parameters (`env`)."""

    expr: ast.expr
    scope: FunctionNode | None
    env: Mapping[str, Val] | None = None


#: (id(scope) or 0, name) -> value: what a loop iteration has assigned so far (see `Evaluator.value`); an
#: attribute of an object held in a variable is pinned as `name.attr`.
Overrides = Mapping[tuple[int, str], Any]


@dataclass(frozen=True, slots=True, eq=False)
class Instance:
    """An object of a class of this module: the constructor call, where it was written and, once read from a
    variable, that variable (so attributes a method changed during stepping are found: `ladder._i`)."""

    cls: ast.ClassDef
    call: ast.Call
    scope: FunctionNode | None
    env: Mapping[str, Val] | None
    held_in: tuple[int, str] | None = None

    def bound_to(self) -> Val:
        """A Val that evaluates to this object (for binding `self` in its methods)."""
        return Val(ast.Constant(value=self), None)


@dataclass(frozen=True, slots=True)
class Count:
    """`itertools.count(start, step)`: endless, so only read through `zip` with a finite iterable."""

    start: int = 0
    step: int = 1

    def first(self, n: int) -> list[int]:
        return [self.start + i * self.step for i in range(n)]


class Evaluator:
    """Constant values of expressions in one module (see the module docstring)."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.graph: CallGraph = ctx.graph
        self._assignments: dict[int, dict[str, list[tuple[int, ast.expr]]]] = {}

    def value(self, val: Val | None, overrides: Overrides | None = None) -> Any:
        """The value `val` holds, UNKNOWN when the code does not fix it. `overrides` pins names of a scope
        to values (a loop iteration being stepped through)."""
        if val is None:
            return UNKNOWN
        return self._eval(val.expr, val.scope, val.env, overrides or {}, 0)

    def string(self, val: Val | None, overrides: Overrides | None = None) -> str | None:
        value = self.value(val, overrides)
        return value if isinstance(value, str) else None

    # ------------------------------------------------------------------ expressions

    def _eval(self, node: ast.expr, scope: FunctionNode | None, env: Mapping[str, Val] | None,
              overrides: Overrides, depth: int) -> Any:
        if depth > _MAX_DEPTH:
            return UNKNOWN
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self._name(node.id, node.lineno, scope, env, overrides, depth + 1)
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            items = [self._eval(e, scope, env, overrides, depth + 1) for e in node.elts
                     if not isinstance(e, ast.Starred)]
            return tuple(items) if isinstance(node, ast.Tuple) else items
        if isinstance(node, ast.Dict):
            result = {}
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:
                    continue
                k = self._eval(key, scope, env, overrides, depth + 1)
                if k is not UNKNOWN and _hashable(k):
                    result[k] = self._eval(value, scope, env, overrides, depth + 1)
            return result
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls") and scope is not None \
                    and not (env and node.value.id in env):
                return self._attribute(node.attr, node.lineno, scope, overrides, depth + 1)
            base = self._eval(node.value, scope, env, overrides, depth + 1)
            if isinstance(base, Instance):
                return self.attribute_of(base, node.attr, overrides, depth + 1)
            return UNKNOWN
        if isinstance(node, ast.Subscript):
            return self._subscript(node, scope, env, overrides, depth + 1)
        if isinstance(node, ast.BinOp):
            left = self._eval(node.left, scope, env, overrides, depth + 1)
            right = self._eval(node.right, scope, env, overrides, depth + 1)
            return _binop(node.op, left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            operand = self._eval(node.operand, scope, env, overrides, depth + 1)
            return -operand if isinstance(operand, int | float) and not isinstance(operand, bool) else UNKNOWN
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            operand = self._eval(node.operand, scope, env, overrides, depth + 1)
            return UNKNOWN if operand is UNKNOWN else not operand
        if isinstance(node, ast.Compare):
            return self._compare(node, scope, env, overrides, depth + 1)
        if isinstance(node, ast.BoolOp):
            result: Any = UNKNOWN
            for value in node.values:
                result = self._eval(value, scope, env, overrides, depth + 1)
                if result is UNKNOWN or (bool(result) if isinstance(node.op, ast.Or) else not result):
                    return result
            return result
        if isinstance(node, ast.IfExp):  # `"gpt-4o" if attempt == 0 else "gpt-4o-mini"`
            test = self._eval(node.test, scope, env, overrides, depth + 1)
            if test is UNKNOWN:
                return UNKNOWN
            return self._eval(node.body if test else node.orelse, scope, env, overrides, depth + 1)
        if isinstance(node, ast.Call):
            return self._call(node, scope, env, overrides, depth + 1)
        if isinstance(node, ast.Lambda):
            return self._eval(node.body, scope, env, overrides, depth + 1)
        return UNKNOWN

    def _call(self, node: ast.Call, scope: FunctionNode | None, env: Mapping[str, Val] | None,
              overrides: Overrides, depth: int) -> Any:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name == "field":  # dataclasses.field(default=...) / field(default_factory=lambda: [...])
            for keyword in node.keywords:
                if keyword.arg in ("default", "default_factory"):
                    return self._eval(keyword.value, scope, env, overrides, depth)
            return UNKNOWN
        cls = self.graph.class_named(func, scope)
        if cls is not None:
            return Instance(cls, node, scope, env)
        if isinstance(func, ast.Attribute) and func.attr == "get" and 1 <= len(node.args) <= 2:  # MAP.get(k, d)
            mapping = self._eval(func.value, scope, env, overrides, depth)
            found = [self._eval(a, scope, env, overrides, depth) for a in node.args]
            if isinstance(mapping, dict) and found[0] is not UNKNOWN and _hashable(found[0]):
                return mapping.get(found[0], found[1] if len(found) == 2 else None)
            return UNKNOWN
        functions = self.graph.callees(node, scope)
        if functions:
            return self._returned(node, functions[0], scope, env, overrides, depth)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "itertools" \
                and name in ("chain", "count") and not node.keywords:  # `itertools.chain(A, B)`, `itertools.count(1)`
            parts = [self._eval(a, scope, env, overrides, depth) for a in node.args]
            if name == "count" and len(parts) <= 2 and all(isinstance(p, int) for p in parts):
                return Count(*parts)
            if name == "chain" and all(isinstance(p, list | tuple) for p in parts):
                return [item for part in parts for item in part]
            return UNKNOWN
        if name == "deque" and len(node.args) == 1 and not node.keywords:  # `deque([...])`, `collections.deque(...)`
            items = self._eval(node.args[0], scope, env, overrides, depth)
            return list(items) if isinstance(items, list | tuple) else UNKNOWN
        if not isinstance(func, ast.Name) or (node.keywords and name not in ("round", "enumerate")):
            return UNKNOWN
        args = [self._eval(a, scope, env, overrides, depth) for a in node.args]
        if any(a is UNKNOWN for a in args):
            return UNKNOWN
        if name == "zip" and args and not node.keywords:  # `zip(itertools.count(1), models)`: the finite ones' length
            finite = [a for a in args if isinstance(a, list | tuple)]
            if not finite or not all(isinstance(a, list | tuple | Count) for a in args):
                return UNKNOWN
            length = min(len(a) for a in finite)
            return list(zip(*(a.first(length) if isinstance(a, Count) else a for a in args), strict=False))
        if name == "enumerate" and node.keywords:  # `enumerate(models, start=1)`
            start = [self._eval(k.value, scope, env, overrides, depth) for k in node.keywords if k.arg == "start"]
            if len(args) == 1 and isinstance(args[0], list | tuple) and len(start) == len(node.keywords) == 1 \
                    and isinstance(start[0], int):
                return list(enumerate(args[0], start[0]))
            return UNKNOWN
        try:
            if name == "range" and all(isinstance(a, int) for a in args) and 1 <= len(args) <= 3:
                return list(range(*args)[:1000])
            if name == "len" and len(args) == 1 and isinstance(args[0], list | tuple | str | dict):
                return len(args[0])
            if name in ("min", "max") and args:
                values = args[0] if len(args) == 1 else args
                return (min if name == "min" else max)(values)
            if name == "round" and 1 <= len(args) <= 2:
                return round(*args)
            if name in ("float", "int", "str") and len(args) == 1:
                return {"float": float, "int": int, "str": str}[name](args[0])
            if name == "iter" and len(args) == 1 and isinstance(args[0], list | tuple):
                return list(args[0])  # stepped through by `next(...)` (see PL402's fallback loops)
            if name in ("list", "tuple") and len(args) == 1 and isinstance(args[0], list | tuple | dict | str):
                return list(args[0]) if name == "list" else tuple(args[0])
            if name == "enumerate" and 1 <= len(args) <= 2 and isinstance(args[0], list | tuple) \
                    and all(isinstance(a, int) for a in args[1:]):
                return list(enumerate(*args))
            if name in ("reversed", "sorted") and len(args) == 1 and isinstance(args[0], list | tuple):
                return list(reversed(args[0])) if name == "reversed" else sorted(args[0])
        except (TypeError, ValueError):
            return UNKNOWN
        return UNKNOWN

    def _compare(self, node: ast.Compare, scope: FunctionNode | None, env: Mapping[str, Val] | None,
                 overrides: Overrides, depth: int) -> Any:
        left = self._eval(node.left, scope, env, overrides, depth)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self._eval(right_node, scope, env, overrides, depth)
            if left is UNKNOWN or right is UNKNOWN:
                return UNKNOWN
            compare = _COMPARISONS.get(type(op))
            try:
                if compare is None or not compare(left, right):
                    return False
            except TypeError:
                return UNKNOWN
            left = right
        return True

    def _returned(self, call: ast.Call, function: FunctionNode, scope: FunctionNode | None,
                  env: Mapping[str, Val] | None, overrides: Overrides, depth: int) -> Any:
        """What a call of one of this module's functions returns, when every `return` agrees."""
        inner_env = {param: Val(arg, scope, env) for param, arg in self.graph.bind(call, function).items()}
        values = [self._eval(r.value, function, inner_env, overrides, depth) for r in _returns(function.body)
                  if r.value is not None]
        if not values or any(v is UNKNOWN for v in values):
            return UNKNOWN
        return values[0] if all(_same(v, values[0]) for v in values) else UNKNOWN

    def _subscript(self, node: ast.Subscript, scope: FunctionNode | None, env: Mapping[str, Val] | None,
                   overrides: Overrides, depth: int) -> Any:
        container = self._eval(node.value, scope, env, overrides, depth)
        if container is UNKNOWN:
            return UNKNOWN
        if isinstance(node.slice, ast.Slice):
            bounds = [self._eval(b, scope, env, overrides, depth) if b is not None else None
                      for b in (node.slice.lower, node.slice.upper)]
            if any(b is UNKNOWN for b in bounds) or not isinstance(container, list | tuple | str):
                return UNKNOWN
            return container[bounds[0]:bounds[1]]
        index = self._eval(node.slice, scope, env, overrides, depth)
        if index is UNKNOWN:
            return UNKNOWN
        try:
            return container[index]
        except (KeyError, IndexError, TypeError):
            return UNKNOWN

    # ------------------------------------------------------------------ names

    def assignment(self, node: ast.Name, scope: FunctionNode | None) -> Val | None:
        """The expression a name was last assigned before it is read (in its function, an enclosing one or
        the module), as a Val; None when it is not assigned there (a parameter, an import)."""
        current = scope
        while True:
            every = current is None and scope is not None
            earlier = [v for n, v in self._assigned(current).get(node.id, []) if n < node.lineno or every]
            if earlier:
                return Val(earlier[-1], current)
            if current is None or node.id in params_of(current):
                return None
            current = self.graph.enclosing(current)

    def _name(self, name: str, line: int, scope: FunctionNode | None, env: Mapping[str, Val] | None,
              overrides: Overrides, depth: int) -> Any:
        key = (id(scope) if scope is not None else 0, name)
        if key in overrides:
            return overrides[key]
        if env is not None and name in env:
            bound = env[name]
            return self._eval(bound.expr, bound.scope, bound.env, overrides, depth)
        if env is not None and scope is not None and name in params_of(scope):
            default = default_of(scope, name)  # the call site is known and does not pass it
            return self._eval(default, self.graph.enclosing(scope), None, overrides, depth) if default else UNKNOWN
        current = scope
        while True:
            # in the scope itself: what was assigned before the line that reads it; at module level, read
            # from a function: whatever the module assigned (it ran before the function is called)
            every = current is None and scope is not None
            earlier = [v for n, v in self._assigned(current).get(name, []) if n < line or every]
            if current is not None and earlier:
                # a local of the function the call's arguments were bound for reads them (`model, rest =
                # tiers[0], tiers[1:]` in a recursive call passing `rest`)
                local_env = env if current is scope else None
                return _held(self._eval(earlier[-1], current, local_env, overrides, depth), current, name)
            if current is None:
                return _held(self._eval(earlier[-1], None, None, overrides, depth), None, name) if earlier \
                    else UNKNOWN
            if name in params_of(current):
                return self._parameter(current, name, overrides, depth)
            current = self.graph.enclosing(current)

    def _parameter(self, function: FunctionNode, name: str, overrides: Overrides, depth: int) -> Any:
        """A parameter's value: what every call from outside the function passes (when they agree), else its
        default. Calls from inside (recursion) are what a retry passes, not the first value."""
        values = []
        for call, bound in self.graph.sites(function):
            owner = self.graph.owner_of(call)
            if owner is function or (owner is not None and self._inside(owner, function)):
                continue
            if name in bound:
                values.append(self._eval(bound[name], owner, None, overrides, depth))
        if values:
            first = values[0]
            return first if all(_same(v, first) for v in values) else UNKNOWN
        default = default_of(function, name)
        if default is None:
            return UNKNOWN
        return self._eval(default, self.graph.enclosing(function), None, overrides, depth)

    def _inside(self, inner: FunctionNode, outer: FunctionNode) -> bool:
        current: FunctionNode | None = inner
        while current is not None:
            if current is outer:
                return True
            current = self.graph.enclosing(current)
        return False

    def attribute_of(self, instance: Instance, attr: str, overrides: Overrides, depth: int = 0) -> Any:
        """An attribute of an object of this module's class: pinned by stepping, a property's value, what
        `__init__` assigns, a dataclass field (passed to the constructor or its default), a class attribute."""
        if depth > _MAX_DEPTH:
            return UNKNOWN
        if instance.held_in is not None:
            pinned = (instance.held_in[0], f"{instance.held_in[1]}.{attr}")
            if pinned in overrides:
                return overrides[pinned]
        this = {"self": instance.bound_to()}
        method = self.graph.method_of(instance.cls, attr)
        if method is not None and any(isinstance(d, ast.Name) and d.id == "property" for d in method.decorator_list):
            values = [self._eval(r.value, method, this, overrides, depth + 1) for r in _returns(method.body)
                      if r.value is not None]
            return values[0] if len(values) == 1 else UNKNOWN
        init = self.graph.method_of(instance.cls, "__init__")
        if init is not None:
            bound = {p: Val(a, instance.scope, instance.env)
                     for p, a in self.graph.bind(instance.call, init, method=True).items()}
            for node in walk_body(init.body):
                if isinstance(node, ast.Assign) and any(
                        isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
                        and t.attr == attr for t in node.targets):
                    return self._eval(node.value, init, {**bound, **this}, overrides, depth + 1)
                if isinstance(node, ast.Assign) and any(isinstance(t, ast.Tuple) for t in node.targets):
                    found = _tuple_assignment(node, attr)
                    if found is not None:
                        return self._eval(found, init, {**bound, **this}, overrides, depth + 1)
        fields = [s for s in instance.cls.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
        for i, stmt in enumerate(fields):
            if stmt.target.id != attr:  # type: ignore[union-attr]
                continue
            passed = next((k.value for k in instance.call.keywords if k.arg == attr), None)
            if passed is None and init is None and i < len(instance.call.args):
                passed = instance.call.args[i]
            if passed is not None:
                return self._eval(passed, instance.scope, instance.env, overrides, depth + 1)
            return self._eval(stmt.value, None, None, overrides, depth + 1) if stmt.value is not None else UNKNOWN
        for stmt in instance.cls.body:
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == attr for t in stmt.targets):
                return self._eval(stmt.value, None, None, overrides, depth + 1)
        return UNKNOWN

    def _attribute(self, attr: str, line: int, scope: FunctionNode, overrides: Overrides, depth: int) -> Any:
        """`self.attr`: an override, a class-body value (a dataclass field's default), or `self.attr = ...` in
        a method (`__init__` first)."""
        key = (id(self.graph.class_of_function(scope) or scope), f"self.{attr}")
        if key in overrides:
            return overrides[key]
        cls = self.graph.class_of_function(scope)
        if cls is None:
            return UNKNOWN
        earlier = [v for n, v in self._assigned(scope).get(f"self.{attr}", []) if n < line]
        if earlier:  # set earlier in this method: that value, not the class default
            return self._eval(earlier[-1], scope, None, overrides, depth)
        prop = self.graph.method_of(cls, attr)
        if prop is not None and any(isinstance(d, ast.Name) and d.id == "property" for d in prop.decorator_list):
            values = [self._eval(r.value, prop, None, overrides, depth) for r in _returns(prop.body)
                      if r.value is not None]  # `self.current` -> `return self.chain[self.position]`
            return values[0] if len(values) == 1 else UNKNOWN
        for stmt in cls.body:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] \
                if isinstance(stmt, ast.AnnAssign) and stmt.value is not None else []
            if any(isinstance(t, ast.Name) and t.id == attr for t in targets):
                return self._eval(stmt.value, None, None, overrides, depth)  # type: ignore[union-attr, arg-type]
        methods = sorted((m for m in cls.body if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)),
                         key=lambda m: m.name != "__init__")
        for method in methods:
            for node in walk_body(method.body):
                if not isinstance(node, ast.Assign):
                    continue
                if any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
                       and t.attr == attr for t in node.targets):
                    return self._eval(node.value, method, None, overrides, depth)
                found = _tuple_assignment(node, attr)
                if found is not None:
                    return self._eval(found, method, None, overrides, depth)
        return UNKNOWN

    def _assigned(self, scope: FunctionNode | None) -> dict[str, list[tuple[int, ast.expr]]]:
        """name -> (line, value) of plain assignments in a scope (module level: outside functions and classes)."""
        key = id(scope) if scope is not None else 0
        if key not in self._assignments:
            found: dict[str, list[tuple[int, ast.expr]]] = {}
            assert self.ctx.tree is not None
            body = scope_body(self.ctx.tree, scope)
            for node in walk_body(body):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Tuple | ast.List) and isinstance(node.value, ast.Tuple | ast.List) \
                                and len(target.elts) == len(node.value.elts) \
                                and not any(isinstance(e, ast.Starred) for e in (*target.elts, *node.value.elts)):
                            for element, part in zip(target.elts, node.value.elts, strict=True):  # `a, b = x, y`
                                if isinstance(element, ast.Name):
                                    found.setdefault(element.id, []).append((node.lineno, part))
                        elif isinstance(target, ast.Name):
                            found.setdefault(target.id, []).append((node.lineno, node.value))
                        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                                and target.value.id == "self":
                            found.setdefault(f"self.{target.attr}", []).append((node.lineno, node.value))
                elif isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name):
                    found.setdefault(node.target.id, []).append((node.lineno, node.value))
            for values in found.values():
                values.sort(key=lambda item: item[0])
            self._assignments[key] = found
        return self._assignments[key]


_COMPARISONS = MappingProxyType({
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
    ast.GtE: operator.ge, ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_, ast.IsNot: operator.is_not,
})


def _held(value: Any, scope: FunctionNode | None, name: str) -> Any:
    """An object read from a variable remembers it (see `Instance.held_in`)."""
    if isinstance(value, Instance) and value.held_in is None:
        return Instance(value.cls, value.call, value.scope, value.env, (id(scope) if scope is not None else 0, name))
    return value


def _tuple_assignment(node: ast.Assign, attr: str) -> ast.expr | None:
    """`self.client, self.strategy = client, strategy`: the value `self.<attr>` gets."""
    for target in node.targets:
        if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple) \
                and len(target.elts) == len(node.value.elts):
            for element, value in zip(target.elts, node.value.elts, strict=True):
                if isinstance(element, ast.Attribute) and isinstance(element.value, ast.Name) \
                        and element.value.id == "self" and element.attr == attr:
                    return value
    return None


def _binop(op: ast.operator, left: Any, right: Any) -> Any:
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right))
    try:
        joined = type(left) is type(right) and isinstance(left, str | list | tuple)
        if isinstance(op, ast.Add) and (numbers or joined):
            return left + right
        if numbers and isinstance(op, ast.Sub):
            return left - right
        if numbers and isinstance(op, ast.Mult):
            return left * right
        if numbers and isinstance(op, ast.Div) and right:
            return left / right
        if numbers and isinstance(op, ast.FloorDiv) and right:
            return left // right
        if numbers and isinstance(op, ast.Mod) and right:
            return left % right
    except (TypeError, OverflowError):
        return UNKNOWN
    return UNKNOWN


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False
