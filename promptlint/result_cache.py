"""Result cache keys and storage: a file whose content, rules and effective config are unchanged is not linted again.

The findings of every file live in one index per run (`promptlint.findings_index`); this module says what
they are keyed by and where they are stored, and keeps the rule set's metadata for warm runs. Stored findings
are final (after per-file ignores, `# noqa` and PL001), so a hit returns exactly what a fresh run would.
Keys cover everything they depend on:

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
silently skipped (linting never fails because of the cache). Nothing here imports the rules engine's
machinery or yaml (only its light `rule` and `files` modules), so a warm run need not pay for them.
"""

from __future__ import annotations

import contextlib
import functools
import marshal
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptlint import __version__
from promptlint.atomic import private_dir, replace_file
from promptlint.fingerprint import PACKAGE_DIR, code_stamp, digest
from promptlint.model import Severity, SourceFile
from promptlint.rules_engine.files import rules_digest
from promptlint.rules_engine.rule import Rule, RuleDoc

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.config import Config
    from promptlint.findings_index import StatIndex

#: Bumped when the entry layout changes.
FORMAT = 1
CACHE_DIR_NAME = ".promptlint_cache"
ENV_CACHE_DIR = "PROMPTLINT_CACHE_DIR"
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by promptlint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def cache_dir_for(config: Config) -> Path:
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


@functools.cache
def code_fingerprint() -> str:
    """Stat fingerprint of promptlint's own modules and data (the facts model, its word classes and clusters): an
    edited checkout or a retrained model invalidates the cache without a version bump."""
    return digest(part.encode() for part in code_stamp([PACKAGE_DIR], (".py", ".json", ".txt"), recursive=True))


def _rules_summary(rules: Sequence[Rule]) -> list[Any]:
    return sorted(
        [r.code, r.name, str(r.severity), r.kind, bool(r.default_enabled), sorted(r.roles),
         sorted(r.formats) if r.formats is not None else None, r.hint, str(r.path) if r.path else None]
        for r in rules
    )  # fmt: skip


def _config_summary(config: Config) -> dict[str, Any]:
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


def run_key(config: Config, rules: Sequence[Rule]) -> str:
    """Everything the findings of every file depend on, besides the file itself."""
    summary = {
        "format": FORMAT,
        "version": __version__,
        "python": list(sys.version_info[:2]),
        "code": code_fingerprint(),
        "rules": rules_digest(list(config.rule_paths)),
        "rule_set": _rules_summary(rules),
        "config": _config_summary(config),
    }
    return digest([repr(_canonical(summary)).encode()])


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


# -- the rule set's metadata, for warm runs -------------------------------------------


def _rules_entry(directory: Path, config: Config) -> Path:
    key = digest([f"{FORMAT}\0{__version__}\0{code_fingerprint()}".encode(),
                  rules_digest(list(config.rule_paths)).encode()])  # fmt: skip
    return directory / f"v{FORMAT}" / f"rules-{key}.marshal"


def store_rules(config: Config, rules: Sequence[Rule]) -> None:
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


def cached_rules(config: Config) -> list[Rule] | None:
    """The rule set's metadata stored by a previous run with the same rule files, or None.

    Stand-ins for the real rules: selection, suppressions and reporters read only these fields, so a warm run
    builds its selection from them and never imports yaml or the engine's machinery unless a file misses the
    cache (then the runner loads the real rules). They hold no examples, spec or compiled patterns."""
    try:
        rows = marshal.loads(_rules_entry(cache_dir_for(config), config).read_bytes())
        return [Rule(
            code=row["code"], name=row["name"], severity=Severity(row["severity"]), kind=row["kind"],
            message=row["message"], hint=row["hint"], docs=RuleDoc(*row["docs"]), roles=frozenset(row["roles"]),
            formats=frozenset(row["formats"]) if row["formats"] is not None else None,
            default_enabled=row["default_enabled"], never_fix=row["never_fix"],
            path=Path(row["path"]) if row["path"] else None, line=row["line"],
        ) for row in rows]  # fmt: skip
    except (OSError, EOFError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None


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
    def for_run(cls, config: Config, rules: Sequence[Rule]) -> ResultCache:
        return cls(cache_dir_for(config), run_key(config, rules))

    def __getstate__(self) -> dict[str, Any]:
        return {"directory": self.directory, "key": self.key}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.directory, self.key, self._ready = state["directory"], state["key"], False

    def file_key(self, source: SourceFile, enabled_codes: Iterable[str]) -> str:
        """Key of one file's entry: run key, display path, enabled codes and decoded content."""
        meta = f"{self.key}\0{source.path}\0{','.join(sorted(enabled_codes))}\0{int(source.bom)}\0{source.encoding}"
        return digest([meta.encode(), source.text.encode("utf-8", "surrogatepass")])

    def index(self) -> StatIndex:
        """The run's index of findings (`promptlint.findings_index`), loaded from the cache folder."""
        from promptlint.findings_index import StatIndex

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
