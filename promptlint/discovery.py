"""Finding the files to lint: walk, honour `.gitignore`, apply include / exclude.

Like ruff: directories are walked (sorted, so output order is stable), files
ignored by git or excluded by config are skipped, and a file named on the
command line is always linted unless `--force-exclude` asks for the exclude
globs to apply to it too (what pre-commit needs, since it passes every
changed file explicitly). Symlinked directories are not followed while
walking, so a symlink loop cannot hang the run.
"""

from __future__ import annotations

import errno
import os
import re
import stat as stat_module
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from promptlint.config import Config
from promptlint.extractors import DEFAULT_SUFFIXES
from promptlint.source import read_regular

#: Where a problem met while walking goes: (absolute path, or path:line, and what is wrong).
Report = Callable[[str, str], None]

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

    __slots__ = ("_path", "display", "explicit", "file", "problem")

    def __init__(self, path: Path | str, display: str, explicit: bool = False, problem: str | None = None) -> None:
        self.file = str(path)
        self.display = display
        self.explicit = explicit
        #: Why a path named on the command line cannot be linted at all (a folder that cannot be listed): PL000.
        self.problem = problem
        self._path = path if isinstance(path, Path) else None

    @property
    def path(self) -> Path:
        if self._path is None:
            self._path = Path(self.file)
        return self._path

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SourcePath):
            return NotImplemented
        return self.__getstate__() == other.__getstate__()

    def __hash__(self) -> int:
        return hash(self.__getstate__())

    def __repr__(self) -> str:
        problem = f", problem={self.problem!r}" if self.problem else ""
        return f"SourcePath({self.file!r}, {self.display!r}, explicit={self.explicit}{problem})"

    def __getstate__(self) -> tuple[str, str, bool, str | None]:
        return self.file, self.display, self.explicit, self.problem

    def __setstate__(self, state: tuple[str, str, bool, str | None]) -> None:
        self.file, self.display, self.explicit, self.problem = state
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


class Matchers:
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
    """The stack of `.gitignore` files that apply to a directory; deeper files win.

    A .gitignore that cannot be read, or a pattern in it that does not compile, is reported through
    `report(path, message)` (a warning) and left out: the rest of its patterns still apply, as in git.
    """

    def __init__(self, report: Report | None = None) -> None:
        self._cache: dict[str, _FastSpec | None] = {}
        self._report = report

    def spec(self, directory: Path | str) -> _FastSpec | None:
        """The compiled .gitignore of `directory` (read and compiled once per directory)."""
        key = str(directory)
        if key not in self._cache:
            self._cache[key] = self._read(os.path.join(key, ".gitignore"))
        return self._cache[key]

    def _read(self, file: str) -> _FastSpec | None:
        try:
            lines = read_regular(file).decode("utf-8", "replace").splitlines()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        except OSError as exc:
            self._warn(file, f"cannot read ({exc.strerror or exc}); its patterns are not applied")
            return None
        try:
            return _FastSpec(_spec(lines))
        except Exception:  # a pattern pathspec cannot compile ("[z-a]"): leave out just that line
            good = []
            for number, line in enumerate(lines, 1):
                try:
                    _spec([line])
                except Exception as exc:
                    reason = re.sub(r" at position \d+$", "", str(exc).splitlines()[0] if str(exc) else "")
                    reason = reason or type(exc).__name__
                    self._warn(f"{file}:{number}", f"invalid pattern {line!r} not applied ({reason})")
                else:
                    good.append(line)
            return _FastSpec(_spec(good))

    def _warn(self, where: str, message: str) -> None:
        if self._report is not None:
            self._report(where, message)

    def ancestors_to_repo_root(self, directory: Path) -> list[Path]:
        """Directories above `directory` up to the git work tree root (their .gitignore files apply)."""
        if os.path.exists(directory / ".git"):
            return []
        chain: list[Path] = []
        for folder in directory.parents:
            chain.append(folder)
            if os.path.exists(folder / ".git"):
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
               prompt_files: list[SourcePath] | None = None,
               warn: Callable[[str], None] | None = None) -> Iterator[SourcePath]:
    """Yield the files to lint, each once, in a stable order (default path: `.`).

    With `prompt_files`, the walk also collects there the files that may be standalone prompts
    (Markdown, text, Jinja, JSON... not linted by default, nor ignored or excluded): the project join
    decides which of them code loads or keeps in a prompt folder (`promptlint.project`).

    A path named on the command line is always yielded: one that cannot be read is reported by reading it
    (PL000), a folder that cannot be listed carries its `problem`. What the walk meets and cannot lint — a
    folder it cannot list, a dangling or looping symlink, a FIFO, socket or device with a name that would be
    linted, an unreadable .gitignore — goes to `warn` as one line naming the path, and the walk goes on.
    """
    cwd = Path.cwd()
    cwd_prefix = str(cwd).rstrip("/") + "/"

    def show(path: str) -> str:
        return path[len(cwd_prefix):] if path.startswith(cwd_prefix) else display_path(Path(path), cwd)

    def report(path: str, message: str) -> None:
        if warn is not None:
            warn(f"{show(path)}: {message}")

    matchers = Matchers(config)
    ignores = _GitIgnores(report)
    seen: set[Path | str] = set()
    for given in paths or ["."]:
        path = Path(given)
        absolute = Path(os.path.abspath(path))
        if os.path.isdir(absolute):
            try:
                os.scandir(absolute).close()
            except OSError as exc:
                key = str(_identity(absolute))
                if key not in seen:
                    seen.add(key)
                    yield SourcePath(absolute, display_path(absolute, cwd), explicit=True,
                                     problem=f"cannot read directory: {exc.strerror or exc}")
                continue
            base_chain = ignores.ancestors_to_repo_root(absolute)
            base_chain.reverse()
            real_top = str(_identity(absolute))
            others: list[tuple[str, str]] | None = [] if prompt_files is not None else None
            for file, key in _walk(str(absolute), real_top, matchers, ignores, [str(b) for b in base_chain],
                                   report, others):
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
            if force_exclude and force_excluded(absolute, matchers):
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


