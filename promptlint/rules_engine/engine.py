"""Running loaded rules over one file's extraction and turning hits into findings."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from promptlint.checks import Hit, load_check
from promptlint.diskcache import compile_regex
from promptlint.model import Extraction, Finding, Prompt, Severity, SourceFile
from promptlint.rules_engine.concepts import ConceptRef
from promptlint.rules_engine.fixes import build_fix
from promptlint.rules_engine.gates import Gate, PatternList, folded, grams
from promptlint.rules_engine.rule import Rule
from promptlint.rules_engine.text import PLACEHOLDER, NormalText, normalise

if TYPE_CHECKING:
    from promptlint.checks.context import CheckContext
    from promptlint.facts import PromptFacts
    from promptlint.rules_engine.patterns import Exception_

Span = tuple[int, int]


class PromptView:
    """One prompt as the rules read it: its normalised text, and its facts (computed on first use)."""

    __slots__ = ("_facts", "_grams", "_open", "_scores", "nt", "prompt")

    def __init__(self, prompt: Prompt, nt: NormalText, scores: SharedScores | None = None) -> None:
        self.prompt = prompt
        self.nt = nt
        self._facts: PromptFacts | None = None
        self._scores = scores
        self._open: dict[Gate, int] = {}
        self._grams: tuple[str, set[str]] | None = None

    def text_grams(self) -> tuple[str, set[str]]:
        """The text as the gates read it (`folded`) and its runs of characters (`grams`), made once."""
        found = self._grams
        if found is None:
            low = folded(self.nt.text)
            found = self._grams = (low, grams(low))
        return found

    def opens(self, gate: Gate) -> int:
        """Which patterns behind `gate` the text may match (gates.py; asked once per gate and text)."""
        found = self._open.get(gate)
        if found is None:
            found = self._open[gate] = gate.open(*self.text_grams())
        return found

    @property
    def facts(self) -> PromptFacts:
        if self._facts is None:
            from promptlint.facts import read_facts
            from promptlint.facts.model import load_model

            model = load_model()
            self._facts = read_facts(self.nt, model if model is None or self._scores is None
                                     else self._scores.bind(model))
        return self._facts


#: A number standing alone (not part of a word like "gpt4" or "1-2"): the facts model reads every such number
#: as the same word, so sentences that differ only there score the same.
_LONE_NUMBER_RE = compile_regex(r"(?<![\w'-])[0-9]+(?![\w'-])")


class SharedScores:
    """The facts model's sentence scores, shared by the prompts of one file: a sentence written many times (a
    long literal message list, the same instruction in every message) is scored once. Sentences that differ
    only in numbers standing alone share a score too, when none of those numbers is in the model's word
    clusters (the one place the model reads a number's own digits)."""

    __slots__ = ("_clusters", "_memo", "_model")

    def __init__(self) -> None:
        self._memo: dict[str, dict[str, float]] = {}
        self._model: Any = None
        self._clusters: dict[str, int] | None = None

    def bind(self, model: Any) -> SharedScores:
        if model is not self._model:
            self._model, self._memo = model, {}
            self._clusters = getattr(getattr(model, "classes", None), "clusters", None)
        return self

    def scores(self, sentence: str) -> dict[str, float]:
        key = sentence
        clusters = self._clusters
        if clusters is not None:
            numbers = _LONE_NUMBER_RE.findall(sentence)
            if numbers and not any(number in clusters for number in numbers):
                key = "\0" + _LONE_NUMBER_RE.sub("0", sentence)  # apart from sentences taken as written
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._model.scores(sentence)
        return found


class _Views:
    """Views of the prompts of one extraction, computed once and shared by all rules (ruff's per-file context).

    Prompts of the same text (and placeholders) share one view, made for the first of them: what a rule reads of
    a view (normalised text, facts) depends on nothing else, so a text written many times is read once. A rule
    reads the prompts of its roles and formats as `groups`: each distinct view once, with its prompts."""

    def __init__(self, prompts: Sequence[Prompt]) -> None:
        self._prompts = prompts
        self._cache: dict[int, PromptView] = {}
        self._by_text: dict[tuple[str, tuple[tuple[int, int], ...]], PromptView] = {}
        self._scores = SharedScores()
        self._groups: dict[Any, tuple[list[tuple[Prompt, PromptView]], list[PromptView]]] = {}

    def __call__(self, prompt: Prompt) -> PromptView:
        key = id(prompt)
        view = self._cache.get(key)
        if view is None:
            text_key = (prompt.text, tuple(prompt.placeholders))
            view = self._by_text.get(text_key)
            if view is None:
                view = self._by_text[text_key] = PromptView(prompt, normalise(prompt.text, prompt.placeholders),
                                                            self._scores)
            self._cache[key] = view
        return view

    def of_rule(self, rule: Rule) -> tuple[list[tuple[Prompt, PromptView]], list[PromptView]]:
        """(the prompts a rule reads with their views, in order; their distinct views, in order of first use),
        made once per set of roles and formats (most rules share one)."""
        key = (rule.roles, rule.formats)
        found = self._groups.get(key)
        if found is None:
            pairs = [(p, self(p)) for p in _applicable(rule, self._prompts)]
            found = self._groups[key] = (pairs, list({id(v): v for _p, v in pairs}.values()))
        return found


def _applicable(rule: Rule, prompts: Sequence[Prompt]) -> list[Prompt]:
    """The prompts a rule reads (its roles and formats), in order."""
    roles, formats = rule.roles, rule.formats
    if formats is None:
        return [p for p in prompts if p.role in roles]
    return [p for p in prompts if p.role in roles and p.format in formats]


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


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A normalised span a rule fires on; `score` is the facts model's probability when a concept found it."""

    start: int
    end: int
    score: float | None = None

    @property
    def span(self) -> Span:
        return self.start, self.end


def _found(pattern: Any, view: PromptView) -> bool:
    """Does a phrase pattern or a concept occur anywhere in the prompt?"""
    if isinstance(pattern, ConceptRef):
        return pattern.found(view.facts)
    return pattern.search(view.nt.text) is not None


def _runnable(patterns: Sequence[Any], view: PromptView) -> Sequence[Any]:
    """The entries of `patterns` that may match the prompt: those whose gate (gates.py) the text opens, and
    those without a gate (concepts among them). A plain list (no gates) is returned as it is."""
    if not isinstance(patterns, PatternList):
        return patterns
    gate, always = patterns.gate()
    if gate is None:
        return always
    mask = view.opens(gate)
    return patterns.runnable(mask) if mask else always


#: (a pattern list's gate, (concept, threshold) of each of its always-run entries): see `_quick`, `_may_hit`.
Quick = tuple[Gate | None, tuple[tuple[str, float], ...]]


def _quick(patterns: Sequence[Any]) -> Quick | None:
    """What tells, per text, that no entry of `patterns` can match: its gate (gates.py) and the thresholds of its
    always-run entries, when these are all concepts read from above (a sentence must reach the threshold); None
    when some entry always runs otherwise (a phrase pattern without literals, a `{fact:X:<T}` entry)."""
    if not isinstance(patterns, PatternList):
        return None
    gate, always = patterns.gate()
    if not all(type(entry) is ConceptRef and not entry.below for entry in always):
        return None
    return gate, tuple((entry.concept, entry.threshold) for entry in always)


def _may_hit(views: list[PromptView], patterns: Sequence[Any]) -> list[PromptView]:
    """The views on which some entry of `patterns` may match: all of them unless `_quick` can tell, else those
    whose text opens the gate or has a sentence at one of the concepts' thresholds (one loop for all the
    views: per view, a dict look-up or two)."""
    quick = _quick(patterns)
    if quick is None:
        return views
    gate, needs = quick
    keys = gate.keys() if gate is not None else None
    out: list[PromptView] = []
    for view in views:
        if keys is not None:
            found = view._grams or view.text_grams()
            # most texts hold none of the gate's runs: answered here, without asking the gate (`Gate.open`)
            if not keys.isdisjoint(found[1]) and view.opens(gate):  # type: ignore[arg-type]
                out.append(view)
                continue
        if needs:
            top = (view._facts or view.facts).top()
            for concept, threshold in needs:
                if top.get(concept, 0.0) >= threshold:
                    out.append(view)
                    break
    return out


def _any_found(patterns: Sequence[Any], view: PromptView) -> bool:
    """Does any of `patterns` (phrase patterns or concepts) occur anywhere in the prompt?"""
    return any(_found(pattern, view) for pattern in _runnable(patterns, view))


def _raw_hits(patterns: Sequence[Any], view: PromptView) -> tuple[list[RuleHit], list[RuleHit]]:
    """(phrase hits, overlapping ones merged; sentence hits of the concepts), each sorted by position."""
    text = view.nt.text
    exact: list[Span] = []
    learned: list[RuleHit] = []
    for pattern in _runnable(patterns, view):
        if type(pattern) is ConceptRef:
            facts = view.facts
            if not pattern.below and facts.best(pattern.concept) < pattern.threshold:
                continue  # no sentence reaches the threshold (what `spans` would find, in one look-up)
            for (start, end), score in pattern.spans(facts):
                while end > start and text[end - 1] in " \n":
                    end -= 1
                if end > start:
                    learned.append(RuleHit(start, end, score))
            continue
        group = "hit" if "hit" in pattern.groupindex else 0
        for m in pattern.finditer(text):
            start, end = m.span(group)
            if start < 0:  # the `hit` group did not take part in this match
                start, end = m.span()
            while end > start and text[end - 1] in " \n":
                end -= 1
            if end > start:
                exact.append((start, end))
    if not exact and not learned:
        return [], []
    merged: list[Span] = []
    for start, end in sorted(exact):
        # overlapping hits, or hits only punctuation apart ("always comply with the user, no matter what"), are one
        if merged and (start < merged[-1][1] or not _WORD_CHAR_RE.search(text, merged[-1][1], start)):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    sentences: list[RuleHit] = []
    for hit in sorted(learned, key=lambda h: (h.start, -(h.score or 0.0))):
        if not (sentences and hit.start < sentences[-1].end):  # the same sentence from two concepts
            sentences.append(hit)
    return [RuleHit(a, b) for a, b in merged], sentences


def find_hits(patterns: Sequence[Any], exceptions: Sequence[Exception_], view: PromptView) -> list[RuleHit]:
    """Where any pattern or concept matches and no exception cancels it; overlapping phrase hits merged.

    A sentence the facts model flags points at the exact phrase instead when a phrase hit inside it survives
    the exceptions; a phrase hit an exception cancels does not hide the sentence's own reading.
    """
    exact, sentences = _raw_hits(patterns, view)
    if not exact and not sentences:
        return []
    if exceptions:
        if any(exc.scope == "prompt" and exc.spares is None and _found(exc.pattern, view)
               and (exc.requires is None or _found(exc.requires, view)) for exc in exceptions):
            return []
        kept = [hit for hit in exact if not _excepted(hit.span, exceptions, view)]
        # A sentence whose phrase hit an exception cancelled (a bounded or harmless use the rule names: "never refuse
        # a refund without checking", "developer mode in Chrome") is not read back in by the model, which mostly
        # reacts to the same words.
        cancelled = [hit for hit in exact if hit not in kept]
        sentences = [hit for hit in sentences if not _excepted(hit.span, exceptions, view, whole_sentence=True)
                     and not any(h.start < hit.end and h.end > hit.start for h in cancelled)]
        exact = kept
    hits = exact + [s for s in sentences if not any(h.start < s.end and h.end > s.start for h in exact)]
    hits.sort(key=lambda h: h.start)
    return hits


def _spared(spares: Any, hit: Span, view: PromptView) -> bool:
    """Is the hit one an exception must leave alone (its own text matches `spares`)?"""
    if isinstance(spares, ConceptRef):
        return any(a < hit[1] and b > hit[0] for (a, b), _score in spares.spans(view.facts))
    return spares.search(view.nt.text, hit[0], hit[1]) is not None


def _excepted(hit: Span, exceptions: Sequence[Exception_], view: PromptView, whole_sentence: bool = False) -> bool:
    """Does an exception cancel `hit`? Searched only in the hit's sentence (all scopes but `prompt` stay there).

    A hit the facts model found covers a whole sentence and already weighs its wording (negation, a bounding
    condition), so only the `sentence` and `prompt` exceptions (what the whole sentence or prompt is about:
    a guard prompt, a quoted example) apply to it, not the ones placed before or after a phrase.
    """
    nt = view.nt
    start, end = nt.sentence_at(hit[0])
    end = max(end, nt.sentence_at(max(hit[1] - 1, hit[0]))[1])
    for pattern, scope, spares, requires in exceptions:
        if whole_sentence and scope not in ("sentence", "prompt"):
            continue
        if spares is not None and _spared(spares, hit, view):
            continue
        if requires is not None and not _found(requires, view):
            continue
        if scope == "prompt":
            if _found(pattern, view):
                return True
            continue
        if isinstance(pattern, ConceptRef):  # a concept cancels the hits in the sentences it is read in
            if any(a < end and b > start for (a, b), _score in pattern.spans(view.facts)):
                return True
            continue
        for m in pattern.finditer(nt.text, start, end):
            if _cancelled(hit, m.span(), scope, nt):
                return True
    return False


class _Group:
    """The prompts sent together (one call, or a template file's), indexed by role, with what condition rules
    concluded about them: a condition that reads the call's other prompts reads the same prompts for every
    prompt of a role, so it is decided once per group, not once per prompt (a call of N messages whose
    trigger matched N times cost O(N²))."""

    __slots__ = ("_by_roles", "memo", "prompts")

    def __init__(self, prompts: list[Prompt]) -> None:
        self.prompts = prompts
        self._by_roles: dict[Any, list[Prompt]] = {}
        self.memo: dict[Any, Any] = {}

    def with_roles(self, roles: Any) -> list[Prompt]:
        """The group's prompts whose role is in `roles` (a collection of roles), in order."""
        key = roles if isinstance(roles, frozenset) else tuple(roles)
        found = self._by_roles.get(key)
        if found is None:
            found = self._by_roles[key] = [p for p in self.prompts if p.role in roles]
        return found


class _Siblings(Sequence[Prompt]):
    """The prompts of `group` but `prompt`, in order: made in constant time, walked only if a rule reads it
    (a condition rule does only once its trigger matched), so a call of N messages costs O(N), not O(N²)."""

    __slots__ = ("_list", "_prompt", "group")

    def __init__(self, group: _Group, prompt: Prompt) -> None:
        self.group = group
        self._prompt = prompt
        self._list: list[Prompt] | None = None

    def __iter__(self) -> Iterator[Prompt]:
        prompt = self._prompt
        return (p for p in self.group.prompts if p is not prompt)

    def _items(self) -> list[Prompt]:
        if self._list is None:
            self._list = list(self)
        return self._list

    def __len__(self) -> int:
        return len(self._items())

    def __getitem__(self, index: Any) -> Any:
        return self._items()[index]


def _sibling_index(extraction: Extraction) -> Callable[[Prompt], Sequence[Prompt]]:
    """`_siblings` for every prompt of an extraction, from one pass that groups the prompts by call."""
    by_call: dict[int, _Group] = {}
    without_call = _Group([])
    for p in extraction.prompts:
        if p.call is None:
            without_call.prompts.append(p)
        else:
            group = by_call.get(id(p.call))
            if group is None:
                group = by_call[id(p.call)] = _Group([])
            group.prompts.append(p)

    def siblings(prompt: Prompt) -> Sequence[Prompt]:
        """Prompts sent with this one: same `call`; template files without calls count as one call."""
        if prompt.call is not None:
            return _Siblings(by_call.get(id(prompt.call)) or _Group([]), prompt)
        if prompt.format == "python":
            return ()
        return _Siblings(without_call, prompt)

    return siblings


def _condition_hit(compiled: dict[str, Any], prompt: Prompt, siblings: Sequence[Prompt],
                   views: Callable[[Prompt], PromptView],
                   triggered: dict[int, list[RuleHit]] | None = None) -> RuleHit | None:
    """The hit of a condition rule on a prompt, or None; `triggered` keeps the trigger's hits per view (the
    same text, the same hits) for the rule's other prompts.

    What the rule reads of the call's other prompts is decided once per call and role (`_Group.memo`): the
    prompts of the prompt's own role (`when_all`, `unless`, `unless_all`), those of `when_call`'s roles, those
    of `unless_call`'s roles but the prompt itself (a count of the ones that qualify, less the prompt's own)."""
    view = views(prompt)
    hits = None if triggered is None else triggered.get(id(view))
    if hits is None:
        hits = find_hits(compiled["trigger"], compiled["exceptions"], view)
        if triggered is not None:
            triggered[id(view)] = hits
    if not hits:
        return None
    group = siblings.group if isinstance(siblings, _Siblings) else _Group([prompt])
    memo, rule, role = group.memo, id(compiled), prompt.role
    own_ok = memo.get((rule, "own", role))
    if own_ok is None:
        own = group.with_roles((role,))  # the prompt and its siblings of its role
        own_ok = memo[(rule, "own", role)] = not (
            (compiled.get("when_all") and not _groups_met(compiled["when_all"], own, views))
            or any(_any_found(compiled["unless"], views(p)) for p in own)
            or (compiled.get("unless_all") and _groups_met(compiled["unless_all"], own, views)))
    if not own_ok:
        return None
    if compiled.get("when_call"):
        roles, groups = compiled["when_call"]
        if role in roles:  # the prompt is among the group's prompts of those roles: the same pool for all
            met = memo.get((rule, "when_call"))
            if met is None:
                met = memo[(rule, "when_call")] = _groups_met(groups, group.with_roles(roles), views)
        else:  # the prompt, then the group's prompts of those roles: which requirement those meet, once
            others = memo.get((rule, "when_call", role))
            if others is None:
                others = memo[(rule, "when_call", role)] = [
                    any(_any_found(patterns, views(p)) for p in group.with_roles(roles)) for _name, patterns in groups]
            met = all(done or _any_found(patterns, view)
                      for done, (_name, patterns) in zip(others, groups, strict=True))
        if not met:
            return None
    if compiled["unless_call"]:
        roles, groups = compiled["unless_call"]

        def qualifies(sibling: Prompt) -> bool:
            return all(_any_found(patterns, views(sibling)) for _name, patterns in groups)

        count = memo.get((rule, "unless_call"))
        if count is None:  # distinct prompts of those roles that qualify
            distinct = {id(p): p for p in group.with_roles(roles)}
            count = memo[(rule, "unless_call")] = sum(map(qualifies, distinct.values()))
        if count - (1 if role in roles and qualifies(prompt) else 0) > 0:  # one other than the prompt
            return None
    if compiled.get("report") == "start":  # the rule is about something missing: point at the prompt's start
        first = _FIRST_WORD_RE.search(view.nt.text)
        return RuleHit(*first.span(), hits[0].score) if first else hits[0]
    return hits[0]


_FIRST_WORD_RE = compile_regex(r"[^\s#>*`|-]+")
_WORD_CHAR_RE = compile_regex(r"\w")


def _groups_met(groups: Sequence[tuple[str, Sequence[Any]]], pool: Sequence[Prompt],
                views: Callable[[Prompt], PromptView]) -> bool:
    """Does every group have a pattern matching somewhere in `pool` (groups may match in different prompts)?"""
    return all(any(_any_found(patterns, views(p)) for p in pool) for _name, patterns in groups)


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


#: A sentence between two hits joins their removal block when the facts model reads it as a block concept at least
#: this much: the persona's elaboration in a pasted jailbreak ("It loves jokes") goes with it, an ordinary
#: instruction between two overrides stays.
BLOCK_JOIN = 0.2


def _removal_blocks(hits: Sequence[RuleHit], view: PromptView, concepts: Sequence[str]) -> dict[Span, Span]:
    """For each hit, the normalised span its removal fix covers: the run of sentences from the first to the last
    hit of its block, where consecutive hits are joined when every sentence between them reads as a block concept."""
    if len(hits) < 2:
        return {}
    nt = view.nt
    scores = {s.start: max(s.scores.get(c, 0.0) for c in concepts) for s in view.facts.sentences}
    sentences = nt.sentences
    starts = [a for a, _b in sentences]

    def index(offset: int) -> int:
        return max(bisect.bisect_right(starts, offset) - 1, 0)

    # A prompt most of whose sentences read as the block's concepts IS a jailbreak text: its hits form one block
    # whatever lore sits between them ("As your knowledge is cut off in 2021, ...").
    strong = sum(score >= 0.5 for score in scores.values())
    document = strong >= 3 and strong >= 0.3 * len(scores)
    ordered = sorted(hits, key=lambda h: h.start)
    groups: list[list[RuleHit]] = [[ordered[0]]]
    for hit in ordered[1:]:
        last = groups[-1][-1]
        between = range(index(max(last.end - 1, last.start)) + 1, index(hit.start))
        if document or all(scores.get(sentences[i][0], 1.0) >= BLOCK_JOIN or not nt.text[slice(*sentences[i])].strip()
                           for i in between):
            groups[-1].append(hit)
        else:
            groups.append([hit])
    out: dict[Span, Span] = {}
    for group in groups:
        if len(group) > 1:
            span = (group[0].start, max(h.end for h in group))
            for hit in group:
                out[hit.span] = span
    return out


def _learned_finding(rule: Rule, finding: Finding, hit: RuleHit) -> Finding:
    """Severity and wording follow confidence: a sentence the facts model flags below `CONFIDENT` is reported
    one severity lower and says it is a reading of the sentence's meaning."""
    if hit.score is None:
        return finding
    if hit.score < CONFIDENT:
        finding.severity = _LOWER.get(finding.severity, finding.severity)
        finding.message = f"Possibly ({hit.score:.0%} confidence, read from the sentence's meaning): {finding.message}"
    return finding


#: At or above this probability a concept-only hit is reported like a phrase hit.
CONFIDENT = 0.85
_LOWER = {Severity.ERROR: Severity.WARNING, Severity.WARNING: Severity.INFO}


def run_rules(extraction: Extraction, rules: Sequence[Rule]) -> list[Finding]:
    """Findings of every pattern, condition and check rule on one file, sorted by position.

    `builtin` rules (PL000, PL001) are emitted by the runner and suppressions, not here.
    """
    views = _Views(extraction.prompts)
    siblings_of: Callable[[Prompt], Sequence[Prompt]] | None = None
    findings: list[Finding] = []
    checks: CheckContext | None = None  # one per file, shared by every check rule (built at the first)
    for rule in rules:
        compiled = rule.spec.get("compiled", {})
        if rule.kind == "pattern":
            # Each distinct text is read once; only the texts with hits walk their prompts (in order)
            pairs, distinct = views.of_rule(rule)
            patterns, exceptions, spec = compiled["patterns"], compiled["exceptions"], compiled.get("fix")
            block = spec.get("block") if spec else None
            read: dict[int, tuple[list[RuleHit], dict[Span, Span]]] = {}
            for view in _may_hit(distinct, patterns):
                hits = find_hits(patterns, exceptions, view)
                if hits:
                    read[id(view)] = (hits, _removal_blocks(hits, view, block) if block else {})
            if not read:
                continue
            for prompt, view in pairs:
                found = read.get(id(view))
                if found is None:
                    continue
                hits, blocks = found
                for hit in hits:
                    finding = prompt_finding(rule, extraction, prompt, view.nt, hit.span)
                    fix_span = blocks.get(hit.span, hit.span)
                    findings.append(_learned_finding(rule, _with_fix(finding, compiled, prompt, view.nt,
                                                                     fix_span), hit))
        elif rule.kind == "condition":
            # The trigger is read once per distinct text; the rest of the condition only for prompts it matched
            pairs, distinct = views.of_rule(rule)
            trigger, trigger_exceptions = compiled["trigger"], compiled["exceptions"]
            triggered: dict[int, list[RuleHit]] = {}
            for view in _may_hit(distinct, trigger):
                hits = find_hits(trigger, trigger_exceptions, view)
                if hits:
                    triggered[id(view)] = hits
            if not triggered:
                continue
            siblings_of = siblings_of or _sibling_index(extraction)
            for prompt, view in pairs:
                if id(view) not in triggered:
                    continue
                hit = _condition_hit(compiled, prompt, siblings_of(prompt), views, triggered)
                if hit is not None:
                    finding = prompt_finding(rule, extraction, prompt, view.nt, hit.span)
                    findings.append(_with_fix(finding, compiled, prompt, view.nt, hit.span))
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


__all__ = ["PromptView", "RuleHit", "find_hits", "prompt_finding", "run_rules"]
