"""`fix` over files on disk: lint them with `check`'s pipeline, then fix only those with something to fix.

Kept apart from the fixing machinery (`core`: encoding, verification), which is imported only when a
file has a fix to apply: on a tree with nothing to fix, `fix` imports and does what `check` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def fix_paths(paths: Sequence[str | Path], config: Any, rules: Sequence[Any], *, unsafe: bool = False,
              write: bool = True, force_exclude: bool = False, cache: Any = None, jobs: int | None = None,
              load_rules: Callable[[], Sequence[Any]] | None = None,
              warnings: list[str] | None = None) -> list[FileResult]:
    """Fix every lintable file under `paths`; writes changed files unless `write` is False.

    The files are linted first by `check`'s own pipeline (`lint_paths`: its result `cache`, its process pool),
    and only a file with a finding `fix` could apply goes through the fixing loop (and, for Python, is parsed
    by libcst to verify the result): on a tree with nothing to fix, `fix` costs what `check` costs. The other
    files' results carry their findings only. With `load_rules`, `rules` may be the cache's metadata stand-ins:
    the real rules are loaded only if a file has something to fix. What the walk could not lint goes to
    `warnings`; a file that could not be read or parsed (PL000) gets a note saying it was not fixed.
    """
    from promptlint.runner import PARSE_ERROR_CODE, Selection, lint_paths

    report = lint_paths(paths, config, rules, force_exclude=force_exclude, cache=cache, jobs=jobs,
                        load_rules=load_rules)
    if warnings is not None:
        warnings.extend(report.warnings)
    by_path: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_path.setdefault(finding.path, []).append(finding)
    operator_context = config.llm.operator_context
    selection: Selection | None = None
    results = []
    for display in report.files:
        findings = by_path.get(display)
        if not findings:  # most files of a tree: nothing found, nothing to fix
            results.append(FileResult(path=display, original="", fixed="", source=None))
            continue
        source = report.sources.get(display)
        if source is None or not any(_may_fix(f, unsafe, operator_context) for f in findings):
            text = source.text if source is not None else ""
            result = FileResult(path=display, original=text, fixed=text, source=source, remaining=findings,
                                original_findings=findings)
            result.notes.extend(f"{display}:{f.line}:{f.column}: {f.code} {f.message}; not fixed"
                                for f in findings if f.code == PARSE_ERROR_CODE)
            results.append(result)
            continue
        if selection is None:
            selection = Selection.build(config, load_rules() if load_rules is not None else rules)
        from promptlint.fix.core import fix_source, write_atomic  # the fixing machinery: only when needed

        path = Path(display)
        result = fix_source(source, selection, path, unsafe=unsafe, operator_context=operator_context)
        if write and result.changed:
            try:
                write_atomic(path, source, result.fixed)
            except (OSError, ValueError) as exc:
                why = (exc.strerror or exc) if isinstance(exc, OSError) else exc
                result.notes.append(f"{display}: not written: {why}")
                result.fixed, result.fixed_findings, result.remaining = result.original, [], findings
        results.append(result)
    return results


def _may_fix(finding: Finding, unsafe: bool, operator_context: str | None) -> bool:
    """Could `fix` apply this finding's fix? (`fix_source` decides exactly; this only picks the files to try.)"""
    if finding.never_fix or finding.fix is None:
        return False
    return wanted(finding.fix, unsafe) or (unsafe and bool(operator_context))
