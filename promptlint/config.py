"""Configuration: `[tool.promptlint]` in pyproject.toml, or `.promptlint.toml` / `promptlint.toml`.

Config is found by walking up from the first linted path, like ruff, so a
monorepo can keep one file at its root. Every mistake in a config file is a
`ConfigError` whose message is one line naming the file, the line and the
key (`pyproject.toml:12: tool.promptlint.select: …`): the CLI prints it and
exits 2, never a traceback. A bad code given on the command line is blamed
on the command line.

Rule selection follows ruff: selectors are codes or prefixes (`PL1`, `PL40`,
`ALL`); the default is every rule with `default_enabled`; `select` replaces
the default, `extend-select` adds, `ignore` removes, and where a selector
and an ignore both match a code the more specific (longer) one wins. The
command line is a layer above the file: its `--select` replaces the
configured set (select, extend-select and ignore alike), its
`--extend-select` and `--ignore` add to it.
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
    #: `docs-url`: where a rule's documentation is (`{code}` and `{name}` are filled in), or None for
    #: the default (the rule files in promptlint's repository).
    docs_url: str | None = None
    #: Selectors given on the command line, by key (`select`, `extend-select`, `ignore`), to blame errors right.
    cli_selectors: dict[str, list[str]] = field(default_factory=dict)
    #: `file:line` of a key of the config file (for error messages); None for defaults.
    _locate: Any = field(default=None, repr=False, compare=False)
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
        """A copy with CLI flags applied, as a layer above the file (ruff's model).

        `--select` replaces the configured set (the file's select, extend-select and ignore alike);
        without it, `--extend-select` and `--ignore` decide for the codes they match, whatever the file
        says (the more specific of the two wins; a tie is an ignore).
        """
        where = "command line"
        changes: dict[str, Any] = {}
        cli: dict[str, list[str]] = {}
        if select is not None:
            cli["select"] = _selectors(list(select), where, "--select")
        if extend_select:
            cli["extend-select"] = _selectors(list(extend_select), where, "--extend-select")
        if ignore:
            cli["ignore"] = _selectors(list(ignore), where, "--ignore")
        if "select" in cli:
            changes.update(select=cli["select"], extend_select=cli.get("extend-select", []),
                           ignore=cli.get("ignore", []))  # fmt: skip
        if cli:
            changes["cli_selectors"] = cli
        if fail_on is not None:
            changes["fail_on"] = _severity(fail_on, where, "--fail-on")
        return replace(self, **changes) if changes else self

    # -- rule selection ----------------------------------------------------

    def select_rules(self, rules: Iterable[Rule]) -> list[Rule]:
        """The rules enabled by select / extend-select / ignore (per-file ignores apply later)."""
        rules = list(rules)
        self.check_selectors(rules)
        return [rule for rule in rules if self._enabled(rule.code, rule.default_enabled)]

    def check_selectors(self, rules: Iterable[Rule]) -> None:
        """Reject selectors that match no rule: a typo must not silently select nothing."""
        codes = [rule.code for rule in rules]
        cli = self.cli_selectors
        checks = [(key, s, True) for key in ("select", "extend-select", "ignore") for s in cli.get(key, ())]
        if "select" not in cli:
            checks += [("select", s, False) for s in self.select or []]
            checks += [("extend-select", s, False) for s in self.extend_select]
            checks += [("ignore", s, False) for s in self.ignore]
        for key, selector, on_command_line in checks:
            if selector != "ALL" and not any(code.startswith(selector) for code in codes):
                if on_command_line:
                    raise ConfigError(f"command line: --{key}: unknown rule selector {selector!r}")
                raise ConfigError(f"{self._where(key)}: {key}: unknown rule selector {selector!r}")

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
        return self._enabled(rule.code, rule.default_enabled, extra_ignores)

    def _enabled(self, code: str, default_enabled: bool, extra_ignores: Sequence[str] = ()) -> bool:
        """The file's layer, then the command line's, then per-file ignores; each decision keeps the
        length of the selector that made it, and an ignore must be more specific to undo a select."""
        selected = -1
        if self.select is None:
            if default_enabled:
                selected = 0
        else:
            selected = _longest_match(code, self.select)
        selected = max(selected, _longest_match(code, self.extend_select))
        if selected >= 0 and _longest_match(code, self.ignore) >= selected:
            selected = -1
        cli = self.cli_selectors
        if cli and "select" not in cli:
            chosen = _longest_match(code, cli.get("extend-select", ()))
            dropped = _longest_match(code, cli.get("ignore", ()))
            if chosen > dropped:
                selected = chosen
            elif dropped >= 0:
                selected = -1
        if selected < 0:
            return False
        ignored = _longest_match(code, extra_ignores)
        return ignored < 0 or selected > ignored

    def _where(self, key: str) -> str:
        if self._locate is not None:
            return str(self._locate(key))
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
        raise _toml_error(pyproject, exc, text) from None
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
    """The config for a run: `explicit` if given, else found from the first path; defaults if none or `isolated`.

    An explicit file may be any TOML file (its keys at top level, or under `[tool.promptlint]` as in a
    pyproject.toml) or an empty one such as `/dev/null` (defaults, with the working directory as root).
    """
    if isolated:
        return Config(root=Path.cwd().resolve())
    if explicit is not None:
        file = Path(explicit)
        if os.path.realpath(file) == os.devnull:  # `--config /dev/null`: no config, the defaults
            return Config(root=Path.cwd().resolve())
        if not os.path.lexists(file):
            raise ConfigError(f"{explicit}: config file not found")
        if file.is_dir():
            raise ConfigError(f"{explicit}: is a folder, not a config file")
    else:
        start = Path(paths[0]) if paths else Path.cwd()
        found = find_config_file(start if os.path.exists(start) else Path.cwd())
        if found is None:
            return Config(root=Path.cwd().resolve())
        file = found
    return parse_config_file(file)


_TOML_POSITION_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _toml_error(file: Path, exc: Exception, text: str = "") -> ConfigError:
    """`file:line:column: invalid TOML: …` from tomllib's message, which ends with the position."""
    message = str(exc)
    at = _TOML_POSITION_RE.search(message)
    if at:
        return ConfigError(f"{file}:{at.group(1)}:{at.group(2)}: invalid TOML: {message[:at.start()]}")
    if message.endswith(" (at end of document)") and text:
        line = text.count("\n") + (0 if text.endswith("\n") else 1)
        return ConfigError(f"{file}:{line}: invalid TOML: {message[: -len(' (at end of document)')]} (at the end)")
    return ConfigError(f"{file}: invalid TOML: {message}")


def parse_config_file(file: Path) -> Config:
    """Read and validate one config file."""
    import tomllib

    text = read_config_text(file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(file, exc, text) from None
    tool = data.get("tool")
    nested = isinstance(tool, dict) and "promptlint" in tool
    if file.name == "pyproject.toml" or nested:
        section = tool.get("promptlint", {}) if isinstance(tool, dict) else {}
        prefix = "tool.promptlint."
    else:
        section, prefix = data, ""
    regular = file.is_file()
    resolved = file.resolve() if regular else file
    locate = _Locator(resolved, text, tuple(prefix.rstrip(".").split(".")) if prefix else ())
    if not isinstance(section, dict):
        raise ConfigError(f"{locate()}: {prefix.rstrip('.') or 'root'}: expected a table")
    config = config_from_table(section, resolved, prefix, locate=locate, text=text)
    if not regular:  # /dev/null, a pipe: there is no project folder to anchor globs to
        config.root = Path.cwd().resolve()
    return config


class _Locator:
    """`file:line` of a key of the validated table (the file's text is scanned only when an error is reported)."""

    def __init__(self, file: Path, text: str, table: tuple[str, ...]) -> None:
        self.file = file
        self.text = text
        self.table = table
        self._lines: dict[tuple[str, ...], int] | None = None

    def __call__(self, *key: str) -> str:
        from promptlint.toml_lines import key_lines, line_of

        if self._lines is None:
            self._lines = key_lines(self.text)
        line = line_of(self._lines, self.table + key)
        return f"{self.file}:{line}" if line else str(self.file)


_KEYS = {
    "select", "extend-select", "ignore", "per-file-ignores", "extend-per-file-ignores", "include", "exclude",
    "extend-exclude", "fail-on", "rule-paths", "max-file-size", "docs-url", "llm",
}  # fmt: skip
_LLM_KEYS = {"model", "samples", "max-cost-usd", "cache-dir", "operator-context", "provider", "concurrency"}


def config_from_table(table: dict[str, Any], file: Path, prefix: str = "", *, locate: Any = None,
                      text: str | None = None) -> Config:
    """Validate a `[tool.promptlint]` table (keys as written in TOML) into a `Config`.

    `locate(key)` gives the `file:line` an error about `key` is reported at (default: the file alone); `text`, the
    file's text, lets an error about one value (an invalid glob) name the value's own line.
    """
    at = locate or (lambda *key: str(file))
    where = str(file)
    for key in table:
        if key not in _KEYS:
            raise ConfigError(f"{at(key)}: {prefix}{key}: unknown key (expected one of {', '.join(sorted(_KEYS))})")
    root = file.parent
    config = Config(path=file, root=root, _locate=locate)

    def key(name: str) -> str:
        return f"{prefix}{name}"

    def selectors(name: str) -> list[str]:
        return _selectors(_str_list(table[name], at(name), key(name)), at(name), key(name))

    if "select" in table:
        config.select = selectors("select")
    if "extend-select" in table:
        config.extend_select = selectors("extend-select")
    if "ignore" in table:
        config.ignore = selectors("ignore")
    for name in ("per-file-ignores", "extend-per-file-ignores"):
        if name not in table:
            continue
        pfi = table[name]
        if not isinstance(pfi, dict):
            raise ConfigError(f"{at(name)}: {key(name)}: expected a table of glob = [codes]")
        for glob, codes in pfi.items():
            at_glob, what = at(name, str(glob)), f"{key(name)}.{glob}"
            found = _selectors(_str_list(codes, at_glob, what), at_glob, what)
            config.per_file_ignores[str(glob)] = config.per_file_ignores.get(str(glob), []) + found
            _glob_spec(str(glob), where, key(name), text)
    if config.per_file_ignores:
        config._pfi_specs = [(_glob_spec(glob, where, key("per-file-ignores"), text), codes)
                             for glob, codes in config.per_file_ignores.items()]  # fmt: skip
    if "include" in table:
        config.include = _str_list(table["include"], at("include"), key("include"))
        for glob in config.include:
            _glob_spec(glob, where, key("include"), text)
    for name in ("exclude", "extend-exclude"):
        if name in table:
            added = _str_list(table[name], at(name), key(name))
            for glob in added:
                _glob_spec(glob, where, key(name), text)
            config.exclude = config.exclude + added
    if "fail-on" in table:
        config.fail_on = _severity(table["fail-on"], at("fail-on"), key("fail-on"))
    if "rule-paths" in table:
        config.rule_paths = []
        for entry in _str_list(table["rule-paths"], at("rule-paths"), key("rule-paths")):
            folder = (root / entry).resolve()
            if not folder.is_dir():
                raise ConfigError(f"{at('rule-paths')}: {key('rule-paths')}: rule folder {entry!r} not found "
                                  f"(looked in {folder})")  # fmt: skip
            config.rule_paths.append(folder)
    if "max-file-size" in table:
        size = table["max-file-size"]
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ConfigError(f"{at('max-file-size')}: {key('max-file-size')}: expected a positive integer (bytes), "
                              f"got {size!r}")  # fmt: skip
        config.max_file_size = size
    if "docs-url" in table:
        url = table["docs-url"]
        if not isinstance(url, str) or not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$", url):
            raise ConfigError(f"{at('docs-url')}: {key('docs-url')}: expected an absolute URL "
                              f"(`{{code}}` and `{{name}}` are filled in), got {url!r}")  # fmt: skip
        config.docs_url = url
    if "llm" in table:
        config.llm = _llm(table["llm"], at, key("llm"), root)
    return config


def _llm(table: Any, at: Any, prefix: str, root: Path) -> LLMConfig:
    if not isinstance(table, dict):
        raise ConfigError(f"{at('llm')}: {prefix}: expected a table")
    for name in table:
        if name not in _LLM_KEYS:
            expected = ", ".join(sorted(_LLM_KEYS))
            raise ConfigError(f"{at('llm', name)}: {prefix}.{name}: unknown key (expected one of {expected})")
    llm = LLMConfig()
    for name in ("model", "operator-context", "provider"):
        if name in table:
            value = table[name]
            if not isinstance(value, str):
                raise ConfigError(
                    f"{at('llm', name)}: {prefix}.{name}: expected a string, got {type(value).__name__}"
                )
            setattr(llm, name.replace("-", "_"), value)
    for name in ("samples", "concurrency"):
        if name in table:
            value = table[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{at('llm', name)}: {prefix}.{name}: expected a positive integer, got {value!r}")
            setattr(llm, name, value)
    if "max-cost-usd" in table:
        value = table["max-cost-usd"]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(
                f"{at('llm', 'max-cost-usd')}: {prefix}.max-cost-usd: expected a non-negative number, got {value!r}"
            )
        llm.max_cost_usd = float(value)
    if "cache-dir" in table:
        value = table["cache-dir"]
        if not isinstance(value, str):
            raise ConfigError(
                f"{at('llm', 'cache-dir')}: {prefix}.cache-dir: expected a string, got {type(value).__name__}"
            )
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
