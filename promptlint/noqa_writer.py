"""`promptlint check --add-noqa`: write a `noqa` comment for every current finding.

A team adopting the linter on an existing code base silences what is there
today and fixes it over time; new findings still fail the build. The LSP's
"Disable PLxxx for this line" action uses the same `noqa_edit`.

Where the comment goes, by format (each must be a place
`promptlint.suppressions` reads, on a line of the finding's statement):

- Python: a trailing `# noqa: CODE` on the last line of the statement that
  holds the prompt (that line cannot end inside a string literal); merged into
  a `# noqa: X` already there.
- YAML (and promptfoo configs): a trailing `# noqa: CODE` on the key line;
  when that line cannot hold a comment (a multi-line quoted scalar starts
  there, so a `#` would be text), the statement's last line, then any other.
- Dotprompt (`.prompt`): a Handlebars comment `{{! noqa: CODE }}` at the end
  of the finding's line; Handlebars drops it, so the model never sees it.
- Prompty: a Jinja comment `{# noqa: CODE #}` at the end of the finding's
  line; Jinja drops it when the template is rendered.

Every candidate edit is checked before it is kept: the file must still
parse and yield the same prompt texts (template comments aside), and the
suppression scanner must now see the code on one of the finding's lines.
A finding for which no candidate passes is left alone and counted as
skipped, as are PL000 (a file that does not parse: fix it) and PL001 (an
unused `noqa`: `promptlint fix` removes it). Files are written atomically
(temporary file + rename), keeping encoding, BOM and line endings.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptlint.atomic import WriteRefused, rewrite_file
from promptlint.model import Edit, Finding, SourceFile

#: Codes never silenced by --add-noqa (see the module docstring).
SKIPPED_CODES = frozenset({"PL000", "PL001"})
_TEMPLATE_COMMENT_RE = re.compile(r"\{\{!--.*?--\}\}|\{\{!.*?\}\}|\{#.*?#\}|<!--.*?-->", re.DOTALL)
_TRAILING_WS_RE = re.compile(r"[ \t]+$", re.MULTILINE)


@dataclass(slots=True)
class AddNoqaResult:
    """What `add_noqa` did: directives added, files written, findings it could not place."""

    added: int = 0
    files: list[str] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)
    #: Files whose directives could not be written, and why (a hard-linked file, one changed since it was read).
    not_written: list[tuple[str, str]] = field(default_factory=list)


def comment_for(fmt: str, codes: str) -> str:
    """A fresh noqa comment in the syntax of `fmt`."""
    if fmt == "dotprompt":
        return f"{{{{! noqa: {codes} }}}}"
    if fmt == "prompty":
        return f"{{# noqa: {codes} #}}"
    return f"# noqa: {codes}"


# -- one finding ---------------------------------------------------------------------


class _Checker:
    """Tells whether an edited text still holds the same prompts; caches the original's."""

    def __init__(self, source: SourceFile, fmt: str, extract: Callable[[SourceFile], Any]) -> None:
        self.source, self.fmt, self.extract = source, fmt, extract
        self.baseline = self._texts(source.text)

    def _texts(self, text: str) -> tuple[bool, list[str]] | None:
        try:
            extraction = self.extract(
                SourceFile(path=self.source.path, text=text, bom=self.source.bom, encoding=self.source.encoding)
            )
        except Exception:  # an extractor bug: do not write anything based on it
            return None
        return extraction.problem is None, [_normalised(p.text) for p in extraction.prompts]

    def same_prompts(self, text: str) -> bool:
        return self.baseline is not None and self._texts(text) == self.baseline


def _normalised(text: str) -> str:
    return _TRAILING_WS_RE.sub("", _TEMPLATE_COMMENT_RE.sub("", text))


def _candidate_lines(finding: Finding, source: SourceFile, fmt: str, lines: list[int]) -> list[int]:
    """Lines to try, best first; all of them lines a noqa for the finding may sit on."""
    if not lines:
        return []
    first, last = lines[0], lines[-1]
    if fmt == "python":
        ordered = [last, *_python_statement_ends(source.text, finding.line), finding.end_line, finding.line]
    elif fmt in ("dotprompt", "prompty"):
        ordered = [finding.end_line, finding.line, *reversed(lines)]
    else:  # YAML: the key line first
        ordered = [first, last, *lines]
    seen: list[int] = []
    for line in ordered:
        if first <= line <= last and line not in seen:
            seen.append(line)
    return seen


