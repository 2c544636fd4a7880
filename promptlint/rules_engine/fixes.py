"""Rule-data fixes: the `fix:` block of a rule YAML, validated at load and turned into `Fix`es.

A fix is described in *prompt-text coordinates* (`Fix.text_edits`): the rules engine knows
the prompt's text but not how the file spells it (quotes, escapes, indentation, YAML
scalar styles). Turning text edits into file edits that keep the file's spelling is the job
of `promptlint.fix` (which the `check` path never imports). Here we only fill `Fix.edits`
when the mapping is trivially exact: every character of the span sits verbatim and
contiguously in the file and the new text holds no character any string style would need
to escape. That is enough for `check --format json` and editors to show the edit.

Kinds (rule YAML `fix:`):

* `substitute`: `substitutions`, a list of `{match, replace, applicability}`; `match` is a
  rule pattern searched in the hit's sentence, `replace` a template where `{name}` stands
  for the original text of the named group `(?P<name>...)` (kept untouched in the file).
* `remove-sentence`: delete the sentence holding the hit (PL101, PL102). With `block: [concepts]`, hits of the
  rule in one prompt whose sentences are joined by sentences the facts model reads as one of those concepts (even
  weakly) are removed as one block, so a pasted jailbreak goes whole, not sentence by sentence.
* `insert-scaffold`: insert `text` at the `start` or `end` of the prompt. With
  `operator_context: true`, `promptlint fix` replaces the scaffold with the project's own
  `[tool.promptlint.llm] operator-context` when it is configured (then unsafe); without it
  the scaffold (with visible `<placeholders>`) is display-only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from promptlint.diskcache import compile_regex
from promptlint.model import Edit, Fix, Prompt
from promptlint.rules_engine.text import NormalText

FIX_KINDS = ("substitute", "remove-sentence", "insert-scaffold")
APPLICABILITIES = ("safe", "unsafe", "display")
FIX_KEYS = ("kind", "applicability", "message", "substitutions", "text", "position", "operator_context", "block")
SUBSTITUTION_KEYS = ("match", "replace", "applicability", "message")
_TEMPLATE_FIELD_RE = compile_regex(r"\{([a-z_][a-z0-9_]*)\}")
#: Characters no string style (Python quotes and prefixes, YAML scalar styles) needs to escape.
_PLAIN_SAFE_RE = compile_regex(r"[A-Za-z0-9 .,;!?()<>\-]*")

Span = tuple[int, int]
ErrorAt = Callable[[tuple[Any, ...], str], Exception]


# --- validation (load time) -----------------------------------------------------------------------


def validate_fix(value: Any, error: ErrorAt) -> dict[str, Any]:
    """Check a rule's `fix:` mapping; `error(keys, message)` builds the loader's RuleError."""
    at: tuple[Any, ...] = ("fix",)
    if not isinstance(value, dict):
        raise error(at, "`fix` must be a mapping with a `kind`")
    for key in value:
        if key not in FIX_KEYS:
            raise error((*at, key), f"unknown key {key!r} in `fix` (allowed: {', '.join(FIX_KEYS)})")
    kind = value.get("kind")
    if kind not in FIX_KINDS:
        raise error((*at, "kind"), f"bad fix kind {kind!r} (kinds: {', '.join(FIX_KINDS)})")
    if "block" in value:
        from promptlint.rules_engine.concepts import CONCEPTS

        block = value["block"]
        if kind != "remove-sentence" or not isinstance(block, list) or not block:
            raise error((*at, "block"), "`block` is a list of concepts, valid for remove-sentence fixes")
        unknown = [c for c in block if c not in CONCEPTS]
        if unknown:
            raise error((*at, "block"), f"unknown concept {unknown[0]!r} (concepts: {', '.join(CONCEPTS)})")
    applicability = value.get("applicability", "display" if kind == "insert-scaffold" else "unsafe")
    if applicability not in APPLICABILITIES:
        raise error((*at, "applicability"), f"bad applicability {applicability!r} ({', '.join(APPLICABILITIES)})")
    spec: dict[str, Any] = {"kind": kind, "applicability": applicability, "message": value.get("message")}
    if spec["message"] is not None and not isinstance(spec["message"], str):
        raise error((*at, "message"), "`fix.message` must be a string")
    if kind == "substitute":
        spec["substitutions"] = _substitutions(value.get("substitutions"), error, applicability)
    elif kind == "insert-scaffold":
        text = value.get("text")
        if not isinstance(text, str) or not text.strip():
            raise error((*at, "text"), "an insert-scaffold fix needs `text` (the scaffold, with <placeholders>)")
        position = value.get("position", "start")
        if position not in ("start", "end"):
            raise error((*at, "position"), "`fix.position` must be start or end")
        operator_context = value.get("operator_context", False)
        if not isinstance(operator_context, bool):
            raise error((*at, "operator_context"), "`fix.operator_context` must be true or false")
        spec.update(text=text, position=position, operator_context=operator_context)
    elif kind == "remove-sentence" and "block" in value:
        spec["block"] = list(value["block"])
    for key in ("substitutions", "text", "position", "operator_context"):
        if key in value and key not in spec:
            raise error((*at, key), f"`{key}` is not valid for a {kind} fix")
    return spec


def _substitutions(value: Any, error: ErrorAt, default: str) -> list[dict[str, Any]]:
    at = ("fix", "substitutions")
    if not isinstance(value, list) or not value:
        raise error(at, "a substitute fix needs `substitutions`: a list of {match, replace, applicability}")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise error((*at, i), "a substitution must be a mapping {match, replace, applicability}")
        for key in item:
            if key not in SUBSTITUTION_KEYS:
                raise error((*at, i, key), f"unknown key {key!r} (allowed: {', '.join(SUBSTITUTION_KEYS)})")
        match, replace = item.get("match"), item.get("replace")
        if not isinstance(match, str) or not match.strip():
            raise error((*at, i), "a substitution needs a `match` pattern")
        if not isinstance(replace, str):
            raise error((*at, i), "a substitution needs a `replace` string")
        applicability = item.get("applicability", default)
        if applicability not in APPLICABILITIES:
            raise error((*at, i, "applicability"), f"bad applicability {applicability!r}")
        out.append({"match": match, "replace": replace, "applicability": applicability,
                    "message": item.get("message"), "index": i})
    return out


def compile_fix(spec: dict[str, Any], compile_one: Callable[[tuple[Any, ...], str], Any],
                error: ErrorAt) -> dict[str, Any]:
    """The fix spec with each substitution's `match` compiled (and its template fields checked)."""
    compiled = dict(spec)
    if spec["kind"] == "substitute":
        subs = []
        for sub in spec["substitutions"]:
            at = ("fix", "substitutions", sub["index"], "match")
            pattern = compile_one(at, sub["match"])
            for name in _TEMPLATE_FIELD_RE.findall(sub["replace"]):
                if name not in pattern.groupindex:
                    raise error(at, f"replacement field {{{name}}} has no group (?P<{name}>...) in `match`")
            subs.append({**sub, "pattern": pattern})
        compiled["substitutions"] = subs
    return compiled


