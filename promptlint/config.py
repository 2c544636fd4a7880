"""Configuration: `[tool.promptlint]` in pyproject.toml, or `.promptlint.toml` / `promptlint.toml`.

Config is found by walking up from the first linted path, like ruff, so a
monorepo can keep one file at its root. Every mistake in a config file is a
`ConfigError` whose message is one line naming the file and the key: the CLI
prints it and exits 2, never a traceback.

Rule selection follows ruff: selectors are codes or prefixes (`PL1`, `PL40`,
`ALL`); the default is every rule with `default_enabled`; `select` replaces
the default, `extend-select` adds, `ignore` removes, and where a selector
and an ignore both match a code the more specific (longer) one wins.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptlint.model import Severity
from promptlint.source import DEFAULT_MAX_BYTES, byte_position, read_regular

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.rules_engine.rule import Rule

#: Config files looked for in each directory, in order of precedence.
CONFIG_NAMES = (".promptlint.toml", "promptlint.toml", "pyproject.toml")

_SELECTOR_RE = re.compile(r"^(ALL|[A-Z]+[0-9]*)$")


class ConfigError(Exception):
    """A bad config file or option; the message is one line naming the file and key."""


@dataclass(slots=True)
class LLMConfig:
    """`[tool.promptlint.llm]`: parsed and type-checked here, used by `fix`/`probe`."""

    model: str | None = None
    samples: int | None = None
    max_cost_usd: float | None = None
    cache_dir: Path | None = None
    operator_context: str | None = None
    provider: str | None = None
    concurrency: int | None = None


@dataclass(slots=True)
class Config:
    """Resolved configuration; paths in it are absolute."""

    #: The config file read, or None for defaults.
    path: Path | None = None
    #: Directory globs (include/exclude/per-file-ignores) are relative to.
    root: Path = field(default_factory=Path.cwd)
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    fail_on: Severity = Severity.WARNING
    rule_paths: list[Path] = field(default_factory=list)
    max_file_size: int = DEFAULT_MAX_BYTES
    llm: LLMConfig = field(default_factory=LLMConfig)
    _pfi_specs: list[tuple[Any, list[str]]] | None = field(default=None, repr=False)

    # -- overrides ---------------------------------------------------------

    def with_overrides(
        self,
        *,
        select: Sequence[str] | None = None,
        extend_select: Sequence[str] | None = None,
        ignore: Sequence[str] | None = None,
        fail_on: str | None = None,
    ) -> Config:
        """A copy with CLI flags applied: `--select` replaces, the others extend."""
        where = "command line"
        changes: dict[str, Any] = {}
        if select is not None:
            changes["select"] = _selectors(list(select), where, "--select")
        if extend_select:
            changes["extend_select"] = self.extend_select + _selectors(list(extend_select), where, "--extend-select")
        if ignore:
            changes["ignore"] = self.ignore + _selectors(list(ignore), where, "--ignore")
        if fail_on is not None:
            changes["fail_on"] = _severity(fail_on, where, "--fail-on")
        return replace(self, **changes) if changes else self

    # -- rule selection ----------------------------------------------------

    def select_rules(self, rules: Iterable[Rule]) -> list[Rule]:
        """The rules enabled by select / extend-select / ignore (per-file ignores apply later)."""
        rules = list(rules)
        self.check_selectors(rules)
        return [rule for rule in rules if self._enabled(rule.code, rule.default_enabled, self.ignore)]

    def check_selectors(self, rules: Iterable[Rule]) -> None:
        """Reject selectors that match no rule: a typo must not silently select nothing."""
        codes = [rule.code for rule in rules]
        checks = [("select", s) for s in self.select or []]
        checks += [("extend-select", s) for s in self.extend_select]
        checks += [("ignore", s) for s in self.ignore]
        for key, selector in checks:
            if selector != "ALL" and not any(code.startswith(selector) for code in codes):
                raise ConfigError(f"{self._where()}: {key}: unknown rule selector {selector!r}")

    def ignored_for(self, display_path: str, abs_path: Path | str | None = None) -> list[str]:
        """Selectors that `per-file-ignores` removes for one file."""
        if not self.per_file_ignores:
            return []
        if self._pfi_specs is None:
            import pathspec

            self._pfi_specs = [
                (pathspec.GitIgnoreSpec.from_lines([glob]), codes) for glob, codes in self.per_file_ignores.items()
            ]
        candidates = [display_path]
        if abs_path is not None:
            with contextlib.suppress(ValueError):
                candidates.append(Path(abs_path).resolve().relative_to(self.root.resolve()).as_posix())
        ignored: list[str] = []
        for spec, codes in self._pfi_specs:
            if any(spec.match_file(c) for c in candidates):
                ignored.extend(codes)
        return ignored

    def enabled_for_file(self, rule: Rule, extra_ignores: Sequence[str]) -> bool:
        """Whether a (globally selected) rule stays enabled once per-file ignores are added."""
        if not extra_ignores:
            return True
        return self._enabled(rule.code, rule.default_enabled, [*self.ignore, *extra_ignores])

    def _enabled(self, code: str, default_enabled: bool, ignore: Sequence[str]) -> bool:
        selected = -1
        if self.select is None:
            if default_enabled:
                selected = 0
        else:
            selected = _longest_match(code, self.select)
        selected = max(selected, _longest_match(code, self.extend_select))
        if selected < 0:
            return False
        ignored = _longest_match(code, ignore)
        return ignored < 0 or selected > ignored

    def _where(self) -> str:
        return str(self.path) if self.path else "command line"


def _longest_match(code: str, selectors: Sequence[str]) -> int:
    """Length of the most specific selector matching `code` (ALL counts as 0), or -1."""
    best = -1
    for selector in selectors:
        if selector == "ALL":
            best = max(best, 0)
        elif code.startswith(selector):
            best = max(best, len(selector))
    return best


# -- finding and reading config files -----------------------------------------


def find_config_file(start: Path) -> Path | None:
    """Walk up from `start` to the first directory holding a promptlint config.

    A folder that cannot be searched (no execute permission) is passed over: nothing below it can be read
    either, so those files are reported as unreadable themselves. A config file that is there but cannot be
    read or decoded is a `ConfigError`, never skipped: a team's settings must not silently vanish.
    """
    start = _resolved(start)
    directory = start if os.path.isdir(start) else start.parent
    for folder in (directory, *directory.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            try:
                info = os.stat(candidate)
            except (OSError, ValueError):
                continue  # absent, or in a folder we may not search
            if stat.S_ISDIR(info.st_mode):
                continue
            if name != "pyproject.toml" or _has_tool_section(candidate):
                return candidate
    return None


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError in Python 3.11)
        return Path(os.path.abspath(path))


def _has_tool_section(pyproject: Path) -> bool:
    """Whether a pyproject.toml has `[tool.promptlint]`; an unrelated one is skipped (ruff does the same)."""
    text = read_config_text(pyproject)
    if "promptlint" not in text:
        return False
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject}: invalid TOML: {exc}") from None
    tool = data.get("tool")
    return isinstance(tool, dict) and "promptlint" in tool


def read_config_text(file: Path) -> str:
    """A config file's text; a file that exists but cannot be read (or is not UTF-8) is a `ConfigError`.

    Read like a source file (`read_regular`): a FIFO in its place is refused, never waited on.
    """
    try:
        data = read_regular(file)
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")  # a BOM some Windows editors add is no reason to fail
    except UnicodeDecodeError as exc:
        line, column = byte_position(data, exc.start)
        raise ConfigError(f"{file}:{line}:{column}: not valid UTF-8 ({exc.reason}); TOML files are UTF-8") from None


def load_config(
    paths: Sequence[str | Path] = (), explicit: str | Path | None = None, *, isolated: bool = False
) -> Config:
    """The config for a run: `explicit` if given, else found from the first path; defaults if none or `isolated`."""
    if isolated:
        return Config(root=Path.cwd().resolve())
    if explicit is not None:
        file = Path(explicit)
        if not os.path.lexists(file):
            raise ConfigError(f"{explicit}: config file not found")
    else:
        start = Path(paths[0]) if paths else Path.cwd()
        found = find_config_file(start if os.path.exists(start) else Path.cwd())
        if found is None:
            return Config(root=Path.cwd().resolve())
        file = found
    return parse_config_file(file)


def parse_config_file(file: Path) -> Config:
    """Read and validate one config file."""
    import tomllib

    text = read_config_text(file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: invalid TOML: {exc}") from None
    if file.name == "pyproject.toml":
        tool = data.get("tool", {})
        section = tool.get("promptlint", {}) if isinstance(tool, dict) else {}
        prefix = "tool.promptlint."
    else:
        section, prefix = data, ""
    if not isinstance(section, dict):
        raise ConfigError(f"{file}: {prefix.rstrip('.') or 'root'}: expected a table")
    return config_from_table(section, file.resolve(), prefix, text=text)


_KEYS = {
    "select", "extend-select", "ignore", "per-file-ignores", "include", "exclude",
    "fail-on", "rule-paths", "max-file-size", "llm",
}  # fmt: skip
_LLM_KEYS = {"model", "samples", "max-cost-usd", "cache-dir", "operator-context", "provider", "concurrency"}


def config_from_table(table: dict[str, Any], file: Path, prefix: str = "", *, text: str | None = None) -> Config:
    """Validate a `[tool.promptlint]` table (keys as written in TOML) into a `Config`.

    `text`, the file's text, lets an error about one value (an invalid glob) name its line too.
    """
    where = str(file)
    for key in table:
        if key not in _KEYS:
            raise ConfigError(f"{where}: {prefix}{key}: unknown key (expected one of {', '.join(sorted(_KEYS))})")
    root = file.parent
    config = Config(path=file, root=root)

    def key(name: str) -> str:
        return f"{prefix}{name}"

    if "select" in table:
        config.select = _selectors(_str_list(table["select"], where, key("select")), where, key("select"))
    if "extend-select" in table:
        config.extend_select = _selectors(
            _str_list(table["extend-select"], where, key("extend-select")), where, key("extend-select")
        )
    if "ignore" in table:
        config.ignore = _selectors(_str_list(table["ignore"], where, key("ignore")), where, key("ignore"))
    if "per-file-ignores" in table:
        pfi = table["per-file-ignores"]
        if not isinstance(pfi, dict):
            raise ConfigError(f"{where}: {key('per-file-ignores')}: expected a table of glob = [codes]")
        config.per_file_ignores = {
            str(glob): _selectors(_str_list(codes, where, f"{key('per-file-ignores')}.{glob}"), where,
                                  f"{key('per-file-ignores')}.{glob}")
            for glob, codes in pfi.items()
        }  # fmt: skip
        config._pfi_specs = [(_glob_spec(glob, where, key("per-file-ignores"), text), codes)
                             for glob, codes in config.per_file_ignores.items()]  # fmt: skip
    if "include" in table:
        config.include = _str_list(table["include"], where, key("include"))
        for glob in config.include:
            _glob_spec(glob, where, key("include"), text)
    if "exclude" in table:
        config.exclude = _str_list(table["exclude"], where, key("exclude"))
        for glob in config.exclude:
            _glob_spec(glob, where, key("exclude"), text)
    if "fail-on" in table:
        config.fail_on = _severity(table["fail-on"], where, key("fail-on"))
    if "rule-paths" in table:
        config.rule_paths = []
        for entry in _str_list(table["rule-paths"], where, key("rule-paths")):
            folder = (root / entry).resolve()
            if not folder.is_dir():
                raise ConfigError(f"{where}: {key('rule-paths')}: rule folder {entry!r} not found (looked in {folder})")
            config.rule_paths.append(folder)
    if "max-file-size" in table:
        size = table["max-file-size"]
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ConfigError(f"{where}: {key('max-file-size')}: expected a positive integer (bytes), got {size!r}")
        config.max_file_size = size
    if "llm" in table:
        config.llm = _llm(table["llm"], where, key("llm"), root)
    return config


def _llm(table: Any, where: str, prefix: str, root: Path) -> LLMConfig:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: {prefix}: expected a table")
    for name in table:
        if name not in _LLM_KEYS:
            raise ConfigError(f"{where}: {prefix}.{name}: unknown key (expected one of {', '.join(sorted(_LLM_KEYS))})")
    llm = LLMConfig()
    for name in ("model", "operator-context", "provider"):
        if name in table:
            value = table[name]
            if not isinstance(value, str):
                raise ConfigError(f"{where}: {prefix}.{name}: expected a string, got {type(value).__name__}")
            setattr(llm, name.replace("-", "_"), value)
    for name in ("samples", "concurrency"):
        if name in table:
            value = table[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{where}: {prefix}.{name}: expected a positive integer, got {value!r}")
            setattr(llm, name, value)
    if "max-cost-usd" in table:
        value = table["max-cost-usd"]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{where}: {prefix}.max-cost-usd: expected a non-negative number, got {value!r}")
        llm.max_cost_usd = float(value)
    if "cache-dir" in table:
        value = table["cache-dir"]
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {prefix}.cache-dir: expected a string, got {type(value).__name__}")
        llm.cache_dir = (root / value).resolve()
    return llm


def _str_list(value: Any, where: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}: {key}: expected a list of strings, got {value!r}")
    return list(value)


def _glob_spec(glob: str, where: str, key: str, text: str | None) -> Any:
    """The compiled gitignore-style spec of one glob; a glob that does not compile is a `ConfigError`
    naming the file, the glob's line (when the file's text is known) and the key."""
    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines([glob])
    except Exception as exc:  # re.error for "[z-a]"; pathspec raises ValueError / TypeError for others
        line = _line_of(text, glob)
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        reason = re.sub(r" at position \d+$", "", reason)  # a position in pathspec's regex, not in the glob
        raise ConfigError(f"{where}{f':{line}' if line else ''}: {key}: invalid glob {glob!r}: {reason}") from None


def _line_of(text: str | None, value: str) -> int | None:
    """The first line of a TOML text holding `value` as a quoted string (a key or a value), if any."""
    if not text:
        return None
    for quoted in (f'"{value}"', f"'{value}'", f'"{value.replace(chr(92), chr(92) * 2)}"'):
        index = text.find(quoted)
        if index != -1:
            return text.count("\n", 0, index) + 1
    return None


def _selectors(values: list[str], where: str, key: str) -> list[str]:
    """Normalise selectors (comma-separated on the CLI) to upper case and check their shape."""
    out: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip().upper()
            if not part:
                continue
            if not _SELECTOR_RE.match(part):
                raise ConfigError(f"{where}: {key}: invalid rule selector {part!r} (expected a code or prefix)")
            out.append(part)
    return out


def _severity(value: Any, where: str, key: str) -> Severity:
    if isinstance(value, str):
        try:
            return Severity(value.lower())
        except ValueError:
            pass
    choices = ", ".join(s.value for s in Severity)
    raise ConfigError(f"{where}: {key}: invalid severity {value!r} (expected one of {choices})")
