"""The one pipeline behind `check`, `fix` and the LSP: read, extract, run rules, suppress, sort.

A file that cannot be read or parsed becomes a PL000 finding at the parser's
line and the run goes on. Nothing here imports rich, libcst, ruamel.yaml or
anthropic: the rules engine and extractors are imported lazily, once.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptlint.config import Config
from promptlint.discovery import SourcePath, display_path, iter_files
from promptlint.errors import InternalError
from promptlint.model import Extraction, Finding, ParseProblem, Prompt, Severity, SourceFile
from promptlint.selection import Selection
from promptlint.source import read_source

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.findings_index import StatIndex
    from promptlint.result_cache import ResultCache
    from promptlint.rules_engine.rule import Rule

PARSE_ERROR_CODE = "PL000"
PARSE_ERROR_NAME = "parse-error"
UNUSED_NOQA_CODE = "PL001"
_MARKER_RE = re.compile(r"noqa|promptlint", re.IGNORECASE)


def _has_marker(text: str) -> bool:
    """Does `_MARKER_RE` occur? For ASCII text, two substring searches of the lower-cased text (the IGNORECASE
    alternation took ~25 ms on a 1 MB file); other text may hold letters `re` folds to ASCII ones (dotless i)."""
    if text.isascii():
        low = text.lower()
        return "noqa" in low or "promptlint" in low
    return _MARKER_RE.search(text) is not None


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
    #: The project root CI formats name files from (see promptlint.project_root); None: the working directory.
    root: Path | None = None
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
class FileResult:
    """What linting one file gives: final findings and what the project join and the cache need.

    `raw` (findings before suppressions) and `exports` (texts other files may use as prompts) are kept
    only when the file has exports, so that findings on prompts adopted from other files can be
    suppressed together with the file's own (PL001 sees every finding of the file).
    """

    findings: list[Finding]
    source: SourceFile | None = None
    deps: list[str] = field(default_factory=list)
    content_key: str | None = None
    facts: Any = None
    exports: dict[str, Any] = field(default_factory=dict)
    raw: list[Finding] = field(default_factory=list)


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

    `cache` (see promptlint.result_cache) skips files whose findings are known; the files left are linted
    in a process pool when there are enough of them (`jobs`: None/0 automatic, 1 in-process).
    With `load_rules`, `rules` may be the cache's metadata-only stand-ins: the real rules are loaded
    only if some file must be linted, so a fully cached run never imports the rules engine.

    After every file is linted on its own, the facts of all of them are joined (`promptlint.project`):
    texts used as prompts in another file are linted where they are written, in the role of their use,
    and prompt files that code loads or keeps in a prompt folder are linted too.
    """
    from promptlint.parallel import lint_items, worker_count

    selection = Selection.build(config, rules)
    report = Report(rules=selection.rules)
    candidates: list[SourcePath] = []
    items = list(iter_files(paths, config, force_exclude=force_exclude, prompt_files=candidates,
                            warn=report.warnings.append))
    report.files = [item.display for item in items]
    results: list[FileResult | None] = [None] * len(items)
    index = _Indexed(items, selection, cache) if cache is not None else None
    if index is not None:  # find the misses first: they size the pool, and may need the real rules
        results = [index.lookup(i, item) for i, item in enumerate(items)]
    todo = [i for i, result in enumerate(results) if result is None]
    loaded = False

    def real_rules() -> None:
        nonlocal selection, loaded
        if not loaded and load_rules is not None:
            selection = Selection.build(config, load_rules())
            report.rules = selection.rules
            if index is not None:
                index.selection = selection
        loaded = True

    if todo:
        real_rules()
    done = lint_items([items[i] for i in todo], selection, cache, worker_count(len(todo), jobs), lint_file)
    fresh: dict[int, FileResult] = {}
    for i, result in zip(todo, done, strict=True):
        results[i] = result
        fresh[i] = result
    # -- the project join: cross-file prompts and prompt files
    from promptlint import project

    facts = {item.display: r.facts for item, r in zip(items, results, strict=True) if r is not None and r.facts}
    if index is not None and len(index.index.entries) > len(items):
        facts = {**index.other_facts({item.display for item in items}), **facts}
    python = [item.display for item in items if item.display.endswith((".py", ".pyi"))]
    by_display = {item.display: i for i, item in enumerate(items)}

    def parse(display: str) -> Any:  # a file a use leads to that was not parsed (no prompt marker)
        i = by_display[display]
        real_rules()
        results[i] = fresh[i] = lint_file(items[i], selection, cache, full=True)
        return results[i].facts

    plan = project.join_project(facts, [c.display for c in candidates], python, parse) if facts else project.Plan()
    for i, item in enumerate(items):
        result = results[i]
        assert result is not None
        digest = plan.digest_of(item.display)
        stale = index is not None and i not in fresh and index.digest(i) != digest
        if stale:  # another file's change changed how this file's texts are used: lint it again
            real_rules()
            result = results[i] = lint_file(item, selection, cache, plan)
        elif digest and i in fresh:
            result = results[i] = _with_adoptions(item, result, selection, plan)
        if index is not None and (i in fresh or stale):
            deps = [*result.deps, *(_absolute(d, items) for d in sorted(plan.deps.get(item.display, ())))]
            index.record(i, result.findings, deps, result.content_key, result.facts, digest)
    extra = [c for c in candidates if c.display in plan.prompt_files]
    report.files.extend(c.display for c in extra)
    extra_results = _prompt_files(extra, plan, selection, cache, index, real_rules, items)
    if index is not None:
        index.save()
    for item, result in [*zip(items, results, strict=True), *zip(extra, extra_results, strict=True)]:
        assert result is not None
        report.findings.extend(result.findings)
        if result.source is not None and result.findings:
            report.sources[item.display] = result.source
    report.findings = dedupe_and_sort(report.findings)
    return report


