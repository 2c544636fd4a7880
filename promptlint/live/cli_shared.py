"""What the command lines that call models share (`probe`, `fix --llm`): argument types, the usage-error exit,
how rates and intervals are printed.

Light on purpose: building `fix`'s parser imports it, and must not import the live client (`fix` on a tree
with nothing to fix should cost what `check` costs).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def positive_int(text: str) -> int:
    """argparse type for counts that must be at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def price_arg(text: str) -> Any:
    """argparse type of `--price-per-mtok`."""
    from promptlint.live.pricing import parse_price

    try:
        return parse_price(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def fail(message: str) -> int:
    """One line on stderr, exit status 2: the shape of every usage error of the LLM commands."""
    print(f"promptlint: error: {message}", file=sys.stderr)
    return 2


def percent(rate: float | None) -> str:
    """A rate for a table; "no data" when no sample came back."""
    return "no data" if rate is None else f"{rate:.0%}"


def span_text(interval: tuple[float, float] | None) -> str:
    return "-" if interval is None else f"{interval[0]:.0%}-{interval[1]:.0%}"
