"""What the language server does, without pygls: lint a buffer, and turn findings into actions.

Each document is linted with `runner.lint_text` and the config `check`
would use for its path: found by walking up from the document's folder (the
nearest existing one, so an unsaved file in a new folder still gets its
project's config), or the `--config` / `--no-config` the server was started
with. Config and rules are re-read only when their files change (the rules
engine caches by file stamps; the config here by path and mtime). A document
the config excludes (`exclude` / `extend-exclude` globs, as `check
--force-exclude` applies them) gets no diagnostics.

While a buffer does not parse (you are typing), the diagnostics do not
collapse to the one PL000: the text before the error is linted on its own
(what parses, at exact positions), and the findings of the last lint that
parsed are carried to where their lines are now (a line diff), for the part
after the error; carried findings offer no quick fix, since their text may
have changed.

A broken config or rule file is not a crash: `LintOutcome.error` carries
its one-line message (naming file and line) and the server shows it.
Actions are plain data (file offsets); the server converts them to LSP
positions in the encoding the client negotiated.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptlint.model import Edit, Finding, Fix, ParseProblem, SourceFile

#: LSP language ids -> the file suffix whose extractor reads them (for buffers with no usable file name).
LANGUAGE_SUFFIXES = {
    "python": ".py",
    "yaml": ".yaml",
    "toml": ".toml",
    "prompty": ".prompty",
    "dotprompt": ".prompt",
    "handlebars": ".prompt",
}
FIX_ALL_KIND = "source.fixAll.promptlint"


@dataclass(slots=True)
class LintOutcome:
    """One lint of one buffer: the findings on it, or why there are none."""

    source: SourceFile
    fmt: str | None
    findings: list[Finding] = field(default_factory=list)
    #: One-line message of a config / rule / internal error; findings are empty then.
    error: str | None = None
    #: "config", "rules" or "internal" when `error` is set.
    error_kind: str | None = None
    details: str | None = None  # a traceback for internal errors, for the server log
    #: The file the buffer stands for (config and line-length style are found from it).
    path: Path | None = None
    #: The config's `docs-url` (rule links in diagnostics).
    docs_url: str | None = None
    #: Findings of the last lint that parsed, carried to their lines in this text (no actions).
    carried: list[Finding] = field(default_factory=list)
    #: Whether the config excludes this document (then it has no findings).
    excluded: bool = False
    #: Lints an edited text of this document as this lint did (same config, rules and project): the proof of
    #: a code action re-lints with it. None: actions are proved without re-linting.
    relint: Callable[[SourceFile], list[Finding]] | None = None
    #: Proved edits of this lint's findings, by finding (a code action request asks again on every cursor move).
    proofs: dict[int, tuple[list[Edit] | None, str]] = field(default_factory=dict)

    @property
    def parses(self) -> bool:
        return self.error is None and not any(f.code == "PL000" for f in self.findings)


@dataclass(slots=True)
class Action:
    """A code action as offsets into the linted text."""

    title: str
    kind: str  # "quickfix" or FIX_ALL_KIND
    edits: list[Edit]
    findings: list[Finding] = field(default_factory=list)
    preferred: bool = False
    disabled_reason: str | None = None


class ProjectFacts:
    """What the other files of a project say about a buffer: the facts of its Python files, joined.

    A buffer's text may be used as a prompt in another file (`from .prompts import SYSTEM` then
    `system=SYSTEM`), and a Markdown or Jinja file is a prompt file when code loads it: the server
    shows those findings on the open file that holds the text. Files are listed at most every
    `ttl` seconds and a file's facts are extracted again only when its stat changes.
    """

    def __init__(self, ttl: float = 2.0) -> None:
        self.ttl = ttl
        self._listing: dict[str, tuple[float, list[Any], list[Any]]] = {}
        self._facts: dict[str, tuple[Any, Any]] = {}

    def _files(self, config: Any) -> tuple[list[Any], list[Any]]:
        import time

        from promptlint.discovery import iter_files

        key = str(config.root)
        now = time.monotonic()
        cached = self._listing.get(key)
        if cached is None or now - cached[0] > self.ttl:
            candidates: list[Any] = []
            items = [i for i in iter_files([config.root], config, prompt_files=candidates)
                     if i.display.endswith((".py", ".pyi"))]
            cached = self._listing[key] = (now, items, candidates)
        return cached[1], cached[2]

    def _facts_of(self, item: Any, config: Any, full: bool) -> Any:
        from promptlint.extractors.python import extract
        from promptlint.findings_index import fingerprint
        from promptlint.source import read_source

        stat = fingerprint(item.file)
        cached = self._facts.get(item.display)
        if cached is not None and cached[0] == (stat, full):
            return cached[1]
        source = read_source(item.path, item.display, max_bytes=config.max_file_size)
        facts = None if isinstance(source, ParseProblem) else extract(source, full=full).facts
        self._facts[item.display] = ((stat, full), facts)
        return facts

    def plan(self, config: Any) -> Any:
        """The project join (`promptlint.project.Plan`) over the files on disk under the config's root."""
        from promptlint import project

        items, candidates = self._files(config)
        by_display = {item.display: item for item in items}
        facts = {}
        for item in items:
            found = self._facts_of(item, config, False)
            if found:
                facts[item.display] = found
        return project.join_project(facts, [c.display for c in candidates], list(by_display),
                                    lambda d: self._facts_of(by_display[d], config, True))


