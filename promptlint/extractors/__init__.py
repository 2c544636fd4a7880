"""Extractors: one module per source format, each `extract(SourceFile) -> Extraction`.

Extractors are imported lazily so that a run over Python files never pays
for the YAML machinery and vice versa.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import PurePath

from promptlint.model import Extraction, SourceFile

Extractor = Callable[[SourceFile], Extraction]

#: suffix -> module under promptlint.extractors
_BY_SUFFIX = {
    ".py": "python",
    ".pyi": "python",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".prompty": "prompty",
    ".prompt": "dotprompt",
    ".toml": "tomlprompt",
}

#: Suffixes `check` lints by default (configured globs add more).
DEFAULT_SUFFIXES = frozenset(_BY_SUFFIX)


def format_for(path: str | PurePath) -> str | None:
    """Name of the extractor module for a path, or None if not lintable."""
    return _BY_SUFFIX.get(PurePath(path).suffix.lower())


def extractor_for(path: str | PurePath, default: str = "yaml") -> Extractor:
    """The extractor for a path; files matched only by a configured glob use `default`."""
    module = format_for(path) or default
    return importlib.import_module(f"promptlint.extractors.{module}").extract
