"""Loading and strictly validating rule and lexicon YAML files.

Every error is a `RuleError` naming the file and the line of the offending key,
so a typo in a custom rule set reads like a compiler error, not a traceback.
The schema is documented for users in docs/writing-rules.md.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from promptlint import diskcache
from promptlint.diskcache import compile_regex
from promptlint.model import ROLES, Severity
from promptlint.rules_engine.concepts import parse_concept
from promptlint.rules_engine.errors import RuleError
from promptlint.rules_engine.fixes import compile_fix, validate_fix
from promptlint.rules_engine.gates import PatternList
from promptlint.rules_engine.patterns import Exception_, Lexicon, PatternError, compile_pattern
from promptlint.rules_engine.rule import Rule, RuleDoc
from promptlint.source import byte_position, read_regular

if TYPE_CHECKING:
    import yaml

REQUIRED_KEYS = ("code", "name", "severity", "kind", "message", "hint", "docs", "examples")
OPTIONAL_KEYS = ("roles", "formats", "default_enabled", "never_fix", "fix")
KIND_KEYS = {
    "pattern": ("patterns", "exceptions"),
    "condition": ("condition", "exceptions"),
    "check": ("check",),
    "builtin": (),
}
KIND_REQUIRED = {"pattern": "patterns", "condition": "condition", "check": "check"}
DOC_KEYS = ("what", "why", "example", "use_instead", "fix_safety")
EXAMPLE_KEYS = ("text", "python", "role", "system", "line", "findings", "fixed", "format", "name", "note")
EXCEPTION_SCOPES = ("sentence", "after", "before", "overlap", "prompt")
CONDITION_KEYS = ("trigger", "unless", "unless_call", "unless_all", "when_all", "when_call", "report")
CONDITION_REPORTS = ("trigger", "start")
UNLESS_CALL_KEYS = ("roles", "all")
LEXICON_KEYS = ("name", "description", "terms", "groups", "plural", "used_by")
_BUILTIN_CODE_RE = compile_regex(r"PL\d{3}")
_CUSTOM_CODE_RE = compile_regex(r"([A-Z]{1,10})\d{1,5}")
_NAME_RE = compile_regex(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_IDENT_RE = compile_regex(r"[a-z_][a-z0-9_]*")


@dataclass(slots=True)
class ParsedFile:
    """A parsed YAML file with the line of every key / list item (by key path)."""

    path: Path
    data: Any
    lines: dict[tuple[Any, ...], int]

    def line(self, *keys: Any) -> int:
        """Line of the deepest known prefix of `keys` (1 for the file itself)."""
        for n in range(len(keys), 0, -1):
            if keys[:n] in self.lines:
                return self.lines[keys[:n]]
        return 1

    def error(self, keys: Sequence[Any], message: str) -> RuleError:
        return RuleError(self.path, self.line(*keys), message)


def _index(node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*path, key)] = key_node.start_mark.line + 1
            _index(value_node, (*path, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*path, i)] = item.start_mark.line + 1
            _index(item, (*path, i), lines)


def read_yaml(path: Path) -> ParsedFile:
    """Parse one YAML document keeping key lines; YAML errors become RuleError with the parser's line.

    A text parsed before (same bytes) comes from the disk cache (`diskcache`): no yaml import, no parse.
    """
    try:
        data = read_regular(path)  # never blocks: a FIFO named like a rule file is refused
    except OSError as exc:
        raise RuleError(path, None, f"cannot read rule file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = byte_position(data, exc.start)
        raise RuleError(path, line, f"cannot read rule file: not valid UTF-8 at column {column} "
                                    f"({exc.reason}); rule files are UTF-8") from None
    key = diskcache.yaml_key(text)
    cached = diskcache.get_yaml(key)
    if cached is not None:
        return ParsedFile(path, *cached)
    doc = _parse_yaml(path, text)
    diskcache.put_yaml(key, doc.data, doc.lines)
    return doc


def _parse_yaml(path: Path, text: str) -> ParsedFile:
    import yaml  # only when the disk cache misses (start-up time)

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise RuleError(path, mark.line + 1 if mark else None, f"invalid YAML: {problem}") from None
    finally:
        loader.dispose()
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _index(node, (), lines)
    return ParsedFile(path, data, lines)


def _check_keys(doc: ParsedFile, at: tuple[Any, ...], data: Any, allowed: Iterable[str], what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise doc.error(at, f"{what} must be a mapping")
    allowed = tuple(allowed)
    for key in data:
        if key not in allowed:
            raise doc.error((*at, key), f"unknown key {key!r} in {what} (allowed: {', '.join(allowed)})")
    return data


def _string(doc: ParsedFile, at: tuple[Any, ...], value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise doc.error(at, f"{what} must be a non-empty string")
    return value.strip()


def _string_list(doc: ParsedFile, at: tuple[Any, ...], value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise doc.error(at, f"{what} must be a non-empty list of strings")
    return [_string(doc, (*at, i), item, f"{what}[{i}]") for i, item in enumerate(value)]


# --- lexicons -----------------------------------------------------------------------------------


def load_lexicon(path: Path) -> Lexicon:
    """Read and validate one `lexicons/<name>.yaml` file."""
    doc = read_yaml(path)
    data = _check_keys(doc, (), doc.data, LEXICON_KEYS, "a lexicon")
    name = _string(doc, ("name",), data.get("name"), "lexicon `name`")
    if name != path.stem:
        raise doc.error(("name",), f"lexicon name {name!r} must match its file name {path.stem!r}")
    if not _IDENT_RE.fullmatch(name):
        raise doc.error(("name",), f"lexicon name {name!r} must be snake_case")
    description = _string(doc, ("description",), data.get("description"), "lexicon `description`")
    if ("terms" in data) == ("groups" in data):
        raise doc.error((), "a lexicon needs exactly one of `terms` (a list) or `groups` (name -> list)")
    groups: dict[str, list[str]] = {}
    if "terms" in data:
        groups[""] = _string_list(doc, ("terms",), data["terms"], "`terms`")
    else:
        raw = data["groups"]
        if not isinstance(raw, dict) or not raw:
            raise doc.error(("groups",), "`groups` must map group names to lists of terms")
        for group, terms in raw.items():
            if not isinstance(group, str) or not _IDENT_RE.fullmatch(group):
                raise doc.error(("groups", group), f"group name {group!r} must be snake_case")
            groups[group] = _string_list(doc, ("groups", group), terms, f"group `{group}`")
    plural = data.get("plural", True)
    if not isinstance(plural, bool):
        raise doc.error(("plural",), "`plural` must be true or false")
    lines = {(g, i): doc.line(*(("groups", g, i) if g else ("terms", i)))
             for g, terms in groups.items() for i in range(len(terms))}
    lexicon = Lexicon(name, description, groups, plural, str(path), lines)
    bad = lexicon.check_brackets()
    if bad is not None:
        raise RuleError(path, lines[bad], f"invalid term {groups[bad[0]][bad[1]]!r}: unbalanced parenthesis or bracket")
    for group, terms in groups.items():
        for i, term in enumerate(terms):
            if "{lex:" in term:
                raise RuleError(path, lines[(group, i)], "{lex:...} cannot be used inside a lexicon term")
    return lexicon


def _lexicon_error(lexicons: dict[str, Lexicon]) -> RuleError | None:
    """The lexicon term that breaks a rule's full regex (only looked for after a failure)."""
    for lexicon in lexicons.values():
        bad = lexicon.find_invalid()
        if bad is not None:
            group, index, message = bad
            term = lexicon.groups[group][index]
            return RuleError(lexicon.path, lexicon.lines.get((group, index)), f"invalid term {term!r}: {message}")
    return None


