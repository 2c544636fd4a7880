"""The per-file context of the code checks: built once by the engine, passed to every check, nothing global."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from promptlint import checks as checks_pkg
from promptlint.checks import context as context_module
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

    modules = [pyast, context_module] + [importlib.import_module(f"promptlint.checks.{r.spec['check']}")
                                         for r in CODE_RULES]
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
