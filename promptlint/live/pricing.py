"""Cost from `usage` and a price table kept as data (`pricing.json`, with the date it was checked)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

PRICING_PATH = Path(__file__).with_name("pricing.json")


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float

    def cost(self, input_tokens: int, output_tokens: int, *, batch: bool = False) -> float:
        factor = load_table()["batch_discount"] if batch else 1.0
        return (input_tokens * self.input + output_tokens * self.output) * factor / 1_000_000


FREE = Price(0.0, 0.0)


@cache
def load_table(path: Path = PRICING_PATH) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def price_for(provider: str, model: str) -> Price | None:
    """The price of a model (longest id prefix in the table), else None, for every provider alike: a model
    served by an OpenAI-compatible endpoint may be a paid one, so it is not assumed free (give a price with
    `--price-per-mtok`, 0,0 for a local model)."""
    models = load_table()["models"]
    best = max((name for name in models if model.startswith(name)), key=len, default=None)
    if best is not None:
        return Price(float(models[best]["input"]), float(models[best]["output"]))
    return None


def parse_price(text: str) -> Price:
    """`--price-per-mtok IN,OUT` (USD per million input and output tokens); ValueError says what is wrong."""
    parts = [p.strip() for p in text.replace("/", ",").split(",")]
    if len(parts) != 2:
        raise ValueError(f"expected INPUT,OUTPUT in USD per million tokens (such as 1,5), got {text!r}")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ValueError(f"expected two numbers such as 1,5, got {text!r}") from None
    if any(v < 0 or v != v or v == float("inf") for v in values):
        raise ValueError(f"prices must be finite and non-negative, got {text!r}")
    return Price(values[0], values[1])


def checked_date() -> str:
    return str(load_table()["checked"])