# --- rules --------------------------------------------------------------------------------------


def _roles(doc: ParsedFile, value: Any, at: tuple[Any, ...] = ("roles",)) -> frozenset[str]:
    if value is None:
        return frozenset(ROLES)
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise doc.error(at, "`roles` must be `any` or a list of roles")
    roles: set[str] = set()
    for i, role in enumerate(items):
        if role == "any":
            roles.update(ROLES)
        elif role in ROLES:
            roles.add(role)
        else:
            raise doc.error((*at, i), f"unknown role {role!r} (roles: any, {', '.join(ROLES)})")
    return frozenset(roles)


def _code(doc: ParsedFile, value: Any, builtin_dir: bool) -> str:
    code = _string(doc, ("code",), value, "`code`")
    if _BUILTIN_CODE_RE.fullmatch(code):
        return code
    m = _CUSTOM_CODE_RE.fullmatch(code)
    if builtin_dir or not m or m.group(1) == "PL":
        expected = "PL + 3 digits" if builtin_dir else "PL + 3 digits, or another uppercase prefix + digits"
        raise doc.error(("code",), f"bad rule code {code!r}: expected {expected} (e.g. PL101, ACME12)")
    return code


def _docs(doc: ParsedFile, value: Any) -> RuleDoc:
    data = _check_keys(doc, ("docs",), value, DOC_KEYS, "`docs`")
    for key in DOC_KEYS:
        if key not in data:
            raise doc.error(("docs",), f"`docs` is missing required key {key!r}")
    return RuleDoc(**{key: _string(doc, ("docs", key), data[key], f"docs.{key}") for key in DOC_KEYS})


