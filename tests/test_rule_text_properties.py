"""Properties of the normalised view: any text maps back inside itself, and rules never crash or stall."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from promptlint.extractors.placeholders import find_placeholders
from promptlint.rules_engine import load_rules, run_rules
from promptlint.rules_engine.examples import extraction_from_text
from promptlint.rules_engine.text import normalise

PIECES = "ab no you never refuse {x}{{y}}'\u2019\u201c\u201d*`-.!?\n\t \u00a0\u0130"
ALPHABET = st.sampled_from([*PIECES, "n't", "can", "There's"])
TEXT = st.lists(ALPHABET, max_size=80).map("".join)
PROMPT_RULES = [r for r in load_rules() if r.kind in ("pattern", "condition")]


@given(TEXT)
@settings(max_examples=300, deadline=None)
def test_normalised_spans_map_inside_the_text(text: str) -> None:
    nt = normalise(text, find_placeholders(text))
    assert len(nt.starts) == len(nt.ends) == len(nt.text)
    for i in range(len(nt.text)):
        start, end = nt.source_span(i, i + 1)
        assert 0 <= start < end <= len(text)
    for start, end in nt.sentences:
        assert 0 <= start <= end <= len(nt.text)


@given(TEXT, st.sampled_from(["system", "user", "template"]))
@settings(max_examples=200, deadline=None)
def test_rules_never_crash_and_findings_lie_in_the_file(text: str, role: str) -> None:
    extraction = extraction_from_text(text, role)
    for finding in run_rules(extraction, PROMPT_RULES):
        assert 0 <= finding.span[0] < finding.span[1] <= len(text)
        assert (finding.line, finding.column) <= (finding.end_line, finding.end_column)


def test_large_adversarial_prompt_is_fast() -> None:
    text = ("you you no no never never ignore all of your your the " * 2000) + "\n" + ("a, " * 20000)
    extraction = extraction_from_text(text, "user")
    run_rules(extraction_from_text("warm up", "user"), PROMPT_RULES)
    started = time.perf_counter()
    run_rules(extraction, PROMPT_RULES)
    assert time.perf_counter() - started < 5.0
