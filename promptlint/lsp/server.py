"""`promptlint lsp`: command line entry (`add_arguments`, `run`); the server itself is in `pygls_server`.

pygls is optional (`pip install 'promptlint-refusal[lsp]'`): without it this module
still imports, so `promptlint lsp --help` works and `run` says what to
install instead of failing with a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys

DEFAULT_DEBOUNCE = 0.3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="config file for every document (default: found per document)")
    parser.add_argument("--no-config", action="store_true", help="ignore every config file")
    parser.add_argument("--debounce", type=float, default=DEFAULT_DEBOUNCE, metavar="SECONDS",
                        help=f"quiet time after an edit before linting (default: {DEFAULT_DEBOUNCE})")  # fmt: skip
    parser.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default and only transport)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log to stderr")


def run(args: argparse.Namespace) -> int:
    """Serve over stdio until the client says exit."""
    if getattr(args, "verbose", False):
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    if getattr(args, "config", None) and getattr(args, "no_config", False):
        from promptlint.cli import UsageError

        raise UsageError("--config and --no-config cannot be used together")
    try:
        from promptlint.lsp.pygls_server import create_server
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in ("pygls", "lsprotocol"):
            print("promptlint lsp needs pygls 2: pip install 'promptlint-refusal[lsp]'", file=sys.stderr)
            return 2
        raise
    from promptlint.lsp.engine import Linter

    linter = Linter(getattr(args, "config", None), isolated=getattr(args, "no_config", False))
    server = create_server(linter, max(getattr(args, "debounce", DEFAULT_DEBOUNCE), 0.0))
    server.start_io()
    return 0