# --- building fixes (run time) --------------------------------------------------------------------


def build_fix(spec: dict[str, Any] | None, prompt: Prompt, nt: NormalText, hit: Span) -> Fix | None:
    """The Fix a rule's `fix:` data gives for one hit (normalised span `hit` of `prompt`), or None."""
    if not spec:
        return None
    kind = spec["kind"]
    if kind == "substitute":
        result = _substitute(spec, prompt, nt, hit)
        if result is None:
            return None
        edits, applicability, message = result
    elif kind == "remove-sentence":
        edits = [_sentence_removal(prompt, nt, hit)]
        applicability, message = spec["applicability"], spec["message"] or "Remove the sentence"
    else:
        edits = [_scaffold_insertion(spec, prompt)]
        applicability = spec["applicability"]
        message = spec["message"] or f"Add: {spec['text'].strip()}"
    edits = [e for e in edits if prompt.text[e[0]:e[1]] != e[2]]
    if not edits:
        return None
    return Fix(message=message, applicability=applicability, edits=_trivial_file_edits(prompt, edits),
               text_edits=edits)


def _substitute(spec: dict[str, Any], prompt: Prompt, nt: NormalText,
                hit: Span) -> tuple[list[tuple[int, int, str]], str, str] | None:
    lo = nt.sentence_at(hit[0])[0]
    hi = nt.sentence_at(max(hit[1] - 1, hit[0]))[1]
    for sub in spec["substitutions"]:
        for m in sub["pattern"].finditer(nt.text, lo, hi):
            region = m.span("hit") if "hit" in m.re.groupindex and m.start("hit") >= 0 else m.span()
            if region[0] < hit[1] and region[1] > hit[0]:
                if sub["applicability"] == "display":  # never applied: one readable edit, groups filled in
                    edits = _whole_edit(sub["replace"], m, region, prompt, nt)
                else:
                    edits = _template_edits(sub["replace"], m, region, prompt, nt)
                if edits is None:
                    continue
                old = prompt.text[edits[0][0]:edits[-1][1]]
                message = sub["message"] or f"Replace {old.strip()!r} with a professional phrasing"
                return edits, sub["applicability"], message
    return None


