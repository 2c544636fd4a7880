"""The per-file context of the code checks: built once by the engine, passed to every check, nothing global."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from promptlint import checks as checks_pkg
from promptlint.checks import pyast
from promptlint.checks.context import CheckContext
from promptlint.rules_engine import load_rules, run_rules
from promptlint.rules_engine.examples import extraction_from_python

REPO = Path(__file__).resolve().parents[1]
CODE_RULES = [r for r in load_rules() if r.kind == "check"]


def test_engine_passes_one_context_per_file_to_every_check(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, CheckContext]] = []
    real = checks_pkg.load_check

    def recording(name: str):  # type: ignore[no-untyped-def]
        check = real(name)

        def wrapped(ctx: CheckContext, rule: object):  # type: ignore[no-untyped-def]
            seen.append((name, ctx))
            return check(ctx, rule)

        return wrapped

    from promptlint.rules_engine import engine

    monkeypatch.setattr(engine, "load_check", recording)
    first = extraction_from_python("import anthropic\nclient = anthropic.Anthropic()\n")
    second = extraction_from_python("x = 1\n")
    run_rules(first, CODE_RULES)
    run_rules(second, CODE_RULES)
    assert len(seen) == 2 * len(CODE_RULES) >= 8
    contexts = [ctx for _name, ctx in seen]
    assert all(ctx is contexts[0] for ctx in contexts[:len(CODE_RULES)])
    assert all(ctx is contexts[-1] for ctx in contexts[len(CODE_RULES):])
    assert contexts[0] is not contexts[-1]
    assert contexts[0].extraction is first and contexts[-1].extraction is second


def _module_state(module: object) -> dict[str, object]:
    """Module-level lists, dicts and sets: mutable state a check could read."""
    return {name: value for name, value in vars(module).items()
            if isinstance(value, list | dict | set) and not name.startswith("__")}


def test_no_check_module_holds_mutable_state() -> None:
    import importlib
    import pkgutil

    import promptlint.checks

    names = [m.name for m in pkgutil.iter_modules(promptlint.checks.__path__)]
    assert {"context", "pyast", "callgraph", "flow", "values", "requests"} <= set(names)
    assert {r.spec["check"] for r in CODE_RULES} <= set(names)
    modules = [promptlint.checks] + [importlib.import_module(f"promptlint.checks.{name}") for name in names]
    for module in modules:
        assert _module_state(module) == {}, module.__name__


def test_a_file_without_a_tree_gets_a_context_that_gates_out() -> None:
    from promptlint.model import Extraction, SourceFile

    ctx = CheckContext(Extraction(source=SourceFile("x.py", "def f(:\n")))
    assert ctx.tree is None
    for rule in CODE_RULES:
        check = checks_pkg.load_check(rule.spec["check"])
        assert list(check(ctx, rule)) == []


def test_context_reads_only_its_own_file() -> None:
    """Two files checked in turn: the second's answers never come from the first (the old single-entry cache)."""
    a = CheckContext(extraction_from_python("import anthropic\nr = client.messages.create(model='m')\n"))
    b = CheckContext(extraction_from_python("x = 1\n"))
    assert a.may_hold_model_call() and not b.may_hold_model_call()
    assert len(a.model_calls()) == 1 and b.model_calls() == []
    assert isinstance(a.tree, ast.Module) and a.tree is not b.tree
    assert a.facts is a.facts and a.facts is not b.facts


# --------------------------------------------------------------------------- the call graph

def _ctx_of(src: str) -> CheckContext:
    from promptlint.model import Extraction, SourceFile

    text = textwrap.dedent(src).lstrip("\n")
    return CheckContext(Extraction(source=SourceFile("case.py", text), tree=ast.parse(text)))


