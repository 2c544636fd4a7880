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
    """The price of a model (longest id prefix in the table); local OpenAI-compatible models are free; else None."""
    models = load_table()["models"]
    best = max((name for name in models if model.startswith(name)), key=len, default=None)
    if best is not None:
        return Price(float(models[best]["input"]), float(models[best]["output"]))
    if provider == "openai":
        return FREE
    return None


def checked_date() -> str:
    return str(load_table()["checked"])
