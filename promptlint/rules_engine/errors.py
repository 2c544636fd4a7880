"""The one exception a broken rule set raises."""

from __future__ import annotations

from pathlib import Path


class RuleError(Exception):
    """A rule or lexicon file that cannot be used; the CLI prints `str()` and exits 2.

    `path` and `line` name the offending file and the line of the offending key.
    """

    def __init__(self, path: str | Path | None, line: int | None, message: str) -> None:
        self.path = Path(path) if path is not None else None
        self.line = line
        self.message = message
        where = str(self.path) if self.path is not None else "<rules>"
        if line:
            where += f":{line}"
        super().__init__(f"{where}: {message}")
