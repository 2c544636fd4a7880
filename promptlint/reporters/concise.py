"""`concise`: `path:line:col: CODE [severity] message`, one line each (what problem matchers parse)."""

from __future__ import annotations

from typing import IO, Any

from promptlint.reporters import summary_line


def render(report: Any, config: Any, stream: IO[str], *, quiet: bool = False) -> None:
    """Nothing at all when clean; a summary line after the findings unless quiet."""
    for f in report.findings:
        stream.write(f"{f.path}:{f.line}:{f.column}: {f.code} [{f.severity}] {f.message}\n")
    if report.findings and not quiet:
        stream.write(summary_line(report) + "\n")
