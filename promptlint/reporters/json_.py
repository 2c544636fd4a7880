"""`json`: an array of finding objects (ruff-like fields plus severity, role and hint)."""

from __future__ import annotations

import json
from typing import IO, Any

from promptlint.reporters import finding_dict


def render(report: Any, config: Any, stream: IO[str], *, quiet: bool = False) -> None:
    data = [finding_dict(f, report.sources.get(f.path)) for f in report.findings]
    json.dump(data, stream, indent=2, ensure_ascii=False)
    stream.write("\n")
