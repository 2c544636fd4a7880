"""Which function of this module a call reaches, and what its parameters are bound to at each call site.

Built once per file, on first use, by one walk of the tree (`CheckContext.graph`). A call is resolved
the way a reader follows it without running the code:

- `helper(...)`: a function defined in an enclosing function, else at module level;
- `self.method(...)` / `cls.method(...)` inside a class: that class's method (or a base class's, when
  the base is defined in this module); `Class.method(...)`; `obj.method(...)` when `obj = Class(...)`;
- `fn(...)` where `fn` is a parameter: whatever functions are passed for it, at a call site or as the
  decorated function of a decorator (`@wrap`, `@wrap(...)` whose factory returns the wrapper).

Only this module's functions are known; anything else resolves to nothing. The checks use this to
follow a retry or fallback into helper functions, methods of the same class and recursion.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from promptlint.checks.pyast import FunctionNode, walk_body

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.checks.context import CheckContext

_FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)


class CallGraph:
    """Functions, classes and calls of one module, with each call's callees and each function's call sites.

    Built in steps, each on first use: the definitions (a walk of statements only), then the calls written
    in one scope when that scope is asked about, and the module-wide index (every call site of every function,
    functions passed for parameters) only when a call site or a call of a parameter is asked about.
    """

    def __init__(self, ctx: CheckContext) -> None:
        assert ctx.tree is not None
        self.tree = ctx.tree
        #: Module-level functions and classes by name.
        self.functions: dict[str, FunctionNode] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        #: id(class) -> its methods by name; id(method) -> its class.
        self.methods: dict[int, dict[str, FunctionNode]] = {}
        self.class_of: dict[int, ast.ClassDef] = {}
        #: id(function) -> the function it is defined in; id(function) -> functions defined in it, by name.
        self.parent: dict[int, FunctionNode] = {}
        self.nested: dict[int, dict[str, FunctionNode]] = {}
        self._scopes: dict[int, FunctionNode | None] = {0: None}
        #: Expressions written directly in each scope (id(function) or 0): where its calls are.
        self._roots: dict[int, list[ast.expr]] = {}
        self._calls: dict[int, list[ast.Call]] = {}
        #: The function each call is written in (None at module or class level), for the scopes walked so far.
        self.owner: dict[int, FunctionNode | None] = {}
        #: id(function) -> (call, parameter bindings) of each site calling it (decorator factories included).
        self._sites: dict[int, list[tuple[ast.Call, dict[str, ast.expr]]]] = {}
        self._callees: dict[int, list[FunctionNode]] = {}
        #: (id(function), parameter) -> functions passed for that parameter.
        self._passed: dict[tuple[int, str], list[FunctionNode]] = {}
        #: `obj = Class(...)`: (id(scope) or 0, obj) -> class name, then -> the class once all are known.
        self._instance_of: dict[tuple[int, str], str] = {}
        self._indexed = False
        self._collect(self.tree.body, None, None)
        self._instances = {key: self.classes[cls] for key, cls in self._instance_of.items() if cls in self.classes}

    # ------------------------------------------------------------------ building

    def _collect(self, body: list[ast.stmt], function: FunctionNode | None, cls: ast.ClassDef | None) -> None:
        """Record definitions under `body` (in `function`, or directly in class `cls`) and where calls can be."""
        for stmt in body:
            self._collect_stmt(stmt, function, cls)

    def _root(self, expr: ast.expr | None, function: FunctionNode | None) -> None:
        if expr is not None:
            self._roots.setdefault(id(function) if function is not None else 0, []).append(expr)

    def _collect_stmt(self, stmt: ast.stmt, function: FunctionNode | None, cls: ast.ClassDef | None) -> None:
        if isinstance(stmt, _FUNCTION_TYPES):
            if cls is not None:
                self.methods.setdefault(id(cls), {})[stmt.name] = stmt
                self.class_of[id(stmt)] = cls
            elif function is not None:
                self.nested.setdefault(id(function), {})[stmt.name] = stmt
                self.parent[id(stmt)] = function
            else:
                self.functions.setdefault(stmt.name, stmt)
            self._scopes[id(stmt)] = stmt
            for expr in (*stmt.decorator_list, *stmt.args.defaults, *stmt.args.kw_defaults):
                self._root(expr, function)
            self._collect(stmt.body, stmt, None)
            return
        if isinstance(stmt, ast.ClassDef):
            if cls is None and function is None:
                self.classes.setdefault(stmt.name, stmt)
            for expr in (*stmt.decorator_list, *stmt.bases):
                self._root(expr, function)
            self._collect(stmt.body, function, stmt)
            return
        if cls is None and isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) \
                and isinstance(stmt.value.func, ast.Name):
            for target in stmt.targets:  # `writer = FallbackClient()`: `writer.complete(...)` is its method
                if isinstance(target, ast.Name):
                    self._instance_of[(id(function) if function else 0, target.id)] = stmt.value.func.id
        for name in stmt._fields:
            value = getattr(stmt, name, None)
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, ast.stmt):
                    self._collect_stmt(item, function, cls)
                elif isinstance(item, ast.excepthandler | ast.match_case):
                    self._collect(item.body, function, cls)
                    if isinstance(item, ast.excepthandler):
                        self._root(item.type, function)
                    else:
                        self._root(item.guard, function)
                elif isinstance(item, ast.expr):
                    self._root(item, function)
                elif isinstance(item, ast.withitem):
                    self._root(item.context_expr, function)

    def calls_in(self, function: FunctionNode | None) -> list[ast.Call]:
        """Calls written directly in `function` (None: at module or class level), walked on first use."""
        key = id(function) if function is not None else 0
        found = self._calls.get(key)
        if found is None:
            found = self._calls[key] = []
            stack: list[ast.AST] = list(self._roots.get(key, ()))
            pop, push, node_type, call_type, owner = stack.pop, stack.append, ast.AST, ast.Call, self.owner
            while stack:
                node = pop()
                if type(node) is call_type:
                    found.append(node)  # type: ignore[arg-type]
                    owner[id(node)] = function
                for name in node._fields:
                    value = getattr(node, name, None)
                    if isinstance(value, list):
                        for item in value:
                            if isinstance(item, node_type):
                                push(item)
                    elif isinstance(value, node_type):
                        push(value)
        return found

    @property
    def calls(self) -> list[ast.Call]:
        """Every call in the module."""
        return [c for scope in self._scopes.values() for c in self.calls_in(scope)]

    def _index(self) -> None:
        """Every call site of every function, and the functions passed for parameters (a few rounds: a
        function passed along resolves the calls of the parameter it lands in)."""
        if self._indexed:
            return
        self._indexed = True
        calls = self.calls
        for _round in range(3):
            before = {k: len(v) for k, v in self._passed.items()}
            self._bind_passed_functions(calls)
            if {k: len(v) for k, v in self._passed.items()} == before:
                break
        for call in calls:
            for function in self.callees(call):
                self._sites.setdefault(id(function), []).append((call, self.bind(call, function)))

    def _bind_passed_functions(self, calls: list[ast.Call]) -> None:
        """Functions passed for a parameter: as an argument of a call, or as the function a decorator wraps."""
        for call in calls:
            for function in self.callees(call):
                for param, arg in self.bind(call, function).items():
                    for passed in self._function_values(arg, self.owner.get(id(call))):
                        self._pass(function, param, passed)
        for decorated in self._all_functions():
            for decorator in decorated.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                for factory in self._resolve_callable(target, self._scope_of(decorated)):
                    wrappers = self._returned_functions(factory) if isinstance(decorator, ast.Call) else [factory]
                    for wrapper in wrappers:
                        params = _positional_params(wrapper)
                        if params:
                            self._pass(wrapper, params[0], decorated)

    def _pass(self, function: FunctionNode, param: str, passed: FunctionNode) -> None:
        bucket = self._passed.setdefault((id(function), param), [])
        if all(p is not passed for p in bucket):
            bucket.append(passed)

    def _all_functions(self) -> Iterator[FunctionNode]:
        yield from self.functions.values()
        for methods in self.methods.values():
            yield from methods.values()
        for nested in self.nested.values():
            yield from nested.values()

    def _scope_of(self, function: FunctionNode) -> FunctionNode | None:
        """The function `function` is defined in (for resolving its decorators), None at module / class level."""
        return self.parent.get(id(function))

    def _returned_functions(self, factory: FunctionNode) -> list[FunctionNode]:
        """`def deco(...): def wrapper(...): ...; return wrapper`: the functions a factory returns."""
        nested = self.nested.get(id(factory), {})
        found = []
        for node in walk_body(factory.body):
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Name) and node.value.id in nested:
                found.append(nested[node.value.id])
        return found

    def _function_values(self, arg: ast.expr, scope: FunctionNode | None) -> list[FunctionNode]:
        """The functions an argument expression names (`helper`, `self._warm_up`), if any."""
        if isinstance(arg, ast.Name | ast.Attribute):
            return self._resolve_callable(arg, scope, follow_params=False)
        return []

    def functions_named(self, expr: ast.expr, scope: FunctionNode | None) -> list[FunctionNode]:
        """This module's functions an expression names anywhere in it (`before_sleep=hook`, `retry_if_result(f)`)."""
        found: list[FunctionNode] = []
        for node in ast.walk(expr):
            for function in self._function_values(node, scope) if isinstance(node, ast.Name | ast.Attribute) else ():
                if all(f is not function for f in found):
                    found.append(function)
        return found

    # ------------------------------------------------------------------ resolving


    def _resolve_callable(self, func: ast.expr, scope: FunctionNode | None,
                          follow_params: bool = True) -> list[FunctionNode]:
        if isinstance(func, ast.Name):
            return self._resolve_name(func.id, scope, follow_params)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            receiver = func.value.id
            if receiver in ("self", "cls") and scope is not None:
                cls = self._enclosing_class(scope)
                method = self._method(cls, func.attr) if cls is not None else None
                return [method] if method is not None else []
            cls = self.classes.get(receiver) or self._instance(receiver, scope)
            if cls is not None:
                method = self._method(cls, func.attr)
                return [method] if method is not None else []
        return []

    def _resolve_name(self, name: str, scope: FunctionNode | None, follow_params: bool) -> list[FunctionNode]:
        current = scope
        while current is not None:
            if follow_params and name in _all_params(current):
                return list(self._passed.get((id(current), name), []))
            nested = self.nested.get(id(current), {})
            if name in nested:
                return [nested[name]]
            current = self.parent.get(id(current))
        function = self.functions.get(name)
        return [function] if function is not None else []

    def _instance(self, name: str, scope: FunctionNode | None) -> ast.ClassDef | None:
        """The class of `name = Class(...)` in `scope`, an enclosing function or at module level."""
        current = scope
        while current is not None:
            cls = self._instances.get((id(current), name))
            if cls is not None:
                return cls
            current = self.parent.get(id(current))
        return self._instances.get((0, name))

    def _enclosing_class(self, function: FunctionNode) -> ast.ClassDef | None:
        current: FunctionNode | None = function
        while current is not None:
            cls = self.class_of.get(id(current))
            if cls is not None:
                return cls
            current = self.parent.get(id(current))
        return None

    def _method(self, cls: ast.ClassDef, name: str, depth: int = 0) -> FunctionNode | None:
        method = self.methods.get(id(cls), {}).get(name)
        if method is not None or depth > 3:
            return method
        for base in cls.bases:
            if isinstance(base, ast.Name) and base.id in self.classes:
                found = self._method(self.classes[base.id], name, depth + 1)
                if found is not None:
                    return found
        return None

    # ------------------------------------------------------------------ queries

    def callees(self, call: ast.Call, scope: FunctionNode | None = None) -> list[FunctionNode]:
        """The functions of this module `call` reaches (empty for anything defined elsewhere). The scope it is
        written in is known for calls from `calls_in` / `calls`; pass it for any other."""
        found = self._callees.get(id(call))
        if found is None:
            scope = self.owner.get(id(call), scope)
            if isinstance(call.func, ast.Name) and self._is_parameter(call.func.id, scope):
                if not self._indexed:
                    self._index()
                return self._resolve_callable(call.func, scope)  # may grow while indexing: not kept
            found = self._callees[id(call)] = self._resolve_callable(call.func, scope)
        return found

    def _is_parameter(self, name: str, scope: FunctionNode | None) -> bool:
        current = scope
        while current is not None:
            if name in _all_params(current):
                return True
            if name in self.nested.get(id(current), {}):
                return False
            current = self.parent.get(id(current))
        return False

    def sites(self, function: FunctionNode) -> list[tuple[ast.Call, dict[str, ast.expr]]]:
        """Each call of `function` in this module, with the arguments it binds to the parameters."""
        self._index()
        return self._sites.get(id(function), [])

    def owner_of(self, call: ast.Call) -> FunctionNode | None:
        return self.owner.get(id(call))

    def methods_named(self, name: str) -> list[FunctionNode]:
        """Every method of this module's classes called `name` (what `obj.name(...)` may run when the class of
        `obj` is not known: a strategy object passed in)."""
        return [methods[name] for methods in self.methods.values() if name in methods]

    def method_of(self, cls: ast.ClassDef, name: str) -> FunctionNode | None:
        """A method of a class of this module, its bases in this module included."""
        return self._method(cls, name)

    def class_named(self, func: ast.expr, scope: FunctionNode | None) -> ast.ClassDef | None:
        """The class of this module a constructor call's function names (`Policy(...)`), if any."""
        if isinstance(func, ast.Name):
            current = scope
            while current is not None:
                if func.id in self.nested.get(id(current), {}) or func.id in _all_params(current):
                    return None
                current = self.parent.get(id(current))
            return self.classes.get(func.id)
        return None

    def class_of_function(self, function: FunctionNode) -> ast.ClassDef | None:
        return self._enclosing_class(function)

    def enclosing(self, function: FunctionNode) -> FunctionNode | None:
        """The function `function` is defined in, if any."""
        return self.parent.get(id(function))

    def reachable(self, calls: list[ast.Call], depth: int = 3) -> list[FunctionNode]:
        """Functions of this module the calls reach, directly or through the functions they call."""
        seen: dict[int, FunctionNode] = {}
        frontier = [f for c in calls for f in self.callees(c)]
        for _level in range(depth):
            next_frontier = []
            for function in frontier:
                if id(function) in seen:
                    continue
                seen[id(function)] = function
                next_frontier += [f for c in self.calls_in(function) for f in self.callees(c)]
            frontier = next_frontier
        return list(seen.values())

    def bind(self, call: ast.Call, function: FunctionNode, method: bool | None = None) -> dict[str, ast.expr]:
        """Parameter -> the expression `call` passes for it (defaults are left out); a `*args` parameter
        gets a tuple of the extra positional arguments. `self` / `cls` are skipped for method calls (`method`:
        True for a constructor call `Class(...)` bound to `__init__`; by default, a call through an attribute)."""
        args = function.args
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        through_attribute = isinstance(call.func, ast.Attribute) if method is None else method
        if through_attribute and positional and positional[0] in ("self", "cls") and not _is_staticmethod(function):
            positional = positional[1:]
        bound: dict[str, ast.expr] = {}
        extra: list[ast.expr] = []
        for i, arg in enumerate(call.args):
            if isinstance(arg, ast.Starred):
                break
            if i < len(positional):
                bound[positional[i]] = arg
            else:
                extra.append(arg)
        if args.vararg is not None and extra:
            bound[args.vararg.arg] = ast.Tuple(elts=extra, ctx=ast.Load(), lineno=call.lineno,
                                               col_offset=call.col_offset)
        names = set(positional) | {a.arg for a in args.kwonlyargs}
        for keyword in call.keywords:
            if keyword.arg is not None and keyword.arg in names:
                bound[keyword.arg] = keyword.value
        return bound


def default_of(function: FunctionNode, param: str) -> ast.expr | None:
    """The default value of a parameter, if it has one."""
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    offset = len(positional) - len(args.defaults)
    for i, arg in enumerate(positional):
        if arg.arg == param:
            return args.defaults[i - offset] if i >= offset else None
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if arg.arg == param:
            return default
    return None


def _positional_params(function: FunctionNode) -> list[str]:
    return [a.arg for a in (*function.args.posonlyargs, *function.args.args)]


def _all_params(function: FunctionNode) -> set[str]:
    args = function.args
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    if args.vararg is not None:
        names.add(args.vararg.arg)
    if args.kwarg is not None:
        names.add(args.kwarg.arg)
    return names


def params_of(function: FunctionNode) -> set[str]:
    """Every parameter name of `function` (`*args` and `**kwargs` included)."""
    return _all_params(function)


def _is_staticmethod(function: FunctionNode) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list)
