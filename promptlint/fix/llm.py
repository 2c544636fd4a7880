"""LLM rewrites for `promptlint fix --llm`: ask a model to rewrite a flagged prompt, then prove the rewrite.

Why a rewrite is checked before anything else: the model may drop a template placeholder, invent
users, or trade one finding for another. So a rewrite is used only when

- every placeholder of the original is still there, unchanged and in the same order (the rewrite is
  split at them, and only the literal stretches between them become text edits, so the writer never
  touches an f-string expression or a `{var}`);
- it holds no new `<visible placeholder>` (a fact the model lacked: then it is shown, never applied), and
  states no fact that neither the prompt nor operator-context gives (an organisation, a team, a
  credential, who the users are: `promptlint.fix.facts`); such facts come back as placeholders and
  the rewrite is shown, never applied, with or without --verify;
- it can be spelled into the file (`promptlint.fix.encode`) and the file proves out like any fix
  (`promptlint.fix.verify`): parses, only that prompt changed, reads exactly as the rewrite;
- re-linting shows every targeted finding gone and no new finding.

A prompt with a `never_fix` finding (PL103: a request for something no rewording makes acceptable)
is never sent anywhere: such prompts are dropped before any request is built.

The module's job is orchestration: which prompts to rewrite (`targets_for`), asking through the live runner
(`ask_rewrite`), and deciding per prompt what happens (`rewrite_source`, `rewrite_paths`). The meta-prompt and
reading the reply live in `fix.llm_prompt`; checking a rewrite and spelling it into the file in `fix.llm_check`.

Public API:
    targets_for(source, selection, path) -> list[Target]
    request_rewrite(target, selection, runner, operator_context) -> str
    rewrite_source(source, selection, path, settings) -> LLMFileResult
    rewrite_paths(paths, config, rules, settings) -> list[LLMFileResult]
    fix.llm_prompt: build_meta_prompt(target, selection, operator_context) -> str, parse_rewrite(reply) -> str
    fix.llm_check: check_rewrite(source, selection, path, index, findings, new_text) -> Checked
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptlint.fix.llm_check import Checked, check_rewrite, new_fact_placeholders
from promptlint.fix.llm_prompt import (
    RewriteError,
    Target,
    build_meta_prompt,
    keep_margins,
    parse_rewrite,
)
from promptlint.model import Finding, SourceFile

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.config import Config
    from promptlint.rules_engine.rule import Rule
    from promptlint.selection import Selection

#: Max tokens of the rewrite reply (a whole prompt comes back).
REWRITE_MAX_TOKENS = 4096


def eligible(finding: Finding) -> bool:
    """PL1xx (except never-fix ones such as PL103), PL2xx and PL3xx findings can be rewritten away."""
    return not finding.never_fix and finding.code[:3] in ("PL1", "PL2", "PL3") and finding.code != "PL103"


def _blocked(extraction: Any, selection: Selection, findings: list[Finding]) -> list[tuple[int, int]]:
    """File spans of never-fix findings, whether or not the rule is selected or suppressed: PL103
    keeps its prompt away from every model even when a config turns the rule off."""
    from promptlint.rules_engine import run_rules

    spans = [f.span for f in findings if f.never_fix or f.code == "PL103"]
    guards = [r for r in selection.all_rules if r.never_fix]
    if guards:
        try:
            spans += [f.span for f in run_rules(extraction, guards)]
        except Exception:  # a broken custom rule must not open the gate: block everything
            spans.append((0, len(extraction.source.text) + 1))
    return spans


def targets_for(source: SourceFile, selection: Selection, path: Path) -> list[Target]:
    """Prompts of the file with eligible findings, minus every prompt holding a never-fix finding."""
    from promptlint.fix.core import prompt_index_of
    from promptlint.runner import extractor_of, lint_source

    findings = lint_source(source, selection, path)
    extraction = extractor_of(path)[1](source)
    spans = _blocked(extraction, selection, findings)
    if (0, len(source.text) + 1) in spans:
        return []
    blocked = {prompt_index_of(_at(span), extraction.prompts) for span in spans}
    grouped: dict[int, list[Finding]] = {}
    for finding in findings:
        if not eligible(finding):
            continue
        index = prompt_index_of(finding, extraction.prompts)
        if index is None or index in blocked:
            continue
        grouped.setdefault(index, []).append(finding)
    targets = []
    for index, group in sorted(grouped.items()):
        prompt = extraction.prompts[index]
        if prompt.source_file is not None:
            continue  # text from another file (promptfoo file://): not writable here
        first = min(group, key=lambda f: (f.line, f.column))
        targets.append(Target(source.path, index, prompt, group, first.line, first.column, source))
    return targets


def _at(span: tuple[int, int]) -> Finding:
    """A stand-in finding at a span, for `prompt_index_of`."""
    from promptlint.model import Severity

    return Finding("PL103", "", Severity.ERROR, "", "", 1, 1, 1, 1, span=span)


def request_rewrite(target: Target, selection: Selection, runner: Any, operator_context: str | None) -> str:
    """Ask the model (through the runner: cache, budget, retries) and return the parsed rewrite text."""
    return ask_rewrite(target, selection, runner, operator_context)[0]


def ask_rewrite(target: Target, selection: Selection, runner: Any, operator_context: str | None) -> tuple[str, Any]:
    """The parsed rewrite and the runner's outcome (to `runner.forget` it if the rewrite is rejected later).

    A reply without a usable <rewrite> block raises RewriteError and is not cached: a re-run asks again
    instead of replaying the failure."""
    from promptlint.live.client import LLMError
    from promptlint.live.probe import Case, Job, Variant

    meta = build_meta_prompt(target, selection, operator_context)
    accept = lambda response: parse_rewrite(response.text)  # noqa: E731
    outcome = runner.run([Job(Variant("rewrite"), Case("rewrite", meta), 0, accept)])[0]
    if outcome.rejection is not None:
        raise outcome.rejection
    if outcome.error:
        raise LLMError(outcome.error, outcome.message or outcome.error)
    assert outcome.response is not None
    return keep_margins(target.prompt.text, parse_rewrite(outcome.response.text)), outcome


# --- files -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class RewriteResult:
    """What happened to one prompt: `status` is applied | would-apply | suggested | rejected | not-better | error."""

    path: str
    line: int
    column: int
    codes: list[str]
    status: str = "error"
    reason: str = ""
    original: str = ""
    rewrite: str | None = None
    verdict: Any = None  # llm_verify.Verdict when --verify ran

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path, "line": self.line, "column": self.column, "codes": self.codes,
            "status": self.status, "reason": self.reason, "original": self.original, "rewrite": self.rewrite,
            "verify": self.verdict.to_json() if self.verdict is not None else None,
        }  # fmt: skip


@dataclass(slots=True)
class LLMFixSettings:
    """How to rewrite: runners (cache, budget, retries), and when a rewrite may be written."""

    rewrite_runner: Any
    probe_runner: Any
    operator_context: str | None = None
    verify: bool = False
    cases: list[Any] | None = None  # the suite's; None: generated per prompt
    generated_cases: int = 8
    max_samples: int = 20
    apply_unverified: bool = False
    write: bool = True


@dataclass(slots=True)
class LLMFileResult:
    path: str
    original: str
    fixed: str
    results: list[RewriteResult] = field(default_factory=list)
    remaining: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.fixed != self.original


def rewrite_source(source: SourceFile, selection: Selection, path: Path, settings: LLMFixSettings) -> LLMFileResult:
    """Rewrite every eligible prompt of one file in memory, one prompt at a time (indexes stay stable:
    a proven rewrite changes only its own prompt)."""
    from promptlint.runner import lint_source

    out = LLMFileResult(source.path, source.text, source.text)
    current = source
    for first in targets_for(source, selection, path):
        target = next((t for t in targets_for(current, selection, path) if t.index == first.index), None)
        if target is None:
            continue
        result = RewriteResult(target.path, target.line, target.column, target.codes, original=target.prompt.text)
        out.results.append(result)
        checked = _rewrite_one(target, current, selection, path, settings, result)
        if checked is not None:
            current = checked.source
    out.fixed = current.text
    out.remaining = lint_source(current, selection, path)
    return out


def _rewrite_one(target: Target, current: SourceFile, selection: Selection, path: Path, settings: LLMFixSettings,
                 result: RewriteResult) -> Checked | None:
    """Ask, check, optionally verify; sets `result` and returns the proven file when it is to be applied."""
    from promptlint.fix.facts import invented_facts, with_placeholders
    from promptlint.fix.llm_verify import VerifyError, generate_cases, placeholder_names, verify_rewrite
    from promptlint.live.client import LLMError
    from promptlint.live.probe import Case

    try:
        rewrite, asked = ask_rewrite(target, selection, settings.rewrite_runner, settings.operator_context)
    except LLMError as exc:
        result.status, result.reason = "error", str(exc)
        return None
    except RewriteError as exc:
        result.status, result.reason = "rejected", str(exc)
        return None
    result.rewrite = rewrite
    invented = invented_facts(rewrite, target.prompt.text, settings.operator_context)
    if invented:
        # Claims nobody made are never written: they come back as placeholders for the author to fill in.
        result.rewrite = with_placeholders(rewrite, invented)
        result.status = "suggested"
        result.reason = ("the rewrite states facts that neither the prompt nor operator-context gives ("
                         + ", ".join(repr(f.text) for f in invented) + "): shown as placeholders, not written")
        return None
    facts = new_fact_placeholders(target.prompt.text, rewrite)
    if facts:
        result.status = "suggested"
        result.reason = f"needs facts only you know: {', '.join(facts)}"
        return None
    try:
        checked = check_rewrite(current, selection, path, target.index, target.findings, rewrite)
    except RewriteError as exc:
        settings.rewrite_runner.forget(asked)  # a re-run asks for a new rewrite instead of replaying this one
        result.status, result.reason = "rejected", str(exc)
        return None
    if not settings.verify:
        if not settings.apply_unverified:
            result.status = "suggested"
            result.reason = "passes re-lint; not verified against the model (use --verify, or --unsafe-fixes to apply)"
            return None
        result.status = "applied" if settings.write else "would-apply"
        result.reason = "passes re-lint (not verified against the model)"
        return checked
    try:
        if settings.cases is not None:
            cases = settings.cases
        elif target.prompt.role == "system":
            cases = generate_cases(target.prompt.text, settings.rewrite_runner, settings.generated_cases)
        elif placeholder_names(target.prompt.text):
            # A user-message template: one case, its placeholders filled with realistic values.
            generated = generate_cases(target.prompt.text, settings.rewrite_runner, 1)
            cases = [Case("prompt", vars=generated[0].vars)] if generated else [Case("prompt")]
        else:
            cases = [Case("prompt")]
        verdict = verify_rewrite(target.prompt.text, rewrite, target.prompt.role, cases, settings.probe_runner,
                                 max_samples=settings.max_samples)  # fmt: skip
    except (LLMError, VerifyError) as exc:
        result.status, result.reason = "error", str(exc)
        return None
    result.verdict = verdict
    if not verdict.accepted:
        result.status, result.reason = "not-better", verdict.reason
        return None
    result.status = "applied" if settings.write else "would-apply"
    result.reason = verdict.reason
    return checked


def rewrite_paths(paths: list[str | Path], config: Config, rules: list[Rule], settings: LLMFixSettings, *,
                  force_exclude: bool = False, warnings: list[str] | None = None) -> list[LLMFileResult]:
    """`rewrite_source` over every lintable file; proven rewrites written atomically when `settings.write`.

    A file that cannot be read is a result with its PL000 and a note; what the walk could not lint goes to
    `warnings`."""
    from promptlint.discovery import iter_files
    from promptlint.fix.core import write_atomic
    from promptlint.model import ParseProblem
    from promptlint.runner import problem_finding, read_item
    from promptlint.selection import Selection

    selection = Selection.build(config, rules)
    results = []
    for item in iter_files(paths, config, force_exclude=force_exclude,
                           warn=warnings.append if warnings is not None else None):
        source = read_item(item, config.max_file_size)
        if isinstance(source, ParseProblem):
            problem = problem_finding(item.display, source)
            results.append(LLMFileResult(item.display, "", "", remaining=[problem], notes=[
                f"{item.display}:{problem.line}:{problem.column}: PL000 {source.message}; not rewritten"]))
            continue
        result = rewrite_source(source, selection, item.path, settings)
        if settings.write and result.changed:
            try:
                write_atomic(item.path, source, result.fixed)
            except (OSError, ValueError) as exc:
                result.notes.append(f"{item.display}: not written: {exc}")
                result.fixed = result.original
                for r in result.results:
                    if r.status == "applied":
                        r.status, r.reason = "error", f"not written: {exc}"
        results.append(result)
    return results
