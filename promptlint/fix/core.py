"""Applying findings' fixes to files, verified, to a fixed point, written atomically.

One file at a time: lint, encode each wanted fix into file edits (`encode`), splice the
non-overlapping ones, then prove the result (`proof.prove_edit`): the file parses, only prompt
strings changed, every prompt reads exactly as the fix intended, each fixed finding is gone and
no new finding appeared. Any failure drops the file's changes and says why. Rounds repeat
until nothing applicable is left or `MAX_ROUNDS` is reached (ruff / sqlfluff style), so
running `fix` twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from promptlint.atomic import WriteRefused, rewrite_file
from promptlint.fix.encode import Containers, Skip, char_source, containers_for, encode, margin_of
from promptlint.fix.layout import block_width, configured_width, drop_emptied_pieces, file_width, wrap_text
from promptlint.fix.proof import Rejected, Relint, apply_text_edits, prove_edit
from promptlint.fix.result import FileResult, wanted
from promptlint.model import Edit, Extraction, Finding, Fix, Prompt, SourceFile

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.selection import Selection

MAX_ROUNDS = 10
_ORDER = {"safe": 0, "unsafe": 1, "display": 2}


@dataclass(slots=True)
class PlannedFix:
    """One finding's fix spelled for the file: its file edits, the prompt they edit and the prompt-text edits."""

    finding: Finding
    edits: list[Edit]
    prompt_index: int | None
    text_edits: list[tuple[int, int, str]]


def prompt_index_of(finding: Finding, prompts: Sequence[Prompt]) -> int | None:
    """Index of the prompt whose file range holds the finding (the smallest one)."""
    best: tuple[int, int] | None = None
    for i, p in enumerate(prompts):
        if p.source_file is not None or not p.text:
            continue
        lo, hi = char_source(p, 0)[0], char_source(p, len(p.text) - 1)[1]
        if lo <= finding.span[0] <= hi and (best is None or hi - lo < best[1]):
            best = (i, hi - lo)
    return None if best is None else best[0]


def _with_operator_context(finding: Finding, selection: Selection, operator_context: str | None) -> Fix | None:
    """An insert-scaffold fix marked `operator_context: true` gets the project's own operator context
    (then unsafe: it changes behaviour); without it the placeholder scaffold stays display-only."""
    fix = finding.fix
    rule = selection.rule(finding.code)
    spec = rule.spec.get("fix") if rule is not None else None
    if fix is None or not spec or not spec.get("operator_context") or not operator_context or not fix.text_edits:
        return fix
    a, b, content = fix.text_edits[0]
    sep = content[len(content.rstrip()):] if content.rstrip() != content else ""
    lead = content[:len(content) - len(content.lstrip())]
    text = lead + " ".join(operator_context.split()) + sep
    return Fix(message="Add the operator context from [tool.promptlint.llm] operator-context",
               applicability="unsafe", edits=[], text_edits=[(a, b, text)])


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Do [start, end) and any span overlap (insertion points touching a span count)?"""
    return any((start < b and end > a) or (start == end and a <= start <= b) or (a == b and start <= a <= end)
               for a, b in spans)


def trim_tail(text: str, edit: tuple[int, int, str]) -> tuple[int, int, str]:
    """A deletion that reaches the end of the prompt takes the white space before it too: "A. B." minus "B."
    reads "A.", not "A. " (which a template turn, stripped when extracted, could never read)."""
    a, b, content = edit
    if content or b != len(text):
        return edit
    start = a
    while start > 0 and text[start - 1] in " \t\r\n":
        start -= 1
    if text[b - 1:b] == "\n" and "\n" in text[start:a]:
        # a whole last line: one line break before it stays (a block scalar's clip keeps one anyway), blank
        # lines go (clip would drop them, so the text could never read as they were)
        start = text.index("\n", start) + 1
    return start, b, content


def file_containers(source: SourceFile, fmt: str, path: Path | None) -> Containers:
    """The file's string containers, told the width inserted text must keep to (see `layout`)."""
    containers = containers_for(source, fmt)
    containers.width = configured_width(path) or file_width(source)
    return containers


def wrap_insertion(prompt: Prompt, source: SourceFile, containers: Containers,
                   edit: tuple[int, int, str]) -> tuple[int, int, str]:
    """An inserted text landing in a multi-line string, wrapped to the width of that string's lines."""
    a, b, content = edit
    text = prompt.text
    if a != b or " " not in content or not text:
        return edit
    pos = char_source(prompt, a)[0] if a < len(text) else char_source(prompt, len(text) - 1)[1]
    c = containers.at(pos)
    if c is None or not (c.style == "yaml-literal" or (c.style == "python" and len(c.quote) == 3)):
        return edit
    width = block_width(source, c)
    if width is None:
        return edit
    line_start = source.text.rfind("\n", 0, pos) + 1
    margin = len(margin_of(prompt, source, a, c)) if "\n" in content else 0
    return a, b, wrap_text(content, pos - line_start, margin, width)


def plan_fix(finding: Finding, fix: Fix, extraction: Extraction, source: SourceFile,
             containers: Containers) -> PlannedFix | None:
    """A prompt-text fix spelled into file edits (a deletion at the prompt's end takes the white space before
    it, an insertion is wrapped to its string's width); None when no prompt holds the finding, `Skip` when the
    edit cannot be spelled in its string."""
    index = prompt_index_of(finding, extraction.prompts)
    if index is None:
        return None
    prompt = extraction.prompts[index]
    text_edits = [wrap_insertion(prompt, source, containers, trim_tail(prompt.text, edit)) for edit in fix.text_edits]
    edits = [e for a, b, c in text_edits for e in encode(prompt, source, containers, a, b, c)]
    return PlannedFix(finding, edits, index, text_edits)


