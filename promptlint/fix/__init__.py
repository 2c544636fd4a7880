"""`promptlint fix`: apply findings' fixes to prompt strings, verified and idempotent.

Public API:
    fix_paths(paths, config, rules, *, unsafe=False, write=True, force_exclude=False, cache=None, jobs=None,
              load_rules=None, warnings=None) -> list[FileResult]   (lints with `check`'s pipeline first)
    fix_source(source, selection, path, *, unsafe=False, operator_context=None) -> FileResult

Nothing on the `check` path imports this package (it pulls in libcst and ruamel.yaml lazily).
"""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_ROUNDS", "FileResult", "fix_paths", "fix_source"]


def __getattr__(name: str) -> Any:
    """The names above, imported on first use: `fix` on a tree with nothing to fix never loads `core`."""
    if name == "FileResult":
        from promptlint.fix import result

        return result.FileResult
    if name == "fix_paths":
        from promptlint.fix import files

        return files.fix_paths
    if name in ("MAX_ROUNDS", "fix_source"):
        from promptlint.fix import core

        return getattr(core, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