def _included(config: Any, path: Path) -> bool:
    """Is the file matched by the config's `include` globs (then it is linted as `check` lints it)?"""
    if not config.include:
        return False
    from promptlint.discovery import Matchers

    return Matchers(config).included(path.resolve())


def _existing_folder(path: Path) -> Path:
    """The nearest folder of `path` that exists (config discovery starts there)."""
    for folder in (path.parent, *path.parent.parents):
        if folder.is_dir():
            return folder
    return Path.cwd()


class Linter:
    """Lints buffers with the right config; caches config by file and mtime."""

    def __init__(self, config_file: str | None = None, isolated: bool = False, project: bool = True) -> None:
        self.config_file = config_file
        self.isolated = isolated
        self._configs: dict[tuple[str, int], Any] = {}
        #: cross-file prompts (None: each buffer on its own)
        self.project = ProjectFacts() if project else None

    def document_path(self, path: str | None, language_id: str | None, uri: str) -> Path | None:
        """The path to lint a buffer as, or None when promptlint does not read this kind of file."""
        from promptlint.extractors import format_for

        if path:
            candidate = Path(path)
            if format_for(candidate) is not None:
                return candidate
            from promptlint.project import in_prompt_dir, is_prompt_file_candidate

            if is_prompt_file_candidate(candidate.name, in_prompt_dir(candidate.as_posix())):
                return candidate  # a prompt file if code loads it or it sits in a prompt folder (see `lint`)
            suffix = LANGUAGE_SUFFIXES.get(language_id or "")
            return candidate.with_name(candidate.name + suffix) if suffix else None
        suffix = LANGUAGE_SUFFIXES.get(language_id or "")
        if suffix is None:
            return None
        name = "".join(ch if ch.isalnum() else "_" for ch in uri.rsplit("/", 1)[-1]) or "untitled"
        return Path.cwd() / f"{name}{suffix}"

    def config_for(self, path: Path) -> Any:
        from promptlint.config import Config, find_config_file, load_config, parse_config_file

        if self.isolated or self.config_file is not None:
            return load_config([], self.config_file, isolated=self.isolated)
        found = find_config_file(_existing_folder(path))
        if found is None:
            return Config(root=Path.cwd().resolve())
        key = (str(found), found.stat().st_mtime_ns)
        if key not in self._configs:
            self._configs = {key: parse_config_file(found)}  # keep one: the common case is one project
        return self._configs[key]

    def lint(self, path: Path, text: str, previous: LintOutcome | None = None) -> LintOutcome:
        """Lint `text` as the file `path`; never raises. `previous` is the last lint of this document
        that parsed: its findings are carried over while this text does not parse."""
        from promptlint.discovery import display_path
        from promptlint.extractors import format_for
        from promptlint.runner import extractor_of, lint_text

        display = display_path(path)
        source = SourceFile(path=display, text=text)
        try:
            config = self.config_for(path)
            if _excluded(path, config):
                return LintOutcome(source, extractor_of(path)[0], [], path=path, docs_url=config.docs_url,
                                   excluded=True)
            plan = self.project.plan(config) if self.project is not None and path.exists() else None
            prompt_file = format_for(path) is None and not _included(config, path)
            if prompt_file:
                if plan is None or display not in plan.prompt_files:
                    return LintOutcome(source, None)  # a Markdown / text file no code uses as a prompt
                from promptlint.runner import prompt_file_extractor

                fmt = prompt_file_extractor(path)[0]
            else:
                fmt = extractor_of(path)[0]
            from promptlint.rules_engine import load_rules

            rules = load_rules(list(config.rule_paths))
            def relint(edited: SourceFile) -> list[Finding]:
                return [f for f in lint_text(edited.text, path, config, rules, plan, prompt_file) if f.path == display]

            findings = relint(source)
            carried: list[Finding] = []
            error = next((f for f in findings if f.code == "PL000"), None)
            if error is not None:
                before, first_uncovered = _lint_what_parses(text, path, config, rules, display, error.line)
                findings = _merge(findings, before)
                if previous is not None and previous.parses:
                    carried = [f for f in carry_over(previous, source) if f.line >= first_uncovered
                               and not any(_same(f, g) for g in findings)]  # fmt: skip
        except Exception as exc:
            return _failed(source, exc)
        return LintOutcome(source, fmt, findings, path=path, docs_url=config.docs_url, carried=carried,
                           relint=relint if error is None else None)


