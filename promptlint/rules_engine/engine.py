"""Running loaded rules over one file's extraction and turning hits into findings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from promptlint.checks import Hit, load_check
from promptlint.diskcache import compile_regex
from promptlint.model import Extraction, Finding, Prompt, SourceFile
from promptlint.rules_engine.fixes import build_fix
from promptlint.rules_engine.rule import Rule
from promptlint.rules_engine.text import PLACEHOLDER, NormalText, normalise

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.checks.context import CheckContext

Span = tuple[int, int]


class _Texts:
    """Normalised views of the prompts of one extraction, computed once and shared by all rules."""

    def __init__(self) -> None:
        self._cache: dict[int, NormalText] = {}

    def __call__(self, prompt: Prompt) -> NormalText:
        key = id(prompt)
        if key not in self._cache:
            self._cache[key] = normalise(prompt.text, prompt.placeholders)
        return self._cache[key]


def _applies(rule: Rule, prompt: Prompt) -> bool:
    return prompt.role in rule.roles and (rule.formats is None or prompt.format in rule.formats)


def _cancelled(hit: Span, exc: Span, scope: str, nt: NormalText) -> bool:
    if scope == "prompt":
        return True
    if scope == "overlap":
        return exc[0] < hit[1] and exc[1] > hit[0]
    if nt.sentence_at(exc[0]) != nt.sentence_at(hit[0]):
        return False
    if scope == "after":
        return exc[0] >= hit[0] and exc[1] > hit[1]
    if scope == "before":
        return exc[0] < hit[0] and exc[1] <= hit[1]
    return True  # sentence


def find_hits(patterns: Sequence[Any], exceptions: Sequence[tuple[Any, str]], nt: NormalText) -> list[Span]:
    """Normalised spans where any pattern matches and no exception cancels it; overlaps merged."""
    text = nt.text
    raw: list[Span] = []
    for pattern in patterns:
        group = "hit" if "hit" in pattern.groupindex else 0
        for m in pattern.finditer(text):
            start, end = m.span(group)
            if start < 0:  # the `hit` group did not take part in this match
                start, end = m.span()
            while end > start and text[end - 1] in " \n":
                end -= 1
            if end > start:
                raw.append((start, end))
    if not raw:
        return []
    raw.sort()
    merged = [raw[0]]
    for start, end in raw[1:]:
        if start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    if not exceptions:
        return merged
    if any(scope == "prompt" and pattern.search(text) for pattern, scope in exceptions):
        return []
    return [hit for hit in merged if not _excepted(hit, exceptions, nt)]


def _excepted(hit: Span, exceptions: Sequence[tuple[Any, str]], nt: NormalText) -> bool:
    """Does an exception cancel `hit`? Searched only in the hit's sentence (all scopes but `prompt` stay there)."""
    start, end = nt.sentence_at(hit[0])
    end = max(end, nt.sentence_at(max(hit[1] - 1, hit[0]))[1])
    for pattern, scope in exceptions:
        if scope == "prompt":
            continue
        for m in pattern.finditer(nt.text, start, end):
            if _cancelled(hit, m.span(), scope, nt):
                return True
    return False


def _siblings(prompt: Prompt, extraction: Extraction) -> list[Prompt]:
    """Prompts sent with this one: same `call`; template files without calls count as one call."""
    if prompt.call is not None:
        return [p for p in extraction.prompts if p.call is prompt.call and p is not prompt]
    if prompt.format == "python":
        return []
    return [p for p in extraction.prompts if p.call is None and p is not prompt]


def _condition_hit(compiled: dict[str, Any], prompt: Prompt, siblings: list[Prompt],
                   texts: Callable[[Prompt], NormalText]) -> Span | None:
    hits = find_hits(compiled["trigger"], compiled["exceptions"], texts(prompt))
    if not hits:
        return None
    own = [prompt, *(p for p in siblings if p.role == prompt.role)]
    if compiled.get("when_all") and not _groups_met(compiled["when_all"], own, texts):
        return None
    if compiled.get("when_call"):
        roles, groups = compiled["when_call"]
        if not _groups_met(groups, [prompt, *(p for p in siblings if p.role in roles)], texts):
            return None
    if any(pattern.search(texts(p).text) for p in own for pattern in compiled["unless"]):
        return None
    if compiled.get("unless_all") and _groups_met(compiled["unless_all"], own, texts):
        return None
    if compiled["unless_call"]:
        roles, groups = compiled["unless_call"]
        for sibling in siblings:
            if sibling.role in roles and all(
                any(pattern.search(texts(sibling).text) for pattern in patterns) for _name, patterns in groups
            ):
                return None
    if compiled.get("report") == "start":  # the rule is about something missing: point at the prompt's start
        first = _FIRST_WORD_RE.search(texts(prompt).text)
        return first.span() if first else hits[0]
    return hits[0]


