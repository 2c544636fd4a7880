"""`fix` over files on disk: lint them with `check`'s pipeline, then fix only those with something to fix.

Kept apart from the fixing machinery (`core`: encoding, verification), which is imported only when a
file has a fix to apply: on a tree with nothing to fix, `fix` imports and does what `check` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptlint.fix.result import FileResult, wanted
from promptlint.model import Finding

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.config import Config
    from promptlint.rules_engine.rule import Rule


def fix_paths(paths: Sequence[str | Path], config: Config, rules: Sequence[Rule], *, unsafe: bool = False,
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
    from promptlint.runner import PARSE_ERROR_CODE, lint_paths
    from promptlint.selection import Selection

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
