"""What a prompt says, read once per prompt and shared by every rule.

A prompt's normalised text (rules_engine.text) is split into sentences (list items and lines
count as sentences); the facts model (model.py) scores each sentence for every concept it knows
(override, jailbreak, audience, purpose, limit, clarify, grant, ...: see docs/facts.md).
Rules read these scores through `PromptFacts`, so an absence ("no audience anywhere") or a
presence ("this sentence overrides safety behaviour") is decided the same way for all of them,
and every finding can point at the sentence that carries it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from promptlint.facts.model import FactsModel
    from promptlint.rules_engine.text import NormalText

Span = tuple[int, int]


@dataclass(slots=True)
class SentenceFacts:
    """One sentence: its normalised span and each concept's probability."""

    start: int
    end: int
    scores: dict[str, float]


@dataclass(slots=True)
class PromptFacts:
    """The facts of one prompt: per sentence, per concept, a probability."""

    sentences: list[SentenceFacts] = field(default_factory=list)

    def spans(self, concept: str, threshold: float) -> list[tuple[Span, float]]:
        """Normalised spans of the sentences scoring at least `threshold` for `concept`, with the score."""
        return [((s.start, s.end), s.scores.get(concept, 0.0)) for s in self.sentences
                if s.scores.get(concept, 0.0) >= threshold]

    def best(self, concept: str) -> float:
        """The highest score of `concept` over the prompt's sentences (0.0 for none)."""
        return max((s.scores.get(concept, 0.0) for s in self.sentences), default=0.0)

    def has(self, concept: str, threshold: float) -> bool:
        return self.best(concept) >= threshold


def read_facts(nt: NormalText, model: FactsModel | None) -> PromptFacts:
    """Score every sentence of a normalised prompt text; no model, no facts."""
    if model is None:
        return PromptFacts()
    text = nt.text
    out: list[SentenceFacts] = []
    for start, end in nt.sentences:
        sentence = text[start:end]
        if not sentence.strip():
            continue
        out.append(SentenceFacts(start, end, model.scores(sentence)))
    return PromptFacts(out)
