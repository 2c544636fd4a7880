"""An on-disk cache of the deterministic, slow parts of starting up: YAML parsing and regex compiling.

Why: a pre-commit run lints one small file in a fresh process. Parsing the rule YAML and compiling
the rule regexes (large lexicon alternations, parsed by `re`'s pure-Python parser) took most of it,
and the extractors', checks' and engine's own module-level patterns took ~25 ms more. All of these
depend only on their input, so they are stored once and reused by later processes:

* a YAML document by the blake2b hash of the file's bytes -> (data, key lines), exactly what
  `loader.read_yaml` would build; a changed file has a new hash, is parsed again and still
  reports its errors with file and line (nothing that fails to parse is stored);
* a regex by (pattern, flags) -> the code `re` compiles it to, handed back to `_sre.compile`
  the way `re._compiler.compile` does, so the pattern object is the same one `re.compile` makes.
* a validated rule set (`rules_engine.snapshot`) by the paths and bytes of all its rule and lexicon
  files plus the engine's code stamp, so `load_rules` skips validation for files it has seen.

The file is keyed by the Python build and `_sre.MAGIC` (regex code format) and promptlint's
version. It lives in `$PROMPTLINT_CACHE_DIR/rules`, else `$XDG_CACHE_HOME/promptlint` or
`~/.cache/promptlint`; `PROMPTLINT_NO_RULE_CACHE=1` turns it off. Any problem reading or writing
it (missing, corrupt, read-only, another interpreter) means plain parsing and compiling: the cache
can make a run faster, never different or failing. New entries are written once, at exit.
"""

from __future__ import annotations

import _sre
import atexit
import contextlib
import marshal
import os
import re
import sys
from array import array
from pathlib import Path
from typing import Any

from promptlint import __version__
from promptlint.fingerprint import digest_bytes

ENV_DISABLE = "PROMPTLINT_NO_RULE_CACHE"
#: Entries kept when the file grows past this (custom rules being edited): only this process's are kept.
MAX_ENTRIES = 5000
#: Bytes of data entries (YAML parses, validated rule sets of ~170 KB each) kept; the least recently
#: used go first. Each edit of a rule file or of promptlint's code makes a new rule-set entry, and the
#: whole file is read by every process, so stale ones must not pile up.
MAX_DATA_BYTES = 1_500_000
#: Bytes of compiled-regex entries kept (those used by this process first, then the most recently added). Every
#: rule edit adds the new patterns' code; without a bound the file grew to ~9 MB on a developer's machine and its
#: load became a tenth of a one-file check.
MAX_REGEX_BYTES = 2_500_000

#: (flags, code as machine words, groups - 1, groupindex, indexgroup): `_sre.compile`'s arguments.
_Entry = tuple[int, bytes, int, dict[str, int], tuple[Any, ...]]
#: An array type wide enough for one SRE code word: code is stored as its bytes (marshal loads those
#: as one block; a list of ints would be read item by item).
_CODE_TYPE = "I" if array("I").itemsize >= _sre.CODESIZE else "L"


def cache_file(kind: str = "rules") -> Path | None:
    """Where the cache (`rules`: YAML, rule sets, regexes; `code`: dataclass methods) lives, or None when off."""
    if os.environ.get(ENV_DISABLE, "") not in ("", "0"):
        return None
    env = os.environ.get("PROMPTLINT_CACHE_DIR")
    if env:
        base = Path(env).expanduser() / "rules"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = Path(xdg) / "promptlint" if xdg else Path.home() / ".cache" / "promptlint"
    tag = digest_bytes(f"{sys.version}|{_sre.MAGIC}|{_sre.CODESIZE}|{_CODE_TYPE}|{__version__}".encode())[:16]
    return base / f"{kind}-{tag}.marshal"


