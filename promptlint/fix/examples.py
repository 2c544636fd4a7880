"""A rule example's fixes, applied and proved: what the `fixed:` of a rule example is compared with.

The fix layer's side of `promptlint.rules_engine.examples` (which stays below the fix package): the example becomes
a file, the rule's fixes are spelled, spliced and proved by `fix.core.fix_with` exactly as `promptlint fix
--unsafe-fixes` does it, and display-only fixes are applied as `check` shows them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from promptlint.fix.core import fix_with, prompt_index_of
from promptlint.fix.proof import apply_text_edits
from promptlint.model import Extraction, Finding, SourceFile
from promptlint.rules_engine.engine import run_rules
from promptlint.rules_engine.examples import example_role, extraction_from_python, extraction_from_text

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.rules_engine.rule import Rule


class _OneRule:
    """The selection `fix_with` needs when one rule is linted."""

    def __init__(self, rule: Rule) -> None:
        self._rule = rule

    def rule(self, code: str) -> Rule | None:
        return self._rule if code == self._rule.code else None


def fixed_text(rule: Rule, example: dict[str, Any]) -> str:
    """The example's prompt after every fix `rule` offers is applied: safe and unsafe fixes through
    `fix.core.fix_with` (spelled, spliced and proved like `promptlint fix --unsafe-fixes`: the finding gone, no
    new one), then display-only fixes as `check` suggests them. Raises AssertionError when the fix is refused."""
    if "python" in example:
        source = SourceFile(path="example.py", text=example["python"])
        fmt = "python"

        def extract(s: SourceFile) -> Extraction:
            return extraction_from_python(s.text)
    else:
        role = example_role(example, rule)
        system = example.get("system")
        suffix = "" if system is None else f"\n\n{system}"
        source = SourceFile(path="example.txt", text=example["text"] + suffix)
        fmt = example.get("format", "text")

        def extract(s: SourceFile) -> Extraction:
            if not s.text.endswith(suffix):
                raise AssertionError(f"{rule.code}: a fix edited the example's system prompt")
            return extraction_from_text(s.text[:len(s.text) - len(suffix)], role, system=system, fmt=fmt)

    def relint(s: SourceFile) -> list[Finding]:
        return [f for f in run_rules(extract(s), [rule]) if f.code == rule.code]

    result = fix_with(source, fmt, extract, relint, _OneRule(rule), None, unsafe=True)
    if result.rejected:
        raise AssertionError(f"{rule.code}: the fix was refused: {result.rejected}")
    extraction = extract(SourceFile(path=source.path, text=result.fixed))
    if "python" in example:
        return result.fixed
    extraction = extract(SourceFile(path=source.path, text=result.fixed))
    suggested: list[tuple[int, int, str]] = []
    for finding in result.remaining:  # display-only: as `check` shows them, first come first
        fix = finding.fix
        if fix is None or fix.applicability != "display" or prompt_index_of(finding, extraction.prompts) != 0:
            continue
        if not any((a < d and c < b) or a == b == c == d for a, b, _ in fix.text_edits for c, d, _x in suggested):
            suggested.extend(fix.text_edits)
    return apply_text_edits(extraction.prompts[0].text, suggested)
