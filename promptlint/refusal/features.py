"""Hand-made features for the refusal detector.

The detector is a small multinomial logistic regression over *linguistic
signals* rather than memorised strings: first-person inability statements
near the start, apologies, moral lecturing, redirects to professionals,
"instead, I can" offers, and answer-shaped content (lists, "here are").
The regular expressions live in `phrases.json` so they can be read and
tuned as data; this module only compiles them and turns a text into a
sparse feature dict plus the phrase that fired for each feature (the
evidence shown to users). Only `re` and `json`: importing this is cheap.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from promptlint.refusal.scan import Scanner

PHRASES_PATH = Path(__file__).with_name("phrases.json")

# Quoted spans and fenced code are blanked before matching: a response that
# *quotes* a refusal ("reply with 'I can't help with that'") is not refusing.
_QUOTED = re.compile(r"\"[^\"\n]{0,300}\"|\u201c[^\u201d\n]{0,300}\u201d|```.*?(?:```|$)", re.S)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|\n")
_LAST_SENTENCE_END = re.compile(r".*(?:[.!?]\s|\n)", re.S)
# Apostrophe-like characters folded to ASCII. Chained str.replace beats
# str.translate here (~1 us vs ~6 us a response): translate has no fast path
# for a table with non-ASCII keys; the result is the same as "'" is no key.
_APOSTROPHE_CHARS = ("\u2019", "\u2018", "\u2032", "\u02bc", "\uff07", "`")


@dataclass(frozen=True, slots=True)
class Signal:
    """One named signal: compiled patterns, where they apply, how they count."""

    name: str
    scope: str  # start | first | open | rest | any
    patterns: tuple[re.Pattern[str], ...]
    cap: int = 0  # 0: binary; otherwise min(count, cap) / cap
    raw: bool = False  # match the un-collapsed text (keeps newlines)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The signals, plus the Scanners that find their matches quickly.

    Build it with `Lexicon.build(open_chars, signals)`."""

    open_chars: int
    signals: tuple[Signal, ...]
    #: One Scanner per haystack ("flat", "first", "open", "rest", "raw") over
    #: the patterns of the signals that read it, in signal order.
    scanners: dict[str, Scanner]
    #: Per haystack: the index in `signals` of each of its scanner's patterns.
    owners: dict[str, tuple[int, ...]]

    @classmethod
    def build(cls, open_chars: int, signals: tuple[Signal, ...]) -> Lexicon:
        """Group every signal's patterns by haystack; one Scanner each."""
        patterns: dict[str, list[re.Pattern[str]]] = {}
        every: dict[str, list[bool]] = {}
        owners: dict[str, list[int]] = {}
        for number, sig in enumerate(signals):
            hay = _haystack(sig)
            patterns.setdefault(hay, []).extend(sig.patterns)
            every.setdefault(hay, []).extend([bool(sig.cap)] * len(sig.patterns))
            owners.setdefault(hay, []).extend([number] * len(sig.patterns))
        scanners = {hay: Scanner.build(pats, every[hay]) for hay, pats in patterns.items()}
        return cls(open_chars, signals, scanners, {hay: tuple(nums) for hay, nums in owners.items()})


def _haystack(sig: Signal) -> str:
    """"start" and "any" both read the whole flat text, so they share a scan."""
    return "raw" if sig.raw else "flat" if sig.scope in ("start", "any") else sig.scope


@cache
def load_lexicon(path: Path = PHRASES_PATH) -> Lexicon:
    """Compile phrases.json once; macros like {NEG} are expanded first."""
    data = json.loads(path.read_text(encoding="utf-8"))
    macros: dict[str, str] = data.get("macros", {})
    signals = []
    for name, spec in data["signals"].items():
        compiled = []
        for pattern in spec["patterns"]:
            for key, value in macros.items():
                pattern = pattern.replace("{" + key + "}", value)
            compiled.append(re.compile(pattern, re.S if spec.get("raw") else 0))
        signals.append(Signal(name, spec["scope"], tuple(compiled), int(spec.get("count", 0)), bool(spec.get("raw"))))
    return Lexicon.build(int(data.get("open_chars", 260)), tuple(signals))


def normalise(text: str) -> tuple[str, str]:
    """Return (raw, flat): lowercased with apostrophes folded; flat also has
    quotes/code blanked and whitespace collapsed."""
    for char in _APOSTROPHE_CHARS:
        text = text.replace(char, "'")
    raw = text.lower().strip()
    # str.split() and regex \s agree on what is whitespace (both use
    # str.isspace), and split/join is ~3x faster than re.sub(r"\s+", " ").
    flat = " ".join(_QUOTED.sub(" \u00a7 ", raw).split())
    return raw, flat


