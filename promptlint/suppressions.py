"""`# noqa: PL101` and `# promptlint: disable-file=PL301`, and PL001 for noqa codes that suppress nothing.

Only real comments count. In Python a `# noqa` inside a string literal is
prompt text, not a directive, so comments are found with a string-aware
scanner (a regex over strings and comments, C speed) run only on files that
mention a marker at all. In YAML a `#` starts a comment only outside quotes
and outside block scalars; in template bodies (.prompty, .prompt) the
format's own comments count: `{{! … }}`, `{# … #}`, `<!-- … -->`.

A noqa comment applies to every line of the statement that holds the prompt
(`Finding.statement_span`), so it can sit on any line of a multi-line call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from promptlint.diskcache import compile_regex
from promptlint.model import Edit, Extraction, Finding, Fix, Severity, SourceFile

UNUSED_NOQA_CODE = "PL001"
UNUSED_NOQA_NAME = "unused-noqa"

_MARKER_RE = compile_regex(r"noqa|promptlint", re.IGNORECASE)
_CODE = r"[A-Za-z]+[0-9]+"


class _Patterns:
    """Regexes compiled on first use: most files have no marker, and compiling costs start-up time."""

    def __init__(self) -> None:
        self.noqa = compile_regex(
            rf"(?P<lead>#[ \t]*)?\bnoqa[ \t]*:[ \t]*(?P<codes>{_CODE}(?:(?:[ \t]*,[ \t]*|[ \t]+){_CODE})*)",
            re.IGNORECASE,
        )
        self.code = compile_regex(_CODE)
        self.disable = compile_regex(
            r"\bpromptlint[ \t]*:[ \t]*disable-file[ \t]*=[ \t]*"
            r"(?P<codes>[A-Za-z]+[0-9]*(?:[ \t]*,[ \t]*[A-Za-z]+[0-9]*)*)",
            re.IGNORECASE,
        )
        # Python strings and comments; everything else is skipped by the regex engine.
        self.py_tokens = compile_regex(
            r"""(?P<comment>\#[^\r\n]*)
            |'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)
            |\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|\Z)
            |'(?:[^'\\\r\n]|\\.)*(?:'|$)
            |"(?:[^"\\\r\n]|\\.)*(?:"|$)""",
            re.VERBOSE | re.DOTALL | re.MULTILINE,
        )
        self.template_comments = compile_regex(r"\{\{!--.*?--\}\}|\{\{!.*?\}\}|\{#.*?#\}|<!--.*?-->", re.DOTALL)
        self.block_indicator = compile_regex(r"(?:^|[ \t])[|>][-+0-9]*$")
        self.key_column = compile_regex(r"[ \t]*(?:-[ \t]+)*")
        self.frontmatter_open = compile_regex(r"\A---[ \t]*\r?\n")
        self.frontmatter_close = compile_regex(r"^---[ \t]*\r?$", re.MULTILINE)


_patterns: _Patterns | None = None


def _re() -> _Patterns:
    global _patterns
    if _patterns is None:
        _patterns = _Patterns()
    return _patterns


@dataclass(slots=True)
class Comment:
    start: int  # file offset of the comment's first character (`#`, `{{!`, `<!--`)
    end: int  # exclusive
    own_line: bool  # nothing but whitespace before it on its line


@dataclass(slots=True)
class NoqaCode:
    code: str  # upper case
    start: int
    end: int


@dataclass(slots=True)
class Noqa:
    """One `noqa: A, B` directive."""

    line: int
    comment: Comment
    start: int  # offset of the directive (its `#` lead if it has one, else `noqa`)
    end: int
    codes: list[NoqaCode]
    used: set[str] = field(default_factory=set)


@dataclass(slots=True)
class FileSuppressions:
    noqa_by_line: dict[int, list[Noqa]] = field(default_factory=dict)
    disabled: list[str] = field(default_factory=list)  # selectors from disable-file

    @property
    def directives(self) -> list[Noqa]:
        return [n for line in sorted(self.noqa_by_line) for n in self.noqa_by_line[line]]

    def file_disabled(self, code: str) -> bool:
        return any(code.startswith(selector) for selector in self.disabled)


# -- finding comments ------------------------------------------------------------


def _own_line(text: str, offset: int) -> bool:
    line_start = text.rfind("\n", 0, offset) + 1
    return not text[line_start:offset].strip()


def python_comments(text: str) -> list[Comment]:
    """Real comments in Python source (not `#` inside string literals)."""
    out = []
    for match in _re().py_tokens.finditer(text):
        if match.lastgroup == "comment" and _MARKER_RE.search(match.group()):
            out.append(Comment(match.start(), match.end(), _own_line(text, match.start())))
    return out


def _yaml_comment_start(line: str) -> int | None:
    """Index of the `#` starting a YAML comment on one line, ignoring `#` inside quotes."""
    quote = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote == "'":
            if ch == "'":
                if line[i + 1 : i + 2] == "'":
                    i += 1
                else:
                    quote = None
        elif quote == '"':
            if ch == "\\":
                i += 1
            elif ch == '"':
                quote = None
        elif ch in "'\"" and (i == 0 or line[i - 1] in " \t:-[{,"):
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
        i += 1
    return None


