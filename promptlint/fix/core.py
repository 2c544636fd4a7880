"""Applying findings' fixes to files, verified, to a fixed point, written atomically.

One file at a time: lint, encode each wanted fix into file edits (`encode`), splice the
non-overlapping ones, then prove the result (`verify`): the file parses, only prompt strings
changed, every prompt reads exactly as the fix intended, each fixed finding is gone and no
new finding appeared. Any failure drops the file's changes and says why. Rounds repeat
until nothing applicable is left or `MAX_ROUNDS` is reached (ruff / sqlfluff style), so
running `fix` twice changes nothing the second time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptlint.atomic import WriteRefused, rewrite_file
from promptlint.fix.encode import Containers, Skip, char_source, containers_for, encode, margin_of
from promptlint.fix.layout import block_width, configured_width, drop_emptied_pieces, file_width, wrap_text
from promptlint.fix.result import FileResult, finding_key, wanted
from promptlint.fix.verify import Rejected, check_prompts, check_python, check_yaml, reextract
from promptlint.model import Edit, Extraction, Finding, Fix, Prompt, SourceFile

MAX_ROUNDS = 10
_ORDER = {"safe": 0, "unsafe": 1, "display": 2}


@dataclass(slots=True)
class _Planned:
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


def _with_operator_context(finding: Finding, selection: Any, operator_context: str | None) -> Fix | None:
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


def _apply(text: str, edits: list[Edit]) -> str:
    out = []
    pos = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        out.append(text[pos:e.start])
        out.append(e.content)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def _apply_text(text: str, edits: list[tuple[int, int, str]]) -> str:
    for a, b, content in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:a] + content + text[b:]
    return text


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Do [start, end) and any span overlap (insertion points touching a span count)?"""
    return any((start < b and end > a) or (start == end and a <= start <= b) or (a == b and start <= a <= end)
               for a, b in spans)


def _trim_tail(text: str, edit: tuple[int, int, str]) -> tuple[int, int, str]:
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


def _containers(source: SourceFile, fmt: str, path: Path | None) -> Containers:
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


def _plan(findings: list[Finding], extraction: Extraction, source: SourceFile, fmt: str, selection: Any,
          unsafe: bool, operator_context: str | None, notes: list[str], path: Path | None = None) -> list[_Planned]:
    """Encoded, non-overlapping fixes for this round: text-edit fixes first; file-edit-only ones
    (PL001's noqa removal) in a round of their own, since they change comments, not prompts."""
    containers = None
    text_plans: list[_Planned] = []
    file_plans: list[_Planned] = []
    for finding in findings:
        if finding.never_fix:
            continue
        fix = _with_operator_context(finding, selection, operator_context)
        if not wanted(fix, unsafe):
            continue
        assert fix is not None
        if not fix.text_edits:
            if fix.edits:
                file_plans.append(_Planned(finding, list(fix.edits), None, []))
            continue
        index = prompt_index_of(finding, extraction.prompts)
        if index is None:
            continue
        prompt = extraction.prompts[index]
        containers = containers or _containers(source, fmt, path)
        text_edits = [wrap_insertion(prompt, source, containers, _trim_tail(prompt.text, edit))
                      for edit in fix.text_edits]  # fmt: skip
        try:
            edits = [e for a, b, c in text_edits for e in encode(prompt, source, containers, a, b, c)]
        except Skip as why:
            notes.append(f"{source.path}:{finding.line}:{finding.column}: {finding.code} fix skipped: {why}")
            continue
        text_plans.append(_Planned(finding, edits, index, text_edits))
    chosen: list[_Planned] = []
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


def fix_source(source: SourceFile, selection: Any, path: Path, *, unsafe: bool = False,
               operator_context: str | None = None) -> FileResult:
    """Fix one decoded file in memory; the result says what changed and why anything was refused."""
    from promptlint.runner import extractor_of, lint_source

    fmt, extract = extractor_of(path)
    result = FileResult(path=source.path, original=source.text, fixed=source.text, source=source)
    current = source
    findings = lint_source(current, selection, path)
    result.original_findings = list(findings)
    for _round in range(MAX_ROUNDS):
        extraction = extract(current)
        plans = _plan(findings, extraction, current, fmt, selection, unsafe, operator_context, result.notes, path)
        if not plans:
            break
        edits = [e for p in plans for e in p.edits]
        if fmt == "python" and any(p.prompt_index is not None for p in plans):
            edits = drop_emptied_pieces(current, containers_for(current, fmt), edits)
        new_text = _apply(current.text, edits)
        expected: dict[int, str] = {}
        for p in plans:
            if p.prompt_index is not None:
                expected.setdefault(p.prompt_index, extraction.prompts[p.prompt_index].text)
        for i in list(expected):
            expected[i] = _apply_text(expected[i], [t for p in plans if p.prompt_index == i for t in p.text_edits])
        try:
            new_source, new_extraction = reextract(current, new_text, extract)
            check_prompts(extraction, new_extraction, expected)
            if any(p.prompt_index is not None for p in plans):
                if fmt == "python":
                    check_python(current.text, new_text)
                elif fmt in ("yaml", "promptfoo"):
                    check_yaml(current.text, new_text, [(e.start, e.end) for e in edits])
            new_findings = lint_source(new_source, selection, path)
            _check_findings(findings, current.text, new_findings, new_text, [p.finding for p in plans])
        except Rejected as why:
            result.rejected = str(why)
            result.fixed = source.text
            result.fixed_findings = []
            result.remaining = lint_source(source, selection, path)
            return result
        result.fixed_findings.extend(p.finding for p in plans)
        result.rounds += 1
        current, findings = new_source, new_findings
    result.fixed = current.text
    result.remaining = findings
    return result


def _check_findings(before: list[Finding], old_text: str, after: list[Finding], new_text: str,
                    fixed: list[Finding]) -> None:
    """No finding may appear (counted per rule and message, so a finding that merely moved is fine),
    and no fixed finding may still sit on its old words."""
    coarse = Counter((f.code, f.message) for f in before) - Counter((f.code, f.message) for f in fixed)
    for (code, _message), count in Counter((f.code, f.message) for f in after).items():
        if count > coarse.get((code, _message), 0):
            fixed_codes = {f.code for f in fixed}
            what = "a fix did not remove its finding" if code in fixed_codes else "a new finding appeared"
            raise Rejected(f"{what} ({code})")
    fine = Counter(finding_key(f, old_text) for f in before)
    for f in fixed:
        key = finding_key(f, old_text)
        if sum(1 for g in after if finding_key(g, new_text) == key) > fine[key] - sum(
                1 for g in fixed if finding_key(g, old_text) == key):
            raise Rejected(f"a fix did not remove its finding: {f.code} on {key[2][:60]!r}")


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
