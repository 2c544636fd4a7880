"""Status lines of a live run: what happened that the figures alone do not say.

A capped retry-after wait, a retry of a batch step, a batch id to come back to, an interruption: each
is one line, written to stderr (above the progress bar on a terminal, so the bar does not garble it;
plain lines in a CI log) and, with `--log FILE`, appended to that file with a UTC timestamp, so a run
that was watched by nobody can be read later.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import IO, Any


class StatusLog:
    """Callable sink: `status("batch msgbatch_1 submitted ...")`; thread-safe; never raises."""

    def __init__(self, prefix: str = "promptlint", stream: IO[str] | None = None, log_path: Path | None = None) -> None:
        self.prefix = prefix
        self.stream = stream
        self.log_path = log_path
        self.console: Any = None  # a rich Console drawing a progress bar, set while one is shown
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, message: str) -> None:
        line = f"{self.prefix}: {message}"
        with self._lock:
            self.lines.append(message)
            try:
                if self.console is not None:
                    self.console.print(line, highlight=False, markup=False, soft_wrap=True)
                else:
                    stream = self.stream or sys.stderr
                    stream.write(line + "\n")
                    stream.flush()
            except (OSError, ValueError):
                pass
            if self.log_path is not None:
                stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                try:
                    with open(self.log_path, "a", encoding="utf-8") as fh:
                        fh.write(f"{stamp} {line}\n")
                except OSError:
                    pass
