"""A rule pattern written over several lines is joined without a space (rules_engine.patterns), so a line that ends
in a word or a closed group and a next line that starts with a word or a group glue two words together:
"(?:escaped|unleashed)" + "(?:from|of)" reads "unleashedfrom" and never matches. Breaking before an alternative
("...|escaped" / "|unleashed) (?:from|of)") or inside a group that ends in a space is the house style."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parents[1] / "rules"
_BLOCK_START = re.compile(r"^(\s*)(?:- )?(?:[a-z_]+: )?\|-\s*$")


def glued_joins(text: str) -> list[tuple[int, str]]:
    """(line, the two ends) of each join in a `|-` block scalar that glues a word or group to the next one."""
    lines = text.split("\n")
    out = []
    in_block, indent = False, 0
    for i, line in enumerate(lines):
        if _BLOCK_START.match(line):
            in_block, indent = True, len(line) - len(line.lstrip()) + 1
            continue
        if not in_block:
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if not nxt.strip() or len(nxt) - len(nxt.lstrip()) < indent:
            in_block = False
            continue
        end, start = line.strip(), nxt.strip()
        closed = end.endswith(")") and not end.rstrip(")?*+").endswith((" ", "|", "("))
        wordy_end = end[-1:].isalnum() or closed
        wordy_start = start[:1].isalnum() or (start.startswith("(?:") and start[3:4].isalnum()) or \
            (start.startswith("(") and start[1:2].isalnum())
        if wordy_end and wordy_start:
            out.append((i + 1, f"{end[-30:]!r} + {start[:30]!r}"))
    return out


@pytest.mark.parametrize("path", sorted([*RULES.glob("*.yaml"), *(RULES / "lexicons").glob("*.yaml")]),
                         ids=lambda p: p.name)
def test_no_pattern_line_glues_two_words(path: Path) -> None:
    assert glued_joins(path.read_text(encoding="utf-8")) == []


def test_the_check_finds_a_glued_join() -> None:
    text = "patterns:\n  - |-\n    (?:escaped|unleashed)\n    (?:from|of) the rules\n"
    assert glued_joins(text) == [(3, "'(?:escaped|unleashed)' + '(?:from|of) the rules'")]
    fine = "patterns:\n  - |-\n    (?:escaped\n    |unleashed) (?:from|of) (?:any )?)\n    (?:rules)\n"
    assert glued_joins(fine) == []