def force_excluded(path: Path, matchers: Matchers) -> bool:
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
    top: str, real_top: str, matchers: Matchers, ignores: _GitIgnores, bases: list[str], report: Report,
    others: list[tuple[str, str]] | None = None,
) -> Iterator[tuple[str, str]]:
    """Depth-first, sorted walk that does not follow symlinked directories: (path, resolved path) pairs.

    Paths are plain strings (no Path per entry); since no symlinked directory is entered, the resolved
    path of a regular file is its folder's resolved path plus its name, so only symlinked files are resolved.
    What cannot be walked or read is `report`ed (path, why) and skipped. Files not linted by default that may be
    prompt files go to `others` (when given).
    """
    from promptlint.project import is_prompt_dir, is_prompt_file_candidate

    visited: set[tuple[int, int]] = set()
    stack: list[tuple[str, str, list[str]]] = [(top, real_top, bases)]
    while stack:
        directory, real, chain = stack.pop()
        try:
            stat = os.stat(directory)
            identity = (stat.st_dev, stat.st_ino)
            if identity in visited:
                continue
            visited.add(identity)
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as exc:
            report(directory, f"cannot read directory ({exc.strerror or exc}); its files are not linted")
            continue
        if any(entry.name == ".gitignore" for entry in entries) and ignores.spec(directory) is not None:
            chain = [*chain, directory]  # read once listed: a folder that cannot be listed is reported once
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
                elif _is_file(entry):  # follows a symlink to a file
                    if not matchers.included(child):
                        if others is not None and is_prompt_file_candidate(name, is_prompt_dir(directory)) and not (
                                matchers.excluded(child, is_dir=False) or ignores.ignored(child, False, chain)):
                            others.append((child, str(_identity(Path(child))) if entry.is_symlink()
                                           else real_prefix + name))
                        continue
                    if matchers.excluded(child, is_dir=False) or ignores.ignored(child, False, chain):
                        continue
                    yield child, (str(_identity(Path(child))) if entry.is_symlink() else real_prefix + name)
                elif not _is_file(entry, dir_link=True) and _lintable(child, matchers, ignores, chain):
                    report(child, f"not linted: {_not_a_file(entry)}")  # would be linted, but is not a file
            except OSError as exc:
                report(child, f"not linted: cannot read ({exc.strerror or exc})")
        # Push in reverse so that subdirectories are walked in sorted order, after this folder's files.
        for sub, real_sub in reversed(subdirs):
            stack.append((sub, real_sub, chain))


def _lintable(path: str, matchers: Matchers, ignores: _GitIgnores, chain: list[str]) -> bool:
    """Would a file at `path` be linted (a lintable name, neither excluded nor ignored by git)?"""
    return (matchers.included(path) and not matchers.excluded(path, is_dir=False)
            and not ignores.ignored(path, False, chain))  # fmt: skip


def _is_file(entry: os.DirEntry[str], dir_link: bool = False) -> bool:
    """`entry.is_file()` (`entry.is_dir()` with `dir_link`: a symlink to a folder, never followed), following
    symlinks; False for a symlink loop, where they raise ELOOP."""
    try:
        return entry.is_dir() if dir_link else entry.is_file()
    except OSError:
        return False


def _not_a_file(entry: os.DirEntry[str]) -> str:
    """Why a directory entry with a lintable name is not a file: a dangling or looping symlink, or its kind."""
    if entry.is_symlink():
        try:
            mode = os.stat(entry.path).st_mode
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "symlink loop"
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                return f"dangling symlink (to {os.readlink(entry.path)!r}, which does not exist)"
            return f"cannot follow symlink ({exc.strerror or exc})"
    else:
        mode = entry.stat(follow_symlinks=False).st_mode
    for test, kind in ((stat_module.S_ISFIFO, "a FIFO"), (stat_module.S_ISSOCK, "a socket"),
                       (stat_module.S_ISCHR, "a character device"), (stat_module.S_ISBLK, "a block device")):
        if test(mode):
            return f"{kind}, not a regular file"
    return "not a regular file"