class _Store:
    """The process's view of the cache file: loaded on first use, saved at exit if it grew."""

    def __init__(self, kind: str = "rules") -> None:
        self.kind = kind
        self.loaded = False
        self.dirty = False
        self.yaml: dict[str, bytes] = {}
        self.regex: dict[tuple[str, int], _Entry] = {}
        self.used: set[Any] = set()
        self.patterns: dict[tuple[str, int], re.Pattern[str]] = {}
        #: parse trees kept for `take_parse` (rule patterns parsed in this process), never saved
        self.parsed: dict[tuple[str, int], Any] = {}

    def load(self) -> None:
        if self.loaded:
            return
        self.loaded = True
        path = cache_file(self.kind)
        if path is None:
            return
        with contextlib.suppress(Exception):  # missing, unreadable or corrupt: start empty
            raw = path.read_bytes()
            data = marshal.loads(raw)
            if isinstance(data, dict) and isinstance(data.get("yaml"), dict) and isinstance(data.get("re"), dict):
                self.yaml, self.regex = data["yaml"], data["re"]
                # written back pruned at exit, even if this process adds nothing (the entries are summed only when
                # the whole file is over the bound: they cannot be when it is not)
                if len(raw) > MAX_REGEX_BYTES and _regex_bytes(self.regex) > MAX_REGEX_BYTES:
                    self.mark_dirty()

    def mark_dirty(self) -> None:
        if not self.dirty:
            self.dirty = True
            atexit.register(self.save)

    def save(self) -> None:
        """Write the file atomically (a concurrent process's write is replaced whole, never mixed)."""
        path = cache_file(self.kind)
        if not self.dirty or path is None:
            return
        self.dirty = False
        yaml_entries, regex_entries = _recent(self.yaml, self.used), _recent_regex(self.regex, self.used)
        if len(yaml_entries) + len(regex_entries) > MAX_ENTRIES:
            yaml_entries = {k: v for k, v in yaml_entries.items() if k in self.used}
            regex_entries = {k: v for k, v in regex_entries.items() if k in self.used}
        with contextlib.suppress(Exception):
            payload = marshal.dumps({"yaml": yaml_entries, "re": regex_entries})
            from promptlint.atomic import replace_file

            path.parent.mkdir(parents=True, exist_ok=True)
            replace_file(path, payload)


def _recent(entries: dict[str, bytes], used: set[Any]) -> dict[str, bytes]:
    """The most recently used data entries within MAX_DATA_BYTES (dict order is use order), plus all used now."""
    kept: list[str] = []
    size = 0
    for key in reversed(entries):
        size += len(entries[key])
        if key in used or size <= MAX_DATA_BYTES:
            kept.append(key)
    return {key: entries[key] for key in reversed(kept)}


def _regex_bytes(entries: dict[tuple[str, int], _Entry]) -> int:
    return sum(len(entry[1]) + len(key[0]) for key, entry in entries.items())


def _recent_regex(entries: dict[tuple[str, int], _Entry], used: set[Any]) -> dict[tuple[str, int], _Entry]:
    """The compiled-regex entries this process used, then the most recently added, within MAX_REGEX_BYTES."""
    if _regex_bytes(entries) <= MAX_REGEX_BYTES:
        return entries
    kept = {key for key in entries if key in used}
    size = sum(len(entries[key][1]) + len(key[0]) for key in kept)
    for key in reversed(entries):
        if key in kept:
            continue
        size += len(entries[key][1]) + len(key[0])
        if size > MAX_REGEX_BYTES:
            break
        kept.add(key)
    return {key: entry for key, entry in entries.items() if key in kept}


_STORE = _Store()
_CODE_STORE = _Store("code")


def install_dataclass_code_cache() -> None:
    """Compile the methods `dataclasses` generates for promptlint's classes once, not in every process.

    Why: `@dataclass` writes each class's `__init__` / `__repr__` / `__eq__` as source text and
    `exec`s it; compiling that text was ~60% of creating a class, and creating the ~30 classes a
    check imports was ~30% of linting one file in a fresh process. The `dataclasses` module looks
    `exec` up in its own globals first, so a stand-in there sees every such text: for promptlint's
    modules it runs the code object compiled from the same text (stored by the text, so it is the
    very code `exec` would compile); any other caller, or any problem, gets the real `exec`.
    """
    import dataclasses

    if "exec" in vars(dataclasses) or cache_file("code") is None:
        return  # already installed (or someone else's stand-in), or caching turned off
    real_exec = exec

    def cached_exec(source: Any, globals: Any = None, locals: Any = None, /) -> None:
        if not (isinstance(source, str) and isinstance(globals, dict)
                and str(globals.get("__name__", "")).startswith("promptlint")):  # fmt: skip
            return real_exec(source, globals, locals)
        return real_exec(_compiled(source), globals, locals)

    dataclasses.exec = cached_exec  # type: ignore[attr-defined]


def _compiled(source: str) -> Any:
    store = _CODE_STORE
    store.load()
    blob = store.yaml.get(source)
    if blob is not None:
        with contextlib.suppress(Exception):
            return marshal.loads(blob)
    code = compile(source, "<string>", "exec")
    store.yaml[source] = marshal.dumps(code)
    store.mark_dirty()
    return code


def yaml_key(text: str) -> str:
    return digest_bytes(text.encode("utf-8"))


def get_data(key: str) -> Any:
    """A value stored under `key` by `put_data` (YAML parses, validated rule sets), as fresh objects, or None."""
    _STORE.load()
    blob = _STORE.yaml.get(key)
    if blob is None:
        return None
    try:
        value = marshal.loads(blob)
    except Exception:
        return None
    _STORE.used.add(key)
    _STORE.yaml[key] = _STORE.yaml.pop(key)  # most recently used last (kept first when pruning)
    return value


