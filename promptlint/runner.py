"""The one pipeline behind `check`, `fix` and the LSP: read, extract, run rules, suppress, sort.

A file that cannot be read or parsed becomes a PL000 finding at the parser's
line and the run goes on. Nothing here imports rich, libcst, ruamel.yaml or
anthropic: the rules engine and extractors are imported lazily, once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptlint.config import Config
from promptlint.discovery import SourcePath, display_path, iter_files
from promptlint.model import Extraction, Finding, ParseProblem, Severity, SourceFile
from promptlint.source import read_source

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.cache import ResultCache
    from promptlint.rules_engine.rule import Rule

PARSE_ERROR_CODE = "PL000"
PARSE_ERROR_NAME = "parse-error"
UNUSED_NOQA_CODE = "PL001"
_PREFIX_RE = re.compile(r"^[A-Za-z]+")
_MARKER_RE = re.compile(r"noqa|promptlint", re.IGNORECASE)


class InternalError(Exception):
    """A bug met while linting one file; the CLI reports it (exit 2) with the file's path."""


@dataclass(slots=True)
class Report:
    """What a run found: findings (sorted, deduplicated), the files read and the rules in force.

    `sources` holds the decoded text of the files that have findings (what reporters quote and
    `--add-noqa` edits); files without findings are not kept, so memory stays flat on large trees.
    `warnings` are what the walk met and could not lint (an unreadable folder, a dangling symlink, a
    FIFO), one line each naming the path: the CLI prints them on stderr.
    """

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    sources: dict[str, SourceFile] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def failed(self, fail_on: Severity) -> bool:
        """True if any finding is at or above `fail_on`."""
        return any(f.severity.rank >= fail_on.rank for f in self.findings)

    def counts_by_code(self) -> list[tuple[str, str, int]]:
        counts: dict[tuple[str, str], int] = {}
        for finding in self.findings:
            key = (finding.code, finding.name)
            counts[key] = counts.get(key, 0) + 1
        return sorted(((code, name, n) for (code, name), n in counts.items()), key=lambda t: (-t[2], t[0]))


@dataclass(slots=True)
class Selection:
    """Rules selected for the run, with what suppressions need to know about codes."""

    config: Config
    rules: list[Rule]
    all_rules: list[Rule]
    prefixes: frozenset[str]

    @classmethod
    def build(cls, config: Config, rules: Sequence[Rule]) -> Selection:
        selected = config.select_rules(rules)
        prefixes = {"PL"} | {m.group().upper() for r in rules if (m := _PREFIX_RE.match(r.code))}
        return cls(config, selected, list(rules), frozenset(prefixes))

    def is_ours(self, code: str) -> bool:
        match = _PREFIX_RE.match(code)
        return bool(match) and match.group().upper() in self.prefixes

    def rules_for(self, display: str, path: Path | str | None = None) -> list[Rule]:
        """The selected rules minus what `per-file-ignores` removes for this file."""
        extra = self.config.ignored_for(display, path)
        if not extra:
            return self.rules
        return [r for r in self.rules if self.config.enabled_for_file(r, extra)]

    def rule(self, code: str) -> Rule | None:
        for rule in self.rules:
            if rule.code == code:
                return rule
        return None


def lint_paths(
    paths: Sequence[str | Path],
    config: Config,
    rules: Sequence[Rule],
    *,
    force_exclude: bool = False,
    cache: ResultCache | None = None,
    jobs: int | None = None,
    load_rules: Callable[[], Sequence[Rule]] | None = None,
) -> Report:
    """Lint every file under `paths` (default `.`) with the rules `config` selects.

    `cache` (see promptlint.cache) skips files whose findings are known; the files left are linted
    in a process pool when there are enough of them (`jobs`: None/0 automatic, 1 in-process).
    With `load_rules`, `rules` may be the cache's metadata-only stand-ins: the real rules are loaded
    only if some file must be linted, so a fully cached run never imports the rules engine.
    """
    from promptlint.parallel import lint_items, worker_count

    selection = Selection.build(config, rules)
    report = Report(rules=selection.rules)
    items = list(iter_files(paths, config, force_exclude=force_exclude, warn=report.warnings.append))
    report.files = [item.display for item in items]
    results: list[tuple[list[Finding], SourceFile | None] | None] = [None] * len(items)
    index = _Indexed(items, selection, cache) if cache is not None else None
    if index is not None:  # find the misses first: they size the pool, and may need the real rules
        results = [index.lookup(i, item) for i, item in enumerate(items)]
    todo = [i for i, result in enumerate(results) if result is None]
    if todo and load_rules is not None:
        selection = Selection.build(config, load_rules())
        report.rules = selection.rules
    done = lint_items([items[i] for i in todo], selection, cache, worker_count(len(todo), jobs))
    for i, (findings, source, deps, content_key) in zip(todo, done, strict=True):
        results[i] = (findings, source)
        if index is not None:
            index.record(i, findings, deps, content_key)
    if index is not None:
        index.save()
    for item, result in zip(items, results, strict=True):
        findings, source = result or ([], None)
        report.findings.extend(findings)
        if source is not None and findings:
            report.sources[item.display] = source
    report.findings = _dedupe_and_sort(report.findings)
    return report