def _excluded(path: Path, config: Any) -> bool:
    from promptlint.stdin import excluded

    return excluded(path, config)


def _same(a: Finding, b: Finding) -> bool:
    return (a.code, a.line, a.column, a.message) == (b.code, b.line, b.column, b.message)


def _merge(findings: list[Finding], more: list[Finding]) -> list[Finding]:
    out = list(findings)
    out.extend(f for f in more if not any(_same(f, g) for g in findings))
    out.sort(key=lambda f: (f.line, f.column, f.code))
    return out


def _lint_what_parses(text: str, path: Path, config: Any, rules: Any, display: str,
                      error_line: int) -> tuple[list[Finding], int]:  # fmt: skip
    """Findings of the text before the first line that does not parse, and the first line they do not cover.

    The text is cut at the start of the error's line; if what is left still does not parse (an open
    bracket further up), it is cut again at that error, a few times at most.
    """
    from promptlint.runner import lint_text

    line = error_line
    for _attempt in range(4):
        if line <= 1:
            return [], 1
        cut = _line_offset(text, line)
        found = [f for f in lint_text(text[:cut], path, config, rules) if f.path == display]
        error = next((f for f in found if f.code == "PL000"), None)
        if error is None:
            return [f for f in found if f.code != UNUSED_NOQA], line
        if error.line >= line:
            return [], 1
        line = error.line
    return [], 1


UNUSED_NOQA = "PL001"


def _line_offset(text: str, line: int) -> int:
    offset = 0
    for _ in range(line - 1):
        offset = text.find("\n", offset)
        if offset == -1:
            return len(text)
        offset += 1
    return offset


def carry_over(previous: LintOutcome, source: SourceFile) -> list[Finding]:
    """`previous`'s findings moved to their lines in `source`: those whose lines are unchanged (a line diff),
    shifted by the lines added or removed above them; a finding on an edited line is dropped."""
    import difflib
    from dataclasses import replace

    old = previous.source.text.splitlines()
    new = source.text.splitlines()
    moved: dict[int, int] = {}
    for tag, a0, a1, b0, _b1 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            for k in range(a1 - a0):
                moved[a0 + k + 1] = b0 + k + 1
    out: list[Finding] = []
    for f in previous.findings:
        if f.code in ("PL000", UNUSED_NOQA):
            continue
        lines = range(f.line, f.end_line + 1)
        if not all(n in moved for n in lines) or moved[f.end_line] - moved[f.line] != f.end_line - f.line:
            continue
        shift = moved[f.line] - f.line
        out.append(replace(f, line=f.line + shift, end_line=f.end_line + shift, fix=None, statement_span=None,
                           path=source.path))  # fmt: skip
    return out


def _failed(source: SourceFile, exc: Exception) -> LintOutcome:
    from promptlint.config import ConfigError
    from promptlint.rules_engine.errors import RuleError

    name = type(exc).__name__
    if isinstance(exc, ConfigError):
        return LintOutcome(source, None, error=f"promptlint config error: {exc}", error_kind="config")
    if isinstance(exc, RuleError):
        return LintOutcome(source, None, error=f"promptlint rule error: {exc}", error_kind="rules")
    first = str(exc).splitlines()[0] if str(exc) else name
    return LintOutcome(source, None, error=f"promptlint internal error: {first}", error_kind="internal",
                       details=traceback.format_exc())  # fmt: skip


# -- code actions ------------------------------------------------------------------------------


def finding_span(source: SourceFile, finding: Finding) -> tuple[int, int]:
    """File offsets a finding covers (its line/column range, clamped to the text)."""
    starts = source.line_starts

    def offset(line: int, column: int) -> int:
        if line > len(starts):
            return len(source.text)
        return min(source.offset(max(line, 1), max(column, 1)), len(source.text))

    start = offset(finding.line, finding.column)
    end = max(offset(finding.end_line, finding.end_column), start)
    return start, end


def _overlaps(span: tuple[int, int], start: int, end: int) -> bool:
    """Whether a finding's span touches the requested range (an empty range at its edge counts)."""
    return span[0] <= end and start <= span[1]


