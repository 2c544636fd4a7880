"""The example app (examples/support_desk/agent_loop.py) shows each code rule where its docs say it does."""

from __future__ import annotations

from pathlib import Path

from promptlint.config import Config
from promptlint.rules_engine import load_rules
from promptlint.runner import lint_paths

ROOT = Path(__file__).resolve().parents[1]


def _example_codes(extend_select: list[str]) -> dict[str, list[int]]:
    config = Config(root=ROOT, extend_select=extend_select)
    report = lint_paths([ROOT / "examples" / "support_desk" / "agent_loop.py"], config, load_rules())
    codes: dict[str, list[int]] = {}
    for finding in report.findings:
        codes.setdefault(finding.code, []).append(finding.line)
    return codes


def test_example_app_shows_each_code_rule() -> None:
    """agent_loop.py: PL402 and PL404 by default, PL403 once it is selected; the right-way loop stays quiet."""
    default = _example_codes([])
    assert "PL402" in default and "PL404" in default and "PL403" not in default
    opted_in = _example_codes(["PL403"])
    assert len(opted_in["PL403"]) == 1
    source = (ROOT / "examples" / "support_desk" / "agent_loop.py").read_text(encoding="utf-8").splitlines()
    good_start = next(i for i, line in enumerate(source, 1) if line.startswith("def run_plan_with_context"))
    assert all(line < good_start for lines in opted_in.values() for line in lines if lines)
