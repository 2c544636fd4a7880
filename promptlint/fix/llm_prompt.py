"""The meta-prompt of `fix --llm`: what a rewrite request says, and reading the rewrite out of the reply.

`Target` is one prompt to rewrite and the findings the rewrite must remove; `build_meta_prompt` fills
`rewrite_prompt.md` with the rules' docs, the findings, the operator context (the only facts allowed) and the
prompt; `parse_rewrite` takes the `<rewrite>` block out of the model's reply (`RewriteError` when there is none).
Nothing here sends anything (`fix.llm` does) or proves anything (`fix.llm_check` does).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from promptlint.model import Finding, Prompt, SourceFile

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.selection import Selection

TEMPLATE_PATH = Path(__file__).with_name("rewrite_prompt.md")
_BLOCK = re.compile(r"<rewrite>\s*?\n?(.*?)\n?\s*</rewrite>", re.DOTALL | re.IGNORECASE)


class RewriteError(Exception):
    """The model's reply gives no usable rewrite (no block, empty); nothing is written."""


@dataclass(slots=True)
class Target:
    """One prompt to rewrite and the findings the rewrite must remove."""

    path: str
    index: int
    prompt: Prompt
    findings: list[Finding]
    line: int
    column: int
    source: SourceFile

    @property
    def codes(self) -> list[str]:
        return sorted({f.code for f in self.findings})


@cache
def _template() -> string.Template:
    return string.Template(TEMPLATE_PATH.read_text(encoding="utf-8"))


def placeholder_texts(prompt: Prompt) -> list[str]:
    return [prompt.text[a:b] for a, b in sorted(prompt.placeholders)]


def _describe(finding: Finding, file_text: str, selection: Selection) -> str:
    rule = selection.rule(finding.code)
    lines = [f"- {finding.code} ({finding.name}): {' '.join(finding.message.split())}"]
    a, b = finding.span
    words = " ".join(file_text[a:b].split())[:200]
    words = words if len(words.split()) >= 2 else ""  # a one-word span marks a place, not the problem
    if rule is not None:
        docs = rule.docs
        lines.append(f"  Why it matters: {' '.join(docs.why.split())}")
        if rule.hint:
            lines.append(f"  How to fix: {' '.join(rule.hint.split())}")
        if docs.use_instead.strip():
            lines.append("  Example of good wording: " + " ".join(docs.use_instead.split()))
        if docs.fix_safety.strip():
            lines.append(f"  Limits: {' '.join(docs.fix_safety.split())}")
    if words:
        lines.append(f"  Flagged words: {words}")
    return "\n".join(lines)


def build_meta_prompt(target: Target, selection: Selection, operator_context: str | None) -> str:
    """The rewrite request: rule docs, findings, operator context (the only facts allowed), the prompt."""
    holders = placeholder_texts(target.prompt)
    listed = ", ".join(dict.fromkeys(holders)) if holders else "(none)"
    seen: set[tuple[str, str]] = set()
    described = []
    for f in target.findings:
        if (f.code, f.message) not in seen:
            seen.add((f.code, f.message))
            described.append(_describe(f, target.source.text, selection))
    context = " ".join((operator_context or "").split()) or "(none given: use visible placeholders for such facts)"
    return _template().substitute(
        placeholders=listed, operator_context=context, findings="\n".join(described), role=target.prompt.role,
        prompt=target.prompt.text,
    )  # fmt: skip


def parse_rewrite(reply: str) -> str:
    """The text inside the first complete <rewrite> block; RewriteError when there is none or it is empty."""
    match = _BLOCK.search(reply or "")
    if match is None:
        raise RewriteError("the model's reply has no <rewrite> block")
    text = match.group(1)
    if not text.strip():
        raise RewriteError("the model's <rewrite> block is empty")
    return text


def keep_margins(original: str, rewrite: str) -> str:
    """The rewrite with the original's leading and trailing whitespace (a triple-quoted string's newlines)."""
    lead = original[: len(original) - len(original.lstrip())]
    trail = original[len(original.rstrip()):]
    return lead + rewrite.strip() + trail
