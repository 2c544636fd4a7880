"""What `fix` did to one file (`FileResult`), how a finding is known across a fix, and the diff of a result."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Protocol

from promptlint.model import Finding, Fix, SourceFile


@dataclass(slots=True)
class FileResult:
    """What `fix` did (or would do) to one file."""

    path: str
    original: str
    fixed: str
    #: None for a file `fix` did not read (nothing to fix, or unreadable): `original` and `fixed` are then "".
    source: SourceFile | None
    fixed_findings: list[Finding] = field(default_factory=list)
    remaining: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rejected: str | None = None
    rounds: int = 0
    #: The findings on the original text (before any fix).
    original_findings: list[Finding] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.fixed != self.original

    def fixed_source(self) -> SourceFile:
        """The fixed text as a SourceFile (what `remaining`'s positions refer to)."""
        assert self.source is not None
        return SourceFile(path=self.source.path, text=self.fixed, bom=self.source.bom, encoding=self.source.encoding)

    def remaining_before_fix(self) -> list[Finding]:
        """`remaining` at their positions in the original text: what `--diff`, which writes nothing, must report.

        Each remaining finding is one of the original findings (fixing never adds one: `_check_findings`),
        found by rule, message and flagged words, else by rule and message in order.
        """
        if not self.changed:
            return list(self.remaining)
        pool = list(self.original_findings)
        out: list[Finding] = []
        for finding in self.remaining:
            key = finding_key(finding, self.fixed)
            match = next((g for g in pool if finding_key(g, self.original) == key), None)
            if match is None:
                match = next((g for g in pool if (g.code, g.message) == (finding.code, finding.message)), None)
            if match is None:
                out.append(finding)
                continue
            pool.remove(match)
            out.append(match)
        out.sort(key=lambda f: (f.line, f.column, f.code))
        return out


def finding_key(f: Finding, text: str) -> tuple[str, str, str]:
    """A finding's identity across a fix: rule, message and the flagged words (positions move)."""
    return f.code, f.message, " ".join(text[f.span[0]:f.span[1]].split()).lower()


def wanted(fix: Fix | None, unsafe: bool) -> bool:
    return fix is not None and (fix.applicability == "safe" or (unsafe and fix.applicability == "unsafe"))


class _Rewritten(Protocol):
    path: str
    original: str
    fixed: str


def unified_diff(result: _Rewritten) -> str:
    """The change a fix (or an LLM rewrite) makes to one file, as a unified diff (`a/PATH`, `b/PATH`)."""
    return "".join(difflib.unified_diff(
        result.original.splitlines(keepends=True), result.fixed.splitlines(keepends=True),
        fromfile=f"a/{result.path}", tofile=f"b/{result.path}",
    ))  # fmt: skip
