"""What a command starts from: the paths it was given, the config with the command line's overrides, the rules.

Shared by `check`, `fix` (rule-based and `--llm`) and `--watch`, below all of them. Imports nothing heavy
at module level: the config reader, the rules engine and the result cache are imported by the function
that needs them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from promptlint.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    import argparse

    from promptlint.config import Config
    from promptlint.result_cache import ResultCache
    from promptlint.rules_engine.rule import Rule


def selectors(values: Sequence[str] | None) -> list[str] | None:
    """`--select A,B --select C` as one list of codes and prefixes (None when the flag was not given)."""
    if values is None:
        return None
    return [part for value in values for part in value.split(",") if part.strip()]


def require_paths(paths: Sequence[str]) -> None:
    """A path that does not exist is a usage error (exit 2), like ruff: a typo must not pass as "clean"."""
    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or folder")


def load_run_config(args: argparse.Namespace, paths: Sequence[str]) -> Config:
    """The config found for `paths` (or named by `--config`), with the command line's selection on top."""
    from promptlint.config import load_config

    if getattr(args, "config", None) and getattr(args, "no_config", False):
        raise UsageError("--config and --no-config cannot be used together")
    config = load_config(paths, getattr(args, "config", None), isolated=getattr(args, "no_config", False))
    config = config.with_overrides(
        select=selectors(getattr(args, "select", None)),
        extend_select=selectors(getattr(args, "extend_select", None)),
        ignore=selectors(getattr(args, "ignore", None)),
        fail_on=getattr(args, "fail_on", None),
    )
    if getattr(args, "verbose", False):
        print(f"promptlint: config: {config.path or '(defaults)'}", file=sys.stderr)
    return config


def load_all_rules(config: Config) -> list[Rule]:
    """The built-in rules and those of the config's `rule-paths`."""
    from promptlint.rules_engine import load_rules

    return load_rules(list(config.rule_paths))


def cached_rules_and_cache(
    config: Config, load: Callable[[Config], list[Rule]] = load_all_rules,
) -> tuple[list[Rule], ResultCache, Callable[[], list[Rule]] | None]:
    """Rules, result cache and rule loader for a cached run.

    When the rule files are unchanged since the last run, the rules are the cache's metadata
    stand-ins and the real ones are loaded only if a file misses the cache (a warm run never
    imports the rules engine or yaml).
    """
    from promptlint.result_cache import ResultCache, cached_rules, store_rules

    stand_ins = cached_rules(config)
    if stand_ins is not None:
        return stand_ins, ResultCache.for_run(config, stand_ins), lambda: load(config)
    rules = load(config)
    store_rules(config, rules)
    return rules, ResultCache.for_run(config, rules), None