class _Indexed:
    """The result cache (`promptlint.cache_index`) for one run: which files need linting, and recording.

    A file whose stat is unchanged is answered without being opened (read only when it has findings:
    reporters quote it). Otherwise, if the index holds a content key for it, it is read and its content
    key (content, path, enabled codes, run) compared: a file touched, checked out again or restored in a
    fresh CI clone is not linted again either. A file the index does not know is left to the linting,
    which reads it once. Every answer is recorded with the stat taken before reading.
    """

    def __init__(self, items: Sequence[SourcePath], selection: Selection, cache: ResultCache) -> None:
        self.selection = selection
        self.cache = cache
        self.index = cache.index()
        self.keys: list[str] = [""] * len(items)
        self.stats: list[Any] = [None] * len(items)
        self.taken: list[int] = [0] * len(items)

    def lookup(self, i: int, item: SourcePath) -> tuple[list[Finding], SourceFile | None] | None:
        from promptlint.cache_index import StatIndex, fingerprint, now_ns

        if item.problem is not None:  # a folder named on the command line that cannot be listed: never cached
            return _unreadable(item, ParseProblem(item.problem), self.selection), None
        self.keys[i] = key = StatIndex.key(item.file, item.display)
        self.taken[i] = now_ns()
        self.stats[i] = stat = fingerprint(item.file)
        findings = self.index.lookup(key, stat)
        if findings is not None:  # unchanged: read only for the reporters, who quote the lines of findings
            if not findings:
                return findings, None
            source = read_source(item.path, item.display, max_bytes=self.selection.config.max_file_size)
            if isinstance(source, ParseProblem):  # unreadable (still): PL000
                return _unreadable(item, source, self.selection), None
            return findings, source
        if not self.index.has_content(key):
            return None  # nothing to compare a content key with: the file is linted (and read) once, there
        source = read_source(item.path, item.display, max_bytes=self.selection.config.max_file_size)
        if isinstance(source, ParseProblem):
            findings = _unreadable(item, source, self.selection)
            self.record(i, findings)
            return findings, None
        content_key = _content_key(self.cache, source, item, self.selection)
        findings = self.index.lookup_content(key, content_key)
        if findings is None:
            return None
        self.record(i, findings, (), content_key)
        return findings, source

    def record(self, i: int, findings: list[Finding], deps: Sequence[str] = (), content_key: str | None = None) -> None:
        self.index.record(self.keys[i], self.stats[i], self.taken[i], findings, deps, content_key)

    def save(self) -> None:
        self.index.save(self.cache.write)


def lint_file(
    item: SourcePath, selection: Selection, cache: ResultCache | None = None
) -> tuple[list[Finding], SourceFile | None, list[str], str | None]:
    """Lint one file from disk.

    Also returns the other files the findings depend on (promptfoo `file://` prompts) and, when a
    `cache` is given, the file's content key for the index (`_Indexed` records both).
    """
    source = read_item(item, selection.config.max_file_size)
    if isinstance(source, ParseProblem):
        return _unreadable(item, source, selection), None, [], None
    findings, deps = _lint_source(source, selection, item.path)
    return findings, source, deps, _content_key(cache, source, item, selection) if cache is not None else None


def read_item(item: SourcePath, max_bytes: int) -> SourceFile | ParseProblem:
    """`read_source` for a discovered path; a path discovery could not list is its problem."""
    if item.problem is not None:
        return ParseProblem(item.problem)
    return read_source(item.path, item.display, max_bytes=max_bytes)


def _content_key(cache: ResultCache, source: SourceFile, item: SourcePath, selection: Selection) -> str:
    return cache.file_key(source, [r.code for r in selection.rules_for(item.display, item.path)])


def _unreadable(item: SourcePath, problem: ParseProblem, selection: Selection) -> list[Finding]:
    """PL000 for a file that could not be read (unless per-file-ignores turn PL000 off for it)."""
    rules = selection.rules_for(item.display, item.path)
    return _parse_error(item.display, problem, selection, {r.code for r in rules})


def lint_text(text: str, path: str | Path, config: Config, rules: Sequence[Rule]) -> list[Finding]:
    """Lint text that is not (or not yet) on disk, e.g. an editor buffer (the LSP's entry point)."""
    selection = Selection.build(config, rules)
    source = SourceFile(path=display_path(Path(path)), text=text)
    return _dedupe_and_sort(lint_source(source, selection, Path(path)))


def lint_source(source: SourceFile, selection: Selection, path: Path | None = None) -> list[Finding]:
    """Extract, run rules, apply per-file ignores and suppressions."""
    return _lint_source(source, selection, path)[0]


