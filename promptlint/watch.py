"""`check --watch`: check, then check again whenever a linted file, the config or a rule file changes.

Polling, with no dependency: every interval the tree is walked the way `check` walks it (so new
files count, and excluded or git-ignored ones do not) and each file's size and mtime compared with
the last run's, together with the config file and the rule folders. A change starts a new check,
which the result cache keeps cheap (only changed files are read). The interval grows with the time a
scan takes, so a large tree is not scanned back to back. Ctrl-C stops it (exit 0).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

MIN_INTERVAL = 0.3


def snapshot(args: argparse.Namespace) -> dict[str, tuple[int, int]]:
    """size and mtime of every file a check of `args` would read, and of its config and rule files."""
    from promptlint.config import ConfigError, find_config_file
    from promptlint.discovery import iter_files
    from promptlint.run_config import load_run_config

    paths = args.paths or ["."]
    watched: list[str] = []
    try:
        config = load_run_config(args, paths)
        watched.extend(item.file for item in iter_files(paths, config, force_exclude=args.force_exclude))
        for folder in config.rule_paths:
            watched.extend(str(p) for p in Path(folder).rglob("*.yaml"))
        if config.path is not None:
            watched.append(str(config.path))
    except ConfigError:
        pass  # a broken config: the check reports it; keep watching the config file itself
    explicit = getattr(args, "config", None)
    if explicit:
        watched.append(explicit)
    else:
        start = Path(paths[0]) if Path(paths[0]).exists() else Path.cwd()
        try:
            found = find_config_file(start)
        except ConfigError:
            found = None
        for folder in (start if start.is_dir() else start.parent, *start.resolve().parents):
            for name in (".promptlint.toml", "promptlint.toml", "pyproject.toml"):
                if (folder / name).exists():
                    watched.append(str(folder / name))
            if found is not None and folder == found.parent:
                break
    state: dict[str, tuple[int, int]] = {}
    for file in watched:
        try:
            info = os.stat(file)
        except OSError:
            continue
        state[file] = (info.st_size, info.st_mtime_ns)
    return state


def watch(args: argparse.Namespace, check_once: Callable[[argparse.Namespace], int],
          interval: float = MIN_INTERVAL) -> int:  # fmt: skip
    """Run `check_once` now and after every change, until interrupted."""
    from promptlint.errors import describe

    clear = sys.stdout.isatty()
    try:
        while True:
            if clear:
                sys.stdout.write("\x1b[2J\x1b[H")
            started = time.monotonic()
            before = snapshot(args)  # before the check: a change made while it runs starts another
            scan = time.monotonic() - started
            _stamp("Checking...")
            try:
                check_once(args)
            except Exception as exc:  # a bad config or rule file: say so and keep watching
                print(f"promptlint: error: {describe(exc)}", file=sys.stderr)
            sys.stdout.flush()
            _stamp("Watching for file changes.")
            while True:
                time.sleep(max(interval, 2 * scan))
                started = time.monotonic()
                now = snapshot(args)
                scan = time.monotonic() - started
                if now != before:
                    changed = sorted(set(now.items()) ^ set(before.items()))
                    _stamp(f"File change detected ({_name(changed)})...")
                    break
    except KeyboardInterrupt:
        return 0


def _name(changed: list[Any]) -> str:
    files = sorted({path for path, _stat in changed})
    shown = ", ".join(os.path.relpath(f) if os.path.isabs(f) else f for f in files[:3])
    return shown + (f" and {len(files) - 3} more" if len(files) > 3 else "")


def _stamp(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)
