"""Turning a rule's good / bad examples into extractions and running them through the real engine.

Used by tests/test_rule_examples.py and handy for anyone writing a rule: an example is either a prompt
text with a role (and optionally the system prompt of the same call), or a Python source snippet. An example
states the exact findings it must produce (`findings: ["line:column", ...]`, nothing else may fire) and, for a
rule with a fix, the text its fixes produce (`fixed:`, applied by `promptlint.fix.examples.fixed_text`);
`scripts/rule_examples.py` prints (or writes) what the engine gives, for a new example.
"""

from __future__ import annotations

import ast
from typing import Any

from promptlint.extractors.placeholders import find_placeholders
from promptlint.model import CallSite, Extraction, Finding, PositionMap, Prompt, SourceFile
from promptlint.rules_engine.engine import run_rules
from promptlint.rules_engine.loader import parse_position
from promptlint.rules_engine.rule import Rule


def _prompt(source: SourceFile, start: int, end: int, role: str, fmt: str, call: CallSite | None) -> Prompt:
    text = source.text[start:end]
    positions = PositionMap()
    positions.add(0, start, len(text))
    return Prompt(text=text, role=role, path=source.path, format=fmt, positions=positions,  # type: ignore[arg-type]
                  placeholders=find_placeholders(text), call=call, statement_span=(start, end))


def extraction_from_text(text: str, role: str = "user", *, system: str | None = None, fmt: str = "text",
                         path: str = "example.txt") -> Extraction:
    """An Extraction whose file is exactly `text` (1:1 positions), plus an optional system prompt
    of the same call placed after it in the file, so lines of `text` are the file's lines."""
    body = text if system is None else f"{text}\n\n{system}"
    source = SourceFile(path=path, text=body)
    call = CallSite(id=1, provider="unknown", method="example", line=1, column=1, end_line=1, end_column=1)
    prompts = [_prompt(source, 0, len(text), role, fmt, call)]
    if system is not None:
        prompts.append(_prompt(source, len(text) + 2, len(body), "system", fmt, call))
    return Extraction(source=source, prompts=prompts)


def extraction_from_python(src: str, path: str = "example.py") -> Extraction:
    """The Python extractor's Extraction when it exists, else one holding just the ast."""
    source = SourceFile(path=path, text=src)
    try:
        from promptlint.extractors.python import extract
    except ImportError:
        return Extraction(source=source, tree=ast.parse(src))
    return extract(source)


def example_role(example: dict[str, Any], rule: Rule) -> str:
    """The role a text example is read as: its own, else `user` when the rule reads it, else the rule's first."""
    return example.get("role") or ("user" if "user" in rule.roles else sorted(rule.roles)[0])


def example_extraction(example: dict[str, Any], rule: Rule) -> Extraction:
    if "python" in example:
        return extraction_from_python(example["python"])
    return extraction_from_text(example["text"], example_role(example, rule), system=example.get("system"),
                                fmt=example.get("format", "text"))


def run_example(rule: Rule, example: dict[str, Any]) -> list[Finding]:
    """Findings of `rule` (only) on one example."""
    return [f for f in run_rules(example_extraction(example, rule), [rule]) if f.code == rule.code]


# --- exact expectations: `findings` and `fixed` ----------------------------------------------------

def expected_positions(example: dict[str, Any]) -> list[tuple[int, int | None]] | None:
    """The exact findings an example states (`findings: ["2:5", "4:1"]`); None when it states none."""
    if "findings" not in example:
        return None
    return [p for p in map(parse_position, example["findings"]) if p is not None]


def position_of(finding: Finding) -> str:
    return f"{finding.line}:{finding.column}"


def unmatched(findings: list[Finding], expected: list[tuple[int, int | None]]) -> tuple[list[str], list[str]]:
    """(expected positions no finding has, findings' positions nobody expected): both empty when the sets match.
    A position without a column matches a finding on that line."""
    left = [f"{line}" if col is None else f"{line}:{col}" for line, col in expected]
    extra = []
    for f in sorted(findings, key=lambda f: (f.line, f.column)):
        for key in (position_of(f), str(f.line)):
            if key in left:
                left.remove(key)
                break
        else:
            extra.append(position_of(f))
    return left, extra


# --- one rule on one text: for a rule's own test module (tests/rules/test_<CODE>.py) ------------------------


def builtin_rule(code: str) -> Rule:
    """The built-in rule with this code."""
    from promptlint.rules_engine import load_rules

    for rule in load_rules():
        if rule.code == code:
            return rule
    raise KeyError(code)


def positions(code: str, text: str, role: str = "user", system: str | None = None) -> list[tuple[int, int]]:
    """(line, column) of each finding of rule `code` on a prompt `text` read as `role` (with the call's system
    prompt when given); lines count lines of `text`."""
    findings = run_rules(extraction_from_text(text, role, system=system), [builtin_rule(code)])
    return [(f.line, f.column) for f in findings if f.code == code]


def fires(code: str, text: str, role: str = "user", system: str | None = None) -> bool:
    return bool(positions(code, text, role, system))


def python_lines(code: str, src: str) -> list[int]:
    """Lines of the findings of rule `code` on a (dedented) Python snippet, through the Python extractor."""
    import textwrap

    findings = run_rules(extraction_from_python(textwrap.dedent(src)), [builtin_rule(code)])
    return [f.line for f in findings if f.code == code]


def flagged_text(code: str, text: str, role: str = "user", system: str | None = None) -> str:
    """The words the first finding of rule `code` covers."""
    extraction = extraction_from_text(text, role, system=system)
    (finding, *_rest) = [f for f in run_rules(extraction, [builtin_rule(code)]) if f.code == code]
    return extraction.source.text[finding.span[0]:finding.span[1]]


def python_flagged(code: str, src: str) -> list[str]:
    """The source text each finding of rule `code` covers on a (dedented) Python snippet."""
    import textwrap

    extraction = extraction_from_python(textwrap.dedent(src))
    text = extraction.source.text
    return [text[f.span[0]:f.span[1]] for f in run_rules(extraction, [builtin_rule(code)]) if f.code == code]
