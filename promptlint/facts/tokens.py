"""Words of a normalised sentence, reduced to stems, with negation scope marked.

The facts model reads sentences as bags of stems, stem pairs and negated stems, so the
same meaning in another inflection ("refuses", "refusing", "refused") or word order
lands on shared features. The stemmer is deliberately small and deterministic (training
and run time must agree); it is not a linguistic lemmatiser.
"""

from __future__ import annotations

import re
from functools import lru_cache

from promptlint.rules_engine.text import PLACEHOLDER

#: A word, a number, or one placeholder sentinel.
WORD_RE = re.compile(rf"[a-z0-9]+(?:[-'][a-z0-9]+)*|{PLACEHOLDER}")
#: Words that open a negation scope over the next few words.
NEGATORS = frozenset({"not", "no", "never", "none", "nothing", "nobody", "without", "neither", "nor", "nowhere",
                      "cannot", "refrain", "avoid", "stop", "instead"})
#: How many words a negator covers.
NEG_SCOPE = 4
#: Punctuation that closes a negation scope early (the tokens do not carry it, so it is passed as breaks).
_CLAUSE_BREAK_RE = re.compile(r"[,;:()]| - | but | and then ")
PLACEHOLDER_TOKEN = "<ph>"

_SUFFIXES = (
    ("ational", "ate"), ("ization", "ize"), ("isation", "ize"), ("fulness", "ful"), ("iveness", "ive"),
    ("ousness", "ous"), ("ements", "e"), ("ement", "e"), ("ising", "ize"), ("izing", "ize"), ("ised", "ize"),
    ("ized", "ize"), ("ises", "ize"), ("izes", "ize"), ("ise", "ize"), ("ies", "y"), ("ied", "y"), ("ying", "y"),
    ("sses", "ss"), ("ness", ""), ("ings", ""), ("ing", ""), ("edly", ""), ("ed", ""), ("ly", ""), ("es", ""),
    ("s", ""),
)
_KEEP_S = ("ss", "us", "is", "os", "as", "ys")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix-stripping stem: `refusing`/`refused`/`refuses` -> `refus`; short words are kept.
    Memoised: a prompt's words repeat, and stemming was a quarter of scoring a sentence."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, repl in _SUFFIXES:
        if word.endswith(suffix):
            if (suffix == "s" and word.endswith(_KEEP_S)) or (suffix == "ly" and word.endswith("ply")):
                return word
            base = word[: len(word) - len(suffix)] + repl
            if len(base) >= 3:
                if suffix in ("ing", "ed", "ings", "edly") and len(base) > 3 and base[-1] == base[-2] \
                        and base[-1] not in "lsz":
                    base = base[:-1]  # "stopped" -> "stop", "planning" -> "plan"
                return base.rstrip("e") if len(base) > 4 else base
            return word
    return word.rstrip("e") if len(word) > 4 else word


def words(sentence: str) -> list[str]:
    """Lower-cased words of a normalised sentence; a placeholder is the token `<ph>`."""
    return [PLACEHOLDER_TOKEN if w == PLACEHOLDER else w for w in WORD_RE.findall(sentence.lower())]


def stems_with_negation(sentence: str) -> tuple[list[str], list[str], list[bool]]:
    """Stems of the sentence's words, the words themselves, and whether each lies in a negation scope."""
    stems: list[str] = []
    raw: list[str] = []
    negated: list[bool] = []
    for clause in _CLAUSE_BREAK_RE.split(sentence.lower()):
        left = 0
        for word in WORD_RE.findall(clause):
            token = PLACEHOLDER_TOKEN if word == PLACEHOLDER else word
            raw.append(token)
            if token in NEGATORS or token.endswith("n't"):
                stems.append(token)
                negated.append(left > 0)
                left = NEG_SCOPE
                continue
            stems.append(stem(token))
            negated.append(left > 0)
            left = max(left - 1, 0)
    return stems, raw, negated