def _python_statement_ends(text: str, line: int) -> list[int]:
    """Last lines of the statements enclosing `line`, innermost first (a fallback when the span is unknown)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    ends = [
        (node.end_lineno, node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.stmt) and node.end_lineno is not None and node.lineno <= line <= node.end_lineno
    ]
    return [end for end, _start in sorted(ends, key=lambda e: e[0] - e[1])]


def _line_edit(source: SourceFile, fmt: str, line: int, code: str) -> Edit | None:
    """The edit putting `code` in a noqa on `line`: merged into a directive there, else a new trailing comment."""
    from promptlint.suppressions import scan

    for noqa in scan(source, fmt, lambda _code: True).noqa_by_line.get(line, ()):
        if any(c.code == code for c in noqa.codes):
            return None
        if noqa.codes:
            end = noqa.codes[-1].end
            return Edit(end, end, f", {code}")
    start = source.line_starts[line - 1]
    body = source.line_text(line)
    stripped = body.rstrip(" \t")
    if not stripped.strip():
        return None
    gap = "  " if fmt == "python" else " "
    return Edit(start + len(stripped), start + len(body), gap + comment_for(fmt, code))


def _suppressed(source: SourceFile, fmt: str, finding: Finding, lines: range) -> bool:
    from promptlint.suppressions import scan

    by_line = scan(source, fmt, lambda _code: True).noqa_by_line
    return any(c.code == finding.code.upper() for line in lines for n in by_line.get(line, ()) for c in n.codes)


def apply_edit(text: str, edit: Edit) -> str:
    return text[: edit.start] + edit.content + text[edit.end :]


def noqa_edit(
    source: SourceFile, fmt: str, finding: Finding, checker: _Checker | None = None, lines: range | None = None
) -> Edit | None:
    """One edit that silences `finding` with a noqa comment, or None when no safe place exists.

    `lines` are the lines a noqa for the finding may sit on (by default
    computed from its statement span, which must be offsets into `source`).
    """
    from promptlint.runner import extractor_of
    from promptlint.suppressions import finding_lines

    if finding.code in SKIPPED_CODES:
        return None
    if checker is None:
        checker = _Checker(source, fmt, extractor_of(Path(source.path))[1])
    code = finding.code.upper()
    allowed = finding_lines(finding, source) if lines is None else lines
    for line in _candidate_lines(finding, source, fmt, list(allowed)):
        if line > len(source.line_starts):
            continue
        edit = _line_edit(source, fmt, line, code)
        if edit is None:
            continue
        text = apply_edit(source.text, edit)
        edited = SourceFile(path=source.path, text=text, bom=source.bom, encoding=source.encoding)
        if _suppressed(edited, fmt, finding, allowed) and checker.same_prompts(text):
            return edit
    return None


# -- whole files -------------------------------------------------------------------------


def add_noqa_to_source(
    source: SourceFile, fmt: str, findings: Iterable[Finding], extract: Callable[[SourceFile], Any]
) -> tuple[str, int, list[Finding]]:
    """(new text, directives added, findings skipped) for one file's findings.

    Edits only ever add text inside one line, so line numbers of the
    findings stay valid while the text grows.
    """
    from promptlint.suppressions import finding_lines

    checker = _Checker(source, fmt, extract)
    current = source
    added = 0
    skipped: list[Finding] = []
    for finding in findings:
        if finding.code in SKIPPED_CODES:
            skipped.append(finding)
            continue
        lines = finding_lines(finding, source)
        if _suppressed(current, fmt, finding, lines):
            continue  # an earlier finding's comment covers it
        edit = noqa_edit(current, fmt, finding, checker, lines)
        if edit is None:
            skipped.append(finding)
            continue
        current = SourceFile(
            path=source.path, text=apply_edit(current.text, edit), bom=source.bom, encoding=source.encoding
        )
        added += 1
    return current.text, added, skipped


def write_atomically(path: Path, source: SourceFile, text: str) -> None:
    """Write `text` with the source's encoding and BOM through a temporary file and a rename (`rewrite_file`:
    through a symlink to the real file; a hard-linked file, or one changed since it was read, is refused)."""
    bom = b"\xef\xbb\xbf" if source.bom else b""
    rewrite_file(path, bom + text.encode(source.encoding), expected=bom + source.text.encode(source.encoding))


def add_noqa(report: Any) -> AddNoqaResult:
    """Add noqa comments for every finding of a `lint_paths` report, file by file."""
    from promptlint.runner import extractor_of

    result = AddNoqaResult()
    by_path: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_path.setdefault(finding.path, []).append(finding)
    for display, findings in by_path.items():
        source = report.sources.get(display)
        if source is None:  # unreadable, or a prompt file referenced from elsewhere (plain text, no comments)
            result.skipped.extend(findings)
            continue
        fmt, extract = extractor_of(Path(display))
        text, added, skipped = add_noqa_to_source(source, fmt, findings, extract)
        result.skipped.extend(skipped)
        if added and text != source.text:
            try:
                write_atomically(Path(display), source, text)
            except WriteRefused as why:
                result.not_written.append((display, str(why)))
                continue
            except OSError as exc:
                result.not_written.append((display, exc.strerror or str(exc)))
                continue
            result.added += added
            result.files.append(display)
    return result