def _absolute(display: str, items: Sequence[SourcePath]) -> str:
    for item in items:
        if item.display == display:
            return os.path.abspath(item.file)
    return os.path.abspath(display)


def _prompt_files(extra: Sequence[SourcePath], plan: Any, selection: Selection, cache: ResultCache | None,
                  index: _Indexed | None, real_rules: Callable[[], None],
                  items: Sequence[SourcePath]) -> list[FileResult]:
    """Lint the prompt files the join selected (cached like any file, keyed by how code uses them too)."""
    out: list[FileResult] = []
    if not extra:
        return out
    extra_index = _Indexed(extra, selection, cache, index.index) if cache is not None and index is not None else None
    for i, item in enumerate(extra):
        digest = plan.digest_of(item.display)
        result = extra_index.lookup(i, item) if extra_index is not None else None
        if result is not None and extra_index is not None and extra_index.digest(i) == digest:
            out.append(result)
            continue
        real_rules()
        if extra_index is not None:
            extra_index.selection = selection
        result = lint_file(item, selection, cache, plan, prompt_file=True)
        out.append(result)
        if extra_index is not None:
            deps = [*(_absolute(d, items) for d in sorted(plan.deps.get(item.display, ())))]
            extra_index.record(i, result.findings, deps, result.content_key, None, digest)
    return out


class _Indexed:
    """The result cache (`promptlint.findings_index`) for one run: which files need linting, and recording.

    A file whose stat is unchanged is answered without being opened (read only when it has findings:
    reporters quote it). Otherwise, if the index holds a content key for it, it is read and its content
    key (content, path, enabled codes, run) compared: a file touched, checked out again or restored in a
    fresh CI clone is not linted again either. A file the index does not know is left to the linting,
    which reads it once. Every answer is recorded with the stat taken before reading. The entry also
    keeps the file's facts for the project join and the part of the join its findings depend on.
    """

    def __init__(self, items: Sequence[SourcePath], selection: Selection, cache: ResultCache | None,
                 index: StatIndex | None = None) -> None:
        assert cache is not None
        self.selection = selection
        self.cache = cache
        self.index = index if index is not None else cache.index()
        self.keys: list[str] = [""] * len(items)
        self.stats: list[Any] = [None] * len(items)
        self.taken: list[int] = [0] * len(items)

    def lookup(self, i: int, item: SourcePath) -> FileResult | None:
        from promptlint.findings_index import StatIndex, fingerprint, now_ns

        if item.problem is not None:  # a folder named on the command line that cannot be listed: never cached
            return _unreadable(item, ParseProblem(item.problem), self.selection), None
        self.keys[i] = key = StatIndex.key(item.file, item.display)
        self.taken[i] = now_ns()
        self.stats[i] = stat = fingerprint(item.file)
        findings = self.index.lookup(key, stat)
        if findings is not None:  # unchanged: read only for the reporters, who quote the lines of findings
            facts = self.index.facts(key)
            if not findings:
                return FileResult(findings, facts=facts)
            source = read_source(item.path, item.display, max_bytes=self.selection.config.max_file_size)
            if isinstance(source, ParseProblem):  # unreadable (still): PL000
                return FileResult(_unreadable(item, source, self.selection))
            return FileResult(findings, source, facts=facts)
        if not self.index.has_content(key):
            return None  # nothing to compare a content key with: the file is linted (and read) once, there
        source = read_source(item.path, item.display, max_bytes=self.selection.config.max_file_size)
        if isinstance(source, ParseProblem):
            findings = _unreadable(item, source, self.selection)
            self.record(i, findings)
            return FileResult(findings)
        content_key = _content_key(self.cache, source, item, self.selection)
        findings = self.index.lookup_content(key, content_key)
        if findings is None:
            return None
        facts = self.index.facts(key)
        self.record(i, findings, (), content_key, facts, self.index.digest(key))
        return FileResult(findings, source, facts=facts)

    def digest(self, i: int) -> Any:
        return self.index.digest(self.keys[i])

    def other_facts(self, displays: set[str]) -> dict[str, Any]:
        """Facts of files the index knows that this run does not lint, when they are unchanged on disk
        (a pre-commit run names only changed files; the rest of the project is still there)."""
        return self.index.unchanged_facts(displays)

    def record(self, i: int, findings: list[Finding], deps: Sequence[str] = (), content_key: str | None = None,
               facts: Any = None, digest: Any = None) -> None:
        self.index.record(self.keys[i], self.stats[i], self.taken[i], findings, deps, content_key, facts, digest)

    def save(self) -> None:
        self.index.save(self.cache.write)


