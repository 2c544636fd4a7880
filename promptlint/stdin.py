"""`check -` and `fix -`: linting and fixing text read from standard input, as editors and formatters
(conform.nvim, ALE, null-ls) run linters.

`--stdin-filename PATH` says which file the text is: its suffix picks the format (default Python),
the config is found walking up from its folder (as for the file on disk), `exclude` globs and
`per-file-ignores` apply to it, and findings are reported under that name. An excluded name is
linted as nothing (no findings; `fix -` writes the text back unchanged), so an editor's
format-on-save never empties or rewrites a file the project excludes.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from promptlint.model import ParseProblem, SourceFile

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.config import Config
    from promptlint.rules_engine.rule import Rule
    from promptlint.runner import Report

STDIN = "-"


@dataclass(slots=True)
class StdinText:
    """What was read: the raw bytes (written back unchanged when nothing applies), the decoded source
    or why it could not be decoded, the path it stands for and the name findings carry."""

    data: bytes
    source: SourceFile | ParseProblem
    path: Path
    display: str


def wants_stdin(paths: list[str], stdin_filename: str | None) -> bool:
    """Whether the command reads standard input: `-` among the paths, or `--stdin-filename` with no paths."""
    from promptlint.errors import UsageError

    if STDIN in paths:
        if len(paths) > 1:
            raise UsageError("'-' (standard input) cannot be combined with other paths")
        return True
    if stdin_filename is not None:
        if paths:
            raise UsageError("--stdin-filename names standard input: give '-' or no path, not files")
        return True
    return False


def read_stdin(stdin_filename: str | None, max_bytes: int) -> StdinText:
    """Read all of standard input (at most `max_bytes` + 1 bytes) and decode it as `stdin_filename` would be."""
    from promptlint.discovery import display_path
    from promptlint.source import decode

    path = Path(stdin_filename) if stdin_filename else Path("-.py")
    display = display_path(path) if stdin_filename else STDIN
    stream = getattr(sys.stdin, "buffer", None)
    data = b"" if stream is None else stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        problem = ParseProblem(f"input larger than {max_bytes} bytes; skipped (raise `max-file-size` to lint it)")
        return StdinText(data + stream.read(), problem, path, display)  # type: ignore[union-attr]
    source = decode(display, data, python=path.suffix in (".py", ".pyi") or not stdin_filename)
    return StdinText(data, source, path, display)


def config_start(stdin_filename: str | None) -> list[str]:
    """Where config discovery starts: the stdin file's nearest existing folder (it may not exist yet)."""
    if not stdin_filename:
        return []
    folder = Path(os.path.abspath(stdin_filename)).parent
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    return [str(folder)]


def excluded(path: Path, config: Config) -> bool:
    """Whether config `exclude` globs (or a skipped folder such as `.venv`) cover the stdin file's name."""
    from promptlint.discovery import Matchers, force_excluded

    return force_excluded(Path(os.path.abspath(path)), Matchers(config))


def lint_stdin(text: StdinText, config: Config, rules: list[Rule]) -> Report:
    """A `Report` for the text: findings under its display name (none when excluded)."""
    from promptlint.runner import Report, dedupe_and_sort, lint_source, parse_error_findings
    from promptlint.selection import Selection

    selection = Selection.build(config, rules)
    report = Report(rules=selection.rules, files=[text.display])
    if excluded(text.path, config):
        report.files = []
        return report
    if isinstance(text.source, ParseProblem):
        enabled = {r.code for r in selection.rules_for(text.display, text.path)}
        report.findings = parse_error_findings(text.display, text.source, selection, enabled)
        return report
    findings = dedupe_and_sort(lint_source(text.source, selection, Path(os.path.abspath(text.path))))
    report.findings = findings
    if findings:
        report.sources[text.display] = text.source
    return report
