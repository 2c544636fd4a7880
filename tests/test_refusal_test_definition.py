"""One definition of "a refusal check" (issue 15): `pycalls.is_refusal_test`, read by the Python extractor
(`CallSite.after_refusal_check`) and by the code checks; its polarity; refusal predicates of a module."""

from __future__ import annotations

import ast
import textwrap

import pytest

from promptlint.extractors import pycalls
from promptlint.extractors.python import extract
from promptlint.model import SourceFile


def _expr(src: str) -> ast.expr:
    return ast.parse(src, mode="eval").body


def test_extractor_marks_a_call_after_an_openai_content_filter_as_after_a_refusal_check() -> None:
    """The extractor and the checks disagreed here: the checks counted `content_filter`, the extractor did not."""
    ex = extract(SourceFile("x.py", textwrap.dedent('''
        def ask(client, messages):
            c = client.chat.completions.create(model="gpt-4o", messages=messages)
            if c.choices[0].finish_reason == "content_filter":
                c = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
            return c
        ''')))
    by_model = {c.model: c for c in ex.calls}
    assert by_model["gpt-4o-mini"].after_refusal_check
    assert not by_model["gpt-4o"].after_refusal_check


@pytest.mark.parametrize("test", [
    'r.stop_reason == "refusal"', 'c.finish_reason == "content_filter"', "is_refusal(text)", "msg.refusal",
    '"I can\'t" in text', 'text.startswith("Sorry, I")', "refused", "not any(m in t for m in REFUSAL_MARKERS)",
])
def test_refusal_tests(test: str) -> None:
    assert pycalls.is_refusal_test(_expr(test))


@pytest.mark.parametrize("test", ['r.stop_reason == "max_tokens"', "x > 3", '"Image" in kinds', "ok"])
def test_not_refusal_tests(test: str) -> None:
    assert not pycalls.is_refusal_test(_expr(test))


@pytest.mark.parametrize(("test", "polarity"), [
    ('r.stop_reason == "refusal"', 1),
    ('r.stop_reason != "refusal"', -1),
    ("msg.refusal is None", -1),  # no refusal
    ("msg.refusal is not None", 1),
    ("not msg.refusal", -1),
    ('"I can\'t" not in text', -1),
    ("not any(m in text for m in REFUSAL_MARKERS)", -1),
    ("is_refusal(m) and depth < 3", 1),
    ("not self._refused(choice) or index == len(self.chain) - 1", -1),
    ("msg.refusal is None or model not in DOWNGRADE", -1),
    ("is_refusal(r) == False", -1),
    ("not_refused(r)", -1),
    ("x > 3", 0),
])
def test_polarity(test: str, polarity: int) -> None:
    assert pycalls.refusal_polarity(_expr(test)) == polarity


def test_refusal_predicates_are_found_from_what_functions_return() -> None:
    functions = [n for n in ast.parse(textwrap.dedent('''
        def blocked(r):
            return r.stop_reason == "refusal"
        def usable(r):
            return r.stop_reason != "refusal" and bool(r.content)
        def fine(r):
            return not blocked(r)
        def size(r):
            return len(r.content)
        class Bot:
            def declined(self, text):
                return text.lower().startswith(("i can't", "i cannot"))
        ''')).body]
    functions += [m for c in functions if isinstance(c, ast.ClassDef) for m in c.body]
    predicates = pycalls.refusal_predicates(f for f in functions if isinstance(f, ast.FunctionDef))
    assert predicates == {"blocked": 1, "usable": -1, "fine": -1, "declined": 1}
    assert pycalls.is_refusal_test(_expr("blocked(r)"), predicates)
    assert not pycalls.is_refusal_test(_expr("blocked(r)"))
    assert pycalls.refusal_polarity(_expr("not usable(r)"), predicates) == 1
    assert pycalls.refusal_polarity(_expr("self.declined(t)"), predicates) == 1
    assert not pycalls.is_refusal_test(_expr("other.declined(t)"), predicates)  # not this module's method


def test_refusal_flags_are_variables_holding_a_refusal_test() -> None:
    assigns = [n for n in ast.parse(textwrap.dedent('''
        ok = False
        ok = r.stop_reason != "refusal"
        blocked = "I can't" in text
        mixed = is_refusal(a)
        mixed = not is_refusal(b)
        size = len(text)
        ''')).body if isinstance(n, ast.Assign)]
    flags = pycalls.refusal_flags(assigns)
    assert flags == {"ok": -1, "blocked": 1}
    assert pycalls.refusal_polarity(_expr("not ok"), flags=flags) == 1
    assert pycalls.is_refusal_test(_expr("ok"), flags=flags) and not pycalls.is_refusal_test(_expr("ok"))
