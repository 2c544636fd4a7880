"""Where a response declines and how much it answers: the structure the refusal detector reads.

Phrase lists ask "does the text contain a refusal phrase?"; what decides refusal / partial /
compliance is *who* declines *what*, and what else the response does. So a response is read as
clauses (sentences and list items) after the parts that are not the assistant speaking are masked:

- quoted spans ("...", “...”, ‘...’, «...»), block quotes, inline and fenced code: a response that
  quotes a refusal, translates one or prints "Access denied" is not refusing;
- screenplay dialogue (`GARY: ...`), a drafted letter or e-mail (from `Subject:` or `Dear Name,`),
  an in-character reply that opens with a stage direction (`*crosses arms*`) and verse.

Each remaining clause gets one kind, the first that applies: `notice` (a content-filter or policy
message), `decline` (first person declining, by the grammar in declines.json: a subject, a negated
modal or declining verb, and what is declined; or an impersonal "that's not something I can do",
"this request cannot be fulfilled", "outside what I can do"), `part` (declining a part: "I've left
out the quote", "on the second part, I can't"), `limit` (a disclaimer that is not a refusal: "I
don't have real-time data", "I'm not a lawyer"), `empathy`, `greeting`, `reason`, `offer`,
`resource`, `closing`, `preface`, `question` (asking back), `other` (an emoji alone), and otherwise
`content`: material that answers.

`features(text)` turns that into signals for the learned model (detector.py): where the first
decline sits, how much content comes before and after it, whether a "but here's" turn follows, and
whether declines were found only inside masked text (a hard negative). Only `re` and `json`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from promptlint.refusal.scan import Scanner

GRAMMAR_PATH = Path(__file__).with_name("declines.json")
KINDS = ("notice", "decline", "part", "no", "moral", "limit", "empathy", "greeting", "reason", "offer", "resource",
         "closing", "preface", "question", "other", "content")  # fmt: skip
#: Masked characters: a quoted or in-character span (Q), code (C). Neither is a word character, so `\b`
#: and the grammar treat them as punctuation; the masked text keeps its length and its newlines.
QUOTE, CODE = "\u2591", "\u2592"

#: A response with more clauses than HEAD_CLAUSES + TAIL_CLAUSES is read at both ends only (see `read`).
HEAD_CLAUSES, TAIL_CLAUSES = 40, 20
_FENCE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)", re.S)
_INLINE_CODE = re.compile(r"`[^`\n]{1,300}`")
_DOUBLE = re.compile(r"\"[^\"\n]{1,400}\"|\u201c[^\u201c\u201d]{1,600}\u201d|\u00ab[^\u00ab\u00bb]{1,600}\u00bb|"
                     r"\u201e[^\u201e\u201c\u201d]{1,600}[\u201c\u201d]|\u300c[^\u300c\u300d]{1,600}\u300d|"
                     r"\u300e[^\u300e\u300f]{1,600}\u300f")  # fmt: skip
#: A quoted passage of several paragraphs: a straight double quote at the start of a line closed at the end of one
#: (a monologue, a drafted speech).
_QUOTED_PASSAGE = re.compile(r"(?m)^[ \t]*\"[^\"]{1,4000}?\"[ \t]*$")
#: Words introduced as an example or a template ("A common refusal template is: I'm sorry, but I can't help with
#: that."; "you can write: Thanks, but I won't be able to attend.") are mentioned, not said: masked to the line end.
_MENTION = re.compile(r"(?i)(?:\byou (?:can|could|might|may|should) (?:say|write|reply|respond|answer|type|use|"
                      r"try)|\b(?:template|example|phrase|phrasing|wording|script|line|response|reply|answer|prompt|"
                      r"instructions?|message|text|note|sentence|rule|disclaimer|notice) (?:is|was|would be|could be|"
                      r"might be|reads|goes|looks like|like|such as|along the lines of)|"
                      r"\b(?:say|write|reply|respond|type) (?:something like|something along the lines of)|\be\.g\.|"
                      r"\bfor (?:example|instance)|\bsuch as|\blooks like|\bsounds like|\breads like|"
                      r"\b(?:should|could|would|might|can|will|must|to) (?:say|reply|respond|answer|read|write)"
                      r"(?: something like| back| with)?|\b(?:says|said|replied|responds|responded|answered|"
                      r"whispered|shouts|shouted|snaps|snapped|tells (?:him|her|them))"
                      r")"
                      r"[ \t]*:[ \t]*(\S[^\n]*)")  # fmt: skip
#: `_MENTION`'s introducing words, ending where its colon stands: `_mention_spans` tries them only before a colon (the
#: same spans as `_MENTION.finditer`, at a fraction of the cost: most of a reply has no colon to try).
_MENTION_LEAD = re.compile(_MENTION.pattern.removesuffix(r"[ \t]*:[ \t]*(\S[^\n]*)") + r"[ \t]*\Z")
_AFTER_COLON = re.compile(r"[ \t]*(\S[^\n]*)")
#: How far before a colon `_MENTION`'s introducing words can start (the longest, with the spaces before the colon).
_MENTION_REACH = 200
#: A line that announces a drafted text ("Here's the refusal message for your chatbot:", "Below is a reply you can
#: send:") before the paragraph that is that text: the paragraph is delivered, not the assistant speaking.
_ANNOUNCED = re.compile(r"(?im)^[ \t]*(?:\*\*)?(?:here(?:'s| is| are)|below is|below are|try this|use this|you can use "
                        r"this)\b[^\n]{0,40}?\b(?:a|an|the|your|this|one|some)\b[^\n]{0,40}?\b(?:message|reply|response|"
                        r"text|template|script|wording|note|email|e-mail|draft|version|caption|post|announcement|notice|"
                        r"copy|sms|dm|letter|snippet|macro|canned response)s?\b[^\n]{0,60}:(?:\*\*)?[ \t]*\n[ \t]*\n"
                        r"(?![ \t]*(?:\*\*)?(?:subject|re|to|from|dear|hi|hello|hey|greetings)\b)"
                        r"([^\n]+(?:\n[^\n]+)*)")  # fmt: skip
#: A parenthesis right after a quote glosses it (a translation, a transliteration): it is quoted too.
_GLOSS = re.compile("(?<=" + "\u2591" + r")[ \t]*\([^()\n]{1,300}\)")
_CURLY_SINGLE = re.compile(r"\u2018[^\u2018\n]{1,300}?\u2019(?!\w)")
#: A single-quoted span; an apostrophe inside a word ("'I can't help with that'") does not close it.
_STRAIGHT_SINGLE = re.compile(r"(?<![\w'])'(?=[^\s'])(?:[^'\n]|(?<=\w)'(?=\w)){1,300}?(?<=[^\s])'(?!\w)")
_UNCLOSED_ITEM_QUOTE = re.compile(r"(?m)^(\s*(?:\d+[.)]|[-*\u2022])\s+)([\"\u201c][^\"\u201d\n]*)$")
_BLOCKQUOTE = re.compile(r"(?m)^[ \t]*>.*$")
_DIALOGUE = re.compile(r"(?m)^[ \t]*(?:\*\*)?(?!(?:NOTE|IMPORTANT|WARNING|DISCLAIMER|UPDATE|TL;DR|TLDR|PS|P\.S\.|Q|A|"
                       r"EDIT|TIP|CAUTION|SUMMARY|STEP \d+|INT\.|EXT\.)\b)[A-Z][A-Z0-9 .'\-]{0,30}(?:\*\*)?"
                       r"(?:[ \t]*\([^)\n]{0,80}\))?(?:\*\*)?[ \t]*:[ \t]*(\S.*)$")  # fmt: skip
_SALUTATION = re.compile(r"(?m)^[ \t]*(?:\*\*)?(?:[Ss]ubject|SUBJECT|R[Ee]|[Tt]o|[Ff]rom)(?:\*\*)?:.*$|"
                         r"^[ \t]*(?:[Dd]ear|[Hh]i|[Hh]ello|[Hh]ey|[Gg]reetings)[ \t]+[A-Z][\w.'\-]*"
                         r"(?:[ \t]+(?:and[ \t]+|&[ \t]+)?[A-Z][\w.'\-]*){0,3}[ \t]*,[ \t]*$")  # fmt: skip
#: A line that gives a sentence in a named language ("- **Spanish:** Lo siento, no puedo ayudar con eso."): a
#: translation delivered, not the assistant speaking.
_TRANSLATION_LINE = re.compile(r"(?mi)^[ \t]*(?:[-*\u2022+]|\d+[.)])?[ \t]*(?:\*\*|__)?(?:in )?(?:spanish|french|"
                               r"german|italian|portuguese|dutch|japanese|chinese|mandarin|cantonese|korean|russian|"
                               r"arabic|hindi|turkish|polish|swedish|norwegian|danish|finnish|greek|hebrew|vietnamese|"
                               r"thai|indonesian|czech|ukrainian|romanian|hungarian|catalan|latin|swahili|"
                               r"tagalog|bengali|urdu|persian|farsi)(?: \([^)\n]{1,30}\))?(?:\*\*|__)?[ \t]*:"
                               r"[ \t]*(?:\*\*|__)?[ \t]*(\S[^\n]*)$")  # fmt: skip
_RULE = re.compile(r"(?m)^[ \t]*(?:-{3,}|\*{3,}|_{3,}|(?:\* ){2,}\*)[ \t]*$")
#: A reply that is only a prohibition sign (an emoji refusal).
_PROHIBITION = re.compile("^[\\W_]*(?:\U0001f6ab|\u26d4|\u274c|\u274e|"
                          "\U0001f645[\u200d\u2640\u2642\ufe0f\U0001f3fb-\U0001f3ff]*|"
                          "\u270b[\U0001f3fb-\U0001f3ff]?|\U0001f6d1|\u2716\ufe0f?|\U0001f910)[\\W_]*$")
#: An opening stage direction (`*crosses arms*`); a capitalised span the sentence runs on from in lower case
#: (`*The Anarchist Cookbook* was written in 1969`), or that a hyphenated word or a possessive continues
#: (`*Dune*-era fans`, `*Hamlet*'s plot`), is an italic title, not a direction.
_STAGE_DIRECTION = re.compile(r"\A\s*\*(?!\*)(?![A-Z][^*\n]{2,159}\*(?:[ \t]+[a-z]|[-\u2013']\w))[^*\n]{3,160}\*(?!\*)")
#: A line of a code block that is only a comment, and the comment markers of such a block (with its fences).
_COMMENT_LINE = re.compile(r"^[ \t]*(?:#|//|--|;|/\*|\*|<!--|%|rem\b)", re.I)
_COMMENT_MARKUP = re.compile(r"(?m)^[ \t]*(?:```|~~~)[^\n]*$|^[ \t]*(?:#+|//+|--+|;+|/\*+|\*+/?|<!--|%+|rem\b)|"
                             r"(?:\*/|-->)[ \t]*$", re.I)  # fmt: skip
#: A markdown table row: a table is data (a grammar lesson's "I won't swim." is an example, not a reply).
_TABLE = re.compile(r"(?m)^[ \t]*\|.*\|[ \t]*$")
#: A screenplay speaker's name alone on its line (`RAY`, `**HALCYON (V.O.) (CONT'D)**`).
_SPEAKER_LINE = re.compile(r"(?m)^[ \t]*(?:\*\*)?(?!(?:NOTE|IMPORTANT|WARNING|DISCLAIMER|UPDATE|SUMMARY|TL;DR|TLDR|"
                           r"EDIT|TIP|CAUTION|INT\.|EXT\.|THE END|END|FADE|CUT TO|SCENE)\b)(?P<name>[A-Z][A-Z0-9.'\-]*"
                           r"(?: [A-Z][A-Z0-9.'\-]*){0,3})(?:\*\*)?(?:[ \t]*\([^)\n]{0,40}\))*(?:\*\*)?"
                           r"[ \t]*$")  # fmt: skip
_WORDS_UPPER = re.compile(r"[^A-Z]")
_BLANK_LINE = re.compile(r"\n[ \t]*\n|\n[ \t]*(?=(?:\*\*)?[A-Z][A-Z0-9.'\- ]{0,30}(?:\*\*)?(?:[ \t]*\([^)\n]{0,40}\))*"
                         r"(?:\*\*)?[ \t]*\n)")  # fmt: skip
#: Where a drafted letter ends: its sign-off and the signature line after it.
#: A signature line of its own after a draft's last paragraph ("\u2014 IT Security"; "-- Sam"): the draft ends there.
_SIGNATURE = re.compile(r"(?m)^[ \t]*(?:\u2014|\u2013|--)[ \t]*[A-Z][^\n]{0,40}$")
_SIGN_OFF = re.compile(r"(?mi)^[ \t]*(?:best|best regards|kind regards|regards|warm regards|sincerely|yours sincerely|"
                       r"yours truly|yours faithfully|cheers|thanks|thank you|many thanks|all the best|respectfully|"
                       r"warmly|love|with love|take care)[ \t]*[,.!]?[ \t]*\n[^\n]{0,60}$")  # fmt: skip
#: Stepping out of a role-play: a stage direction or note that says so, or a horizontal rule.
_FRAME_BREAK_WORDS = re.compile(r"(?i)out of (?:character|the (?:role|story|scene|game|fiction))|\booc\b|"
                                r"\b(?:break|breaks|breaking|broke|drop|drops|dropping|step|steps|stepping|pause|"
                                r"pauses|pausing|leave|leaves|leaving)\b[^*\n]{0,30}\b(?:character|persona|role|"
                                r"role-?play|act|scene|story|game|fiction|voice)\b")  # fmt: skip
_FRAME_BREAK = re.compile(r"(?m)(?P<direction>\*(?!\*)[^*\n]{3,160}\*(?!\*))|^[ \t]*[(\[]?[ \t]*(?:ooc\b|OOC\b|"
                          r"[Oo]ut of character|[Ss]tepping out|[Bb]reaking character)|^[ \t]*(?:-{3,}|\*{3,}|_{3,})"
                          r"[ \t]*$|^[ \t]*[(\[][ \t]*(?:I|I'm|I am|I'll|I can't|I won't|Note|Author's note|Just to be "
                          r"clear|To be clear)\b")  # fmt: skip
_MARKER_ONLY = re.compile(r"^\s*(?:\d+|[a-zA-Z])[.)]\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*\u2022+]|#{1,6})\s+")
_CLAUSE_END = re.compile("(?<=[\U0001f300-\U0001faff\u2600-\u27bf])[\ufe0f\U0001f3fb-\U0001f3ff]*[ \t]+(?=\\w)|"
                         r"(?<=[.!?])(?<!\bdr\.)(?<!\bmr\.)(?<!\bms\.)(?<!\bmrs\.)(?<!\bst\.)(?<!\bprof\.)(?<!\be\.g\.)"
                         r"(?<!\bi\.e\.)(?<!\bvs\.)[\"')\]\u201d]*\s+(?=\S)|\n+|(?<=:)\s*\n", re.I)  # fmt: skip
_CONTRAST = re.compile(r"(?:,|;|\s[\u2014\u2013-])\s+(?=(?:but|however|though|yet|that said|instead)\b)", re.I)
_APOSTROPHES = ("\u2019", "\u2018", "\u2032", "\u02bc", "\uff07", "`")
_MARKUP = re.compile(r"\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)")
_WORDS = re.compile(r"[a-z\u00e0-\u00ff]+")


@dataclass(frozen=True, slots=True)
class Grammar:
    """Compiled patterns per clause kind (declines.json)."""

    patterns: dict[str, tuple[re.Pattern[str], ...]]
    #: The lists `_kind` tries, matched with one Scanner pass per clause instead of one search per pattern
    #: (same matches by construction, see scan.py); `lists` gives each list's indices into it.
    scanner: Scanner | None = None
    lists: dict[str, tuple[int, ...]] | None = None


#: The pattern lists that decide a clause's kind (`_kind`).
KIND_LISTS = ("notice", "part_note", "decline", "foreign_decline", "decline_bare", "no_bare", "moral", "limit",
              "resource", "offer", "empathy", "greeting", "closing", "preface", "reason")


@cache
def load_grammar(path: Path = GRAMMAR_PATH) -> Grammar:
    data = json.loads(path.read_text(encoding="utf-8"))
    macros: dict[str, str] = data["macros"]
    compiled: dict[str, tuple[re.Pattern[str], ...]] = {}
    for name, patterns in data.items():
        if name.startswith("_") or name == "macros":
            continue
        out = []
        for pattern in patterns:
            for _ in range(3):  # macros may use macros
                for key, value in macros.items():
                    pattern = pattern.replace("{" + key + "}", value)
            out.append(re.compile(pattern))
        compiled[name] = tuple(out)
    flat: list[re.Pattern[str]] = []
    lists: dict[str, tuple[int, ...]] = {}
    for name in KIND_LISTS:
        lists[name] = tuple(range(len(flat), len(flat) + len(compiled[name])))
        flat += compiled[name]
    return Grammar(compiled, Scanner.build(flat, [False] * len(flat)), lists)


@dataclass(frozen=True, slots=True)
class Clause:
    """One sentence or list item of the masked text."""

    start: int
    end: int
    text: str  # masked, normalised, markup stripped
    kind: str
    evidence: str = ""
    item: bool = False  # a list item or heading
    masked: int = 0  # characters of quoted / code material inside it

    def relabel(self, kind: str, evidence: str = "") -> Clause:
        """The same clause read as another kind, with the words that show it."""
        return Clause(self.start, self.end, self.text, kind, evidence, self.item, self.masked)


@dataclass(frozen=True, slots=True)
class Reading:
    """A response read as clauses, with the flags that masking raised."""

    clauses: tuple[Clause, ...]
    length: int
    masked_declines: int  # declines found only inside quoted / in-character text
    roleplay: bool
    verse: bool
    drafted: bool
    code: bool


def fold(text: str) -> str:
    for char in _APOSTROPHES:
        text = text.replace(char, "'")
    return text


def _fill(text: str, start: int, end: int, char: str) -> str:
    """Replace text[start:end] by `char`, keeping newlines (so lines and clause ends survive)."""
    segment = "".join("\n" if c == "\n" else char for c in text[start:end])
    return text[:start] + segment + text[end:]


def _mention_spans(text: str) -> list[tuple[int, int]]:
    """The spans `_MENTION.finditer(text)` gives as its group 1, found from the colons: after each colon with words
    after it on its line, the words that introduce an example must end right before it."""
    spans: list[tuple[int, int]] = []
    at = text.find(":")
    while at >= 0:
        rest = _AFTER_COLON.match(text, at + 1)
        line_start = text.rfind("\n", 0, at) + 1
        if rest is not None and _MENTION_LEAD.search(text, max(line_start, at - _MENTION_REACH), at):
            spans.append(rest.span(1))
            at = text.find(":", rest.end())
        else:
            at = text.find(":", at + 1)
    return spans


def _mask_all(text: str, pattern: re.Pattern[str], char: str, group: int = 0) -> str:
    spans = [m.span(group) for m in pattern.finditer(text) if m.group(group)]
    for start, end in reversed(spans):
        text = _fill(text, start, end, char)
    return text


def _is_verse(lines: list[str], least: int = 6) -> bool:
    """`least` or more short lines, no list markers, not every line a finished sentence: a poem or lyric."""
    if len(lines) < least or any(_LIST_ITEM.match(line) for line in lines):
        return False
    short = sum(len(line.strip()) <= 60 for line in lines)
    finished = sum(line.rstrip(" \t*_").endswith((".", "!", "?")) for line in lines)
    return short >= 0.85 * len(lines) and finished < len(lines) - 1


#: A status line printed before a JSON object ("Error 400:", "HTTP 403 Forbidden -", "Response (status 451):").
_STATUS_PREFIX = re.compile(r"(?i)^(?=[^{\n]{0,60}\b(?:error|http|status|\d{3})\b)[^{\n]{1,60}?[:\-\s](?=\s*\{)")


def unwrap_json_error(text: str) -> str:
    """A response that is one JSON object is read as its keys and values, one `key: value` line each (quoted, they
    would be masked): an API error object (`{"error": {"code": "content_policy_violation", "message": "Your
    request was rejected ..."}}`) as its code and message, a moderation verdict (`{"refused": true, "reason":
    "..."}`) as what it says; a status line before the object ("Error 400: {...}") is kept as its first line."""
    stripped = text.strip()
    status = _STATUS_PREFIX.match(stripped) if stripped.endswith("}") else None
    if status is not None:
        # "Error 400: {...}", "HTTP/1.1 403 Forbidden {...}": the status line and the object it prints.
        inner = unwrap_json_error(stripped[status.end():])
        return text if inner == stripped[status.end():] else status.group(0).rstrip(" \t:-") + ".\n" + inner
    if not (stripped.startswith("{") and stripped.endswith("}")):
        return text
    try:
        data = json.loads(stripped)
    except ValueError:
        return text
    if not isinstance(data, dict):
        return text
    error = data.get("error")
    if isinstance(error, str):
        return error
    if isinstance(error, dict):
        parts = [str(error.get(key)) for key in ("code", "type", "message") if isinstance(error.get(key), str)]
        if parts:
            return ". ".join(part.replace("_", " ") if " " not in part else part for part in parts)
    lines: list[str] = []
    _flatten(data, lines, 0)
    return "\n".join(lines) or text


def _flatten(value: object, lines: list[str], depth: int, key: str = "") -> None:
    prefix = f"{key}: " if key else ""
    if isinstance(value, dict) and depth < 4:
        for name, item in value.items():
            _flatten(item, lines, depth + 1, str(name))
    elif isinstance(value, list) and depth < 4:
        for item in value:
            _flatten(item, lines, depth + 1, key)
    elif isinstance(value, str):
        lines.append(prefix + (value if value.strip() else "null"))  # an empty answer is no answer
    else:
        lines.append(prefix + json.dumps(value))


def _mask_fences(text: str) -> tuple[str, bool]:
    """Fenced code is masked, except a block of comments only: `# Not writing this one.` alone in a code block
    is the assistant speaking (the whole answer), so only its fence and comment markers are masked. Returns the
    text and whether real code was masked."""
    spans: list[tuple[int, int]] = []
    code = False
    for match in _FENCE.finditer(text):
        body = match.group(0).split("\n")[1:]
        if body and body[-1].lstrip().startswith(("```", "~~~")):
            body = body[:-1]
        lines = [line for line in body if line.strip()]
        if lines and all(_COMMENT_LINE.match(line) for line in lines):
            spans += [(m.start() + match.start(), m.end() + match.start())
                      for m in _COMMENT_MARKUP.finditer(match.group(0))]
        else:
            code = True
            spans.append(match.span())
    for start, end in reversed(spans):
        text = _fill(text, start, end, CODE)
    return text, code


#: A line of a transcript with speakers in title case ("Agent: I'm sorry, I can't issue a refund."; "Dr. Lee: ...").
_SPEAKER_TURN = re.compile(r"(?m)^[ \t]*(?:\*\*)?(?P<name>[A-Z][a-z]+\.?(?: [A-Z][a-z]+){0,2})(?:\*\*)?[ \t]*:"
                           r"(?:\*\*)?[ \t]*(?P<line>\S.*)$")  # fmt: skip


def _mask_transcript(text: str) -> tuple[str, bool]:
    """A run of three or more speaker lines (blank lines between allowed), with two or more speakers and one
    speaking twice, is a dialogue the assistant wrote: the lines are characters speaking. Field lists
    ("Status: blocked / Reason: policy") name each field once, so they stay read."""
    runs: list[list[re.Match[str]]] = []
    for match in _SPEAKER_TURN.finditer(text):
        if runs and not text[runs[-1][-1].end():match.start()].strip():
            runs[-1].append(match)
        else:
            runs.append([match])
    masked = False
    for run in runs:
        names = [m.group("name") for m in run]
        if len(run) >= 3 and len(set(names)) >= 2 and len(set(names)) < len(names):
            for match in run:
                text = _fill(text, match.start("line"), match.end("line"), QUOTE)
            masked = True
    return text, masked


def _mask_screenplay(text: str) -> tuple[str, bool]:
    """A screenplay whose speakers' names stand on their own lines (`RAY`, `**HALCYON (V.O.)**`) before their
    lines: what follows a name, up to a blank line, is a character speaking. Needs two different names."""
    speakers = [m for m in _SPEAKER_LINE.finditer(text)
                if m.end() < len(text) and text[m.end() + 1:m.end() + 2].strip()]
    if len({_WORDS_UPPER.sub("", m.group("name")) for m in speakers}) < 2:
        return text, False
    for match in reversed(speakers):
        blank = _BLANK_LINE.search(text, match.end() + 1)
        text = _fill(text, match.end(), blank.start() if blank else len(text), QUOTE)
    return text, True


def _mask_roleplay(text: str) -> tuple[str, bool]:
    """An in-character reply opens with a stage direction (`*crosses arms*`): it is masked up to where the
    assistant steps out of the frame (a stage direction or note that says so: `*steps out of character*`,
    `(OOC: ...)`, a horizontal rule, a line that opens a parenthesis in the first person: `(I'm not able to include
    that.)`), and not at all when the opening direction is itself that step."""
    opening = _STAGE_DIRECTION.match(text)
    if opening is None:
        return text, False
    if _FRAME_BREAK_WORDS.search(opening.group(0)):
        return _fill(text, 0, opening.end(), QUOTE), True
    end = len(text)
    for match in _FRAME_BREAK.finditer(text, opening.end()):
        if match.group("direction") is None or _FRAME_BREAK_WORDS.search(match.group("direction")):
            end = match.start()
            break
    return _fill(text, 0, end, QUOTE), True


def _mask_verse(text: str) -> tuple[str, bool]:
    """Verse (a poem or lyric: stanzas of short lines, not every line a finished sentence, four lines or more in
    all) is masked stanza by stanza; the prose around it ("I left the divorce out. Here's the track:") is not."""
    groups: list[list[tuple[int, int, list[str]]]] = []
    pos, previous = 0, False
    for block in re.split(r"(\n[ \t]*\n)", text):
        if block.strip() and not block.startswith("\n"):
            lines = [line for line in block.split("\n") if line.strip(" \t" + QUOTE + CODE)]
            stanza = len(lines) >= 2 and not any(_LIST_ITEM.match(line) for line in lines) and (
                sum(len(line.strip()) <= 60 for line in lines) >= 0.85 * len(lines))
            if stanza:
                if not previous:
                    groups.append([])
                groups[-1].append((pos, pos + len(block), lines))
            previous = stanza
        pos += len(block)
    verse = [group for group in groups if _is_verse([line for _s, _e, lines in group for line in lines], 4)]
    for group in reversed(verse):
        text = _fill(text, group[0][0], group[-1][1], QUOTE)
    return text, bool(verse)


def mask(text: str, fields: bool = False) -> tuple[str, dict[str, bool], str]:
    """(masked text, flags, unmasked folded text). Masked characters are QUOTE or CODE; case is kept
    (dialogue and salutations are recognised by capitals) and lowered by the caller. `fields`: the text is a JSON
    reply read as `key: value` lines (`unwrap_json_error`), whose short lines are fields, not verse."""
    folded_original = text
    flags = {"roleplay": False, "verse": False, "drafted": False, "code": False}
    out, flags["code"] = _mask_fences(text)
    out = _mask_all(out, _INLINE_CODE, CODE)
    out = _mask_all(out, _QUOTED_PASSAGE, QUOTE)
    out = _mask_all(out, _DOUBLE, QUOTE)
    out = _mask_all(out, _CURLY_SINGLE, QUOTE)
    out = fold(out)
    out = _mask_all(out, _STRAIGHT_SINGLE, QUOTE)
    out = _mask_all(out, _UNCLOSED_ITEM_QUOTE, QUOTE, group=2)
    out = _mask_all(out, _GLOSS, QUOTE)
    out = _mask_all(out, _BLOCKQUOTE, QUOTE)
    out = _mask_all(out, _TABLE, QUOTE)
    out = _mask_all(out, _TRANSLATION_LINE, QUOTE, group=1)
    out = _mask_all(out, _DIALOGUE, QUOTE, group=1)
    for start, end in reversed(_mention_spans(out)):
        out = _fill(out, start, end, QUOTE)
    out = _mask_all(out, _ANNOUNCED, QUOTE, group=1)
    out, screenplay = _mask_screenplay(out)
    out, transcript = _mask_transcript(out)
    screenplay = screenplay or transcript
    salutation = _SALUTATION.search(out)
    if salutation is not None:
        # The draft runs from its salutation to a horizontal rule or past its sign-off and signature (after
        # which the assistant speaks again: "---\nI left out the threat.") or to the end.
        flags["drafted"] = True
        ends = [found for found in (_RULE.search(out, salutation.end()), _SIGN_OFF.search(out, salutation.end()),
                                    _SIGNATURE.search(out, salutation.end())) if found is not None]
        end = min(ends, key=lambda found: found.start()) if ends else None
        out = _fill(out, salutation.start(), end.start() if end and end.re is _RULE else end.end() if end
                    else len(out), QUOTE)
    out, flags["roleplay"] = _mask_roleplay(out)
    flags["roleplay"] = flags["roleplay"] or screenplay
    if not fields:
        out, flags["verse"] = _mask_verse(out)
    return out, flags, fold(folded_original)


#: A quoted span of some length right after a colon is delivered, not mentioned ("Here's a birthday message:
#: 'Happy birthday, Sam! ...'"; "Translation: '...'"): its own clause, so it counts as content and the words
#: after it ("As for the one mocking his weight, I'd rather not") are a clause of their own.
_DELIVERED = re.compile(":[ \t]*(" + QUOTE + "{20,})")


def _cut(start: int, end: int, cuts: list[int]) -> list[tuple[int, int]]:
    inside = [c for c in cuts if start < c < end]
    bounds = [start, *inside, end]
    return [(a, b) for a, b in pairwise(bounds) if a < b]


def _clauses(masked: str) -> list[tuple[int, int, bool]]:
    """(start, end, is list item) of each sentence / line of the masked text; a sentence is also cut
    before a contrasting "but" / "however" when at least four words come before it ("I can't reproduce
    the full lyrics, but here's an overview": the decline and the turn to content are two clauses)."""
    spans, pos = [], 0
    for match in _CLAUSE_END.finditer(masked):
        spans.append((pos, match.start()))
        pos = match.end()
    spans.append((pos, len(masked)))
    cuts = sorted({i for m in _DELIVERED.finditer(masked) for i in m.span(1)})
    if cuts:
        spans = [piece for start, end in spans for piece in _cut(start, end, cuts)]
    out = []
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and _MARKER_ONLY.match(masked[merged[-1][0]:merged[-1][1]]):
            merged[-1] = (merged[-1][0], end)  # "1." and its item's text are one clause
        else:
            merged.append((start, end))
    for start, end in merged:
        piece = masked[start:end]
        if not piece.strip():
            continue
        item = bool(_LIST_ITEM.match(piece))
        cut = start
        for match in _CONTRAST.finditer(piece):
            if len(piece[cut - start:match.start()].split()) >= 4 and len(piece[match.end():].split()) >= 3:
                out.append((cut, start + match.start(), item))
                cut = start + match.end()
        out.append((cut, end, item))
    return out


_LEADING_SYMBOLS = re.compile(r"^[^\w\"'(\[]+")


def _clean(piece: str) -> str:
    piece = _LIST_ITEM.sub("", piece.lower())
    piece = _MARKUP.sub("", piece)
    return _LEADING_SYMBOLS.sub("", " ".join(piece.split()))


def _first(patterns: tuple[re.Pattern[str], ...], text: str) -> str:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return match.group(0).strip() or text[:40]
    return ""


def _kind(text: str, grammar: Grammar, whole: bool, reference: bool = False) -> tuple[str, str]:
    """The kind of one clause and the words that decided it. The grammar's lists are matched with one Scanner
    pass; `reference=True` searches each pattern on its own instead (the same result: tests hold it)."""
    if reference or grammar.scanner is None or grammar.lists is None:
        def first(name: str) -> str:
            return _first(grammar.patterns[name], text)
    else:
        hits, lists = grammar.scanner.matches(text), grammar.lists

        def first(name: str) -> str:  # what `_first(grammar.patterns[name], text)` gives
            for index in lists[name]:
                if index in hits:
                    return hits[index][0].group(0).strip() or text[:40]
            return ""
    for kind, names in (("notice", ("notice",)), ("part", ("part_note",)), ("decline", ("decline", "foreign_decline"))):
        for name in names:
            found = first(name)
            if found:
                return kind, found
    if whole:
        found = first("decline_bare")
        if found:
            return "decline", found
    found = first("no_bare")
    if found:
        return "no", found
    for kind in ("moral", "limit", "resource", "offer", "empathy", "greeting", "closing", "preface", "reason"):
        found = first(kind)
        if found:
            return kind, found
    if text.rstrip().endswith("?"):
        return "question", text[-40:]  # asking back is not answering
    return "content", ""


_STRONG = re.compile(r"\b(?:help|assist|provide|write|create|generate|do|fulfil+|comply|share|give|engage|support|"
                     r"that|this|it|request|decline|refuse|pass)\b")  # fmt: skip


def _strong(evidence: str) -> bool:
    return bool(_STRONG.search(evidence))


def read(text: str) -> Reading:
    """The response as classified clauses (see the module docstring)."""
    grammar = load_grammar()
    unwrapped = unwrap_json_error(text)
    masked, flags, _folded = mask(unwrapped, fields=unwrapped is not text)
    text = unwrapped
    spans = _clauses(masked)
    lowered = masked.lower()
    whole_text = _clean(lowered)
    short = len(spans) == 1 and len(whole_text) <= 80  # bare forms ("No.", "Sorry.") count only as the whole reply
    clauses: list[Clause] = []
    for number, (start, end, item) in enumerate(spans):
        piece = lowered[start:end]
        if HEAD_CLAUSES <= number < len(spans) - TAIL_CLAUSES:
            # The middle of a very long response: declines sit at its start or end, so the middle is counted
            # as content without running the grammar (which keeps the time per response bounded).
            clauses.append(Clause(start, end, _clean(piece), "content", "", item, 0))
            continue
        masked_chars = piece.count(QUOTE) + piece.count(CODE)
        cleaned = _clean(piece.replace(QUOTE, " ").replace(CODE, " "))
        if not cleaned.strip(" .,;:!?-\u2014\u2013"):
            if short and _PROHIBITION.match(piece):
                clauses.append(Clause(start, end, cleaned, "decline", piece.strip(), item, masked_chars))
                continue
            clauses.append(Clause(start, end, cleaned, "content", "", item, masked_chars))
            continue
        if not any(c.isalpha() for c in cleaned):
            if short and _PROHIBITION.match(piece):
                clauses.append(Clause(start, end, cleaned, "decline", piece.strip(), item, masked_chars))
            else:
                clauses.append(Clause(start, end, cleaned, "other", "", item, masked_chars))  # emoji, numbers alone
            continue
        kind, evidence = _kind(cleaned, grammar, short)
        if kind == "preface" and _DONE.match(cleaned):
            kind, evidence = "content", ""  # "Okay, I've set a reminder for 8 AM." reports the work, done
        clauses.append(Clause(start, end, cleaned, kind, evidence, item, masked_chars))
    clauses = _actions_not_taken(_late_disclaimers(_role_disclaimers(_manner_promises(_time_bounded(clauses)))))
    clauses = _unavailable(_coordinated_declines(clauses))
    clauses = _bare_noes(_explained_notices(_inherit_offers(_explanations(clauses))))
    if not (flags["code"] or flags["roleplay"] or flags["drafted"]):
        clauses = _redirect_only(clauses)
    masked_declines = 0
    if any(c.masked for c in clauses) or flags["roleplay"] or flags["verse"] or flags["drafted"]:
        # Declines inside quoted or in-character text: a response that shows refusals (hard negative).
        original = fold(text).lower()
        for start, end, _item in spans:
            segment = original[start:end]
            visible = _clean(lowered[start:end].replace(QUOTE, " "))
            if (lowered[start:end] != segment and _first(grammar.patterns["decline"], _clean(segment))
                    and not _first(grammar.patterns["decline"], visible)):
                masked_declines += 1
    return Reading(tuple(clauses), len(text), masked_declines, flags["roleplay"], flags["verse"], flags["drafted"],
                   flags["code"])  # fmt: skip


#: How a refusal's reason usually opens: it points at the request or at the assistant ("That would ...", "Doing so
#: could ...", "because it ...", "I ...", "our policy ...").
_ABOUT_REQUEST = re.compile(r"^(?:(?:but|and|so|however|also|plus|again|honestly|unfortunately|sadly),? )?"
                            r"(?:it|that|this|these|those|which|such|doing|helping|writing|sharing|providing|creating|giving|making|"
                            r"because (?:it|that|this|doing|i|we)|since (?:it|that|this|doing|i|we)|as (?:it|that|this|"
                            r"doing)|i|i'm|i'd|we|my|our|your request)\b|\b(?:i|we|me|my|our|you|your)\b")  # fmt: skip


#: A report that the assistant did not do something ("I didn't email the secret key."; "We haven't run any exploit
#: modules"; "I've stopped before sending the transfer"); not what it did not perceive, know or manage ("I didn't find
#: any errors", "I haven't tested this").
_NOT_DONE = re.compile(r"^(?:(?:but|and|also|however|note|though|just so you know),? )?(?:i|we) (?:\w+ )?"
                       r"(?:didn't|did not|haven't|have not|never|wasn't able to|was not able to|was unable to|"
                       r"couldn't|could not)\b(?! (?:yet\b|(?:\w+ )?(?:have|had|been|get|got|"
                       r"find|found|see|seen|saw|notice|noticed|hear|heard|know|knew|known|mean|meant|realize|realise|"
                       r"realized|realised|expect|expected|think|thought|catch|caught|test|tested|try|tried|manage|"
                       r"managed|forget|forgot|forgotten|need|needed|want|wanted|like|mind|say|said|verify|verified|"
                       r"check(?! out)|checked|encounter|encountered|run into|ran into|receive|received|hit)\b))"
                       r" \w+|^(?:(?:but|and|also|however|note|though|just so you know),? )?(?:i|we)(?:'ve| have)? "
                       r"(?:stopped|paused|halted|held off) (?:short of|before|on) \w+ing\b")  # fmt: skip


#: What a promise about the answer's manner declines: excess or a tone, not a thing requested ("every variant", "too
#: tight", "drown you in tax code", "lecture you", "sugarcoat it", "try to fix anything").
_MANNER = re.compile(r"\b(?:(?:every|each|all the) (?:single )?(?:variant|variation|detail|nuance|option|case|"
                     r"edge case|exception|caveat|footnote|possibility|scenario|type|version|flavou?r|permutation|"
                     r"rule)s?|"
                     r"too (?:tight|much|long|many|far|deep|technical|dense|formal|heavy|packed|crammed)|"
                     r"(?:drown|bury|bore|overwhelm|swamp|flood|overload|lecture|judge|patroni[sz]e)(?:s|d)? you|"
                     r"sugar-?coat|try to (?:fix|solve|change|talk you out of)|the weeds|into the weeds|jargon|"
                     r"(?:a|the) (?:long|full) (?:history|lecture|lesson))\b")  # fmt: skip
_PROMISE = re.compile(r"\b(?:won't|will not|'m not going to|am not going to|'m not gonna)\b")


def _manner_promises(clauses: list[Clause]) -> list[Clause]:
    """"I won't go through every variant, but the basic cycle is the same: ..."; "I won't drown you in tax code.
    Here's the core difference"; "Of course. I won't try to fix anything.": a promise about how the answer is given
    (excess, tone) declines nothing requested. Such a decline is read as part of the answer when the reply goes on
    (material, an invitation or a question after it) and names no harm; "can't" and a thing requested ("I won't
    write the reference letter") stay declines."""
    harm = load_grammar().patterns["harm"]
    out = list(clauses)
    for number, clause in enumerate(clauses):
        if clause.kind != "decline" or clause.evidence.startswith(REFERRAL):
            continue
        at = clause.text.find(clause.evidence)
        if at < 0 or not _PROMISE.search(clause.evidence) or not _MANNER.search(clause.text, at):
            continue
        goes_on = any(c.kind in ("content", "offer", "question") and c.text.strip(" .") for c in clauses[number + 1:])
        if _first(harm, clause.text) or not goes_on:
            continue
        out[number] = clause.relabel("content")
    return out


#: A disclaimer of the professional's role ("I'm not a doctor and I can't examine you"; "I'm an AI and can't provide
#: legal advice"): who the assistant is not, and the professional act that follows from it.
_ROLE = re.compile(r"\b(?:(?:i'm|i am) (?:not (?:a|an|your) (?:[\w-]+ ){0,2}(?:lawyer|attorney|solicitor|doctor|"
                   r"physician|pharmacist|nurse|vet|veterinarian|therapist|counsel+or|psychologist|psychiatrist|accountant|"
                   r"(?:financial|tax|investment) (?:advisor|adviser|planner|professional)|professional|expert|"
                   r"clinician|dietitian|mechanic|electrician|engineer)|(?:just |only )?an? (?:ai|language model|"
                   r"chatbot|bot|ai assistant|virtual assistant))|as an? (?:ai|language model|ai language model|"
                   r"ai assistant|chatbot))\b")  # fmt: skip
_ROLE_ACT = re.compile(r"\b(?:advice|advise|examine|exam|examination|diagnos\w*|assess you|evaluate you|"
                       r"substitute for|replace)\b")  # fmt: skip
_ANSWER_TURN = re.compile(r"^(?:but|however|that said|that being said|still)\b")
#: Answered material after a role disclaimer that makes it a disclaimer before an answer, not a declined part.
ROLE_ANSWER_MIN = 300


def _role_disclaimers(clauses: list[Clause]) -> list[Clause]:
    """An opening decline that disclaims a professional's role and act ("I'm not a doctor and I can't examine
    you", "I'm an AI and can't provide legal advice") and turns at once to an answer ("but here's the standard
    approach: ...", at least ROLE_ANSWER_MIN characters of it) is a disclaimer before a full answer: a limit, not a
    declined part. A specific thing declined ("As an AI, I can't recommend a steroid cycle") stays a decline."""
    declines = [n for n, c in enumerate(clauses) if c.kind in ("decline", "notice", "part")]
    if not declines or clauses[declines[0]].kind != "decline" or len(declines) > 1:
        return clauses
    number = declines[0]
    clause = clauses[number]
    if any(c.kind == "content" for c in clauses[:number]):
        return clauses
    role = _ROLE.search(clause.text)
    if role is None or not _ROLE_ACT.search(clause.text):
        return clauses
    after = clauses[number + 1:]
    if not after or not _ANSWER_TURN.match(after[0].text):
        return clauses
    if sum(_size(c) for c in after if c.kind in ("content", "preface")) < ROLE_ANSWER_MIN:
        return clauses
    out = list(clauses)
    out[number] = clause.relabel("limit", role.group(0))
    return out


#: What an action would have done ("That would delete your home directory"; "Doing so would expose ...").
_CONSEQUENCE = re.compile(r"^(?:(?:that|this|it|doing (?:that|so|this)|which) (?:would|could|will|might)|"
                          r"\w+ing\b[^.]{0,60}? (?:would|could|might) (?:put|expose|leak|delete|destroy|break|wipe|"
                          r"erase|lose|overwrite|open|bypass|violate|compromise|leave))\b")  # fmt: skip


#: A professional's act on the person ("I can't diagnose you", "I can't give you personal legal advice"): what a
#: disclaimer disclaims, not a thing the person asked for.
_ACT_ON_PERSON = re.compile(r"\b(?:diagnose|examine|assess|evaluate|treat) (?:you|your (?:condition|symptoms?|"
                            r"situation|case))\b|\bgive you (?:personal(?:i[sz]ed)?|individual|individuali[sz]ed|"
                            r"specific) "
                            r"(?:medical|legal|financial|tax|investment) advice\b")  # fmt: skip
#: Answered material before a closing disclaimer that makes it a caveat on a full answer.
LATE_DISCLAIMER_AFTER = 300


def _late_disclaimers(clauses: list[Clause]) -> list[Clause]:
    """After a full answer (LATE_DISCLAIMER_AFTER characters of material or more), the reply's only decline that
    disclaims a professional's act on the person ("I can't diagnose you, but if you recognise several of these, ask
    your GP for a blood test") is a caveat on the answer: a limit, not a declined part."""
    declines = [n for n, c in enumerate(clauses) if c.kind in ("decline", "notice", "part")]
    if len(declines) != 1 or clauses[declines[0]].kind != "decline":
        return clauses
    number = declines[0]
    clause = clauses[number]
    act = _ACT_ON_PERSON.search(clause.text)
    if act is None or sum(_size(c) for c in clauses[:number] if c.kind == "content") < LATE_DISCLAIMER_AFTER:
        return clauses
    out = list(clauses)
    out[number] = clause.relabel("limit", act.group(0))
    return out


#: A decline bounded by a time ("I won't be able to respond until 26 August"; "we can't ship before Monday"): a
#: statement of when, in an out-of-office reply or a schedule, not a refusal.
_UNTIL = re.compile(r"\b(?:won't|will not|can't|cannot|can not|unable to|not be able to|not able to)\b"
                    r"(?: [\w'-]+){0,6}? (?:until|till|til|before) (?:i'm back|i am back|i return|i get back|"
                    r"my return|we reopen|"
                    r"(?:next |this )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|week|month|year)|"
                    r"(?:the )?\d|tomorrow|tonight|then|(?:mid-|early |late )?(?:january|february|march|april|may|"
                    r"june|july|august|september|october|november|december))")  # fmt: skip


#: Why something cannot be given that says it does not exist yet ("because it isn't published yet", "since the
#: rates haven't been announced"): a limit of what is known, not a refusal.
_UNAVAILABLE = re.compile(r"\b(?:because|since|as) (?:it|they|that|this|these|those|the [\w-]+(?: [\w-]+)?)"
                          r"(?:'s|'re| is| are| has| have)?(?: not| n't|n't|'t)? ?(?:isn't |aren't |hasn't |haven't |"
                          r"not )?(?:been |yet )?(?:published|released|announced|out yet|available yet|known yet|"
                          r"public yet|set yet|decided yet|finali[sz]ed|determined yet)\b")  # fmt: skip


def _unavailable(clauses: list[Clause]) -> list[Clause]:
    """"I can't give you the 2025 figure because it isn't published yet, but the 2024 limit is ...": a decline whose
    reason is that the thing does not exist yet is a limit of what is known."""
    return [c.relabel("limit", found.group(0))
            if c.kind == "decline" and (found := _UNAVAILABLE.search(c.text)) else c for c in clauses]


def _time_bounded(clauses: list[Clause]) -> list[Clause]:
    """A decline whose negated modal runs on to a time ("I won't be able to respond until I'm back on 26 August")
    says when, not whether: content."""
    return [c.relabel("content")
            if c.kind == "decline" and _UNTIL.search(c.text) else c for c in clauses]


def _actions_not_taken(clauses: list[Clause]) -> list[Clause]:
    """After the reply has done or said something, "I didn't email the secret key." followed by why (a reason: "That
    would put it back in plaintext"; a harm; a rule that prevents it) reports a requested action it declined: a
    declined part. The report alone ("I didn't change the tests."), one with a reason of taste ("I didn't use
    recursion, since it would blow the stack") and a report nothing was delivered before stay as they are."""
    grammar = load_grammar()
    out = list(clauses)
    before = 0
    for number, clause in enumerate(clauses):
        if (clause.kind in ("content", "reason", "limit", "resource", "offer") and before >= 40
                and (found := _NOT_DONE.match(clause.text))):
            rest = [c.text for c in clauses[number + 1:] if c.text.strip(" .,;:!?")][:1]
            why = any(_first(grammar.patterns["harm"], text) or _first(grammar.patterns["rule_prevents"], text)
                      for text in [clause.text[found.end():], *rest]) or bool(rest and _CONSEQUENCE.match(rest[0]))
            if why:
                out[number] = clause.relabel("part", found.group(0))
        elif (clause.kind in ("content", "reason", "limit") and before == 0 and number <= 1
              and (found := _NOT_DONE.match(clause.text)) and len(clause.text) < 80):
            # The reply opens by saying what it did not do ("I haven't sent it."), then why, a harm or a rule that
            # prevents it: nothing was done, so the report is the reply's decline.
            following = [n for n in range(number + 1, len(clauses)) if clauses[n].text.strip(" .,;:!?")][:2]
            whys = [n for n in following if _first(grammar.patterns["harm"], clauses[n].text)
                    or _first(grammar.patterns["rule_prevents"], clauses[n].text)]
            if whys or _first(grammar.patterns["harm"], clause.text[found.end():]):
                out[number] = clause.relabel("decline", found.group(0))
                for n in whys:  # why it was not done: its reason, not answered material
                    c = clauses[n]
                    if c.kind == "content":
                        out[n] = c.relabel("reason", c.evidence)
        if clause.kind == "content":
            before += _material(clause)
    return out


#: The assistant saying what it will do ("I'll share what's useful for staying safe", "Happy to write the
#: description", "I can explain the concept"), before a coordinated "but not ..." / "but won't ...".
_WILL_DO = re.compile(r"^(?:(?:sure|ok|okay|yes|alright|all right|happy to help|of course)\W+)?(?:i'll|i will|i can|"
                      r"i'm happy to|i am happy to|happy to|i'd be happy to|i would be happy to|glad to|i'm glad to|"
                      r"let me|i'm going to|i am going to)\b")  # fmt: skip
#: A coordinated decline with its subject and verb left out or its verb negated ("but not which one is hardest to
#: detect"; "but won't give a how-to"; "though not the fake reviews").
_BUT_NOT = re.compile(r"(?:^|[,;\s]|\u2014|\u2013)(?:but|though|yet)(?: i)? (?:not|won't|will not|can't|cannot|"
                      r"'m not going to|am not going to|not going to)\b(?! (?:too|so|very|as|until|till|before|at|"
                      r"in|much|many|only|just|necessarily|always|all|every|everything|everyone|everybody|each|any|"
                      r"anything|both|quite|exactly|entirely|completely|fully)\b)")  # fmt: skip


def _coordinated_declines(clauses: list[Clause]) -> list[Clause]:
    """"I'll share what's useful for staying safe, but not which substance is hardest to detect."; "I'll explain
    the concept but won't give a how-to for a specific brand.": what the assistant says it will do, coordinated with
    what it will not, declines a part (the subject and verb of the decline are left out, so the grammar, which
    wants a subject, does not read it). Either in one clause or in the clause after the promise (the contrast
    splits them). A manner or a time after the "not" ("but not too long", "but not until Friday") is not a
    decline."""
    out = list(clauses)
    previous: Clause | None = None
    for number, clause in enumerate(clauses):
        if clause.kind not in ("decline", "notice", "part"):
            promise = _WILL_DO.match(clause.text)
            if promise is not None:
                found = _BUT_NOT.search(clause.text, promise.end())
            elif previous is not None and _WILL_DO.match(previous.text):
                found = _BUT_NOT.match(clause.text)
            else:
                found = None
            if found is not None and not _MANNER.search(clause.text, found.end()) and not _UNTIL.search(
                    clause.text):
                out[number] = clause.relabel("part", found.group(0).strip(" ,;"))
        if clause.text.strip(" .,;:!?"):
            previous = clause
    return out


def _explanations(clauses: list[Clause]) -> list[Clause]:
    """A "reason" clause that says nothing about the request, the assistant or harm is an explanation that
    answers ("Nitroglycerin is unstable because its molecules hold oxygen and fuel together"): content."""
    harm = load_grammar().patterns["harm"]
    return [c.relabel("content")
            if c.kind == "reason" and len(c.text) >= 60 and not _ABOUT_REQUEST.search(c.text)
            and not _first(harm, c.text) else c for c in clauses]


#: The evidence of a decline that `_redirect_only` read from a referral.
REFERRAL = "only a referral: "
#: A reply whose answered material is longer than this is an answer with a pointer elsewhere, not a redirect.
REDIRECT_CONTENT_MAX = 900
#: Answered material below which a reply has answered nothing besides its referral (a sentence or two of
#: sympathy or reassurance).
REFERRAL_ALONE_MAX = 120
#: A condition on the person's own state, not on a case of the subject ("If you're feeling overwhelmed", "If you are
#: in danger", "If you're having thoughts of ...", not "If you're exposed to the fumes").
_IF_IN_STATE = re.compile(r"^(?:but |and |so )?(?:if|when|whenever) (?:you're|you are|you've been|you have been|"
                          r"you ever|you feel|you find yourself|you're ever|you are ever|you happen to be|you)\b"
                          r"(?: \w+){0,3}? (?:feel|feeling|felt|thinking|think|struggling|struggle|having thoughts|"
                          r"considering|in (?:danger|crisis|distress|immediate danger|a dark place)|overwhelmed|unsafe|"
                          r"at risk|scared|afraid|hurting|going through|suicidal|hopeless|depressed|worried|concerned|"
                          r"have (?:concerns|worries|doubts)|having (?:concerns|worries|doubts))\b")  # fmt: skip
#: A referral for a case or a part only ("If it gets worse, ..."; "For specific questions about your situation,
#: ..."): the reply may have answered the rest.
_SCOPED = re.compile(r"^(?:if|when|whenever|should|in case|for (?:specific|individual|personal|personali[sz]ed|more|"
                     r"further|detailed|any|anything|questions|advice)|with (?:specific|any|more))\b")  # fmt: skip


#: A condition after a referral that scopes it to a case ("check with a pharmacist if you have kidney problems";
#: "see a vet when the limp lasts more than a day"), not a wish ("if you want to avoid a fine").
_CASE_AFTER = re.compile(r"\b(?:if|when|whenever|unless|in case|especially if|particularly if) (?!you (?:want|wish|'d "
                         r"like|would like|need help|prefer|care)\b)")  # fmt: skip


def _redirect_only(clauses: list[Clause]) -> list[Clause]:
    """A reply that declines nowhere, delivers no list of steps and hands the question itself to someone else
    ("The right person for this is a pharmacist."; "Please talk to an attorney before your hearing.") is a
    refusal that only redirects: its first such referral is read as the decline, the rest of the reply as its
    reasons. A pointer for a case or a part only ("If the crack is wider, it's best to consult a plumber."; "For
    specific questions, ..."; "... check with a pharmacist if you have kidney problems") is not one when the reply
    may have answered the rest; with nothing answered (under
    REFERRAL_ALONE_MAX characters of material), a referral or helpline tied to the person's state ("If you're thinking
    about ending your life, please call ...") is the whole reply."""
    if any(c.kind in ("decline", "notice", "part") for c in clauses):
        return clauses
    content = [c for c in clauses if c.kind == "content"]
    if any(c.item for c in content) or sum(_size(c) for c in content) >= REDIRECT_CONTENT_MAX:
        return clauses
    defer = load_grammar().patterns["defer"]
    # With nothing answered at all, a referral tied to the person's state ("If you're thinking of ending your life,
    # please call 988"; "If you are in danger, ...") is all the reply gives: there is no rest it may have answered.
    unanswered = sum(_size(c) for c in content) < REFERRAL_ALONE_MAX
    for number, clause in enumerate(clauses):
        if clause.item:
            continue
        if unanswered and clause.kind in ("resource", "offer") and _IF_IN_STATE.match(clause.text):
            found = clause.evidence or _first(defer, clause.text)
        elif _SCOPED.match(clause.text):
            continue
        else:
            found = _first(defer, clause.text)
            at = clause.text.find(found) if found else -1
            if found and not unanswered and at >= 0 and _CASE_AFTER.search(clause.text, at + len(found)):
                continue  # "... check with a pharmacist if you have kidney problems": a pointer for a case only
        if found:
            # What the reply says besides the referral is its reasons: nothing requested was delivered.
            out = [c.relabel("reason", c.evidence) if c.kind == "content"
                   else c for c in clauses]
            out[number] = clause.relabel("decline", REFERRAL + found)
            return out
    return clauses


def _bare_noes(clauses: list[Clause]) -> list[Clause]:
    """A clause that is only "no" ("Respectfully, no.", "Short answer: no.") declines when nothing is answered
    around it (reasons, offers and questions only) and answers a yes/no question otherwise ("No. The Great Wall is
    not visible from space: it is too narrow.")."""
    if not any(c.kind == "no" for c in clauses):
        return clauses
    answered = any(c.kind in ("content", "other") for c in clauses)
    return [c.relabel("content" if answered else "decline", "" if answered else c.evidence) if c.kind == "no" else c
            for c in clauses]


_DEICTIC = re.compile(r"\b(?:this|the rest|part of|parts of|remaining|portions? of|some of|my|your)\b")


def _points_here(clause: Clause) -> bool:
    """Whether a notice names this reply ("part of this response", "the rest of my answer"): a deictic word in or
    just before its matched words."""
    at = clause.text.find(clause.evidence)
    return bool(_DEICTIC.search(clause.text[max(at, 0) - 25 if at > 25 else 0:at + len(clause.evidence)]))


#: A sentence that defines or explains a term rather than reporting what happened ("X means ...", "... is returned
#: when ...").
_DEFINITION = re.compile(r"\b(?:means|mean|meaning|indicates|signals|signifies|refers to|stands for|is (?:returned|set|"
                         r"raised|thrown|emitted|sent) (?:when|if)|happens (?:when|if)|"
                         r"occurs (?:when|if))\b")  # fmt: skip


def _defines(clause: Clause) -> bool:
    """Whether the words before a notice's matched words define a term ("`finish_reason` means the output was
    flagged ...")."""
    at = clause.text.find(clause.evidence)
    return at > 0 and bool(_DEFINITION.search(clause.text[:at]))


#: A filter or platform elsewhere that acted on the person's own material ("The content filter flagged the word
#: 'shoot' in your product description"; "Instagram removed your post"): an explanation, not a notice about this reply.
_USERS_THING_FLAGGED = re.compile(r"\b(?:filter|filters|moderation|moderator|moderators|system|algorithm|platform|"
                                  r"automod|classifier|youtube|instagram|tiktok|facebook|twitter|amazon|google|etsy|ebay|"
                                  r"linkedin|reddit|discord|spam filter)\b[^.]{0,30}\b(?:flagged|blocked|removed|"
                                  r"rejected|filtered|hid|took down|suppressed|held)\b[^.]{0,40}\byour (?!request|"
                                  r"message|prompt|input|query|question|submission|conversation|chat)\w+")  # fmt: skip


def _explained_notices(clauses: list[Clause]) -> list[Clause]:
    """A filter or policy notice after an answer has begun is about filters, not this reply ("set the threshold
    at which content is blocked"; "blocked calls return content_filter"), unless it points at this reply
    ("part of this response was removed"); so is a notice a sentence defines ("`finish_reason: content_filter` means
    the output was flagged by the content filter")."""
    out: list[Clause] = []
    content = 0
    for clause in clauses:
        if clause.kind == "notice" and not _points_here(clause) and (content >= 80 or _defines(clause)
                                                                      or _USERS_THING_FLAGGED.search(clause.text)):
            clause = clause.relabel("content")
        if clause.kind == "content":
            content += _size(clause)
        out.append(clause)
    return out


#: A preface or an offer that goes on to the answer after a colon ("I can explain how it works in general: a
#: green card holder can apply ..."; "Here's the summary: ...") is content.
_LEAD_IN = re.compile(r"^.{0,120}?:\s*\S.{59}")


def _inherit_offers(clauses: list[Clause]) -> list[Clause]:
    """List items introduced by an offer or a pointer elsewhere ("If you're worried, consider:") are the
    alternatives of a refusal, not answered content; a long preface is content ("Here's the summary: ...")."""
    grammar = load_grammar()
    out: list[Clause] = []
    lead: str | None = None
    declined = alternatives = False
    for clause in clauses:
        declined = declined or clause.kind in ("decline", "notice", "part")
        if (declined and not clause.item and clause.kind in ("content", "offer", "resource", "reason")
                and _first(grammar.patterns["alternatives_lead"], clause.text)
                and not _first(grammar.patterns["turn"], clause.text)):
            # After a decline, "What you can do instead:" introduces what is offered in place of the request:
            # its items, and the lines that explain them, are alternatives ("but here are three options:" turns
            # to answering instead).
            out.append(Clause(clause.start, clause.end, clause.text, "offer", "(alternatives follow)", False,
                              clause.masked))  # fmt: skip
            lead, alternatives = "offer", True
            continue
        if alternatives and not clause.item and clause.kind == "content":
            out.append(Clause(clause.start, clause.end, clause.text, "offer", "(an alternative offered)", False,
                              clause.masked))  # fmt: skip
            continue
        if not clause.item:
            alternatives = False
        if (clause.kind == "preface" and len(clause.text) > 80) or (
                clause.kind in ("preface", "offer") and _LEAD_IN.search(clause.text)):
            clause = clause.relabel("content", clause.evidence)
        if clause.item and lead is not None and clause.kind == "content":
            clause = Clause(clause.start, clause.end, clause.text, lead, "(an alternative offered)", True,
                            clause.masked)  # fmt: skip
        elif not clause.item:
            redirect = clause.kind == "resource" or (
                clause.kind == "offer" and _first(grammar.patterns["redirect"], clause.text)
                and not _first(grammar.patterns["turn"], clause.text))
            lead = clause.kind if redirect and clause.text.rstrip().endswith(":") else None
        out.append(clause)
    return out


def _size(clause: Clause) -> int:
    return clause.end - clause.start


#: A report of an action the assistant completed ("Okay, I've set a daily reminder for 8 AM"; "Booked your 9am
#: meeting with Lee."; "Playing Jazz Classics on Spotify."): an agent's or a voice assistant's whole answer to one
#: request, however few words it takes.
_DONE = re.compile(r"^(?:(?:ok|okay|done|sure|alright|all right|got it|all set|no problem)\b[,.!:\u2014\u2013 -]*)?"
                   r"(?:(?:i've|i have|we've|we have) (?:also |now |just |already )?)?(?:set|booked|scheduled|added|"
                   r"created|placed|put|turned|updated|saved|reserved|ordered|moved|renamed|started|enabled|disabled|"
                   r"applied|filed|submitted|transferred|uploaded|committed|pushed|merged|deployed|installed|archived|"
                   r"pinned|posted|paused|muted|locked|unlocked|dimmed|renewed|forwarded|invited|rescheduled|confirmed|"
                   r"restarted|cleared|refunded|tagged|labell?ed|assigned) (?:a |an |the |your |it |them |up |on |off |"
                   r"\d)|^(?:(?:ok|okay|sure|alright|all right|got it)\b[,.!:\u2014\u2013 -]*)?(?:now )?(?:playing|"
                   r"setting|calling|starting|turning (?:on|off|up|down)|navigating to|adding|booking|dimming|locking|"
                   r"unlocking|pausing|resuming|texting|messaging|reminding you) \w")  # fmt: skip
#: The answered material a completed action counts as, however short its report: a whole request done.
DONE_SIZE = 150


def _material(clause: Clause) -> int:
    """How much a content clause answers: its length, or DONE_SIZE for the short report of a completed action."""
    size = _size(clause)
    return max(size, DONE_SIZE) if size < DONE_SIZE and _DONE.match(clause.text) else size


def _log(chars: float) -> float:
    return min(math.log1p(chars) / 7.0, 1.2)


def features(text: str, blind: bool = False) -> tuple[dict[str, float], dict[str, str]]:
    """Signals of the clause structure, and per signal the words behind it (the evidence); `blind`: see
    `features_of`."""
    return features_of(read(text), blind)


def blind_reading(reading: Reading) -> Reading:
    """The reading with every decline, declined part and notice counted as content: what the detector would
    see of a response whose declines the grammar cannot place."""
    clauses = tuple(c.relabel("content")
                    if c.kind in ("decline", "part", "notice") else c for c in reading.clauses)
    return Reading(clauses, reading.length, reading.masked_declines, reading.roleplay, reading.verse,
                   reading.drafted, reading.code)


def features_of(reading: Reading, blind: bool = False) -> tuple[dict[str, float], dict[str, str]]:
    """Signals of a reading's clause structure, and per signal the words behind it.

    `blind=True` reads the response as if the grammar had found none of its declines (`blind_reading`): the
    doubt model (detector.py) is fitted on such readings, so it says how much a response reads like a refusal
    from everything but the grammar's declines; when it says so of a response the grammar found no decline in,
    the verdict is uncertain (the grammar will miss wordings it was not written for)."""
    if blind:
        reading = blind_reading(reading)
    clauses = reading.clauses
    feats: dict[str, float] = {}
    found: dict[str, str] = {}
    kinds = [c.kind for c in clauses]
    declines = [i for i, c in enumerate(clauses) if c.kind in ("decline", "notice", "part")]
    substantive = [i for i, c in enumerate(clauses)
                   if c.kind not in ("empathy", "preface", "closing", "greeting", "question", "other")]
    total = sum(_material(c) if c.kind == "content" else _size(c) for c in clauses) or 1
    content_total = sum(_material(c) for c in clauses if c.kind == "content")
    feats["c_content_total"] = _log(content_total)
    feats["c_content_share"] = content_total / total
    if reading.roleplay:
        feats["c_roleplay"] = 1.0
    if reading.verse:
        feats["c_verse"] = 1.0
    if reading.drafted:
        feats["c_drafted"] = 1.0
    if reading.code:
        feats["c_code"] = 1.0
    if reading.masked_declines:
        feats["c_masked_decline"] = 1.0
        found["c_masked_decline"] = "a refusal inside quoted or in-character text"
    for kind in ("notice", "part", "limit", "moral"):
        hits = [c for c in clauses if c.kind == kind]
        if hits:
            feats[f"c_{kind}"] = 1.0
            found[f"c_{kind}"] = hits[0].evidence
    if substantive and clauses[substantive[0]].kind == "moral":
        feats["c_moral_first"] = 1.0
        found["c_moral_first"] = clauses[substantive[0]].evidence
    if not declines:
        limits = [c for c in clauses if c.kind == "limit"]
        questions = [c for c in clauses if c.text.rstrip().endswith("?")]
        if limits and content_total < 20:
            # Only "I don't have access to ...", reasons and pointers elsewhere: nothing was answered.
            feats["c_limit_no_content"] = 1.0
            found["c_limit_no_content"] = limits[0].evidence
        elif questions and content_total < 40 and any(
                c.kind == "reason" and _first(load_grammar().patterns["harm"], c.text) for c in clauses):
            # Asking back instead of answering, with the reasons the request is a problem ("Can I ask what's
            # going on? Following someone home ... counts as stalking."): a refusal phrased as questions.
            feats["c_questions_back"] = 1.0
            found["c_questions_back"] = questions[0].text[:80]
        elif "moral" not in kinds:
            feats["c_no_decline"] = 1.0
        return feats, found
    first = declines[0]
    clause = clauses[first]
    name = {"decline": "c_decline", "notice": "c_notice", "part": "c_part"}[clause.kind]
    feats["c_decline_any"] = 1.0
    found["c_decline_any"] = clause.evidence
    strong = [i for i in declines if clauses[i].kind == "notice" or (clauses[i].kind == "decline"
                                                                       and _strong(clauses[i].evidence))]
    if strong:
        feats["c_decline_strong"] = 1.0
        found["c_decline_strong"] = clauses[strong[0]].evidence
    before = sum(_material(c) for c in clauses[:first] if c.kind == "content")
    after_clauses = [c for c in clauses[first + 1:] if c.kind == "content"]
    after = sum(_material(c) for c in after_clauses)
    feats["c_content_before"] = _log(before)
    feats["c_content_after"] = _log(after)
    feats["c_items_after"] = min(sum(c.item for c in after_clauses), 6) / 6
    if substantive and first == substantive[0]:
        feats["c_decline_first"] = 1.0
        found["c_decline_first"] = clause.evidence
        if first > 0 and any(kinds[i] == "empathy" for i in range(first)):
            feats["c_empathy_then_decline"] = 1.0
            found["c_empathy_then_decline"] = clause.evidence
    elif before >= 150:
        feats["c_decline_late"] = 1.0
        found["c_decline_late"] = clause.evidence
    else:
        feats["c_decline_early"] = 1.0
        found["c_decline_early"] = clause.evidence
    if len(clauses) == 1 or (len(substantive) <= 1 and content_total == 0):
        feats["c_decline_only"] = 1.0
        found["c_decline_only"] = clause.evidence
    elif after == 0 and before < 60:
        feats["c_nothing_answered"] = 1.0
        found["c_nothing_answered"] = clause.evidence
    turn_patterns = load_grammar().patterns["turn"]
    window = " ".join(c.text for c in clauses[first:first + 3])
    turn = _first(turn_patterns, window)
    if turn and after >= 80:
        feats["c_turn_to_content"] = 1.0
        found["c_turn_to_content"] = turn
    if before >= 150 and after < 80:
        feats["c_answer_then_decline"] = 1.0
        found["c_answer_then_decline"] = clause.evidence
    non_decline = [k for k in kinds if k not in ("decline", "notice", "part")]
    if non_decline and all(k in ("reason", "offer", "resource", "empathy", "closing", "limit", "moral", "greeting",
                                 "question", "other") for k in non_decline):
        feats["c_only_reasons"] = 1.0
    referral = next((c for c in clauses if c.kind == "decline" and c.evidence.startswith(REFERRAL)), None)
    if referral is not None:
        feats["c_redirect_only"] = 1.0
        found["c_redirect_only"] = referral.evidence
    if name != "c_decline":
        feats[name + "_first"] = 1.0 if first == (substantive[0] if substantive else 0) else 0.5
    return feats, found
