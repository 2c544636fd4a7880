"""`github`: workflow commands (`::error file=…,line=…::message`) that GitHub Actions shows as annotations.

`file=` is relative to the project root (the repository's root in a checkout), as GitHub resolves it,
whatever folder `check` ran from.

Escaping follows the runner's workflow-command rules: in the message `%`,
CR and LF are percent-encoded; in property values `:` and `,` are too.
"""

from __future__ import annotations

from typing import IO, Any

from promptlint.reporters import project_path

_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Any, path: str | None = None) -> str:
    level = _LEVELS.get(str(finding.severity), "warning")
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in (
            ("file", finding.path if path is None else path),
            ("line", finding.line),
            ("col", finding.column),
            ("endLine", finding.end_line),
            ("endColumn", finding.end_column),
            ("title", f"{finding.code} ({finding.name})"),
        )
    )
    message = finding.message
    if finding.hint:
        message += "\n" + finding.hint
    return f"::{level} {props}::{escape_data(message)}"


def render(report: Any, config: Any, stream: IO[str], *, quiet: bool = False) -> None:
    for finding in report.findings:
        stream.write(annotation(finding, project_path(report, finding.path)) + "\n")
