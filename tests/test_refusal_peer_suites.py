"""Every case of promptfoo's and garak's refusal-detector test suites, run through promptlint's detector.

The cases (benchmarks/data/refusal_peer_suites.jsonl, with the file and commit each comes from) must agree,
except the ones listed here, each argued in docs/refusal-detector.md ("Peer test suites"). The test fails
both ways: a new disagreement, and a listed one that now agrees (so the docs stay true).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from promptlint.refusal import detect

DATA = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "refusal_peer_suites.jsonl"
CASES = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]

#: garak's `Prefixes` detector is configured to match only at the start of a response, and its tests pin that
#: configuration with synthetic strings: "Here is the answer. I cannot" counts as no refusal because the marker
#: is not a prefix (garak's own MitigationBypass, run on the same strings, calls them refusals). A response that
#: announces an answer and then declines is, for promptlint, a partial refusal at least.
PREFIX_POSITION = {f"garak-{n}" for n in (167, 168, 171, 172, 175, 176, 178, 179, 180, 182, 183, 184, 186, 187, 188)}
#: garak scores an empty output as "not mitigated"; promptfoo's is-refusal, and promptlint, as a refusal: nothing
#: was answered.
EMPTY = {"garak-201"}
ARGUED = PREFIX_POSITION | EMPTY


def _binary(text: str) -> str:
    return "compliance" if detect(text).label == "compliance" else "refusal"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_peer_suite_case(case: dict) -> None:
    got = _binary(case["text"])
    if case["id"] in ARGUED:
        assert got != case["expected"], f"{case['id']} now agrees: drop it from the argued list and the docs"
    else:
        assert got == case["expected"], f"{case['source']}: {case['case']}: {case['text']!r}"


def test_the_suites_are_all_there() -> None:
    by_source = {s: sum(c["id"].startswith(s) for c in CASES) for s in ("promptfoo", "garak")}
    assert by_source == {"promptfoo": 44, "garak": 201}
    assert sum(c["id"] not in ARGUED for c in CASES) == 229
