"""`promptlint check examples/` — the Quickstart's main job — shows every rule, each at the right place."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from promptlint.cli import main
from promptlint.rules_engine import load_rules

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def findings() -> list[dict]:
    cwd = os.getcwd()
    os.chdir(ROOT)  # paths in the report are relative, as the README shows them
    try:
        out = ROOT / ".pytest-examples.json"
        code = main(["check", "examples/", "--format", "json", "--no-cache", "--output-file", str(out)])
        data = json.loads(out.read_text(encoding="utf-8"))
        out.unlink()
    finally:
        os.chdir(cwd)
    assert code == 1  # the example app has findings on purpose
    return data


def _at(findings: list[dict], code: str) -> set[tuple[str, int, int]]:
    return {(f["path"], f["line"], f["column"]) for f in findings if f["code"] == code}


def test_every_rule_shows_at_least_once(findings: list[dict]) -> None:
    every = {rule.code for rule in load_rules()}
    assert every - {f["code"] for f in findings} == set()


def test_core_codes_at_the_right_lines(findings: list[dict]) -> None:
    app = "examples/support_desk/security_assistant.py"
    assert ("examples/support_desk/prompts/broken.yaml", 4, 1) in _at(findings, "PL000")
    assert (app, 15, 17) in _at(findings, "PL101")  # "unrestricted assistant" in the concatenated constant
    assert (app, 38, 62) in _at(findings, "PL301")  # "phishing email" inside the f-string
    assert (app, 77, 13) in _at(findings, "PL401")  # temperature += 0.4 after the refusal check
    assert ("examples/support_desk/redteam.py", 18, 63) in _at(findings, "PL103")


def test_well_written_prompts_stay_clean(findings: list[dict]) -> None:
    """The scoped system prompt and the scoped phishing request of the example app are not flagged."""
    app = "examples/support_desk/security_assistant.py"
    assert not [f for f in findings if f["path"] == app and 20 <= f["line"] <= 30]
    assert not [f for f in findings if f["path"] == app and 44 <= f["line"] <= 60 and f["code"] != "PL403"]
    assert not [f for f in findings if f["path"].endswith(("chains.py", "reply.prompty", "agents.yaml"))]
