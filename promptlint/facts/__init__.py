"""What a prompt says, read once per prompt and shared by every rule.

A prompt's normalised text (rules_engine.text) is split into sentences (list items and lines
count as sentences); the facts model (model.py) scores each sentence for every concept it knows
(override, jailbreak, audience, purpose, limit, clarify, grant, ...: see docs/facts.md).
Rules read these scores through `PromptFacts`, so an absence ("no audience anywhere") or a
presence ("this sentence overrides safety behaviour") is decided the same way for all of them,
and every finding can point at the sentence that carries it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from promptlint.facts.model import FactsModel
    from promptlint.rules_engine.text import NormalText

Span = tuple[int, int]

#: A list item: "- ", "* ", "1. ", "2) ", "a) " at the start of its line.
_ITEM_RE = re.compile(r"[ \t]*(?:[-*\u2022+]|[0-9]{1,2}[.)]|[a-z][.)])\s")
#: A lead-in line that negates the list under it: "You cannot:", "Never:", "Do NOT:", "Off limits:", "Things you will
#: not help with:", "Out of scope:". Not a condition ("If you are not sure:", "When the user does not say:") nor a
#: lead-in whose negation is about something else ("Do not hesitate to:", "Do not forget to:", "Only when:").
_NEGATED_LEAD_IN_RE = re.compile(
    r"(?!\s*(?:if|when|whenever|unless|in case|once|after|before)\b)"
    r"(?![^:\n]*\b(?:hesitate|forget|only|unless|except|sure|certain|know|clear|unclear|understand|needed|required)\b)"
    r"(?=[^:\n]*\b(?:not|never|no|nothing|forbidden|prohibited|banned|off[- ]limits?|out of scope|avoid|refuse|decline"
    r"|restrictions?|limits|boundaries|red lines|don'?ts)\b)[^:\n]{1,80}:\s*", re.IGNORECASE)
#: The `limit` reading of an item under a negated lead-in: as sure as a sentence saying "never ..." itself.
LEAD_IN_LIMIT = 0.97
#: A sentence read as saying who the users are, with at least this probability, also says what they need the
#: assistant for ("You assist nurses at Riverside with telephone triage notes", "Users are solicitors advising
#: employers"): its `purpose` reading is raised to this, unless the sentence only names the group.
CARRIES_PURPOSE = 0.9
#: A sentence that only names the users' group: "Our users are college students.", "The users of this app are adults
#: in the United States." It says who, never what for: no verb of its own after the copula, no second clause.
_BARE_AUDIENCE_RE = re.compile(
    r"\s*(?:[-*\u2022]\s*)?(?:(?:our|the|all|your|its|this app's|this tool's)\s+)?(?:[\w'-]+\s+)?"
    r"(?:users|customers|clients|members|audience|students|patients|people using (?:this|it)|visitors|callers|readers"
    r"|learners)(?:\s+of\s+(?:this|the|our)\s+[\w-]+)?"
    r"\s+(?:are|is|will be)\s+"
    r"(?![^\n]*?\b(?:who|that|which|whom|to|so|for|because|when|while|with|and|but|using|use|uses|need|needs|want|wants)\b)"
    r"(?![^\n]*?\b\w{3,}ing\b)[^;:,\n]{1,80}?[.!]?\s*", re.IGNORECASE)


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
    if ":" in text:  # a list's lead-in ends with a colon: no colon, no negated list
        _read_negated_lists(text, out)
    _read_purpose_carried_by_audience(text, out)
    return PromptFacts(out)


def _read_purpose_carried_by_audience(text: str, sentences: list[SentenceFacts]) -> None:
    """A sentence that says who the users are and what they do with the assistant says why they need it too."""
    for facts in sentences:
        scores = facts.scores
        if scores.get("audience", 0.0) >= CARRIES_PURPOSE and scores.get("purpose", 0.0) < CARRIES_PURPOSE \
                and not _BARE_AUDIENCE_RE.fullmatch(text, facts.start, facts.end):
            facts.scores = {**scores, "purpose": CARRIES_PURPOSE}  # a copy: scores may be shared between prompts


def _read_negated_lists(text: str, sentences: list[SentenceFacts]) -> None:
    """The items of a list under a negated lead-in ("You cannot:" / "- Provide methods to make a pathogen more
    transmissible") are limits, however each item is worded: the model reads a sentence alone and would take the
    item for a request. An item runs from its marker to the next line that is not part of it."""
    under = False
    for facts in sentences:
        sentence = text[facts.start:facts.end]
        line_start = facts.start == 0 or text[facts.start - 1] == "\n"
        if line_start and sentence.rstrip().endswith(":") and not _ITEM_RE.match(sentence):
            under = _NEGATED_LEAD_IN_RE.fullmatch(sentence) is not None
            continue
        if line_start and not _ITEM_RE.match(sentence):
            under = False
        if under and facts.scores.get("limit", 0.0) < LEAD_IN_LIMIT:
            facts.scores = {**facts.scores, "limit": LEAD_IN_LIMIT}  # a copy: scores may be shared between prompts
