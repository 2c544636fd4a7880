"""`full`: each finding with its code frame, an underline under the span, the fix hint; then a summary.

The only reporter that imports rich (it is the terminal default, where the
colour is worth the import).
"""

from __future__ import annotations

from typing import IO, Any

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from promptlint.reporters import summary_line
from promptlint.reporters.colour import colour_enabled

_STYLES = {"error": "bold red", "warning": "bold yellow", "info": "bold cyan"}
_MAX_FRAME_LINES = 6


def _console(stream: IO[str]) -> Console:
    """rich told explicitly whether to colour (its own reading of NO_COLOR differs between versions)."""
    colour = colour_enabled(stream)
    return Console(
        file=stream, highlight=False, soft_wrap=True, no_color=not colour, force_terminal=colour, emoji=False,
    )  # fmt: skip


def _underline(line_text: str, line: int, finding: Any) -> tuple[int, int]:
    """0-based [start, end) columns to underline on one line of the finding's span."""
    start = finding.column - 1 if line == finding.line else len(line_text) - len(line_text.lstrip())
    end = finding.end_column - 1 if line == finding.end_line else len(line_text.rstrip())
    end = min(max(end, start + 1), max(len(line_text), start + 1))
    return start, end


def code_frame(finding: Any, source: Any) -> Text | None:
    """The offending lines with a gutter and carets under the flagged span."""
    if source is None:
        return None
    total = len(source.line_starts) - (1 if source.text.endswith("\n") else 0)
    if finding.line < 1 or finding.line > total:
        return None
    last = min(finding.end_line, total, finding.line + _MAX_FRAME_LINES - 1)
    first_ctx = max(1, finding.line - 1)
    last_ctx = min(total, last + 1)
    width = len(str(last_ctx))
    style = _STYLES.get(str(finding.severity), "bold")
    frame = Text()
    frame.append(f"{'':>{width}} |\n", style="blue")
    for number in range(first_ctx, last_ctx + 1):
        text = source.line_text(number).replace("\t", " ")
        frame.append(f"{number:>{width}} | ", style="blue")
        frame.append(text + "\n")
        if finding.line <= number <= last:
            start, end = _underline(text, number, finding)
            frame.append(f"{'':>{width}} | ", style="blue")
            frame.append(" " * start + "^" * (end - start), style=style)
            if number == last:
                frame.append(f" {finding.code}", style=style)
            frame.append("\n")
    if last < finding.end_line:
        frame.append(f"{'':>{width}} | ...\n", style="blue")
    frame.append(f"{'':>{width}} |", style="blue")
    return frame


def _render_finding(console: Console, finding: Any, source: Any) -> None:
    style = _STYLES.get(str(finding.severity), "bold")
    header = Text()
    header.append(f"{finding.path}:{finding.line}:{finding.column}: ", style="bold")
    header.append(finding.code, style=style)
    header.append(f" [{finding.severity}] ", style=style)
    header.append(finding.message)
    console.print(header)
    frame = code_frame(finding, source)
    if frame is not None:
        console.print(frame)
    pad = " " * (len(str(min(finding.end_line, finding.line + _MAX_FRAME_LINES))) + 1)
    if finding.hint:
        console.print(f"{pad}[bold cyan]= help:[/] {escape(finding.hint)}")
    fix = finding.fix
    if fix is not None:
        if fix.applicability == "display":
            rewrite = "".join(edit.content for edit in fix.edits) or fix.message
            console.print(f"{pad}[bold green]= suggested rewrite:[/] {escape(rewrite)}")
        else:
            label = "fix" if fix.applicability == "safe" else "unsafe fix"
            console.print(f"{pad}[bold green]= {label}:[/] {escape(fix.message)}")
    console.print()


def render(report: Any, config: Any, stream: IO[str], *, quiet: bool = False) -> None:
    """Findings, then (unless quiet) a per-rule summary; a single line when clean."""
    console = _console(stream)
    if not report.findings:
        if not quiet:
            console.print("[bold green]All checks passed![/]")
        return
    for finding in report.findings:
        _render_finding(console, finding, report.sources.get(finding.path))
    if quiet:
        return
    rows = report.counts_by_code()
    width = max(len(str(n)) for _, _, n in rows)
    for code, name, count in rows:
        console.print(f"{count:>{width}}  [bold]{code}[/]  {name}")
    console.print(escape(summary_line(report)))
