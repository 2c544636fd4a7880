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
import re
from collections.abc import Iterator, Sequence
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


class SourcePath:
    """A file to lint: where it is, and the path to show (relative to cwd, forward slashes).

    `file` is the path as a string; the `Path` is built on first use (a warm run over a large tree
    answers most files from the stat index and never needs one).
    """

    __slots__ = ("_path", "display", "explicit", "file")

    def __init__(self, path: Path | str, display: str, explicit: bool = False) -> None:
        self.file = str(path)
        self.display = display
        self.explicit = explicit
        self._path = path if isinstance(path, Path) else None

    @property
    def path(self) -> Path:
        if self._path is None:
            self._path = Path(self.file)
        return self._path

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourcePath):
            return NotImplemented
        return (self.file, self.display, self.explicit) == (other.file, other.display, other.explicit)

    def __hash__(self) -> int:
        return hash((self.file, self.display, self.explicit))

    def __repr__(self) -> str:
        return f"SourcePath({self.file!r}, {self.display!r}, explicit={self.explicit})"

    def __getstate__(self) -> tuple[str, str, bool]:
        return self.file, self.display, self.explicit

    def __setstate__(self, state: tuple[str, str, bool]) -> None:
        self.file, self.display, self.explicit = state
        self._path = None


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

    def excluded(self, path: Path | str, is_dir: bool) -> bool:
        if self.exclude is None:
            return False
        rel = self._relative(Path(path))
        if rel is None or rel == ".":
            return False
        return self.exclude.match_file(rel + "/" if is_dir else rel) or (is_dir and self.exclude.match_file(rel))

    def included(self, path: Path | str) -> bool:
        name = path.name if isinstance(path, Path) else path.rpartition("/")[2]
        dot = name.rfind(".")  # Path.suffix, without building a Path
        if 0 < dot < len(name) - 1 and name[dot:].lower() in DEFAULT_SUFFIXES:
            return True
        if self.include is None:
            return False
        rel = self._relative(Path(path))
        return rel is not None and self.include.match_file(rel)


_GROUP_NAME_RE = re.compile(r"\(\?P<\w+>")


class _FastSpec:
    """A .gitignore without negated patterns: ignored iff one of its patterns matches, so all of its
    pathspec regexes are joined into one (one C-level match per path instead of a Python loop)."""

    def __init__(self, spec: Any) -> None:
        self.spec = spec
        self.regex: re.Pattern[str] | None = None
        patterns = [p for p in spec.patterns if p.include is not None]
        regexes = [getattr(p, "regex", None) for p in patterns]
        if all(p.include for p in patterns) and all(isinstance(r, re.Pattern) and isinstance(r.pattern, str)
                                                    and r.flags == re.UNICODE for r in regexes):
            joined = "|".join(f"(?:{_GROUP_NAME_RE.sub('(?:', r.pattern)})" for r in regexes) or "(?!)"
            try:
                self.regex = re.compile(joined)
            except re.error:
                self.regex = None

    def include(self, rel: str) -> bool | None:
        """pathspec's `check_file(rel).include`: True ignored, False re-included, None no pattern matched."""
        if self.regex is not None:
            return True if self.regex.match(rel) else None
        return self.spec.check_file(rel).include


class _GitIgnores:
    """The stack of `.gitignore` files that apply to a directory; deeper files win."""

    def __init__(self) -> None:
        self._cache: dict[str, _FastSpec | None] = {}

    def spec(self, directory: Path | str) -> _FastSpec | None:
        """The compiled .gitignore of `directory` (read and compiled once per directory)."""
        key = str(directory)
        if key not in self._cache:
            spec = None
            try:
                with open(os.path.join(key, ".gitignore"), encoding="utf-8", errors="replace") as file:
                    lines = file.read().splitlines()
                spec = _FastSpec(_spec(lines))
            except OSError:
                pass
            self._cache[key] = spec
        return self._cache[key]

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

    def ignored(self, path: Path | str, is_dir: bool, bases: Sequence[Path | str]) -> bool:
        """Git's rule: the deepest .gitignore with a matching pattern decides."""
        path = str(path)
        for base in reversed(bases):
            spec = self.spec(base)
            if spec is None:
                continue
            prefix = str(base).rstrip("/") + "/"
            if not path.startswith(prefix):
                continue
            rel = path[len(prefix):]
            include = spec.include(rel + "/" if is_dir else rel)
            if include is not None:
                return include
        return False