def _function(ctx: CheckContext, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef:
    return next(f for f in ctx.facts.functions if f.name == name)


def test_call_graph_follows_methods_helpers_decorators_and_passed_functions() -> None:
    ctx = _ctx_of('''
        import functools
        def helper(x):
            return x
        def retrying(times):
            def decorator(fn):
                @functools.wraps(fn)
                def wrapper(*args, **kwargs):
                    return fn(*args, **kwargs)
                return wrapper
            return decorator
        @retrying(3)
        def decorated(q):
            return helper(q)
        class Base:
            def shared(self):
                return 1
        class Bot(Base):
            def _call(self, q):
                return self.shared()
            def reply(self, q):
                def inner():
                    return self._call(q)
                return inner()
        def run(hook):
            return hook()
        run(helper)
        bot = Bot()
        bot.reply("x")
        ''')
    graph = ctx.graph
    by_chain = {pyast.chain(c): [f.name for f in graph.callees(c)] for c in graph.calls}
    assert by_chain["helper"] == ["helper"]
    assert by_chain["fn"] == ["decorated"]  # the decorated function, through the decorator factory
    assert by_chain["self._call"] == ["_call"] and by_chain["self.shared"] == ["shared"]  # base class
    assert by_chain["inner"] == ["inner"]
    assert by_chain["hook"] == ["helper"]  # a function passed as an argument
    assert by_chain["bot.reply"] == ["reply"]  # a module-level instance
    assert by_chain["functools.wraps"] == []
    (_site, bound), = graph.sites(_function(ctx, "retrying"))
    assert isinstance(bound["times"], ast.Constant) and bound["times"].value == 3


# --------------------------------------------------------------------------- the refusal flow

def test_refusal_flow_follows_polarity_exits_and_loops() -> None:
    ctx = _ctx_of('''
        def f(client, q):
            for model in MODELS:
                r = client.create(model=model)
                if not is_refusal(r):
                    return r
                log("refused")
            if r.stop_reason == "refusal":
                a = 1
            else:
                b = 2
            while r.refusal is not None:
                c = 3
            match r.stop_reason:
                case "refusal":
                    d = 4
        ''')
    function = _function(ctx, "f")
    flow = ctx.flow(function)
    loop = function.body[0]
    statements = {ast.unparse(n): n for n in ast.walk(function) if isinstance(n, ast.stmt)}
    assert flow.after_refusal(statements["log('refused')"])
    assert not flow.after_refusal(statements["r = client.create(model=model)"])  # first attempt too
    assert flow.runs_without_refusal_only(statements["return r"])
    assert flow.goes_round_after_refusal(loop) and flow.stops_on_success(loop)
    assert flow.after_refusal(statements["a = 1"]) and flow.runs_without_refusal_only(statements["b = 2"])
    assert flow.after_refusal(statements["c = 3"]) and flow.after_refusal(statements["d = 4"])


def test_a_loop_that_gives_up_on_a_refusal_does_not_go_round_after_one() -> None:
    ctx = _ctx_of('''
        def f(client):
            for model in MODELS:
                try:
                    r = client.create(model=model)
                except APIError:
                    continue
                if r.stop_reason == "refusal":
                    raise RuntimeError("refused")
                return r
        ''')
    function = _function(ctx, "f")
    flow = ctx.flow(function)
    assert not flow.goes_round_after_refusal(function.body[0]) and flow.stops_on_success(function.body[0])


def test_refusal_flow_uses_the_modules_refusal_predicates() -> None:
    ctx = _ctx_of('''
        def usable(r):
            return r.stop_reason != "refusal"
        def f(r):
            if usable(r):
                return r
            retry = 1
        ''')
    function = _function(ctx, "f")
    assert ctx.refusal_predicates == {"usable": -1}
    assert ctx.flow(function).after_refusal(function.body[-1])


def test_refusal_flow_reads_refusal_flags_and_refusal_exceptions() -> None:
    ctx = _ctx_of('''
        def f(client, q):
            ok = False
            while not ok:
                r = client.create(q)
                ok = r.stop_reason != "refusal"
            try:
                g()
            except ContentRefusedError:
                h = 1
            except TimeoutError:
                i = 2
        ''')
    function = _function(ctx, "f")
    assert ctx.refusal_flags == {"ok": -1}
    flow = ctx.flow(function)
    statements = {ast.unparse(n): n for n in ast.walk(function) if isinstance(n, ast.stmt)}
    assert flow.after_refusal(statements["r = client.create(q)"])  # the loop runs while the answer is refused
    assert flow.after_refusal(statements["h = 1"]) and not flow.after_refusal(statements["i = 2"])


# --------------------------------------------------------------------------- values and requests

def test_values_follow_names_parameters_attributes_and_helpers() -> None:
    from promptlint.checks.values import UNKNOWN, Val

    ctx = _ctx_of('''
        from dataclasses import dataclass, field
        TIERS = ("big", "small")
        def pick(i):
            return TIERS[i]
        def ask(tier=0, models=("a", "b")):
            x = TIERS[tier + 1]
            return pick(tier), models[1:], x
        @dataclass
        class C:
            chain: list = field(default_factory=lambda: ["m1", "m2"])
            def f(self, index=1):
                return self.chain[index]
        ''')
    ask, f = _function(ctx, "ask"), _function(ctx, "f")
    (returned,) = [n.value for n in ast.walk(ask) if isinstance(n, ast.Return)]
    assert ctx.values.value(Val(returned, ask)) == ("big", ("b",), "small")
    (item,) = [n.value for n in ast.walk(f) if isinstance(n, ast.Return)]
    assert ctx.values.value(Val(item, f)) == "m2"
    assert ctx.values.value(Val(ast.Name(id="nowhere", lineno=1, col_offset=0), ask)) is UNKNOWN


def test_values_read_unpacking_itertools_zip_properties_and_bound_locals() -> None:
    from promptlint.checks.values import UNKNOWN, Val

    ctx = _ctx_of('''
        import itertools
        A, B = ["a1"], ["b1", "b2"]
        def pairs():
            return list(zip(itertools.count(1), itertools.chain(A, B))), list(enumerate(B, start=5))
        def head(tiers=("t1", "t2", "t3")):
            first, rest = tiers[0], tiers[1:]
            return first, rest
        def endless():
            return zip(itertools.count(), itertools.count())
        class C:
            names = ["n0", "n1"]
            at = 1
            @property
            def current(self):
                return self.names[self.at]
            def f(self):
                return self.current
        ''')
    pairs, head, endless, f = (_function(ctx, n) for n in ("pairs", "head", "endless", "f"))

    def returned(function: ast.FunctionDef) -> object:
        (node,) = [n.value for n in ast.walk(function) if isinstance(n, ast.Return)]
        return ctx.values.value(Val(node, function))

    assert returned(pairs) == ([(1, "a1"), (2, "b1"), (3, "b2")], [(5, "b1"), (6, "b2")])
    assert returned(head) == ("t1", ("t2", "t3"))
    assert returned(endless) is UNKNOWN  # two endless counters: no length to stop at
    assert returned(f) == "n1"
    # a local read with the arguments of a call (a recursive call passing the rest of a list)
    (first,) = [n for n in ast.walk(head) if isinstance(n, ast.Name) and n.id == "first"
                and isinstance(n.ctx, ast.Load)]
    rest = ast.parse("('t2', 't3')", mode="eval").body
    assert ctx.values.value(Val(first, head, {"tiers": Val(rest, None)})) == "t2"


def test_refusal_phrase_lists_make_predicates_and_a_refusal_flag_loop() -> None:
    ctx = _ctx_of('''
        NOPE = ("i can't", "i cannot")
        SIZES = ("small", "large")
        def said_no(text):
            return text.lower().startswith(NOPE)
        def is_size(text):
            return text.startswith(SIZES)
        def f(client, q):
            refused = True
            while refused:
                r = client.create(q)
                refused = said_no(r)
            return r
        ''')
    assert ctx.refusal_phrase_lists == {"NOPE": 1}
    assert ctx.refusal_predicates == {"said_no": 1}
    function = _function(ctx, "f")
    flow = ctx.flow(function)
    loop = function.body[1]
    # goes round only while the answer is a refusal, and is left when it is not
    assert flow.goes_round_after_refusal(loop) and flow.stops_on_success(loop)


def test_requests_are_lifted_through_helpers_methods_and_model_objects() -> None:
    ctx = _ctx_of('''
        from langchain_anthropic import ChatAnthropic
        cheap = ChatAnthropic(model="claude-haiku-4-5")
        class Bot:
            def _call(self, q, temperature=0.2):
                return self.client.messages.create(model="m", temperature=temperature, messages=q)
            def reply(self, q):
                first = self._call(q)
                second = self._call(q, temperature=0.9)
                third = cheap.invoke(q)
                return first, second, third
        ''')
    reply = _function(ctx, "reply")
    requests = ctx.requests.of(reply)
    assert [pyast.chain(r.call) for r in requests] == ["self._call", "self._call", "cheap.invoke"]
    temperatures = [ctx.values.value(r.temperature) for r in requests[:2]]
    assert temperatures == [0.2, 0.9]
    assert ast.unparse(requests[1].temperature.expr) == "0.9"  # the caller's own expression  # type: ignore[union-attr]
    assert requests[2].model_from_receiver and ctx.values.value(requests[2].model) == "claude-haiku-4-5"
    assert all(r.target is requests[0].target for r in requests[:2]) and not requests[0].direct


_PATHOLOGICAL = [
    # mutual recursion through a retry
    "def a(c, q, t=0.1):\n    r = c.messages.create(model='m', temperature=t, messages=q)\n"
    "    if r.stop_reason == 'refusal':\n        return b(c, q, t + 0.1)\n    return r\n"
    "def b(c, q, t):\n    return a(c, q, t)\n",
    # names defined by each other, a huge range, a list of a million models
    "X = Y\nY = X\nM = ['gpt-4o'] * 10**6\ndef f(c, q):\n    for i in range(1000000000):\n"
    "        r = c.messages.create(model=M[i], temperature=Y * i, messages=q)\n"
    "        if r.stop_reason != 'refusal':\n            return r\n",
    # classes that inherit from themselves, a default that is the function itself
    "class A(A):\n    def f(self):\n        return self.f()\nclass B(C, A):\n    pass\n"
    "def h(x=h):\n    return h(h(h(x)))\n",
    # a decorator applied twice and re-applied by assignment
    "def deco(fn):\n    def w(*a, **k):\n        for attempt in range(3):\n            out = fn(*a, **k)\n"
    "            if \"I can't\" not in out:\n                return out\n    return w\n"
    "@deco\n@deco\ndef g(c, q, temperature=0.2):\n"
    "    return c.chat.completions.create(model='gpt-4o', temperature=temperature, messages=q)\ng = deco(g)\n",
    # unhashable dict keys, a huge string, an unknown plan
    "def f(c):\n    m = {'a': [1], (1, [2]): 3}\n    s = 'x' * 10**9\n    for step in plan:\n"
    "        c.messages.create(model=m[s], messages=[{'role': 'user', 'content': step}])\n",
]


@pytest.mark.parametrize("source", _PATHOLOGICAL)
def test_checks_end_quietly_on_pathological_code(source: str) -> None:
    """Recursion, cycles and huge constants: every check returns (no exception, no runaway evaluation)."""
    from promptlint.model import Extraction, SourceFile

    extraction = Extraction(source=SourceFile("case.py", source), tree=ast.parse(source))
    findings = run_rules(extraction, CODE_RULES)
    assert all(f.code.startswith("PL40") for f in findings)