def yaml_comments(text: str, base: int = 0) -> list[Comment]:
    """Comments in YAML text (offsets shifted by `base`); block-scalar content is text, not comments."""
    out: list[Comment] = []
    offset = 0
    block_indent: int | None = None
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        indent = len(body) - len(body.lstrip(" \t"))
        if block_indent is not None and (not body.strip() or indent > block_indent):
            offset += len(line)
            continue
        block_indent = None
        start = _yaml_comment_start(body) if "#" in body else None
        code_part = (body if start is None else body[:start]).rstrip()
        if _re().block_indicator.search(code_part):
            key = _re().key_column.match(code_part)
            block_indent = key.end() if key and ":" in code_part else indent
        if start is not None and _MARKER_RE.search(body, start):
            out.append(Comment(base + offset + start, base + offset + len(body), not body[:start].strip()))
        offset += len(line)
    return out


def _frontmatter_end(text: str) -> int | None:
    """Offset just past the closing `---` of a leading YAML front matter block, if any."""
    match = _re().frontmatter_open.match(text)
    if not match:
        return None
    close = _re().frontmatter_close.search(text, match.end())
    return close.end() if close else None


def template_comments(text: str) -> list[Comment]:
    """Front matter YAML comments plus the body's `{{! }}`, `{# #}` and `<!-- -->` comments."""
    end = _frontmatter_end(text)
    out: list[Comment] = []
    body_start = 0
    if end is not None:
        out.extend(yaml_comments(text[:end]))
        body_start = end
    for match in _re().template_comments.finditer(text, body_start):
        if _MARKER_RE.search(match.group()):
            out.append(Comment(match.start(), match.end(), _own_line(text, match.start())))
    return out


def find_comments(source: SourceFile, fmt: str | None) -> list[Comment]:
    """Comments that mention a marker, by file format (`python`, `yaml`, `prompty`, `dotprompt`)."""
    if not _MARKER_RE.search(source.text):
        return []
    if fmt == "python":
        return python_comments(source.text)
    if fmt in ("prompty", "dotprompt", "promptfile"):
        return template_comments(source.text)
    if fmt == "json":
        return []  # JSON has no comments
    if fmt == "toml":
        from promptlint.extractors.tomlprompt import comments

        text = source.text
        return [Comment(a, b, _own_line(text, a)) for a, b in comments(text) if _MARKER_RE.search(text, a, b)]
    return yaml_comments(source.text)


def scan(source: SourceFile, fmt: str | None, is_ours: Callable[[str], bool]) -> FileSuppressions:
    """Parse the noqa and disable-file directives of one file; codes not `is_ours` are left alone."""
    result = FileSuppressions()
    text = source.text
    for comment in find_comments(source, fmt):
        chunk = text[comment.start : comment.end]
        if comment.own_line:
            for match in _re().disable.finditer(chunk):
                result.disabled.extend(c.strip().upper() for c in match.group("codes").split(",") if c.strip())
        for match in _re().noqa.finditer(chunk):
            codes_at = comment.start + match.start("codes")
            codes = [
                NoqaCode(m.group().upper(), codes_at + m.start(), codes_at + m.end())
                for m in _re().code.finditer(match.group("codes"))
            ]
            if not any(is_ours(c.code) for c in codes):
                continue
            line = source.position(comment.start + match.start())[0]
            noqa = Noqa(line, comment, comment.start + match.start(), comment.start + match.end(), codes)
            result.noqa_by_line.setdefault(line, []).append(noqa)
    return result


# -- applying them -------------------------------------------------------------------


def finding_lines(finding: Finding, source: SourceFile | None) -> range:
    """Lines a noqa for this finding may sit on: its statement's, else its own."""
    if finding.statement_span is not None and source is not None:
        start, end = finding.statement_span
        first = source.position(start)[0]
        last = source.position(max(end - 1, start))[0]
        return range(min(first, finding.line), max(last, finding.end_line) + 1)
    return range(finding.line, max(finding.end_line, finding.line) + 1)