def _lint_source(source: SourceFile, selection: Selection, path: Path | None = None) -> tuple[list[Finding], list[str]]:
    """`lint_source`, plus the other files (absolute paths) the findings depend on: none, and they may be cached."""
    from promptlint.rules_engine import RuleError, run_rules

    file_path = path or Path(source.path)
    fmt, extract = extractor_of(file_path)
    rules = selection.rules_for(source.path, file_path)
    enabled_codes = {r.code for r in rules}
    try:
        extraction: Extraction = extract(source)
    except Exception as exc:  # a bug, not bad input: extractors never raise on bad input
        raise InternalError(f"{source.path}: extractor crashed: {type(exc).__name__}: {exc}") from exc
    findings: list[Finding] = []
    if extraction.problem is not None:
        findings.extend(_parse_error(source.path, extraction.problem, selection, enabled_codes))
    runnable = [r for r in rules if r.kind != "builtin"]
    if runnable and (extraction.prompts or extraction.calls or extraction.tree is not None):
        try:
            findings.extend(run_rules(extraction, runnable))
        except RuleError:
            raise  # a broken rule file (found at first use): reported as such, naming file and line
        except Exception as exc:
            raise InternalError(f"{source.path}: rules engine crashed: {type(exc).__name__}: {exc}") from exc
    findings = [f for f in findings if f.code in enabled_codes or f.code == PARSE_ERROR_CODE]
    # promptfoo configs read the prompt files they name: their findings depend on those files too
    deps = [os.path.abspath(d) for d in extraction.depends_on]
    if not _MARKER_RE.search(source.text) and not any(p.source_file is not None for p in extraction.prompts):
        return findings, deps  # no noqa / disable-file comment can exist: skip the suppressions machinery
    from promptlint.suppressions import apply_suppressions

    unused_rule = next((r for r in rules if r.code == UNUSED_NOQA_CODE), None)
    suppressed = apply_suppressions(
        findings,
        source,
        fmt,
        is_ours=selection.is_ours,
        enabled=enabled_codes.__contains__,
        unused_severity=unused_rule.severity if unused_rule else None,
        extraction=extraction,
    )
    return suppressed, deps


def extractor_of(path: Path) -> tuple[str, Any]:
    """(format, extract function) for a path.

    A file matched only by a configured `include` glob is read as YAML when
    it is `.json` (JSON is YAML) and otherwise as a plain prompt template
    (the dotprompt extractor: optional front matter, the body is the prompt),
    so `include = ["prompts/*.txt"]` lints the text itself.
    """
    from promptlint.extractors import extractor_for, format_for

    fmt = format_for(path) or ("yaml" if path.suffix.lower() == ".json" else "dotprompt")
    return fmt, extractor_for(path, default=fmt)


def _parse_error(display: str, problem: ParseProblem, selection: Selection, enabled: set[str]) -> list[Finding]:
    """PL000 at the parser's line, unless the config turned PL000 off for this file."""
    known = any(r.code == PARSE_ERROR_CODE for r in selection.all_rules)
    if known and PARSE_ERROR_CODE not in enabled:
        return []
    rule = selection.rule(PARSE_ERROR_CODE)
    return [
        Finding(
            code=PARSE_ERROR_CODE,
            name=PARSE_ERROR_NAME,
            severity=rule.severity if rule else Severity.ERROR,
            message=problem.message,
            path=display,
            line=problem.line,
            column=problem.column,
            end_line=problem.line,
            end_column=problem.column,
            hint=rule.hint if rule else "Fix the syntax error; the file's prompts were not checked",
        )
    ]


def _dedupe_and_sort(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[Any, ...]] = set()
    unique: list[Finding] = []
    for f in findings:
        key = (f.code, f.path, f.line, f.column, f.end_line, f.end_column, f.message)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    unique.sort(key=lambda f: (f.path, f.line, f.column, f.code, f.end_line, f.end_column))
    return unique


# -- extract ------------------------------------------------------------------------


@dataclass(slots=True)
class ExtractReport:
    prompts: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def extract_paths(paths: Sequence[str | Path], config: Config, *, force_exclude: bool = False) -> ExtractReport:
    """The prompts `check` would lint, with their positions (for `promptlint extract`)."""
    result = ExtractReport()
    for item in iter_files(paths, config, force_exclude=force_exclude, warn=result.warnings.append):
        source = read_item(item, config.max_file_size)
        if isinstance(source, ParseProblem):
            result.problems.append(_problem_finding(item.display, source))
            continue
        extraction = extractor_of(item.path)[1](source)
        if extraction.problem is not None:
            result.problems.append(_problem_finding(item.display, extraction.problem))
        for prompt in extraction.prompts:
            home = prompt.source_file or source
            start, end = prompt.file_span(0, len(prompt.text))
            line, column = home.position(start)
            end_line, end_column = home.position(end)
            result.prompts.append({
                "path": home.path, "line": line, "column": column, "end_line": end_line,
                "end_column": end_column, "role": prompt.role, "format": prompt.format,
                "name": prompt.name, "text": prompt.text,
            })  # fmt: skip
    return result


def _problem_finding(display: str, problem: ParseProblem) -> Finding:
    return Finding(
        code=PARSE_ERROR_CODE, name=PARSE_ERROR_NAME, severity=Severity.ERROR, message=problem.message,
        path=display, line=problem.line, column=problem.column, end_line=problem.line, end_column=problem.column,
    )  # fmt: skip