def lint_file(item: SourcePath, selection: Selection, cache: ResultCache | None = None, plan: Any = None,
              prompt_file: bool = False, full: bool = False) -> FileResult:
    """Lint one file from disk.

    Also returns the other files the findings depend on (promptfoo `file://` prompts), when a
    `cache` is given the file's content key for the index, and the file's facts for the project join.
    With a `plan` (a `promptlint.project.Plan`), texts other files use as prompts are linted too;
    `prompt_file` reads the file as a standalone prompt file (Markdown, text, Jinja, JSON...).
    """
    source = read_item(item, selection.config.max_file_size)
    if isinstance(source, ParseProblem):
        return FileResult(_unreadable(item, source, selection))
    result = _lint_source(source, selection, item.path, plan, prompt_file, full)
    result.source = source
    if cache is not None:
        result.content_key = _content_key(cache, source, item, selection)
    return result


def _with_adoptions(item: SourcePath, result: FileResult, selection: Selection, plan: Any) -> FileResult:
    """A file linted on its own, plus its texts that other files use as prompts (no second parse)."""
    from promptlint import project

    adoptions = plan.adoptions.get(item.display, {})
    prompts = [project.adopt(p, adoptions[key]) for key in adoptions for p in result.exports.get(key, ())]
    if not prompts:
        return result
    # a text reported on its own (by its name) now has the role of its use: its own findings are redone
    redone = {p.statement_span for p in prompts}
    raw = [f for f in result.raw if f.statement_span not in redone or f.code == PARSE_ERROR_CODE]
    source = result.source
    if source is None:
        read = read_source(item.path, item.display, max_bytes=selection.config.max_file_size)
        if isinstance(read, ParseProblem):
            return result
        source = read
    extraction = Extraction(source=source, prompts=prompts)
    findings = _finish(source, selection, item.path, extraction, [*raw, *_rules_on(extraction, selection, source,
                                                                                   item.path)])
    return FileResult(findings, source if findings else result.source, result.deps, result.content_key,
                      result.facts, result.exports, result.raw)


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
    return parse_error_findings(item.display, problem, selection, {r.code for r in rules})


def lint_text(text: str, path: str | Path, config: Config, rules: Sequence[Rule], plan: Any = None,
              prompt_file: bool = False) -> list[Finding]:
    """Lint text that is not (or not yet) on disk, e.g. an editor buffer (the LSP's entry point).

    `plan` (`promptlint.project.Plan`) brings what other files of the project say about this one."""
    selection = Selection.build(config, rules)
    source = SourceFile(path=display_path(Path(path)), text=text)
    return dedupe_and_sort(_lint_source(source, selection, Path(path), plan, prompt_file).findings)


def lint_source(source: SourceFile, selection: Selection, path: Path | None = None) -> list[Finding]:
    """Extract, run rules, apply per-file ignores and suppressions."""
    return _lint_source(source, selection, path).findings


