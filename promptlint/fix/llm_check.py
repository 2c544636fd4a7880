"""Checking a `fix --llm` rewrite and spelling it into the file.

The rewrite must keep every placeholder of the original, unchanged and in order (`text_edits` splits it at
them, so only the literal stretches between them become edits); new `<visible placeholders>` are facts the
model lacked (`new_fact_placeholders`); `check_rewrite` spells the edits for the file and proves them with
`proof.prove_edit`, as every fix is proved. `RewriteError` says why a rewrite cannot be used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from promptlint.fix.llm_prompt import RewriteError
from promptlint.model import Finding, Prompt, SourceFile

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.selection import Selection

#: A visible placeholder for a missing fact: angle brackets around words with a space, "<who your users are>".
FACT_PLACEHOLDER = re.compile(r"<[A-Za-z][^<>\n]{0,100}\s[^<>\n]{0,100}>")


def new_fact_placeholders(original: str, rewrite: str) -> list[str]:
    """Visible `<...>` placeholders the rewrite adds (the model lacked a fact)."""
    before = set(FACT_PLACEHOLDER.findall(original))
    return [m for m in dict.fromkeys(FACT_PLACEHOLDER.findall(rewrite)) if m not in before]


def text_edits(prompt: Prompt, rewrite: str) -> list[tuple[int, int, str]]:
    """Edits over the literal stretches between placeholders turning the prompt into `rewrite`.

    The rewrite must hold the original's placeholders unchanged, in order and just as often;
    otherwise RewriteError. Each stretch's edit is trimmed to what really changed.
    """
    text = prompt.text
    spans = sorted(prompt.placeholders)
    holders = [text[a:b] for a, b in spans]
    for holder in set(holders):
        if rewrite.count(holder) != text.count(holder):
            raise RewriteError(f"the rewrite does not keep the placeholder {holder!r} exactly as often as before")
    pieces: list[str] = []
    pos = 0
    for holder in holders:
        found = rewrite.find(holder, pos)
        if found < 0:
            raise RewriteError(f"the rewrite changes or reorders the placeholder {holder!r}")
        pieces.append(rewrite[pos:found])
        pos = found + len(holder)
    pieces.append(rewrite[pos:])
    bounds = [0, *[x for span in spans for x in span], len(text)]
    edits = []
    for k, new in enumerate(pieces):
        a, b = bounds[2 * k], bounds[2 * k + 1]
        old = text[a:b]
        if old == new:
            continue
        head = _common_prefix(old, new)
        tail = _common_prefix(old[head:][::-1], new[head:][::-1])
        if tail and new[:len(new) - tail].endswith("\n"):
            # New lines ending at a line start: take in the rest of that line, so the writer indents it
            # (a YAML block or dedented string's margin is added to lines inside the edit only).
            rest = old[len(old) - tail:]
            tail -= rest.find("\n") if "\n" in rest else len(rest)
        edits.append((a + head, b - tail, new[head:len(new) - tail]))
    return edits


def _common_prefix(x: str, y: str) -> int:
    n = 0
    for a, b in zip(x, y, strict=False):
        if a != b:
            break
        n += 1
    return n


@dataclass(slots=True)
class Checked:
    """A rewrite proven writable: the new file text and what re-linting found."""

    text: str
    source: SourceFile
    findings: list[Finding] = field(default_factory=list)


def check_rewrite(source: SourceFile, selection: Selection, path: Path, index: int, targeted: list[Finding],
                  rewrite: str) -> Checked:
    """Spell the rewrite of prompt `index` into the file and prove it (`proof.prove_edit`, as every fix is
    proved); RewriteError says why not."""
    from promptlint.fix.encode import Skip, containers_for, encode
    from promptlint.fix.proof import Rejected, prove_edit
    from promptlint.runner import extractor_of, lint_source

    fmt, extract = extractor_of(path)
    extraction = extract(source)
    prompt = extraction.prompts[index]
    edits_text = text_edits(prompt, rewrite)
    if not edits_text:
        raise RewriteError("the rewrite is the same as the original")
    containers = containers_for(source, fmt)
    try:
        edits = [e for a, b, c in edits_text for e in encode(prompt, source, containers, a, b, c)]
    except Skip as why:
        raise RewriteError(f"cannot be written into the file safely: {why}") from None
    relint = lambda s: lint_source(s, selection, path)  # noqa: E731
    try:
        proved = prove_edit(source, fmt, extract, extraction, edits, {index: rewrite}, relint=relint,
                            findings=relint(source), fixed=targeted)
    except Rejected as why:
        raise RewriteError(str(why)) from None
    if sorted(proved.extraction.prompts[index].placeholders) != _shifted(prompt, rewrite):
        raise RewriteError("the rewrite adds or removes a template placeholder")
    return Checked(proved.source.text, proved.source, proved.findings)


def _shifted(prompt: Prompt, rewrite: str) -> list[tuple[int, int]]:
    """Where the original placeholders sit in the rewrite (found in order)."""
    out, pos = [], 0
    for a, b in sorted(prompt.placeholders):
        found = rewrite.find(prompt.text[a:b], pos)
        out.append((found, found + (b - a)))
        pos = found + (b - a)
    return out