def _text_span(nt: NormalText, start: int, end: int, prompt: Prompt) -> Span:
    """Prompt-text span of normalised [start, end); an empty span maps to an insertion point."""
    if end > start:
        return nt.source_span(start, end)
    point = nt.starts[start] if start < len(nt.starts) else nt.ends[-1] if nt.ends else len(prompt.text)
    return point, point


def _whole_edit(template: str, m: re.Match[str], region: Span, prompt: Prompt,
                nt: NormalText) -> list[tuple[int, int, str]]:
    a, b = _text_span(nt, region[0], region[1], prompt)

    def field(f: re.Match[str]) -> str:
        start, end = _text_span(nt, *m.span(f.group(1)), prompt)
        return prompt.text[start:end]

    content = _TEMPLATE_FIELD_RE.sub(field, template)
    if content[:1].islower() and prompt.text[a:a + 1].isupper():
        content = content[0].upper() + content[1:]
    return [(a, b, content)]


def _template_edits(template: str, m: re.Match[str], region: Span, prompt: Prompt,
                    nt: NormalText) -> list[tuple[int, int, str]] | None:
    """Edits that turn the region into the template, leaving the referenced groups' text untouched."""
    names = _TEMPLATE_FIELD_RE.findall(template)
    spans = [m.span(name) for name in names]
    pieces = _TEMPLATE_FIELD_RE.split(template)[::2]
    bounds = [region[0]]
    for a, b in spans:
        if a < bounds[-1] or b < a or b > region[1]:
            return None  # a group out of order or outside the region: cannot keep it in place
        bounds.extend((a, b))
    bounds.append(region[1])
    edits = []
    first = _text_span(nt, region[0], region[1], prompt)
    for k, piece in enumerate(pieces):
        a, b = _text_span(nt, bounds[2 * k], bounds[2 * k + 1], prompt)
        if k == 0 and piece[:1].islower() and prompt.text[first[0]:first[0] + 1].isupper():
            piece = piece[0].upper() + piece[1:]
        edits.append((a, b, piece))
    return edits


_SENTENCE_START_RE = compile_regex(r"(?:[.!?][\"')\]]*[ \t]+|\n)")


def _sentence_removal(prompt: Prompt, nt: NormalText, hit: Span) -> tuple[int, int, str]:
    """Delete the hit's sentence and the spaces after it (or before it, at the end of a line)."""
    s_lo, s_hi = nt.sentence_at(hit[0])
    s_hi = max(s_hi, nt.sentence_at(max(hit[1] - 1, hit[0]))[1])
    text = prompt.text
    start, end = nt.source_span(s_lo, s_hi)
    while end < len(text) and text[end] in " \t":
        end += 1
    if end < len(text) and text[end] in "\r\n":
        # last sentence on its line: take the spaces before it instead; a whole line goes with its newline
        while start > 0 and text[start - 1] in " \t":
            start -= 1
        if start == 0 or text[start - 1] == "\n":
            end += 2 if text.startswith("\r\n", end) else 1
        else:
            end = len(text[:end].rstrip(" \t")) if end > start else end
    return start, end, ""


def _scaffold_insertion(spec: dict[str, Any], prompt: Prompt) -> tuple[int, int, str]:
    text = spec["text"].strip()
    body = prompt.text
    if spec["position"] == "end":
        end = len(body.rstrip())
        sep = "\n\n" if "\n" in body.strip() else " "
        return end, end, sep + text
    start = len(body) - len(body.lstrip())
    sep = "\n\n" if "\n" in body.strip() else " "
    return start, start, text + sep


def _trivial_file_edits(prompt: Prompt, edits: list[tuple[int, int, str]]) -> list[Edit]:
    """File edits when each text span is verbatim and contiguous in the file and the new text needs
    no escaping in any string style; else [] (`promptlint fix` encodes them for the file's syntax)."""
    out = []
    for a, b, content in edits:
        if not _PLAIN_SAFE_RE.fullmatch(content) or any(pa < b and pb > a for pa, pb in prompt.placeholders):
            return []
        if a == 0 and content[:1] in "-?!<>":  # would change a YAML plain scalar's meaning
            return []
        if a == b:
            if not prompt.text:
                return []
            offset = prompt.positions.file_offset(a) if a < len(prompt.text) else prompt.positions.file_end_offset(a)
            out.append(Edit(offset, offset, content))
            continue
        start = prompt.positions.file_offset(a)
        for k in range(a, b):
            runs_ok = prompt.positions.file_offset(k) == start + (k - a)
            if not runs_ok:
                return []
        end = prompt.positions.file_end_offset(b)
        if end != start + (b - a):
            return []
        out.append(Edit(start, end, content))
    return out
