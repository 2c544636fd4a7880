"""The one proof of an edit, used by `fix`, `fix --llm` and the language server's code actions.

An edit (file edits spelled by `encode`, and the text each edited prompt must read afterwards) is kept only
when the edited file proves out:

1. it still parses and every prompt reads exactly as intended: an edited prompt its `expected` text, every
   other prompt its old text (`verify.check_prompts`);
2. when a prompt was edited, nothing changed outside the prompt strings: Python re-parsed with libcst, the
   code around the strings equal; YAML's node tree equal but for the edited scalars (`verify.check_python`,
   `verify.check_yaml`);
3. given the file's findings before the edit and a way to lint the edited text: no new finding appeared
   and every finding the edit was to remove is gone (`check_findings`).

Anything else raises `verify.Rejected`, naming what failed; nothing is written by this module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from promptlint.fix.result import finding_key
from promptlint.fix.verify import Rejected, check_prompts, check_python, check_yaml, reextract
from promptlint.model import Edit, Extraction, Finding, SourceFile

#: Lints a file's text as the file it stands for (the command's selection, config and project).
Relint = Callable[[SourceFile], list[Finding]]


@dataclass(slots=True)
class Proved:
    """An edit that proved out: the edited file, its extraction and (when re-linted) its findings."""

    source: SourceFile
    extraction: Extraction
    findings: list[Finding] = field(default_factory=list)


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """`text` with non-overlapping file edits applied."""
    out = []
    pos = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        out.append(text[pos:e.start])
        out.append(e.content)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def apply_text_edits(text: str, edits: Sequence[tuple[int, int, str]]) -> str:
    """A prompt's text with non-overlapping (start, end, new text) edits applied."""
    for a, b, content in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:a] + content + text[b:]
    return text


def prove_edit(source: SourceFile, fmt: str, extract: Callable[..., Extraction], before: Extraction,
               edits: Sequence[Edit], expected: dict[int, str], *, relint: Relint | None = None,
               findings: Sequence[Finding] = (), fixed: Sequence[Finding] = ()) -> Proved:
    """Apply `edits` to `source` and prove the result (see the module's steps); `verify.Rejected` if it fails.

    `before` is `source`'s extraction; `expected` maps the index of each edited prompt to the text it must read
    (an empty text may leave the prompt out). With `relint`, the edited file is linted and compared with
    `findings` (the findings of `source`), `fixed` being those the edit is meant to remove.
    """
    new_text = apply_edits(source.text, edits)
    new_source, after = reextract(source, new_text, extract)
    check_prompts(before, after, expected)
    if expected:
        if fmt == "python":
            check_python(source.text, new_text)
        elif fmt in ("yaml", "promptfoo"):
            check_yaml(source.text, new_text, [(e.start, e.end) for e in edits])
    proved = Proved(new_source, after)
    if relint is not None:
        proved.findings = relint(new_source)
        check_findings(list(findings), source.text, proved.findings, new_text, list(fixed))
    return proved


def check_findings(before: list[Finding], old_text: str, after: list[Finding], new_text: str,
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


__all__ = ["Proved", "Rejected", "Relint", "apply_edits", "apply_text_edits", "check_findings", "prove_edit"]