def iter_files(paths: Sequence[str | Path], config: Config, *, force_exclude: bool = False,
               prompt_files: list[SourcePath] | None = None) -> Iterator[SourcePath]:
    """Yield the files to lint, each once, in a stable order (default path: `.`).

    With `prompt_files`, the walk also collects there the files that may be standalone prompts
    (Markdown, text, Jinja, JSON... not linted by default, nor ignored or excluded): the project join
    decides which of them code loads or keeps in a prompt folder (`promptlint.project`).
    """
    matchers = _Matchers(config)
    ignores = _GitIgnores()
    cwd = Path.cwd()
    cwd_prefix = str(cwd).rstrip("/") + "/"
    seen: set[Path | str] = set()
    for given in paths or ["."]:
        path = Path(given)
        absolute = Path(os.path.abspath(path))
        if absolute.is_dir():
            base_chain = ignores.ancestors_to_repo_root(absolute)
            base_chain.reverse()
            real_top = str(_identity(absolute))
            others: list[tuple[str, str]] | None = [] if prompt_files is not None else None
            for file, key in _walk(str(absolute), real_top, matchers, ignores, [str(b) for b in base_chain], others):
                if key not in seen:
                    seen.add(key)
                    display = file[len(cwd_prefix):] if file.startswith(cwd_prefix) else None
                    yield SourcePath(file, display or display_path(Path(file), cwd))
            for file, key in others or ():
                if key not in seen and prompt_files is not None:
                    seen.add(key)
                    display = file[len(cwd_prefix):] if file.startswith(cwd_prefix) else None
                    prompt_files.append(SourcePath(file, display or display_path(Path(file), cwd)))
        else:
            if force_exclude and _force_excluded(absolute, matchers):
                continue
            key = str(_identity(absolute))
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


def _is_venv(directory: Path | str) -> bool:
    return os.path.isfile(os.path.join(directory, "pyvenv.cfg"))


def _walk(
    top: str, real_top: str, matchers: _Matchers, ignores: _GitIgnores, bases: list[str],
    others: list[tuple[str, str]] | None = None,
) -> Iterator[tuple[str, str]]:
    """Depth-first, sorted walk that does not follow symlinked directories: (path, resolved path) pairs.

    Paths are plain strings (no Path per entry); since no symlinked directory is entered, the resolved
    path of a regular file is its folder's resolved path plus its name, so only symlinked files are resolved.
    Files not linted by default that may be prompt files go to `others` (when given).
    """
    from promptlint.project import is_prompt_dir, is_prompt_file_candidate
    visited: set[tuple[int, int]] = set()
    stack: list[tuple[str, str, list[str]]] = [(top, real_top, [*bases, top])]
    while stack:
        directory, real, chain = stack.pop()
        try:
            stat = os.stat(directory)
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
        prefix = directory.rstrip("/") + "/"
        real_prefix = real.rstrip("/") + "/"
        subdirs: list[tuple[str, str]] = []
        for entry in entries:
            name = entry.name
            child = prefix + name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if name in SKIP_DIRS or _is_venv(child):
                        continue
                    if matchers.excluded(child, is_dir=True) or ignores.ignored(child, True, chain):
                        continue
                    subdirs.append((child, real_prefix + name))
                elif entry.is_file():  # follows a symlink to a file
                    if not matchers.included(child):
                        if others is not None and is_prompt_file_candidate(name, is_prompt_dir(directory)) and not (
                                matchers.excluded(child, is_dir=False) or ignores.ignored(child, False, chain)):
                            others.append((child, str(_identity(Path(child))) if entry.is_symlink()
                                           else real_prefix + name))
                        continue
                    if matchers.excluded(child, is_dir=False) or ignores.ignored(child, False, chain):
                        continue
                    yield child, (str(_identity(Path(child))) if entry.is_symlink() else real_prefix + name)
            except OSError:
                continue
        # Push in reverse so that subdirectories are walked in sorted order, after this folder's files.
        for sub, real_sub in reversed(subdirs):
            stack.append((sub, real_sub, [*chain, sub] if ignores.spec(sub) is not None else chain))
