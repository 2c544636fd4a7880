"""Facts a model's rewrite states that the author never gave: `fix --llm` shows them as placeholders.

The rewrite request allows only the facts in `operator-context`, but a model asked to make a prompt
refuse less likes to make its users sound trustworthy: "our users are certified penetration testers on
the SecureCorp red team". Written into the code, such a sentence is a claim nobody made, and the model
that later reads the prompt believes it. So a rewrite is checked for new:

- names: capitalised words and runs of them that are not sentence openers (SecureCorp, Northwind Bank),
  acronyms (SOC, CISSP) and words with an organisation suffix (Inc, Ltd, Labs, University, ...);
- teams and units: "red team", "our security team", "the compliance department";
- credentials and vetting: certified, licensed, accredited, verified, vetted, authorised, cleared,
  background-checked, under NDA, employees, staff;
- who the users are ("our users are penetration testers", "you are assisting hospital staff");
- e-mail addresses and URLs.

A fact counts as given when its words appear in the original prompt or in `operator-context`
(case-insensitively). Each new fact is replaced by a visible placeholder that says what is missing
(<who your users are>, <which team>, <your users' credentials>, ...), so the rewrite becomes a
suggestion for the author to complete; it is never written, with or without --verify.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'&.-]*[A-Za-z0-9]|[A-Za-z]")
_NAME_RUN = re.compile(r"\b[A-Z][a-z0-9]*[A-Z0-9][A-Za-z0-9]*\b|\b[A-Z][a-z]+(?:[ -](?:[A-Z][a-zA-Z]+|of|&|and)){0,4}"
                       r"(?:[ -][A-Z][a-zA-Z]+)\b|\b[A-Z]{2,6}s?\b|\b[A-Z][a-z]+\b")  # fmt: skip
_ORG_SUFFIX = re.compile(r"\b(?:Inc|Ltd|LLC|LLP|Corp|Corporation|GmbH|AG|SA|PLC|Labs?|Technologies|Systems|Group|"
                         r"University|College|Hospital|Clinic|Bank|Agency|Institute|Foundation|Partners|Solutions)\b")
_TEAM = re.compile(r"\b(?:(?:our|the|your|a|an|its|their)\s+)?(?:[a-z]+[ -])?(?:red|blue|purple|security|"
                   r"compliance|legal|trust and safety|safety|incident response|fraud|risk|research|engineering|"
                   r"support|ops|it|hr|medical|clinical|sales|marketing|finance|data|ml|ai|platform|moderation)"
                   r"[ -](?:team|department|unit|division|group|office|squad|desk|staff)\b", re.I)  # fmt: skip
_CREDENTIAL = re.compile(r"\b(?:board[- ])?(?:certified|licensed|accredited|verified|vetted|authori[sz]ed|credentialed|"
                         r"cleared|registered|sworn|background[- ]checked|pre-approved|approved|qualified|trained|"
                         r"security clearance|under (?:an? )?nda|employees?|staff members?|in-house|internal)\b",
                         re.I)  # fmt: skip
_CONTACT = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b|\bhttps?://[^\s)>\]]+|\bwww\.[^\s)>\]]+")
#: Who the users are: "our users are X", "you are helping X", "(used) by X".
_USERS = re.compile(r"\b(?:(?:our|your|the|its|all|these)\s+(?:users|customers|clients|audience|members|"
                    r"readers|students|patients|callers|visitors)\s+(?:are|is|include|includes|consist of|"
                    r"are all|are only)|you(?:'re| are)\s+(?:assisting|helping|supporting|serving|talking to|"
                    r"speaking with|working with|answering))\s+(?P<who>[^.;:!?\n(]{3,120})", re.I)  # fmt: skip
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n]\s*|[\"'(\[]|^\s*(?:[-*\u2022]|\d+[.)])\s+)$")
#: Capitalised words that say nothing about who runs the product or uses it.
_COMMON_WORDS = """
i i'm i'll i've i'd ai llm api apis url urls json yaml xml html css sql csv pdf ui ux faq id ids ok okay english
spanish french german markdown python javascript typescript java go rust c c++ c# ruby php unix linux windows macos
ios android monday tuesday wednesday thursday friday saturday sunday january february march april may june july
august september october november december you your yours we our us they their them he she it its this that these
those the a an and or but if when while always never do don't does doesn't be is are was were please note only
also each every all any some no not yes explain answer provide give use keep make write describe list include
respond reply help assist ask tell show avoid stay focus treat refer here there what who how why which where
say said note remember consider check verify confirm mention state flag mark return output print format start
begin end stop continue first second third next then finally before after during instead otherwise however
because so thus therefore still even just only very more most less least other such same own new old good bad
best better important example examples step steps summary answer question questions request requests user
users customer customers sample samples task tasks input output text prompt response responses be been being
have has had can could would should will shall must might may cannot can't won't don't
"""
_COMMON = frozenset(_COMMON_WORDS.split())


@dataclass(frozen=True, slots=True)
class Fact:
    """A fact in the rewrite that neither the prompt nor operator-context gives."""

    start: int
    end: int
    kind: str  # users | team | credential | name | contact
    text: str

    @property
    def placeholder(self) -> str:
        return {"name": "<your organisation or product name>", "team": "<which team>",
                "credential": "<your users' credentials>", "users": "<who your users are>",
                "contact": "<a contact address you give>"}[self.kind]  # fmt: skip


def _given(words: str, source: str) -> bool:
    """Whether every word of a fact appears in the source text (case-insensitive)."""
    wanted = [w.lower().strip(".'") for w in _WORD.findall(words)]
    have = {w.lower().strip(".'") for w in _WORD.findall(source)}
    have |= {w[:-1] for w in have if w.endswith("s")}  # "analysts" gives "analyst"
    return all(w in have or w.rstrip("s") in have for w in wanted if w)


def _at_sentence_start(text: str, start: int) -> bool:
    return bool(_SENTENCE_START.search(text[max(0, start - 6):start])) or start == 0


def invented_facts(rewrite: str, original: str, operator_context: str | None) -> list[Fact]:
    """Facts of `rewrite` that `original` and `operator_context` do not give, in order, not overlapping."""
    source = f"{original}\n{operator_context or ''}"
    found: list[Fact] = []

    def add(start: int, end: int, kind: str) -> None:
        text = rewrite[start:end]
        if not _given(text, source):
            found.append(Fact(start, end, kind, text))

    for match in _USERS.finditer(rewrite):
        if not _in_placeholder(rewrite, match.start("who")):
            add(match.start("who"), match.end("who"), "users")
    for match in _TEAM.finditer(rewrite):
        add(match.start(), match.end(), "team")
    for match in _CREDENTIAL.finditer(rewrite):
        add(match.start(), match.end(), "credential")
    for match in _CONTACT.finditer(rewrite):
        if match.group(0).lower() not in source.lower():
            found.append(Fact(match.start(), match.end(), "contact", match.group(0)))
    for match in _NAME_RUN.finditer(rewrite):
        text = match.group(0)
        if _in_placeholder(rewrite, match.start()) or text.lower() in _COMMON:
            continue
        single = " " not in text and "-" not in text
        plain = single and text[0].isupper() and text[1:].islower()
        if plain and _at_sentence_start(rewrite, match.start()) and not _ORG_SUFFIX.fullmatch(text):
            continue  # an ordinary word opening a sentence
        words = [w for w in re.split(r"[ -]", text) if w and w.lower() not in _COMMON]
        if not words:
            continue
        add(match.start(), match.end(), "name")
    return _merged(rewrite, found)


_PRIORITY = ("users", "team", "credential", "name", "contact")


def _merged(text: str, facts: list[Fact]) -> list[Fact]:
    """Overlapping facts become one ("Northwind Bank" + "Bank fraud team" -> "Northwind Bank fraud team"),
    of the kind that says most about what is missing."""
    out: list[Fact] = []
    for fact in sorted(facts, key=lambda f: (f.start, -f.end)):
        if out and fact.start < out[-1].end:
            last = out[-1]
            end = max(last.end, fact.end)
            kind = min(last.kind, fact.kind, key=_PRIORITY.index)
            out[-1] = Fact(last.start, end, kind, text[last.start:end])
        else:
            out.append(fact)
    return out


def _in_placeholder(text: str, index: int) -> bool:
    """Inside a template placeholder ({name}) or a visible one (<who your users are>)."""
    for opening, closing in (("{", "}"), ("<", ">")):
        left = text.rfind(opening, 0, index)
        if left >= 0 and text.find(closing, left) >= index and closing not in text[left:index]:
            return True
    return False


def with_placeholders(rewrite: str, facts: list[Fact]) -> str:
    """The rewrite with each invented fact replaced by a visible placeholder saying what is missing."""
    out, pos = [], 0
    for fact in facts:
        out.append(rewrite[pos:fact.start])
        out.append(fact.placeholder)
        pos = fact.end
    out.append(rewrite[pos:])
    return "".join(out)