def _plan(findings: list[Finding], extraction: Extraction, source: SourceFile, fmt: str, selection: Selection,
          unsafe: bool, operator_context: str | None, notes: list[str], path: Path | None = None) -> list[PlannedFix]:
    """Encoded, non-overlapping fixes for this round: text-edit fixes first; file-edit-only ones
    (PL001's noqa removal) in a round of their own, since they change comments, not prompts."""
    containers = None
    text_plans: list[PlannedFix] = []
    file_plans: list[PlannedFix] = []
    for finding in findings:
        if finding.never_fix:
            continue
        fix = _with_operator_context(finding, selection, operator_context)
        if not wanted(fix, unsafe):
            continue
        assert fix is not None
        if not fix.text_edits:
            if fix.edits:
                file_plans.append(PlannedFix(finding, list(fix.edits), None, []))
            continue
        containers = containers or file_containers(source, fmt, path)
        try:
            planned = plan_fix(finding, fix, extraction, source, containers)
        except Skip as why:
            notes.append(f"{source.path}:{finding.line}:{finding.column}: {finding.code} fix skipped: {why}")
            continue
        if planned is not None:
            text_plans.append(planned)
    chosen: list[PlannedFix] = []
    used: list[tuple[int, int]] = []
    used_text: dict[int, list[tuple[int, int]]] = {}
    for plan in sorted(text_plans or file_plans, key=lambda p: (min(e.start for e in p.edits), p.finding.code)):
        spans = [(e.start, e.end) for e in plan.edits]
        tspans = [(a, b) for a, b, _c in plan.text_edits]
        mine = used_text.setdefault(plan.prompt_index, []) if plan.prompt_index is not None else []
        if any(_overlaps(used, a, b) for a, b in spans) or any(_overlaps(mine, a, b) for a, b in tspans):
            continue  # the next round gets it
        used.extend(spans)
        mine.extend(tspans)
        chosen.append(plan)
    return chosen


def fix_source(source: SourceFile, selection: Selection, path: Path, *, unsafe: bool = False,
               operator_context: str | None = None) -> FileResult:
    """Fix one decoded file in memory; the result says what changed and why anything was refused."""
    from promptlint.runner import extractor_of, lint_source

    fmt, extract = extractor_of(path)
    return fix_with(source, fmt, extract, lambda s: lint_source(s, selection, path), selection, path,
                    unsafe=unsafe, operator_context=operator_context)


def fix_with(source: SourceFile, fmt: str, extract: Callable[[SourceFile], Extraction], relint: Relint,
             selection: Selection, path: Path | None = None, *, unsafe: bool = False,
             operator_context: str | None = None) -> FileResult:
    """`fix_source` with the file's format, extractor and linter given: rounds of planned fixes, each round
    proved by `prove_edit` (a rule's examples are fixed this way, as prompts of the role they state)."""
    result = FileResult(path=source.path, original=source.text, fixed=source.text, source=source)
    current = source
    findings = relint(current)
    result.original_findings = list(findings)
    for _round in range(MAX_ROUNDS):
        extraction = extract(current)
        plans = _plan(findings, extraction, current, fmt, selection, unsafe, operator_context, result.notes, path)
        if not plans:
            break
        edits = [e for p in plans for e in p.edits]
        if fmt == "python" and any(p.prompt_index is not None for p in plans):
            edits = drop_emptied_pieces(current, containers_for(current, fmt), edits)
        expected: dict[int, str] = {}
        for p in plans:
            if p.prompt_index is not None and p.prompt_index not in expected:
                text_edits = [t for q in plans if q.prompt_index == p.prompt_index for t in q.text_edits]
                expected[p.prompt_index] = apply_text_edits(extraction.prompts[p.prompt_index].text, text_edits)
        try:
            proved = prove_edit(current, fmt, extract, extraction, edits, expected, relint=relint, findings=findings,
                                fixed=[p.finding for p in plans])
        except Rejected as why:
            result.rejected = str(why)
            result.fixed = source.text
            result.fixed_findings = []
            result.remaining = relint(source)
            return result
        result.fixed_findings.extend(p.finding for p in plans)
        result.rounds += 1
        current, findings = proved.source, proved.findings
    result.fixed = current.text
    result.remaining = findings
    return result


# --- files on disk -------------------------------------------------------------------------------


def encode_text(source: SourceFile, text: str) -> bytes:
    return (b"\xef\xbb\xbf" if source.bom else b"") + text.encode(source.encoding)


def write_atomic(path: Path, source: SourceFile, text: str) -> None:
    """Write beside the file and rename over it (`rewrite_file`: through a symlink to the real file, never
    splitting hard links): same encoding, BOM, mode and owner; refuses if the file changed on disk since it
    was read (or does not round-trip through its encoding)."""
    expected = encode_text(source, source.text)
    try:
        rewrite_file(path, encode_text(source, text), expected=expected)
    except WriteRefused as why:
        if "changed on disk" in str(why):
            raise WriteRefused("the file changed on disk (or does not round-trip through its encoding) "
                               "since it was read") from None
        raise