_POSITION_RE = compile_regex(r"^(\d+)(?::(\d+))?$")


def parse_position(value: Any) -> tuple[int, int | None] | None:
    """`"3:12"` -> (3, 12), `"3"` or 3 -> (3, None) (any column); None when it is neither."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, None) if value >= 1 else None
    m = _POSITION_RE.match(value) if isinstance(value, str) else None
    if m is None or int(m.group(1)) < 1 or (m.group(2) is not None and int(m.group(2)) < 1):
        return None
    return int(m.group(1)), None if m.group(2) is None else int(m.group(2))


def _example(doc: ParsedFile, at: tuple[Any, ...], value: Any, kind: str) -> dict[str, Any]:
    if isinstance(value, str):
        value = {"text": value}
    data = _check_keys(doc, at, value, EXAMPLE_KEYS, "an example")
    if ("text" in data) == ("python" in data):
        raise doc.error(at, "an example needs exactly one of `text` (a prompt) or `python` (a source snippet)")
    if kind == "check" and "python" not in data:
        raise doc.error(at, "examples of a `check` rule must be `python` snippets")
    for key in ("text", "python", "system", "format", "name", "note"):
        if key in data and not isinstance(data[key], str):
            raise doc.error((*at, key), f"example `{key}` must be a string")
    if "role" in data and data["role"] not in ROLES:
        raise doc.error((*at, "role"), f"unknown role {data['role']!r} (roles: {', '.join(ROLES)})")
    if "line" in data and (not isinstance(data["line"], int) or isinstance(data["line"], bool) or data["line"] < 1):
        raise doc.error((*at, "line"), "example `line` must be a positive integer")
    if "findings" in data:
        findings = data["findings"]
        if not isinstance(findings, list) or any(parse_position(p) is None for p in findings):
            raise doc.error((*at, "findings"), 'example `findings` must be a list of "line:column" (or "line") '
                                               "positions, [] for none")
    if "fixed" in data and data["fixed"] is not None and not isinstance(data["fixed"], str):
        raise doc.error((*at, "fixed"), "example `fixed` must be a string (the prompt after the rule's fixes), or "
                                        "null (the rule's fix must be refused on this example)")
    return dict(data)


def _examples(doc: ParsedFile, value: Any, kind: str) -> dict[str, list[dict[str, Any]]]:
    data = _check_keys(doc, ("examples",), value, ("bad", "good"), "`examples`")
    result: dict[str, list[dict[str, Any]]] = {}
    for key in ("bad", "good"):
        items = data.get(key)
        if items is None and kind == "builtin":
            items = []
        if not isinstance(items, list) or (not items and kind != "builtin"):
            raise doc.error(("examples", key) if key in data else ("examples",),
                            f"`examples.{key}` must be a non-empty list")
        result[key] = [_example(doc, ("examples", key, i), item, kind) for i, item in enumerate(items)]
    for i, example in enumerate(result["good"]):
        if example.get("findings") or "fixed" in example or "line" in example:
            wrong = "findings" if example.get("findings") else "fixed" if "fixed" in example else "line"
            raise doc.error(("examples", "good", i, wrong),
                            f"a good example produces no finding: `{wrong}` belongs to bad examples")
    return result


def parse_rule(doc: ParsedFile, builtin_dir: bool) -> Rule:
    """Validate a rule file's structure (patterns are compiled later, once lexicons are known)."""
    data = doc.data
    if not isinstance(data, dict):
        raise doc.error((), "a rule file must be a mapping")
    kind = data.get("kind")
    if "kind" in data and kind not in KIND_KEYS:
        raise doc.error(("kind",), f"bad kind {kind!r} (kinds: {', '.join(KIND_KEYS)})")
    kind_keys = KIND_KEYS.get(kind, ())
    all_kind_keys = {k for keys in KIND_KEYS.values() for k in keys}
    for key in data:
        if key in all_kind_keys and key not in kind_keys:
            raise doc.error((key,), f"key {key!r} is not valid for kind {kind!r}")
        if key not in REQUIRED_KEYS and key not in OPTIONAL_KEYS and key not in all_kind_keys:
            allowed = ", ".join((*REQUIRED_KEYS, *OPTIONAL_KEYS, *sorted(all_kind_keys)))
            raise doc.error((key,), f"unknown key {key!r} (allowed: {allowed})")
    for key in REQUIRED_KEYS:
        if key not in data:
            raise doc.error((), f"missing required key {key!r}")
    if kind in KIND_REQUIRED and KIND_REQUIRED[kind] not in data:
        raise doc.error(("kind",), f"a {kind} rule needs key {KIND_REQUIRED[kind]!r}")
    try:
        severity = Severity(data["severity"])
    except ValueError:
        raise doc.error(("severity",), f"bad severity {data['severity']!r} (error, warning or info)") from None
    name = _string(doc, ("name",), data["name"], "`name`")
    if not _NAME_RE.fullmatch(name):
        raise doc.error(("name",), f"rule name {name!r} must be kebab-case (e.g. unrestricted-override)")
    for key in ("message", "hint"):
        text = _string(doc, (key,), data[key], f"`{key}`")
        if "\n" in text:
            raise doc.error((key,), f"`{key}` must be one line")
    for key in ("default_enabled", "never_fix"):
        if key in data and not isinstance(data[key], bool):
            raise doc.error((key,), f"`{key}` must be true or false")
    formats = None
    if "formats" in data:
        formats = frozenset(_string_list(doc, ("formats",), data["formats"], "`formats`"))
    spec = {key: data[key] for key in kind_keys if key in data}
    if "fix" in data:
        if kind not in ("pattern", "condition") or data.get("never_fix"):
            raise doc.error(("fix",), "`fix` is valid only for pattern and condition rules without never_fix")
        spec["fix"] = validate_fix(data["fix"], doc.error)
    return Rule(
        code=_code(doc, data["code"], builtin_dir),
        name=name,
        severity=severity,
        kind=kind,
        message=data["message"].strip(),
        hint=data["hint"].strip(),
        docs=_docs(doc, data["docs"]),
        roles=_roles(doc, data.get("roles")),
        formats=formats,
        default_enabled=data.get("default_enabled", True),
        never_fix=data.get("never_fix", False),
        examples=_examples(doc, data["examples"], kind),
        spec=spec,
        path=doc.path,
        line=doc.line("code"),
    )


