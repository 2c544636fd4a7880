"""Finding the files to lint: walk, honour `.gitignore`, apply include / exclude.

Like ruff: directories are walked (sorted, so output order is stable), files
ignored by git or excluded by config are skipped, and a file named on the
command line is always linted unless `--force-exclude` asks for the exclude
globs to apply to it too (what pre-commit needs, since it passes every
changed file explicitly). Symlinked directories are not followed while
walking, so a symlink loop cannot hang the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from promptlint.config import Config
from promptlint.extractors import DEFAULT_SUFFIXES

#: Directory names never walked into (VCS data, virtualenvs, caches, vendored packages).
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".bzr", ".jj", ".git-rewrite", ".venv", "venv", ".direnv", ".eggs", ".tox", ".nox",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", ".pytype", ".ipynb_checkpoints", ".promptlint_cache",
    "__pycache__", "__pypackages__", "node_modules", "site-packages", "buck-out", "_build",
})  # fmt: skip


@dataclass(slots=True, frozen=True)
class SourcePath:
    """A file to lint: where it is, and the path to show (relative to cwd, forward slashes)."""

    path: Path
    display: str
    explicit: bool = False


def display_path(path: Path, cwd: Path | None = None) -> str:
    """Path relative to the working directory when under it, with forward slashes."""
    cwd = cwd or Path.cwd()
    absolute = path if path.is_absolute() else cwd / path
    try:
        return Path(os.path.normpath(absolute)).relative_to(cwd).as_posix()
    except ValueError:
        return Path(os.path.normpath(absolute)).as_posix()


def _spec(lines: Sequence[str]) -> Any:
    """A gitignore-style spec; pathspec is imported only when a pattern needs it (start-up time)."""
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


class _Matchers:
    """Compiled include / exclude specs, matched against paths relative to the config root."""

    def __init__(self, config: Config) -> None:
        self.root = config.root.resolve()
        self.exclude = _spec(config.exclude) if config.exclude else None
        self.include = _spec(config.include) if config.include else None

    def _relative(self, path: Path) -> str | None:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return None

    def excluded(self, path: Path, is_dir: bool) -> bool:
        if self.exclude is None:
            return False
        rel = self._relative(path)
        if rel is None or rel == ".":
            return False
        return self.exclude.match_file(rel + "/" if is_dir else rel) or (is_dir and self.exclude.match_file(rel))

    def included(self, path: Path) -> bool:
        if path.suffix.lower() in DEFAULT_SUFFIXES:
            return True
        if self.include is None:
            return False
        rel = self._relative(path)
        return rel is not None and self.include.match_file(rel)


class _GitIgnores:
    """The stack of `.gitignore` files that apply to a directory; deeper files win."""

    def __init__(self) -> None:
        self._cache: dict[Path, Any] = {}

    def spec(self, directory: Path) -> Any:
        if directory not in self._cache:
            spec = None
            try:
                lines = (directory / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
                spec = _spec(lines)
            except OSError:
                pass
            self._cache[directory] = spec
        return self._cache[directory]

    def ancestors_to_repo_root(self, directory: Path) -> list[Path]:
        """Directories above `directory` up to the git work tree root (their .gitignore files apply)."""
        if (directory / ".git").exists():
            return []
        chain: list[Path] = []
        for folder in directory.parents:
            chain.append(folder)
            if (folder / ".git").exists():
                return chain
        return []  # not in a git repository: only .gitignore files inside the walked tree apply

    def ignored(self, path: Path, is_dir: bool, bases: Sequence[Path]) -> bool:
        """Git's rule: the deepest .gitignore with a matching pattern decides."""
        for base in reversed(bases):
            spec = self.spec(base)
            if spec is None:
                continue
            try:
                rel = path.relative_to(base).as_posix()
            except ValueError:
                continue
            result = spec.check_file(rel + "/" if is_dir else rel)
            if result.include is not None:
                return result.include
        return False


def iter_files(paths: Sequence[str | Path], config: Config, *, force_exclude: bool = False) -> Iterator[SourcePath]:
    """Yield the files to lint, each once, in a stable order (default path: `.`)."""
    matchers = _Matchers(config)
    ignores = _GitIgnores()
    cwd = Path.cwd()
    seen: set[Path] = set()
    for given in paths or ["."]:
        path = Path(given)
        absolute = Path(os.path.abspath(path))
        if absolute.is_dir():
            base_chain = ignores.ancestors_to_repo_root(absolute)
            base_chain.reverse()
            for file in _walk(absolute, matchers, ignores, base_chain):
                key = _identity(file)
                if key not in seen:
                    seen.add(key)
                    yield SourcePath(file, display_path(file, cwd))
        else:
            if force_exclude and _force_excluded(absolute, matchers):
                continue
            key = _identity(absolute)
            if key not in seen:
                seen.add(key)
                yield SourcePath(absolute, display_path(absolute, cwd), explicit=True)


def _identity(path: Path) -> Path:
    """The resolved path (so a file reached twice is linted once); a symlink loop stays as given.

    Why: `Path.resolve()` raises RuntimeError on a loop in Python 3.11 and OSError in 3.13; the
    file is then yielded as is and reading it reports the loop as PL000.
    """
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path


def _force_excluded(path: Path, matchers: _Matchers) -> bool:
    """With --force-exclude an explicit file is skipped if it or any parent folder is excluded."""
    if matchers.excluded(path, is_dir=False):
        return True
    return any(
        parent.name in SKIP_DIRS or matchers.excluded(parent, is_dir=True)
        for parent in path.parents
        if parent != matchers.root and matchers.root in parent.parents
    )


def _is_venv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


def _walk(top: Path, matchers: _Matchers, ignores: _GitIgnores, bases: list[Path]) -> Iterator[Path]:
    """Depth-first, sorted walk that does not follow symlinked directories."""
    visited: set[tuple[int, int]] = set()
    stack: list[tuple[Path, list[Path]]] = [(top, [*bases, top])]
    while stack:
        directory, chain = stack.pop()
        try:
            stat = directory.stat()
        except OSError:
            continue
        identity = (stat.st_dev, stat.st_ino)
        if identity in visited:
            continue
        visited.add(identity)
        try:
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError:
            continue
        subdirs: list[Path] = []
        for entry in entries:
            child = directory / entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name in SKIP_DIRS or _is_venv(child):
                        continue
                    if matchers.excluded(child, is_dir=True) or ignores.ignored(child, True, chain):
                        continue
                    subdirs.append(child)
                elif entry.is_file():  # follows a symlink to a file
                    if not matchers.included(child):
                        continue
                    if matchers.excluded(child, is_dir=False) or ignores.ignored(child, False, chain):
                        continue
                    yield child
            except OSError:
                continue
        # Push in reverse so that subdirectories are walked in sorted order, after this folder's files.
        for sub in reversed(subdirs):
            stack.append((sub, [*chain, sub]))
