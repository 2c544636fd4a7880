"""Shared helpers of the Python extraction tests: extract from a snippet, and list what was found."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

from promptlint.extractors.python import extract
from promptlint.model import Prompt, SourceFile


def runner(default_path: str) -> Callable[..., tuple[SourceFile, list[Prompt]]]:
    """`run(code, path=default_path)`: the snippet (dedented) as a file, and the prompts extracted from it."""

    def run(code: str, path: str = default_path) -> tuple[SourceFile, list[Prompt]]:
        source = SourceFile(path, textwrap.dedent(code))
        extraction = extract(source)
        assert extraction.problem is None, extraction.problem
        return source, extraction.prompts

    return run


def found(source: SourceFile, prompts: list[Prompt]) -> list[tuple[int, str, str]]:
    """(first line, text, sink kind) of each prompt."""
    return [(source.position(p.positions.file_offset(0))[0], p.text, p.sink.kind if p.sink else "")
            for p in prompts]