# --- compiling the kind-specific parts ----------------------------------------------------------


def _patterns(doc: ParsedFile, at: tuple[Any, ...], value: Any, lexicons: dict[str, Lexicon], what: str,
              stub: bool) -> list[Any]:
    compiled: list[Any] = [] if stub else PatternList()  # the engine gates the real patterns (gates.py)
    custom = _is_custom(doc.path)  # custom rules' patterns are screened and time-limited (patterns.BoundedPattern)
    for i, pattern in enumerate(_string_list(doc, at, value, what)):
        try:
            concept = parse_concept(pattern)
        except ValueError as exc:
            raise doc.error((*at, i), str(exc)) from None
        if concept is not None:
            compiled.append(concept)
            continue
        try:
            bounded = (doc.path, doc.line(*at, i)) if custom else None
            compiled.append(compile_pattern(pattern, lexicons, stub=stub, bounded=bounded))
        except PatternError as exc:
            raise doc.error((*at, i), str(exc)) from None
    return compiled


@functools.lru_cache(maxsize=1024)
def _is_custom(path: Path) -> bool:
    """Answered once per file: asked for every pattern, and resolving paths walks the file system."""
    from promptlint.rules_engine.files import builtin_rules_dir

    return path.resolve().parent != builtin_rules_dir().resolve()