def _lint_source(source: SourceFile, selection: Selection, path: Path | None = None, plan: Any = None,
                 prompt_file: bool = False, full: bool = False) -> FileResult:
    """`lint_source`, with the other files (absolute paths) the findings depend on, the file's facts and
    texts for the project join, and, given a `plan`, its texts that other files use as prompts.

    The cyclic garbage collector is paused meanwhile: a large file's syntax tree and prompts (hundreds of
    thousands of objects, none of them garbage until the file is done) made every collection walk them all,
    a quarter of the time of a 20k-message file; what one file's lint leaves is collected after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _lint_source_now(source, selection, path, plan, prompt_file, full)
    finally:
        if was_enabled:
            gc.enable()


def _lint_source_now(source: SourceFile, selection: Selection, path: Path | None, plan: Any, prompt_file: bool,
                     full: bool) -> FileResult:
    file_path = path or Path(source.path)
    fmt, extract = prompt_file_extractor(file_path) if prompt_file else extractor_of(file_path)
    full = full or (plan is not None and source.path in plan.adoptions)  # its texts are used elsewhere
    try:
        extraction: Extraction = extract(source, full=True) if full and fmt == "python" else extract(source)
    except Exception as exc:  # a bug, not bad input: extractors never raise on bad input
        raise InternalError(f"{source.path}: extractor crashed: {type(exc).__name__}: {exc}") from exc
    if plan is not None:
        _apply_plan(extraction, plan, source.path, prompt_file)
    findings = _rules_on(extraction, selection, source, file_path)
    if extraction.problem is not None:
        rules = selection.rules_for(source.path, file_path)
        findings[:0] = parse_error_findings(source.path, extraction.problem, selection, {r.code for r in rules})
    # promptfoo configs read the prompt files they name: their findings depend on those files too
    deps = [os.path.abspath(d) for d in extraction.depends_on]
    keep = bool(extraction.exports)
    return FileResult(_finish(source, selection, file_path, extraction, findings, fmt), None, deps, None,
                      extraction.facts, extraction.exports if keep else {}, findings if keep else [])


def _apply_plan(extraction: Extraction, plan: Any, display: str, prompt_file: bool) -> None:
    """Add the texts other files use as prompts (role and sink of the use) to an extraction."""
    from promptlint import project

    adopted = [project.adopt(p, adoption) for key, adoption in plan.adoptions.get(display, {}).items()
               for p in extraction.exports.get(key, ())]
    if adopted:  # a text already reported by its name takes the role and sink of its use instead
        spans = {p.statement_span for p in adopted}
        extraction.prompts[:] = [p for p in extraction.prompts if p.statement_span not in spans or p.format != "python"]
        extraction.prompts.extend(adopted)
    loaded = plan.prompt_files.get(display)
    if prompt_file and loaded is not None and (loaded.sink is not None or loaded.role != "template"):
        for i, prompt in enumerate(extraction.prompts):
            role = prompt.role if prompt.format == "json" and prompt.role != "template" else loaded.role
            extraction.prompts[i] = project.adopt(prompt, project.Adoption(role, loaded.sink))


def _rules_on(extraction: Extraction, selection: Selection, source: SourceFile, file_path: Path) -> list[Finding]:
    """Findings of the selected rules on an extraction, before suppressions."""
    from promptlint.rules_engine import RuleError, run_rules

    rules = selection.rules_for(source.path, file_path)
    enabled_codes = {r.code for r in rules}
    runnable = [r for r in rules if r.kind != "builtin"]
    findings: list[Finding] = []
    if runnable and (extraction.prompts or extraction.calls or extraction.tree is not None):
        try:
            findings.extend(run_rules(extraction, runnable))
        except RuleError:
            raise  # a broken rule file (found at first use): reported as such, naming file and line
        except Exception as exc:
            raise InternalError(f"{source.path}: rules engine crashed: {type(exc).__name__}: {exc}") from exc
    _note_sinks(findings, extraction)
    return [f for f in findings if f.code in enabled_codes]


def _note_sinks(findings: list[Finding], extraction: Extraction) -> None:
    """A finding on a text used as a prompt in another file says where: "(used as the system prompt at
    agent.py:88)", so the reader of the text's file knows why it is linted as one."""
    noted = [p for p in extraction.prompts if p.sink is not None and p.sink.path != extraction.source.path]
    if not noted:
        return
    for finding in findings:
        for prompt in noted:
            if finding.statement_span == prompt.statement_span and finding.path == (
                    prompt.source_file or extraction.source).path:
                finding.message = f"{finding.message} ({prompt.sink.describe()})"
                break


