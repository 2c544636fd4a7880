"""Whether to colour terminal output: the NO_COLOR and FORCE_COLOR conventions, then "is it a terminal".

`NO_COLOR` turns colour off only when it is set to a non-empty value (no-color.org: an empty
`NO_COLOR=` is the same as unset); `FORCE_COLOR` set to a non-empty value turns it on even when
the output is a pipe (CI logs that render ANSI). `NO_COLOR` wins when both are set.
"""

from __future__ import annotations

import os
from typing import IO

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
SEVERITY = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m"}


def colour_enabled(stream: IO[str]) -> bool:
    if os.environ.get("NO_COLOR", ""):
        return False
    if os.environ.get("FORCE_COLOR", ""):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty is not None and isatty())
    except ValueError:  # a closed stream
        return False
