"""Result cache keys and storage: a file whose content, rules and effective config are unchanged is not linted again.

The findings of every file live in one index per run (`promptlint.cache_index`); this module says what
they are keyed by and where they are stored. Stored findings are final (after per-file ignores, `# noqa`
and PL001), so a hit returns exactly what a fresh run would. Keys cover everything they depend on:

- per file: its decoded text, its display path (findings carry it) and the codes enabled for it
  (selection and the `per-file-ignores` that apply) -- `ResultCache.file_key`;
- per run: promptlint's version and the stat fingerprint of its own source files (an editable
  install changes without a version bump), the Python minor version (`ast` differs), the content of
  every rule and lexicon file (built-in and `rule-paths`), the rule set handed to the run, and the
  config that shapes findings (select / extend-select / ignore / per-file-ignores / max-file-size /
  operator-context) -- `run_key`, which names the index file.

Files are written atomically (temporary file + `os.replace`) with user-only permissions (0600 files,
0700 folders) under `.promptlint_cache/` at the config root, or `PROMPTLINT_CACHE_DIR`, or a
`cache-dir` config key when the config has one. The folder carries `CACHEDIR.TAG` and a `.gitignore`
of `*`. A corrupt, foreign or unreadable index is an empty one; a cache that cannot be written is
silently skipped (linting never fails because of the cache). Nothing here imports the rules engine or
yaml, so a warm run need not pay for them.
"""

from __future__ import annotations

import contextlib
import functools
import marshal
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptlint import __version__
from promptlint.atomic import private_dir, replace_file
from promptlint.model import Edit, Finding, Fix, Severity, SourceFile
from promptlint.source import read_regular

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.cache_index import StatIndex

#: Bumped when the entry layout changes.
FORMAT = 1
CACHE_DIR_NAME = ".promptlint_cache"
ENV_CACHE_DIR = "PROMPTLINT_CACHE_DIR"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by promptlint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
_PACKAGE_DIR = Path(__file__).resolve().parent


def cache_dir_for(config: Any) -> Path:
    """Where the cache lives: `PROMPTLINT_CACHE_DIR`, else the config's `cache-dir`, else `<root>/.promptlint_cache`.

    The config key is read at the top level if the config has one, else from `[tool.promptlint.llm]`
    (the one promptlint folder for cached results; lint entries live under `v1/`).
    """
    env = os.environ.get(ENV_CACHE_DIR)
    if env:
        return Path(env).expanduser().resolve()
    configured = getattr(config, "cache_dir", None) or getattr(getattr(config, "llm", None), "cache_dir", None)
    if configured:
        return Path(configured)
    return Path(config.root) / CACHE_DIR_NAME


def _digest(parts: Iterable[bytes]) -> str:
    try:
        from _blake2 import blake2b  # not `hashlib`: it loads OpenSSL, ~3 ms of start-up
    except ImportError:  # pragma: no cover - CPython always has it
        from hashlib import blake2b
    h = blake2b(digest_size=20)
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def builtin_rules_dir() -> Path:
    """Same answer as `promptlint.rules_engine.builtin_rules_dir()`, without importing the engine (start-up)."""
    packaged = _PACKAGE_DIR / "_builtin_rules"
    return packaged if packaged.is_dir() else _PACKAGE_DIR.parent / "rules"


def rule_files(dirs: Sequence[Path]) -> list[Path]:
    """Every rule and lexicon file the engine reads from these folders, in a stable order."""
    files: list[Path] = []
    for directory in dirs:
        files += sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
        files += sorted((directory / "lexicons").glob("*.yaml"))
    return files


def rules_hash(rule_paths: Sequence[Path] = ()) -> str:
    """Hash of the content of every built-in and custom rule and lexicon file."""
    parts: list[bytes] = []
    for path in rule_files([builtin_rules_dir(), *map(Path, rule_paths)]):
        try:
            parts += [str(path).encode(), read_regular(path)]  # a FIFO named like a rule is refused, not waited on
        except OSError:
            parts += [str(path).encode(), b"<unreadable>"]
    return _digest(parts)