def file_edits(outcome: LintOutcome, finding: Finding) -> tuple[list[Edit] | None, str]:
    """A fix's edits in file offsets, or (None, why not).

    Fixes written in prompt-text coordinates (`Fix.text_edits`) are spelled into the file as `promptlint fix`
    spells them (`fix.core.plan_fix`: quotes, escapes, YAML styles, wrapping) and proved as `fix` proves them
    (`fix.proof.prove_edit`): the file still parses, only the prompt changed and it reads exactly as the fix
    intends, and (re-linted with the document's config) the finding is gone and no new one appeared.
    """
    fix = finding.fix
    if fix is None or finding.never_fix:
        return None, "this finding is never fixed automatically"
    if not fix.text_edits:
        return (list(fix.edits), "") if fix.edits else (None, "suggestion only: no edit to apply")
    proved = outcome.proofs.get(id(finding))
    if proved is None:
        proved = outcome.proofs[id(finding)] = _prove(outcome, finding, fix)
    return proved


def _prove(outcome: LintOutcome, finding: Finding, fix: Fix) -> tuple[list[Edit] | None, str]:
    from promptlint.fix.core import file_containers, plan_fix
    from promptlint.fix.encode import Skip
    from promptlint.fix.layout import drop_emptied_pieces
    from promptlint.fix.proof import Rejected, apply_text_edits, prove_edit
    from promptlint.runner import extractor_of

    source = outcome.source
    fmt = outcome.fmt or "python"
    extract = extractor_of(Path(source.path))[1]
    try:
        extraction = extract(source)
        planned = plan_fix(finding, fix, extraction, source, file_containers(source, fmt, outcome.path))
        if planned is None:
            return None, "the prompt of this finding was not found"
        edits = planned.edits
        if fmt == "python":
            edits = drop_emptied_pieces(source, file_containers(source, fmt, outcome.path), edits)
        index = planned.prompt_index
        assert index is not None
        expected = {index: apply_text_edits(extraction.prompts[index].text, planned.text_edits)}
        prove_edit(source, fmt, extract, extraction, edits, expected, relint=outcome.relint,
                   findings=outcome.findings, fixed=[finding])
    except (Skip, Rejected) as why:
        return None, str(why)
    except Exception as exc:  # an encoder bug must not take the server down
        return None, f"cannot apply this fix here ({type(exc).__name__})"
    return edits, ""


def quick_fixes(outcome: LintOutcome, start: int, end: int) -> list[Action]:
    """The actions for findings under [start, end]: their fixes, then "disable CODE for this line"."""
    from promptlint.noqa_writer import SKIPPED_CODES, noqa_edit

    actions: list[Action] = []
    noqa: list[Action] = []
    source = outcome.source
    for finding in outcome.findings:
        if not _overlaps(finding_span(source, finding), start, end):
            continue
        fix = finding.fix
        if fix is not None:
            edits, why = file_edits(outcome, finding) if fix.applicability != "display" else (None, "")
            title = f"{fix.message} ({finding.code})"
            if edits and fix.applicability == "safe":
                actions.append(Action(title, "quickfix", edits, [finding], preferred=True))
            elif edits:
                title = f"{fix.message} ({finding.code}, unsafe fix: review the result)"
                actions.append(Action(title, "quickfix", edits, [finding]))
            else:
                reason = why or "suggestion only: promptlint cannot apply it for you"
                actions.append(Action(title, "quickfix", [], [finding], disabled_reason=reason))
        if finding.code not in SKIPPED_CODES and outcome.fmt is not None:
            edit = noqa_edit(source, outcome.fmt, finding)
            if edit is not None and not any(a.title.startswith(f"Disable {finding.code} ") for a in noqa):
                noqa.append(Action(f"Disable {finding.code} for this line", "quickfix", [edit], [finding]))
    return actions + noqa


def fix_all(outcome: LintOutcome) -> Action | None:
    """Every safe fix of the buffer in one edit (overlapping fixes: the first wins; the rest next time)."""
    edits: list[Edit] = []
    fixed: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for finding in outcome.findings:
        fix = finding.fix
        if fix is None or fix.applicability != "safe":
            continue
        found, _why = file_edits(outcome, finding)
        if not found:
            continue
        spans = [(e.start, e.end) for e in found]
        if any((s < te and ts < e) or (s == e == ts == te) for s, e in spans for ts, te in taken):
            continue
        taken.extend(spans)
        edits.extend(found)
        fixed.append(finding)
    if not edits:
        return None
    edits.sort(key=lambda e: (e.start, e.end))
    return Action("promptlint: apply all safe fixes", FIX_ALL_KIND, edits, fixed)
