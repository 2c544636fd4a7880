"""`concise`: `path:line:col: CODE [severity] message`, one line each (what problem matchers parse).

Coloured like ruff's (bold path, the code in its severity's colour) when colour is on: a terminal,
or `FORCE_COLOR`; never under a non-empty `NO_COLOR`.
"""

from __future__ import annotations

from typing import IO, Any

from promptlint.reporters import summary_line
from promptlint.reporters.colour import BOLD, RESET, SEVERITY, colour_enabled


def render(report: Any, config: Any, stream: IO[str], *, quiet: bool = False) -> None:
    """Nothing at all when clean; a summary line after the findings unless quiet."""
    colour = colour_enabled(stream) if report.findings else False
    for f in report.findings:
        if colour:
            style = SEVERITY.get(str(f.severity), BOLD)
            stream.write(f"{BOLD}{f.path}{RESET}:{f.line}:{f.column}: {style}{f.code}{RESET} [{f.severity}] "
                         f"{f.message}\n")  # fmt: skip
        else:
            stream.write(f"{f.path}:{f.line}:{f.column}: {f.code} [{f.severity}] {f.message}\n")
    if report.findings and not quiet:
        stream.write(summary_line(report) + "\n")