def _exceptions(doc: ParsedFile, value: Any, lexicons: dict[str, Lexicon], stub: bool) -> list[Exception_]:
    if not isinstance(value, list):
        raise doc.error(("exceptions",), "`exceptions` must be a list of patterns or {pattern, scope} mappings")
    result = []
    for i, item in enumerate(value):
        at = ("exceptions", i)
        if isinstance(item, str):
            item = {"pattern": item}
        data = _check_keys(doc, at, item, ("pattern", "scope", "spares", "requires"), "an exception")
        scope = data.get("scope", "sentence")
        if scope not in EXCEPTION_SCOPES:
            raise doc.error((*at, "scope"), f"bad exception scope {scope!r} (scopes: {', '.join(EXCEPTION_SCOPES)})")
        if "pattern" not in data:
            raise doc.error(at, "an exception needs a `pattern`")
        (pattern,) = _patterns(doc, (*at, "pattern"), data["pattern"], lexicons, "exception `pattern`", stub)[:1]
        spares = None
        if "spares" in data:
            (spares,) = _patterns(doc, (*at, "spares"), data["spares"], lexicons, "exception `spares`", stub)[:1]
        requires = None
        if "requires" in data:
            (requires,) = _patterns(doc, (*at, "requires"), data["requires"], lexicons, "exception `requires`",
                                    stub)[:1]
        result.append(Exception_(pattern, scope, spares, requires))
    return result


def _condition(doc: ParsedFile, value: Any, lexicons: dict[str, Lexicon], stub: bool) -> dict[str, Any]:
    data = _check_keys(doc, ("condition",), value, CONDITION_KEYS, "`condition`")
    if "trigger" not in data:
        raise doc.error(("condition",), "`condition` needs a `trigger` (patterns that find the subject)")
    compiled: dict[str, Any] = {
        "trigger": _patterns(doc, ("condition", "trigger"), data["trigger"], lexicons, "`trigger`", stub),
        "unless": [],
        "unless_call": None,
    }
    if "unless" in data:
        compiled["unless"] = _patterns(doc, ("condition", "unless"), data["unless"], lexicons, "`unless`", stub)
    if "unless_call" in data:
        at = ("condition", "unless_call")
        call = _check_keys(doc, at, data["unless_call"], UNLESS_CALL_KEYS, "`unless_call`")
        if "all" not in call or not isinstance(call["all"], dict) or not call["all"]:
            raise doc.error(at, "`unless_call.all` must map requirement names to lists of patterns")
        roles = frozenset(_string_list(doc, (*at, "roles"), call.get("roles", ["system"]), "`unless_call.roles`"))
        for i, role in enumerate(sorted(roles)):
            if role not in ROLES:
                raise doc.error((*at, "roles", i), f"unknown role {role!r}")
        groups = [(name, _patterns(doc, (*at, "all", name), pats, lexicons, f"`all.{name}`", stub))
                  for name, pats in call["all"].items()]
        compiled["unless_call"] = (roles, groups)
    for key in ("unless_all", "when_all"):
        if key in data:
            compiled[key] = _groups(doc, ("condition", key), data[key], lexicons, stub)
    if "when_call" in data:
        at = ("condition", "when_call")
        call = _check_keys(doc, at, data["when_call"], UNLESS_CALL_KEYS, "`when_call`")
        roles = _roles(doc, call.get("roles"), at=(*at, "roles"))
        compiled["when_call"] = (roles, _groups(doc, (*at, "all"), call.get("all"), lexicons, stub))
    compiled["report"] = data.get("report", "trigger")
    if compiled["report"] not in CONDITION_REPORTS:
        raise doc.error(("condition", "report"), f"bad report {compiled['report']!r} (one of: trigger, start)")
    return compiled


