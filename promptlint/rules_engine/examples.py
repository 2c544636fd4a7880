"""Turning a rule's good / bad examples into extractions and running them through the real engine.

Used by tests/test_rule_examples.py and handy for anyone writing a rule: an example is either a prompt
text with a role (and optionally the system prompt of the same call), or a Python source snippet.
"""

from __future__ import annotations

import ast
from typing import Any

from promptlint.extractors.placeholders import find_placeholders
from promptlint.model import CallSite, Extraction, Finding, PositionMap, Prompt, SourceFile
from promptlint.rules_engine.engine import run_rules
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


def example_extraction(example: dict[str, Any], rule: Rule) -> Extraction:
    if "python" in example:
        return extraction_from_python(example["python"])
    role = example.get("role") or ("user" if "user" in rule.roles else sorted(rule.roles)[0])
    return extraction_from_text(example["text"], role, system=example.get("system"),
                                fmt=example.get("format", "text"))


def run_example(rule: Rule, example: dict[str, Any]) -> list[Finding]:
    """Findings of `rule` (only) on one example."""
    return [f for f in run_rules(example_extraction(example, rule), [rule]) if f.code == rule.code]