def apply_suppressions(
    findings: Iterable[Finding],
    source: SourceFile,
    fmt: str | None,
    *,
    is_ours: Callable[[str], bool],
    enabled: Callable[[str], bool],
    unused_severity: Severity | None = Severity.WARNING,
    extraction: Extraction | None = None,
    known: Callable[[str], bool] | None = None,
) -> list[Finding]:
    """Drop suppressed findings; add PL001 for enabled noqa codes that suppressed nothing.

    `enabled(code)` says whether a code is enabled for this file (selection,
    per-file ignores); `unused_severity` None means PL001 itself is disabled.
    `known(code)` says whether a rule has that code: a code of ours that no rule has (`# noqa: PL999`,
    a typo or a rule since removed) is reported by PL001 too, as unknown, since it can never suppress.
    Findings located in another file than `source` (a promptfoo `file://`
    prompt) are matched against that file's comments.
    """
    suppressions = scan(source, fmt, is_ours)
    others: dict[str, tuple[SourceFile, FileSuppressions]] = {}
    if extraction is not None:
        for prompt in extraction.prompts:
            other = prompt.source_file
            if other is not None and other.path != source.path and other.path not in others:
                others[other.path] = (other, scan(other, _format_of(other.path), is_ours))
    kept: list[Finding] = []
    for finding in findings:
        file_source, file_supp = (source, suppressions)
        if finding.path != source.path and finding.path in others:
            file_source, file_supp = others[finding.path]
        if file_supp.file_disabled(finding.code) or _noqa_matches(finding, file_source, file_supp):
            continue
        kept.append(finding)
    if unused_severity is not None and (extraction is None or extraction.problem is None):
        for file_source, file_supp in [(source, suppressions), *others.values()]:
            kept.extend(_unused(file_source, file_supp, enabled, unused_severity,
                                None if known is None else lambda c: not is_ours(c) or known(c)))  # fmt: skip
    return kept


def _format_of(path: str) -> str | None:
    from promptlint.extractors import format_for

    return format_for(path)


def _noqa_matches(finding: Finding, source: SourceFile, supp: FileSuppressions) -> bool:
    if not supp.noqa_by_line:
        return False
    code = finding.code.upper()
    for line in finding_lines(finding, source):
        for noqa in supp.noqa_by_line.get(line, ()):
            if any(c.code == code for c in noqa.codes):
                noqa.used.add(code)
                return True
    return False


def _unused(
    source: SourceFile, supp: FileSuppressions, enabled: Callable[[str], bool], severity: Severity,
    known: Callable[[str], bool] | None = None,
) -> list[Finding]:
    out: list[Finding] = []
    for noqa in supp.directives:
        unknown = [c for c in noqa.codes if known is not None and not known(c.code)]
        unused = [
            c for c in noqa.codes
            if c.code not in noqa.used and enabled(c.code) and not supp.file_disabled(c.code)
        ]  # fmt: skip
        if not unused and not unknown:
            continue
        gone = sorted({id(c): c for c in [*unused, *unknown]}.values(), key=lambda c: c.start)
        line, column = source.position(gone[0].start)
        end_line, end_column = source.position(gone[-1].end)
        names = ", ".join(c.code for c in gone)
        plural = "s" if len(gone) > 1 else ""
        parts = []
        if unused:
            what = ", ".join(c.code for c in unused)
            parts.append(f"Unused `noqa` code{'s' if len(unused) > 1 else ''}: {what} "
                         f"(nothing here triggers {'them' if len(unused) > 1 else 'it'})")  # fmt: skip
        if unknown:
            what = ", ".join(c.code for c in unknown)
            parts.append(f"{'u' if unused else 'U'}nknown rule code{'s' if len(unknown) > 1 else ''} in `noqa`: {what} "
                         f"(no rule has {'these codes' if len(unknown) > 1 else 'this code'}; see `promptlint rules`)")
        fix = Fix(message=f"Remove {'unknown' if not unused else 'unused'} `noqa` code{plural} {names}",
                  applicability="safe", edits=[_removal(source, noqa, gone)])  # fmt: skip
        out.append(
            Finding(
                code=UNUSED_NOQA_CODE,
                name=UNUSED_NOQA_NAME,
                severity=severity,
                message="; ".join(parts),
                path=source.path,
                line=line,
                column=column,
                end_line=end_line,
                end_column=end_column,
                fix=fix,
                hint="Remove the code from the `# noqa` comment, or the whole comment",
                span=(gone[0].start, gone[-1].end),
            )
        )
    return out


def _removal(source: SourceFile, noqa: Noqa, unused: list[NoqaCode]) -> Edit:
    """The edit that removes the unused codes, or the whole directive / comment when none is left."""
    text = source.text
    remaining = [c for c in noqa.codes if c not in unused]
    if remaining:
        first, last = noqa.codes[0].start, noqa.codes[-1].end
        return Edit(first, last, ", ".join(text[c.start : c.end] for c in remaining))
    comment = noqa.comment
    whole = text[comment.start : comment.end]
    rest = whole[: noqa.start - comment.start] + whole[noqa.end - comment.start :]
    if not rest.strip("#{}!-<> \t"):
        start, end = comment.start, comment.end
        while start > 0 and text[start - 1] in " \t":
            start -= 1
        line_start = text.rfind("\n", 0, start) + 1
        if start == line_start and (end == len(text) or text[end] in "\r\n"):
            # The comment is alone on its line: remove the line.
            if end < len(text):
                end = text.index("\n", end) + 1
            elif line_start > 0:
                start = line_start - 1
        return Edit(start, end, "")
    if noqa.start == comment.start:  # the directive opens a comment with a reason after it: keep the reason
        lead_end = noqa.start + 1
        end = noqa.end
        while end < len(text) and text[end] in " \t":
            end += 1
        return Edit(lead_end, end, " ")
    start = noqa.start
    while start > comment.start and text[start - 1] in " \t":
        start -= 1
    return Edit(start, noqa.end, "")
