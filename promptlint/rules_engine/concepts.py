"""`{fact:NAME}` entries of a rule's pattern lists: a sentence concept read by the facts model.

A rule lists what it looks for; an entry may be a phrase pattern (exact spans) or a concept of
the facts model (paraphrase), e.g.

    patterns:
      - "{fact:override}"          # a sentence the model reads as a blanket override (default threshold)
      - "{fact:override:0.7}"      # ... with at least this probability
      - "{fact:override:0.6x3}"    # ... 0.6, in at least three sentences of the prompt
      - "{fact:evasive:<0.15}"     # sentences scoring below 0.15 (as an exception: the model's veto)
      - (?:never|do not) refuse    # and the exact phrases, as before

Both kinds answer the same two questions for the engine: where in a prompt (`spans`) and
whether anywhere (`found`); `view` is the engine's per-prompt view with the normalised text
and the lazily computed facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from promptlint.facts import PromptFacts

#: The concepts the facts model scores (docs/facts.md). A rule naming another one is an error.
CONCEPTS = ("override", "jailbreak", "hard_limit", "audience", "purpose", "limit", "clarify", "grant", "sensitive",
            "dual_use", "anchor", "manipulation", "evasive", "pro_role", "meta")
DEFAULT_THRESHOLD = 0.5
FACT_RE = re.compile(r"\{fact:([a-z_]+)(?::(<)?([0-9]*\.?[0-9]+)(?:x([1-9][0-9]?))?)?\}")


@dataclass(frozen=True, slots=True)
class ConceptRef:
    """A concept of the facts model with the probability a sentence needs to count."""

    concept: str
    threshold: float = DEFAULT_THRESHOLD
    #: How many sentences of the prompt must reach the threshold before any of them counts: a weak reading
    #: counts only when the prompt keeps saying it (a jailbreak text), never for one odd sentence.
    at_least: int = 1
    #: `{fact:NAME:<T}`: the sentences scoring BELOW T. As an exception it lets the model veto a phrase hit whose
    #: sentence does not mean what the phrase usually does ("a surprise party without them knowing").
    below: bool = False
    groupindex: Any = None  # patterns have one; the engine asks

    def spans(self, facts: PromptFacts) -> list[tuple[tuple[int, int], float]]:
        if self.below:
            return [((s.start, s.end), s.scores.get(self.concept, 0.0)) for s in facts.sentences
                    if s.scores.get(self.concept, 0.0) < self.threshold]
        spans = facts.spans(self.concept, self.threshold)
        return spans if len(spans) >= self.at_least else []

    def found(self, facts: PromptFacts) -> bool:
        if self.below:
            return bool(self.spans(facts))
        if self.at_least == 1:
            return facts.has(self.concept, self.threshold)
        return len(facts.spans(self.concept, self.threshold)) >= self.at_least


def parse_concept(text: str) -> ConceptRef | None:
    """The ConceptRef a pattern-list entry stands for, or None if it is a phrase pattern.

    Raises ValueError for an unknown concept or a threshold outside (0, 1].
    """
    m = FACT_RE.fullmatch(text.strip())
    if m is None:
        if "{fact:" in text:
            raise ValueError(f"{text!r}: a {{fact:NAME}} entry must stand alone (no other pattern text around it)")
        return None
    name, below, threshold, count = m.group(1), m.group(2), m.group(3), m.group(4)
    if name not in CONCEPTS:
        raise ValueError(f"unknown concept {name!r} (concepts: {', '.join(CONCEPTS)})")
    value = float(threshold) if threshold else DEFAULT_THRESHOLD
    if not 0.0 < value <= 1.0:
        raise ValueError(f"{text!r}: the threshold must be in (0, 1]")
    if below and count:
        raise ValueError(f"{text!r}: a count (xN) needs a lower bound, not <T")
    return ConceptRef(name, value, int(count) if count else 1, below=bool(below))