_FIRST_WORD_RE = compile_regex(r"[^\s#>*`|-]+")


def _groups_met(groups: Sequence[tuple[str, Sequence[Any]]], pool: Sequence[Prompt],
                texts: Callable[[Prompt], NormalText]) -> bool:
    """Does every group have a pattern matching somewhere in `pool` (groups may match in different prompts)?"""
    return all(any(pattern.search(texts(p).text) for p in pool for pattern in patterns) for _name, patterns in groups)


def _finding(rule: Rule, source: SourceFile, start: int, end: int, **extra: Any) -> Finding:
    line, column = source.position(start)
    end_line, end_column = source.position(max(end, start))
    return Finding(
        code=rule.code, name=rule.name, severity=rule.severity, message=extra.pop("message", None) or rule.message,
        path=source.path, line=line, column=column, end_line=end_line, end_column=end_column,
        hint=rule.hint, span=(start, end), never_fix=rule.never_fix, **extra,
    )


def prompt_finding(rule: Rule, extraction: Extraction, prompt: Prompt, nt: NormalText, hit: Span,
                   message: str | None = None) -> Finding:
    """A finding on the original text of the normalised span `hit` of `prompt`."""
    text_start, text_end = nt.source_span(*hit)
    start, end = prompt.file_span(text_start, text_end)
    return _finding(rule, prompt.source_file or extraction.source, start, end, message=message,
                    role=prompt.role, statement_span=prompt.statement_span,
                    prompt_text=nt.text.replace(PLACEHOLDER, "{}"))


def _hit_finding(rule: Rule, extraction: Extraction, hit: Hit) -> Finding:
    prompt = hit.prompt
    source = (prompt.source_file if prompt else None) or extraction.source
    line = source.position(hit.start)[0]
    statement = hit.statement_span or (prompt.statement_span if prompt else None)
    return _finding(rule, source, hit.start, hit.end, message=hit.message, fix=hit.fix,
                    role=prompt.role if prompt else "unknown", statement_span=statement,
                    prompt_text=source.line_text(line).strip())


def _with_fix(finding: Finding, compiled: Any, prompt: Prompt, nt: NormalText, hit: Span) -> Finding:
    """Attach the rule's `fix:` data as a Fix (text edits, plus file edits when trivially exact)."""
    spec = compiled.get("fix")
    if spec and not finding.never_fix and prompt.source_file is None:
        finding.fix = build_fix(spec, prompt, nt, hit)
    return finding


def _file_format(extraction: Extraction) -> str | None:
    if extraction.prompts:
        return extraction.prompts[0].format
    from promptlint.extractors import format_for

    return format_for(extraction.source.path)


def run_rules(extraction: Extraction, rules: Sequence[Rule]) -> list[Finding]:
    """Findings of every pattern, condition and check rule on one file, sorted by position.

    `builtin` rules (PL000, PL001) are emitted by the runner and suppressions, not here.
    """
    texts = _Texts()
    findings: list[Finding] = []
    checks: CheckContext | None = None  # one per file, shared by every check rule (built at the first)
    for rule in rules:
        compiled = rule.spec.get("compiled", {})
        if rule.kind == "pattern":
            for prompt in extraction.prompts:
                if _applies(rule, prompt):
                    nt = texts(prompt)
                    for hit in find_hits(compiled["patterns"], compiled["exceptions"], nt):
                        findings.append(_with_fix(prompt_finding(rule, extraction, prompt, nt, hit), compiled,
                                                  prompt, nt, hit))
        elif rule.kind == "condition":
            for prompt in extraction.prompts:
                if _applies(rule, prompt):
                    hit = _condition_hit(compiled, prompt, _siblings(prompt, extraction), texts)
                    if hit is not None:
                        findings.append(_with_fix(prompt_finding(rule, extraction, prompt, texts(prompt), hit),
                                                  compiled, prompt, texts(prompt), hit))
        elif rule.kind == "check":
            if rule.formats is not None and _file_format(extraction) not in rule.formats:
                continue
            if checks is None:
                from promptlint.checks.context import CheckContext

                checks = CheckContext(extraction)
            for hit in load_check(compiled["check"])(checks, rule):
                findings.append(_hit_finding(rule, extraction, hit))
    findings.sort(key=Finding.sort_key)
    return findings


__all__ = ["find_hits", "prompt_finding", "run_rules"]
