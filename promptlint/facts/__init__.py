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
    #: Each concept's highest score over the sentences, made on first use: most prompts reach no rule's
    #: threshold for most concepts, and one look-up tells (the text rules ask for ~10 concepts per prompt).
    _top: dict[str, float] | None = field(default=None, init=False, repr=False, compare=False)

    def spans(self, concept: str, threshold: float) -> list[tuple[Span, float]]:
        """Normalised spans of the sentences scoring at least `threshold` for `concept`, with the score."""
        if self.best(concept) < threshold:
            return []
        return [((s.start, s.end), s.scores.get(concept, 0.0)) for s in self.sentences
                if s.scores.get(concept, 0.0) >= threshold]

    def best(self, concept: str) -> float:
        """The highest score of `concept` over the prompt's sentences (0.0 for none)."""
        return self.top().get(concept, 0.0)

    def top(self) -> dict[str, float]:
        """concept -> its highest score over the sentences (`best`; a concept not there is 0.0). Read only."""
        top = self._top
        if top is None:
            top = self._top = _top_scores(self.sentences)
        return top

    def has(self, concept: str, threshold: float) -> bool:
        return self.best(concept) >= threshold


def _top_scores(sentences: list[SentenceFacts]) -> dict[str, float]:
    """concept -> max(score or 0.0 over the sentences), for every concept some sentence scores."""
    if len(sentences) == 1:
        return sentences[0].scores
    top: dict[str, float] = {}
    for concept in {c for s in sentences for c in s.scores}:
        top[concept] = max(s.scores.get(concept, 0.0) for s in sentences)
    return top


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