def put_data(key: str, value: Any) -> None:
    """Remember plain data (what marshal stores); other values (dates, objects) are simply not cached."""
    try:
        blob = marshal.dumps(value)
    except ValueError:
        return
    _STORE.load()
    _STORE.yaml.pop(key, None)
    _STORE.yaml[key] = blob
    _STORE.used.add(key)
    _STORE.mark_dirty()


def _blob_file(kind: str, key: str) -> Path | None:
    base = cache_file(kind)
    return None if base is None else base.with_name(f"{base.stem}-{key[:24]}.marshal")


#: Blobs of one kind kept side by side (a dev checkout, a pre-commit environment, a CI venv: each its own key).
MAX_BLOBS = 4


def get_blob(kind: str, key: str) -> Any:
    """The value `put_blob` stored for `kind` under this `key`, else None.

    One file per (kind, key), read only by the code that needs it (the facts model: `facts`), so its size
    never weighs on the start-up of runs that do not, and several installs do not evict each other's.
    """
    path = _blob_file(kind, key)
    if path is None:
        return None
    try:
        stored_key, value = marshal.loads(path.read_bytes())
    except Exception:  # missing, unreadable, corrupt or another shape: rebuild
        return None
    return value if stored_key == key else None


def put_blob(kind: str, key: str, value: Any) -> None:
    """Store plain data for `kind` under `key` (atomically; failures are ignored); keep the MAX_BLOBS newest."""
    path = _blob_file(kind, key)
    if path is None:
        return
    with contextlib.suppress(Exception):
        payload = marshal.dumps((key, value))
        from promptlint.atomic import replace_file

        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, payload)
        siblings = sorted(path.parent.glob(f"{cache_file(kind).stem}-*.marshal"),  # type: ignore[union-attr]
                          key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in siblings[MAX_BLOBS:]:
            old.unlink()


def get_yaml(key: str) -> tuple[Any, dict[tuple[Any, ...], int]] | None:
    """(data, key lines) of a YAML text parsed before."""
    value = get_data(key)
    return (value[0], value[1]) if isinstance(value, tuple) and len(value) == 2 else None


def put_yaml(key: str, data: Any, lines: dict[tuple[Any, ...], int]) -> None:
    put_data(key, (data, lines))


def take_parse(pattern: str, flags: int) -> Any:
    """The parse tree `compile_regex(..., keep_parse=True)` kept for this pattern (once), else None."""
    return _STORE.parsed.pop((pattern, int(flags)), None)


def _entry(pattern: str, flags: int, keep: dict[tuple[str, int], Any] | None = None) -> _Entry:
    """What `re._compiler.compile` hands to `_sre.compile` (raises re.error like re.compile)."""
    from re import _compiler, _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern, flags)
    if keep is not None:
        keep[(pattern, flags)] = list(parsed)  # the top-level items (what the gates walk), read before compiling
    code = array(_CODE_TYPE, _compiler._code(parsed, flags)).tobytes()
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[Any] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return flags | parsed.state.flags, code, parsed.state.groups - 1, groupindex, tuple(indexgroup)


def compile_regex(pattern: str, flags: int = 0, keep_parse: bool = False) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, with the compiled code taken from / added to the disk cache.

    `keep_parse`: when the pattern is parsed here (not in the cache), keep the parse tree for one `take_parse`
    (the rule gates read literals from it: parsing a large pattern twice doubled a cold run's compile time)."""
    flags = int(flags)
    key = (pattern, flags)
    compiled = _STORE.patterns.get(key)
    if compiled is not None:
        return compiled
    _STORE.load()
    entry = _STORE.regex.get(key)
    try:
        if entry is None:
            entry = _entry(pattern, flags, _STORE.parsed if keep_parse else None)
            _STORE.regex[key] = entry
            _STORE.mark_dirty()
        code = array(_CODE_TYPE)
        code.frombytes(entry[1])
        compiled = _sre.compile(pattern, entry[0], code.tolist(), entry[2], entry[3], entry[4])
    except re.error:
        raise
    except Exception:  # private API changed, odd platform or a bad entry: the public way, uncached
        _STORE.regex.pop(key, None)
        compiled = re.compile(pattern, flags)
    _STORE.used.add(key)
    if len(_STORE.patterns) >= MAX_ENTRIES:
        _STORE.patterns.clear()
    _STORE.patterns[key] = compiled
    return compiled


def save() -> None:
    """Write new entries now (normally done at exit)."""
    _STORE.save()
    _CODE_STORE.save()


__all__ = ["ENV_DISABLE", "cache_file", "compile_regex", "get_blob", "get_data", "get_yaml", "put_blob", "put_data",
           "put_yaml", "save", "yaml_key"]
