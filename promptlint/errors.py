"""What commands report as one line on stderr (exit 2): the errors of a run and how each is worded.

Shared by every command (`check`, `fix`, `lsp`, `--watch`): kept below them all, importing nothing heavy.
A config error (`config.ConfigError`) and a rule error (`rules_engine.errors.RuleError`) already name their
file and line; anything else is an internal error, a bug.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


class UsageError(Exception):
    """A bad command line that argparse cannot see (exit 2)."""


class InternalError(Exception):
    """A bug met while linting one file; the CLI reports it (exit 2) with the file's path."""


def describe(exc: Exception) -> str:
    """One line for an error: config and rule errors already name their file and line."""
    from promptlint.config import ConfigError
    from promptlint.rules_engine.errors import RuleError

    if isinstance(exc, ConfigError | UsageError):
        return str(exc)
    if isinstance(exc, RuleError):
        message = str(exc)
        if exc.path is not None and str(exc.path) not in message:
            message = f"{exc.path}{f':{exc.line}' if exc.line else ''}: {message}"
        return message
    if isinstance(exc, InternalError):
        return f"internal error: {exc} (run with --verbose for the traceback)"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"internal error: {type(exc).__name__}: {text} (run with --verbose for the traceback)"


def print_warnings(warnings: Sequence[str]) -> None:
    """What the walk could not lint (an unreadable folder, a dangling symlink, a FIFO): one line each, on stderr."""
    for warning in warnings:
        print(f"promptlint: warning: {warning}", file=sys.stderr)