def _finish(source: SourceFile, selection: Selection, file_path: Path, extraction: Extraction,
            findings: list[Finding], fmt: str | None = None) -> list[Finding]:
    """Suppressions (`# noqa`, disable-file) and PL001 over every finding of the file."""
    rules = selection.rules_for(source.path, file_path)
    enabled_codes = {r.code for r in rules}
    findings = [f for f in findings if f.code in enabled_codes or f.code == PARSE_ERROR_CODE]
    if not _has_marker(source.text) and not any(p.source_file is not None for p in extraction.prompts):
        return findings  # no noqa / disable-file comment can exist: skip the suppressions machinery
    from promptlint.suppressions import apply_suppressions

    if fmt is None:
        fmt = extractor_of(file_path)[0]
    unused_rule = next((r for r in rules if r.code == UNUSED_NOQA_CODE), None)
    return apply_suppressions(
        findings,
        source,
        fmt,
        is_ours=selection.is_ours,
        enabled=enabled_codes.__contains__,
        unused_severity=unused_rule.severity if unused_rule else None,
        extraction=extraction,
        known=selection.is_known,
    )


def prompt_file_extractor(path: Path) -> tuple[str, Any]:
    """(format, extract function) for a standalone prompt file: JSON maps and arrays, else the whole text."""
    from promptlint.extractors import jsonprompt, promptfile

    if path.suffix.lower() == ".json":
        return "json", jsonprompt.extract
    return "promptfile", promptfile.extract


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


def parse_error_findings(display: str, problem: ParseProblem, selection: Selection, enabled: set[str]) -> list[Finding]:
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


def dedupe_and_sort(findings: list[Finding]) -> list[Finding]:
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
    #: the `Prompt` behind each row of `prompts` and the file its positions map into (for benchmarks)
    objects: list[tuple[Prompt, SourceFile]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def extract_paths(paths: Sequence[str | Path], config: Config, *, force_exclude: bool = False) -> ExtractReport:
    """The prompts `check` would lint, with their positions and sinks (for `promptlint extract`).

    Like `check`, texts used as prompts in another file are shown where they are written, and prompt
    files that code loads or keeps in a prompt folder are read."""
    from promptlint import project

    result = ExtractReport()
    candidates: list[SourcePath] = []
    extracted: list[tuple[SourcePath, SourceFile, Extraction]] = []
    for item in iter_files(paths, config, force_exclude=force_exclude, prompt_files=candidates,
                           warn=result.warnings.append):
        source = read_item(item, config.max_file_size)
        if isinstance(source, ParseProblem):
            result.problems.append(problem_finding(item.display, source))
            continue
        extracted.append((item, source, extractor_of(item.path)[1](source)))
    facts = {item.display: e.facts for item, _s, e in extracted if e.facts}
    position = {item.display: k for k, (item, _s, _e) in enumerate(extracted)}

    def parse(display: str) -> Any:
        item, source, _old = extracted[position[display]]
        extraction = extractor_of(item.path)[1](source, full=True)
        extracted[position[display]] = (item, source, extraction)
        return extraction.facts

    python = [d for d in position if d.endswith((".py", ".pyi"))]
    plan = project.join_project(facts, [c.display for c in candidates], python, parse) if facts else project.Plan()
    for item in candidates:
        if item.display in plan.prompt_files:
            source = read_source(item.path, item.display, max_bytes=config.max_file_size)
            if isinstance(source, ParseProblem):
                result.problems.append(problem_finding(item.display, source))
                continue
            extracted.append((item, source, prompt_file_extractor(item.path)[1](source)))
    for item, source, extraction in extracted:
        _apply_plan(extraction, plan, item.display, item.display in plan.prompt_files)
        if extraction.problem is not None:
            result.problems.append(problem_finding(item.display, extraction.problem))
        for prompt in sorted(extraction.prompts, key=lambda p: p.positions.file_offset(0)):
            home = prompt.source_file or source
            start, end = prompt.file_span(0, len(prompt.text))
            line, column = home.position(start)
            end_line, end_column = home.position(end)
            result.prompts.append({
                "path": home.path, "line": line, "column": column, "end_line": end_line,
                "end_column": end_column, "role": prompt.role, "format": prompt.format,
                "name": prompt.name, "text": prompt.text,
                "sink": prompt.sink.describe() if prompt.sink is not None else None,
            })  # fmt: skip
            result.objects.append((prompt, home))
    return result


def problem_finding(display: str, problem: ParseProblem) -> Finding:
    return Finding(
        code=PARSE_ERROR_CODE, name=PARSE_ERROR_NAME, severity=Severity.ERROR, message=problem.message,
        path=display, line=problem.line, column=problem.column, end_line=problem.line, end_column=problem.column,
    )  # fmt: skip