def _groups(doc: ParsedFile, at: tuple[Any, ...], value: Any, lexicons: dict[str, Lexicon],
            stub: bool) -> list[tuple[str, list[Any]]]:
    """A mapping of requirement names to pattern lists (`unless_all`, `when_all`, `when_call.all`)."""
    if not isinstance(value, dict) or not value:
        raise doc.error(at, f"`{'.'.join(map(str, at[1:]))}` must map requirement names to lists of patterns")
    return [(name, _patterns(doc, (*at, name), pats, lexicons, f"`{name}`", stub)) for name, pats in value.items()]


def _compile_fix(doc: ParsedFile, spec: dict[str, Any], lexicons: dict[str, Lexicon], stub: bool) -> dict[str, Any]:
    def one(at: tuple[Any, ...], pattern: str) -> Any:
        return _patterns(doc, at, pattern, lexicons, "substitution `match`", stub)[0]

    return compile_fix(spec, one, doc.error)


class LazyCompiled(Mapping[str, Any]):
    """A rule's compiled patterns, built on first use.

    Loading validates every pattern cheaply (lexicon macros stubbed, lexicons checked on their own),
    so a broken rule file still fails at load with its line; the full regexes, with the lexicon
    alternations expanded, are compiled only when a rule first runs.
    """

    def __init__(self, build: Callable[[], dict[str, Any]]) -> None:
        self._build: Callable[[], dict[str, Any]] | None = build
        self._data: dict[str, Any] = {}

    def _get(self) -> dict[str, Any]:
        if self._build is not None:
            self._data = self._build()
            self._build = None
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def _compile_parts(rule: Rule, doc: ParsedFile, lexicons: dict[str, Lexicon], stub: bool) -> dict[str, Any]:
    spec = rule.spec
    compiled: dict[str, Any] = {}
    if rule.kind == "pattern":
        compiled["patterns"] = _patterns(doc, ("patterns",), spec["patterns"], lexicons, "`patterns`", stub)
    if rule.kind == "condition":
        compiled.update(_condition(doc, spec["condition"], lexicons, stub))
    if rule.kind in ("pattern", "condition"):
        compiled["exceptions"] = _exceptions(doc, spec.get("exceptions", []), lexicons, stub)
        if "fix" in spec:
            compiled["fix"] = _compile_fix(doc, spec["fix"], lexicons, stub)
    if rule.kind == "check":
        name = _string(doc, ("check",), spec["check"], "`check`")
        if not name.isidentifier() or importlib.util.find_spec(f"promptlint.checks.{name}") is None:
            raise doc.error(("check",), f"unknown check {name!r}: no module promptlint/checks/{name}.py")
        compiled["check"] = name
    return compiled


def compile_rule(rule: Rule, doc: ParsedFile, lexicons: dict[str, Lexicon]) -> None:
    """Validate the kind-specific parts now; `rule.spec["compiled"]` compiles the full regexes on first use."""
    checked = _compile_parts(rule, doc, lexicons, stub=True)
    if rule.kind in ("pattern", "condition"):
        compile_lazily(rule, doc, lexicons)
    else:
        rule.spec["compiled"] = checked


def compile_lazily(rule: Rule, doc: ParsedFile, lexicons: dict[str, Lexicon]) -> None:
    """`rule.spec["compiled"]` builds the full regexes of a validated pattern / condition rule on first use."""
    rule.spec["compiled"] = LazyCompiled(lambda: _compile_full(rule, doc, lexicons))


def _compile_full(rule: Rule, doc: ParsedFile, lexicons: dict[str, Lexicon]) -> dict[str, Any]:
    """The real compile; the rule's own syntax was validated at load, so a failure points at a lexicon."""
    try:
        return _compile_parts(rule, doc, lexicons, stub=False)
    except RuleError as exc:
        used = {name: lexicons[name] for name in lexicons if f"{{lex:{name}" in str(rule.spec)}
        raise (_lexicon_error(used) or exc) from None
