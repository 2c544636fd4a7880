"""Linting many files across cores with a process pool, started only when the work pays for it.

Python's `ast` and the regex engine hold the GIL, so threads would not help: files go to worker
processes. A pool costs tens of milliseconds to start (more with `spawn`), so small runs — the
pre-commit case, one or a few files — stay in the calling process. Results come back in input
order, so output is byte-identical to a serial run.

Workers are forked on Linux (they inherit the loaded rules and already compiled regexes); elsewhere
they are spawned and reload the rule set from `config.rule_paths` in an initializer. A worker returns
a file's findings and, only when there are findings, its `SourceFile` (reporters quote source lines),
so memory does not grow with the size of the tree. Errors in a worker come back as values and are
raised again in the parent with their type (RuleError, InternalError).

The function that lints one file is handed in by the caller (`runner.lint_file`): this module knows how to
spread work over processes, not how a file is linted, and imports nothing above it.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from promptlint.errors import InternalError
from promptlint.model import SourceFile

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.config import Config
    from promptlint.discovery import SourcePath
    from promptlint.result_cache import ResultCache
    from promptlint.runner import FileResult
    from promptlint.selection import Selection

    #: Lints one file: `runner.lint_file`.
    LintFile = Callable[[SourcePath, Selection, ResultCache | None], FileResult]

#: Fewer files than this to lint (cache misses) and the pool is not started.
MIN_FILES = 48
#: Each worker should get at least this many files, or it costs more to start than it saves.
FILES_PER_WORKER = 24
ENV_JOBS = "PROMPTLINT_JOBS"

_STATE: dict[str, Any] = {}


@dataclass(slots=True)
class _Failure:
    """An exception raised in a worker, carried back as plain data."""

    kind: str  # "rule" | "internal"
    message: str
    path: str | None = None
    line: int | None = None


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask, not the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def worker_count(n_files: int, jobs: int | None = None) -> int:
    """How many processes to lint `n_files` with: 1 means in-process.

    `jobs` (or `PROMPTLINT_JOBS`) forces a number; 0 or None means automatic.
    """
    if not jobs:
        env = os.environ.get(ENV_JOBS, "").strip()
        jobs = int(env) if env.isdigit() else 0
    if jobs:
        return max(1, min(jobs, n_files))
    if n_files < MIN_FILES:
        return 1
    return max(1, min(available_cpus(), n_files // FILES_PER_WORKER))


def _context() -> Any:
    import multiprocessing

    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method)


def lint_items(
    items: Sequence[SourcePath], selection: Selection, cache: ResultCache | None, workers: int, lint_file: LintFile,
) -> list[FileResult]:
    """Lint `items` with `lint_file` in `workers` processes; results in the order of `items`.

    `lint_file` must be a module-level function (spawned workers import it by name)."""
    if workers <= 1 or len(items) <= 1:
        return [lint_file(item, selection, cache) for item in items]
    ctx = _context()
    _warm_up(items, selection)
    chunksize = max(1, min(16, len(items) // (workers * 4)))
    if ctx.get_start_method() == "fork":
        _STATE.update(selection=selection, cache=cache, lint_file=lint_file)
        initializer, initargs = None, ()
    else:
        codes = [r.code for r in selection.all_rules]
        initializer, initargs = _init_spawned, (selection.config, codes, cache, lint_file)
    # Everything made so far is shared with forked workers: frozen, their garbage collector neither walks
    # it at every full collection nor writes to (and so copies) its pages. Measured: ~15% less CPU.
    gc.freeze()
    try:
        with ctx.Pool(workers, initializer=initializer, initargs=initargs) as pool:
            results = pool.map(_work, items, chunksize=chunksize)
    finally:
        _STATE.clear()
        gc.unfreeze()
    out: list[FileResult] = []
    for result in results:
        if isinstance(result, _Failure):
            raise _exception(result)
        out.append(result)
    return out


def _warm_up(items: Sequence[SourcePath], selection: Selection) -> None:
    """Do once, before the pool starts, what every worker would otherwise do on its own.

    Why: rules compile their full regexes (and build their gates) on first use and extractors / checks
    compile theirs on import. Done in a worker, that work is repeated per worker and its disk-cache entries die with it
    (workers exit without saving). Done here, forked workers inherit the result, and saving the disk
    cache now lets spawned workers (and later runs) load it instead of compiling.
    """
    import contextlib
    import importlib

    from promptlint import diskcache
    from promptlint.extractors import format_for
    from promptlint.rules_engine import gates

    for module in sorted({format_for(item.file) or "yaml" for item in items}):
        importlib.import_module(f"promptlint.extractors.{module}")
    for rule in selection.rules:
        compiled = rule.spec.get("compiled")
        if rule.kind in ("pattern", "condition") and compiled is not None:
            with contextlib.suppress(Exception):  # a broken rule is reported by the worker that meets it
                gates.build_all(list(dict(compiled).values()))
        elif rule.kind == "check" and compiled is not None:
            with contextlib.suppress(Exception):
                importlib.import_module(f"promptlint.checks.{compiled['check']}")
    diskcache.save()


def _init_spawned(config: Config, codes: list[str], cache: ResultCache | None, lint_file: LintFile) -> None:
    """Spawned workers rebuild the selection from the rule files (rules hold compiled closures)."""
    from promptlint.rules_engine.ruleset import load_rules
    from promptlint.selection import Selection

    wanted = set(codes)
    rules = [r for r in load_rules(list(config.rule_paths)) if r.code in wanted]
    _STATE.update(selection=Selection.build(config, rules), cache=cache, lint_file=lint_file)


def _work(item: SourcePath) -> FileResult | _Failure:
    """Worker side: lint one file; drop the source text unless a reporter will need it."""
    try:
        result = _STATE["lint_file"](item, _STATE["selection"], _STATE["cache"])
    except Exception as exc:
        return _failure(exc, item.display)
    source = result.source
    if source is not None:
        result.source = SourceFile(source.path, source.text, source.bom, source.encoding) if result.findings else None
    return result


def _failure(exc: Exception, display: str) -> _Failure:
    from promptlint.rules_engine.errors import RuleError  # here: a warm run, which starts no pool, never needs it

    if isinstance(exc, RuleError):
        return _Failure("rule", exc.message, str(exc.path) if exc.path else None, exc.line)
    if isinstance(exc, InternalError):
        return _Failure("internal", str(exc))
    return _Failure("internal", f"{display}: {type(exc).__name__}: {exc}")


def _exception(failure: _Failure) -> Exception:
    from promptlint.rules_engine.errors import RuleError

    if failure.kind == "rule":
        return RuleError(failure.path, failure.line, failure.message)
    return InternalError(failure.message)