def _opening_end(flat: str, open_chars: int) -> int:
    """End of the opening: whole sentences up to about `open_chars`."""
    if len(flat) <= open_chars:
        return len(flat)
    # The last sentence end within open_chars (`endpos` keeps the match
    # inside; a `$` end cannot be there as the text is longer), else the
    # first one after it. One C-level match instead of a Python loop.
    last = _LAST_SENTENCE_END.match(flat, 0, open_chars)
    if last:
        return last.end()
    first = _SENTENCE_END.search(flat)
    return first.end() if first else open_chars


def _first_sentence_end(flat: str) -> int:
    match = _SENTENCE_END.search(flat)
    return match.end() if match else len(flat)


def _haystacks(raw: str, flat: str, open_chars: int) -> dict[str, str]:
    """The texts signals read: all of it, its first sentence, its opening
    (whole sentences up to about `open_chars`), the rest, and `raw`."""
    cut = _opening_end(flat, open_chars)
    return {"flat": flat, "first": flat[: _first_sentence_end(flat)], "open": flat[:cut], "rest": flat[cut:],
            "raw": raw}


def extract(
    text: str, lexicon: Lexicon | None = None, reference: bool = False
) -> tuple[dict[str, float], dict[str, str]]:
    """Sparse features of `text` and, per firing feature, the matched phrase.

    `reference=True` searches every pattern one by one, the plain way the
    features are defined; the default finds the same matches with one scan
    per haystack (see scan.py), and tests prove the two agree."""
    lex = lexicon or load_lexicon()
    raw, flat = normalise(text)
    hays = _haystacks(raw, flat, lex.open_chars)
    if reference:
        feats, evidence = _match_each(lex, hays)
    else:
        feats, evidence = _match_scanned(lex, hays)
    _add_shape(feats, flat)
    return feats, evidence


def _match_each(lex: Lexicon, hays: dict[str, str]) -> tuple[dict[str, float], dict[str, str]]:
    """Reference matching: `search` (binary signals) or `finditer` (counted)
    for each pattern of each signal, in order."""
    feats: dict[str, float] = {}
    evidence: dict[str, str] = {}
    for sig in lex.signals:
        hay = hays[_haystack(sig)]
        if sig.cap:
            count = 0
            for pattern in sig.patterns:
                for match in pattern.finditer(hay):
                    if count == 0:
                        evidence[sig.name] = match.group(0).strip()
                    count += 1
            if count:
                feats[sig.name] = min(count, sig.cap) / sig.cap
            continue
        for pattern in sig.patterns:
            match = pattern.search(hay)
            if match:
                feats[sig.name] = 1.0
                evidence[sig.name] = match.group(0).strip()
                break
    return feats, evidence


def _match_scanned(lex: Lexicon, hays: dict[str, str]) -> tuple[dict[str, float], dict[str, str]]:
    """Same result as `_match_each` from one Scanner pass per haystack:
    evidence is the first match of the first pattern (in order) that
    matched; a counted signal sums its patterns' non-overlapping matches."""
    by_signal: dict[int, list[list[re.Match[str]]]] = {}
    for hay, scanner in lex.scanners.items():
        found = scanner.matches(hays[hay])
        owners = lex.owners[hay]
        for index in sorted(found):
            by_signal.setdefault(owners[index], []).append(found[index])
    feats: dict[str, float] = {}
    evidence: dict[str, str] = {}
    for number in sorted(by_signal):
        sig, matched = lex.signals[number], by_signal[number]
        evidence[sig.name] = matched[0][0].group(0).strip()
        feats[sig.name] = min(sum(map(len, matched)), sig.cap) / sig.cap if sig.cap else 1.0
    return feats, evidence


def _add_shape(feats: dict[str, float], flat: str) -> None:
    """Length and interaction features: a refusal that goes on to answer at
    length is what XSTest calls partial; a short opening-only refusal is full."""
    length = len(flat)
    feats["log_len"] = min(math.log1p(length) / 8.0, 1.0)
    if length > 900:
        feats["long"] = 1.0
    refuse = feats.get("refuse_open", 0.0)
    if feats.get("refuse_first") and length < 200 and not (feats.get("list") or feats.get("here_are")):
        feats["refuse_only"] = 1.0  # the whole response is the refusal
    if refuse:
        if feats.get("but_i_can") and (feats.get("list") or feats.get("here_are")):
            feats["refuse_then_answer"] = 1.0
        if feats.get("list"):
            feats["refuse_x_list"] = feats["list"]
        if feats.get("turn_to_content"):
            feats["refuse_x_turn"] = 1.0
        if length > 900:
            feats["refuse_x_long"] = 1.0
        if feats.get("meaningless_premise"):
            feats["refuse_x_premise"] = 1.0
    moral = feats.get("not_appropriate_open", 0.0) or feats.get("must_point_out", 0.0)
    if moral and feats.get("list"):
        feats["moral_x_list"] = feats["list"]
    if feats.get("sympathy") and (feats.get("list") or feats.get("here_are")):
        feats["sympathy_x_help"] = 1.0
