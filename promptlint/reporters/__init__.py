"""Reporters: one module per output format, each `render(report, config, stream, *, quiet=False) -> None`.

Modules are imported lazily so that only `full` pays for rich.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.model import Finding, SourceFile
    from promptlint.runner import Report

#: format name -> module under promptlint.reporters
FORMATS = {
    "full": "full", "concise": "concise", "json": "json_", "sarif": "sarif", "github": "github", "junit": "junit",
}  # fmt: skip

Renderer = Callable[..., None]


def get_renderer(name: str) -> Renderer:
    """The `render` function of a format; KeyError for an unknown one."""
    return importlib.import_module(f"promptlint.reporters.{FORMATS[name]}").render


def render_statistics(report: Report, stream: IO[str], *, as_json: bool = False) -> None:
    """`--statistics`: how many findings per rule, most frequent first."""
    rows = report.counts_by_code()
    if as_json:
        import json

        json.dump([{"code": c, "name": n, "count": k} for c, n, k in rows], stream, indent=2)
        stream.write("\n")
        return
    width = max((len(str(k)) for _, _, k in rows), default=1)
    for code, name, count in rows:
        stream.write(f"{count:>{width}}\t{code}\t{name}\n")


def project_path(report: Report, display: str) -> str:
    """A finding's path as CI tools want it: relative to the project root (the git root, else the config's
    folder), with forward slashes; absolute when the file is outside the root."""
    import os

    root = getattr(report, "root", None)
    if root is None:
        return display.replace("\\", "/")
    from promptlint.project_root import relative_to_root

    rel = relative_to_root(display, root)
    return rel if rel is not None else os.path.abspath(display).replace("\\", "/")


def flagged_text(finding: Finding, source: SourceFile | None) -> str:
    """The text a finding points at (its span, else its line, else its message): what identifies it
    when line numbers change (SARIF fingerprints, JUnit test names)."""
    if source is None:
        return finding.message
    start, end = finding.span
    if end > start:
        return source.text[start:end]
    try:
        return source.line_text(finding.line)
    except IndexError:
        return finding.message


def edit_location(source: SourceFile | None, offset: int) -> dict[str, int]:
    """1-based line/column of a file offset (line 1 column 1 when the source is unknown)."""
    if source is None:
        return {"line": 1, "column": 1}
    line, column = source.position(offset)
    return {"line": line, "column": column}


def fix_dict(finding: Finding, source: SourceFile | None) -> dict[str, Any] | None:
    """The ruff-style JSON form of a finding's fix, or None."""
    fix = finding.fix
    if fix is None:
        return None
    return {
        "message": fix.message,
        "applicability": fix.applicability,
        "edits": [
            {
                "content": edit.content,
                "location": edit_location(source, edit.start),
                "end_location": edit_location(source, edit.end),
            }
            for edit in fix.edits
        ],
    }


def finding_dict(finding: Finding, source: SourceFile | None) -> dict[str, Any]:
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": str(finding.severity),
        "message": finding.message,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "role": finding.role,
        "fix": fix_dict(finding, source),
        "hint": finding.hint,
    }


def summary_line(report: Report) -> str:
    """`Found 3 findings (2 errors, 1 warning).`"""
    total = len(report.findings)
    by_severity: dict[str, int] = {}
    for finding in report.findings:
        by_severity[str(finding.severity)] = by_severity.get(str(finding.severity), 0) + 1
    parts = [
        f"{by_severity[s]} {s}{'s' if by_severity[s] != 1 else ''}"
        for s in ("error", "warning", "info")
        if s in by_severity
    ]
    fixable = sum(1 for f in report.findings if f.fix is not None and f.fix.applicability == "safe")
    text = f"Found {total} finding{'s' if total != 1 else ''} ({', '.join(parts)})."
    if fixable:
        text += f"\n[*] {fixable} fixable with `promptlint fix`."
    return text
