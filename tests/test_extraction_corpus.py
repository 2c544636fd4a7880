"""The template extractors against the shared corpus of real prompt files.

Runs scripts/measure_extraction.py's measurement: at least 90% of the
YAML / Prompty / Dotprompt records of prompts.jsonl must be found at their
recorded line with the same text (whitespace-normalised).
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"

pytestmark = pytest.mark.skipif(
    not (CORPUS / "prompts.jsonl").is_file(), reason=f"shared corpus not found at {CORPUS}"
)


@cache
def _measure_module():
    spec = importlib.util.spec_from_file_location("measure_extraction", REPO / "scripts" / "measure_extraction.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def outcome():
    return _measure_module().measure(SHARED)


def test_at_least_90_percent_found_at_recorded_line(outcome) -> None:
    assert outcome.measurable >= 100, "too few template records to judge"
    assert outcome.found_ratio >= 0.90, _measure_module().report(outcome)


def test_every_template_format_is_found(outcome) -> None:
    module = _measure_module()
    for fmt in module.TEMPLATE_FORMATS:
        assert outcome.found[fmt] > 0, f"nothing found for {fmt}"


def test_corpus_files_parse_except_known_invalid_front_matter(outcome) -> None:
    # 10-kitchen-sink.prompt's front matter (`{ name: string }[]`) is not YAML; nothing else may fail.
    assert all("10-kitchen-sink.prompt" in problem for problem in outcome.problems), outcome.problems
