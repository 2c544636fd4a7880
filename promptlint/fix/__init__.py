"""`promptlint fix`: apply findings' fixes to prompt strings, verified and idempotent.

Public API:
    fix_paths(paths, config, rules, *, unsafe=False, write=True, force_exclude=False, cache=None, jobs=None,
              load_rules=None, warnings=None) -> list[FileResult]   (lints with `check`'s pipeline first)
    fix_source(source, selection, path, *, unsafe=False, operator_context=None) -> FileResult

Nothing on the `check` path imports this package (it pulls in libcst and ruamel.yaml lazily).
"""

from __future__ import annotations

from promptlint.fix.core import MAX_ROUNDS, FileResult, fix_paths, fix_source

__all__ = ["MAX_ROUNDS", "FileResult", "fix_paths", "fix_source"]
