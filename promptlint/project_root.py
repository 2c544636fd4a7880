"""The project root that CI reports name files from: the git work tree's root, else the config's folder.

`check` prints paths relative to the working directory, as ruff does; SARIF, GitHub annotations and
JUnit reports are read by tools that resolve paths from the repository's root (code scanning, the
pull request's diff, a test report viewer), so a run from a subfolder must still name
`app/prompts.py`, not `prompts.py`. The root is the git work tree holding the first linted path
(a `.git` folder or file, so worktrees and submodules count); without git, the folder of the config
file in force; without either, the working directory.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def find_project_root(paths: Sequence[str | Path], config: Any = None) -> Path:
    cwd = Path.cwd()
    start = Path(os.path.abspath(paths[0])) if paths else cwd
    if not start.is_dir():
        start = start.parent
    for folder in (start, *start.parents):
        if os.path.lexists(folder / ".git"):  # never raises: a folder that cannot be searched just has no .git
            return folder
    config_path = getattr(config, "path", None)
    if config_path is not None and Path(config_path).is_file():
        return Path(config_path).parent
    return cwd


def relative_to_root(display: str, root: Path, cwd: Path | None = None) -> str | None:
    """`display` (a path relative to the working directory, or absolute) relative to `root`, with
    forward slashes; None when the file is outside the root."""
    absolute = os.path.normpath(os.path.join(cwd or Path.cwd(), display))
    for base, path in ((str(root), absolute), (os.path.realpath(root), _real(absolute))):
        rel = os.path.relpath(path, base)
        if rel != os.pardir and not rel.startswith(os.pardir + os.sep) and not os.path.isabs(rel):
            return Path(rel).as_posix()
    return None


def _real(path: str) -> str:
    """The path with its folders' symlinks resolved (not the file's own: that is the file linted)."""
    folder, name = os.path.split(path)
    return os.path.join(os.path.realpath(folder), name)
