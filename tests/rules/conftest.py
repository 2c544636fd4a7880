"""Fixtures shared by the per-rule tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def phrases_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The facts model switched off: only the rules' phrase patterns and lexicons read the text, so a test holds a
    phrase construction itself (the shipped model may read the same text right for other reasons)."""
    from promptlint.facts import model as facts_model

    monkeypatch.setattr(facts_model, "MODEL_PATH", tmp_path / "no-model.json")
    facts_model.load_model.cache_clear()
    yield
    facts_model.load_model.cache_clear()