@functools.cache
def code_fingerprint() -> str:
    """Stat fingerprint of promptlint's own modules and data (the facts model, its word classes and clusters): an
    edited checkout or a retrained model invalidates the cache without a version bump."""
    parts: list[bytes] = []
    for root, dirs, files in os.walk(_PACKAGE_DIR):  # os.walk: several times faster than Path.rglob
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".json", ".txt")):
                with contextlib.suppress(OSError):
                    stat = os.stat(os.path.join(root, name))
                    parts.append(f"{root}/{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return _digest(parts)


def _rules_summary(rules: Sequence[Any]) -> list[Any]:
    return sorted(
        [r.code, r.name, str(r.severity), r.kind, bool(r.default_enabled), sorted(r.roles),
         sorted(r.formats) if r.formats is not None else None, r.hint, str(r.path) if r.path else None]
        for r in rules
    )  # fmt: skip


def _config_summary(config: Any) -> dict[str, Any]:
    llm = getattr(config, "llm", None)
    return {
        "select": config.select,
        "extend_select": list(config.extend_select),
        "ignore": list(config.ignore),
        "cli_selectors": sorted((k, list(v)) for k, v in getattr(config, "cli_selectors", {}).items()),
        "per_file_ignores": sorted([glob, list(codes)] for glob, codes in config.per_file_ignores.items()),
        "include": list(config.include),
        "max_file_size": config.max_file_size,
        "root": str(config.root),
        "operator_context": getattr(llm, "operator_context", None),
    }


def run_key(config: Any, rules: Sequence[Any]) -> str:
    """Everything the findings of every file depend on, besides the file itself."""
    summary = {
        "format": FORMAT,
        "version": __version__,
        "python": list(sys.version_info[:2]),
        "code": code_fingerprint(),
        "rules": rules_hash(list(config.rule_paths)),
        "rule_set": _rules_summary(rules),
        "config": _config_summary(config),
    }
    return _digest([repr(_canonical(summary)).encode()])


def _canonical(value: Any) -> Any:
    """Plain data in one spelling (dict keys sorted, other objects as `str`): hashed as its `repr`, which
    for these types is stable across runs (json would do, at ~3 ms of start-up for its import)."""
    if isinstance(value, dict):
        return sorted((str(k), _canonical(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


# -- rules without the engine -------------------------------------------------------


@dataclass(slots=True, frozen=True)
class RuleDocInfo:
    what: str
    why: str
    example: str
    use_instead: str
    fix_safety: str


@dataclass(slots=True)
class RuleInfo:
    """The parts of a `Rule` that selection, suppressions and reporters read, restored without the engine.

    A warm run builds its selection from these; it never imports yaml or the rules engine unless a
    file misses the cache (then the runner loads the real rules).
    """

    code: str
    name: str
    severity: Severity
    kind: str
    message: str
    hint: str
    docs: RuleDocInfo
    roles: frozenset[str]
    formats: frozenset[str] | None = None
    default_enabled: bool = True
    never_fix: bool = False
    examples: dict[str, list[Any]] = field(default_factory=dict)
    spec: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    line: int = 1


def _rules_entry(directory: Path, config: Any) -> Path:
    key = _digest([f"{FORMAT}\0{__version__}\0{code_fingerprint()}".encode(),
                   rules_hash(list(config.rule_paths)).encode()])  # fmt: skip
    return directory / f"v{FORMAT}" / f"rules-{key}.marshal"


def store_rules(config: Any, rules: Sequence[Any]) -> None:
    """Remember the rule set's metadata for `cached_rules` (keyed by the rule files' content)."""
    rows = [{
        "code": r.code, "name": r.name, "severity": str(r.severity), "kind": r.kind, "message": r.message,
        "hint": r.hint, "docs": [r.docs.what, r.docs.why, r.docs.example, r.docs.use_instead, r.docs.fix_safety],
        "roles": sorted(r.roles), "formats": sorted(r.formats) if r.formats is not None else None,
        "default_enabled": bool(r.default_enabled), "never_fix": bool(r.never_fix),
        "path": str(r.path) if r.path else None, "line": r.line,
    } for r in rules]  # fmt: skip
    cache = ResultCache(cache_dir_for(config), "rules")
    cache.write(_rules_entry(cache.directory, config), marshal.dumps(rows))


def cached_rules(config: Any) -> list[RuleInfo] | None:
    """The rule set's metadata stored by a previous run with the same rule files, or None."""
    try:
        rows = marshal.loads(_rules_entry(cache_dir_for(config), config).read_bytes())
        return [RuleInfo(
            code=row["code"], name=row["name"], severity=Severity(row["severity"]), kind=row["kind"],
            message=row["message"], hint=row["hint"], docs=RuleDocInfo(*row["docs"]), roles=frozenset(row["roles"]),
            formats=frozenset(row["formats"]) if row["formats"] is not None else None,
            default_enabled=row["default_enabled"], never_fix=row["never_fix"],
            path=Path(row["path"]) if row["path"] else None, line=row["line"],
        ) for row in rows]  # fmt: skip
    except (OSError, EOFError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


# -- (de)serialising findings -------------------------------------------------------


def finding_to_dict(f: Finding) -> dict[str, Any]:
    """A JSON-safe dict holding every field of a Finding (its Fix included)."""
    fix = None
    if f.fix is not None:
        fix = {
            "message": f.fix.message, "applicability": f.fix.applicability,
            "edits": [[e.start, e.end, e.content] for e in f.fix.edits],
            "text_edits": [list(t) for t in f.fix.text_edits],
        }  # fmt: skip
    return {
        "code": f.code, "name": f.name, "severity": str(f.severity), "message": f.message, "path": f.path,
        "line": f.line, "column": f.column, "end_line": f.end_line, "end_column": f.end_column, "role": f.role,
        "fix": fix, "hint": f.hint, "span": list(f.span),
        "statement_span": list(f.statement_span) if f.statement_span is not None else None,
        "prompt_text": f.prompt_text, "never_fix": f.never_fix,
    }  # fmt: skip


def finding_from_dict(d: dict[str, Any]) -> Finding:
    """Inverse of `finding_to_dict`; raises KeyError / TypeError / ValueError on a malformed dict."""
    fix = None
    if d["fix"] is not None:
        raw = d["fix"]
        fix = Fix(raw["message"], raw["applicability"], [Edit(int(s), int(e), str(c)) for s, e, c in raw["edits"]],
                  [(int(s), int(e), str(c)) for s, e, c in raw["text_edits"]])  # fmt: skip
    span = d["statement_span"]
    return Finding(
        code=str(d["code"]), name=str(d["name"]), severity=Severity(d["severity"]), message=str(d["message"]),
        path=str(d["path"]), line=int(d["line"]), column=int(d["column"]), end_line=int(d["end_line"]),
        end_column=int(d["end_column"]), role=d["role"], fix=fix, hint=str(d["hint"]),
        span=(int(d["span"][0]), int(d["span"][1])),
        statement_span=(int(span[0]), int(span[1])) if span is not None else None,
        prompt_text=str(d["prompt_text"]), never_fix=bool(d["never_fix"]),
    )  # fmt: skip


# -- the cache ----------------------------------------------------------------------


class ResultCache:
    """Where a run's results are stored and how a file's content is keyed (the index holds the findings).

    Picklable (a folder and a string): pool workers compute the content keys of the files they lint.
    """

    def __init__(self, directory: Path, key: str) -> None:
        self.directory = Path(directory)
        self.key = key
        self._ready = False

    @classmethod
    def for_run(cls, config: Any, rules: Sequence[Any]) -> ResultCache:
        return cls(cache_dir_for(config), run_key(config, rules))

    def __getstate__(self) -> dict[str, Any]:
        return {"directory": self.directory, "key": self.key}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.directory, self.key, self._ready = state["directory"], state["key"], False

    def file_key(self, source: SourceFile, enabled_codes: Iterable[str]) -> str:
        """Key of one file's entry: run key, display path, enabled codes and decoded content."""
        meta = f"{self.key}\0{source.path}\0{','.join(sorted(enabled_codes))}\0{int(source.bom)}\0{source.encoding}"
        return _digest([meta.encode(), source.text.encode("utf-8", "surrogatepass")])

    def index(self) -> StatIndex:
        """The run's index of findings (`promptlint.cache_index`), loaded from the cache folder."""
        from promptlint.cache_index import StatIndex

        return StatIndex(self.directory / f"v{FORMAT}", self.key)

    def write(self, path: Path, payload: bytes) -> None:
        """Write one file under the cache folder atomically (0600); OS errors leave it out."""
        with contextlib.suppress(OSError):
            self._prepare()
            private_dir(path.parent)
            replace_file(path, payload)

    def _prepare(self) -> None:
        """Create the folder (0700) with CACHEDIR.TAG and a `.gitignore`, once per process."""
        if self._ready:
            return
        private_dir(self.directory)
        for name, text in (("CACHEDIR.TAG", _CACHEDIR_TAG), (".gitignore", "# Created by promptlint.\n*\n")):
            target = self.directory / name
            if not target.exists():
                replace_file(target, text.encode("utf-8"))
        self._ready = True
