"""Probe suites: prompt variants, test cases (single or multi-turn), the models to probe, and CI expectations.

`load_suite(path)` reads the YAML (schema in docs/probe.md) and checks everything before a request is
sent: every mistake is a `ProbeError` naming the file and key, and every (variant, case) pair must
render, so a placeholder that no case fills (`{user_name}`) stops the run instead of being sent to the
model as literal text.

`render(variant, case)` builds the request: the variant's system prompt and user template, the case's
earlier turns and final user message, placeholders filled from the case's `vars` (then the suite's
`vars`), `{input}` being the case's final user message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from promptlint.live.client import ACCEPTED_PARAMS, DEFAULT_MAX_TOKENS, PROVIDERS, Request
from promptlint.live.errors import ProbeError
from promptlint.live.gates import parse_expectation


@dataclass(frozen=True, slots=True)
class Variant:
    """One way of prompting: a system prompt and/or a user template (`{input}` and `{var}` placeholders)."""

    name: str
    system: str | None = None
    user_template: str | None = None
    origin: str | None = None  # "path:line" when the text came from the code base


@dataclass(frozen=True, slots=True)
class Case:
    """One test input: the final user message, earlier turns of the conversation, and template variables."""

    name: str
    user: str | None = None
    vars: tuple[tuple[str, str], ...] = ()
    turns: tuple[tuple[str, str], ...] = ()  # (role, content) before the final user message


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One model of a matrix run: which model, through which API and endpoint, with which sampling parameters."""

    model: str
    provider: str | None = None  # None: the command line's / config's
    base_url: str | None = None
    params: tuple[tuple[str, Any], ...] = ()
    label: str | None = None

    @property
    def name(self) -> str:
        return self.label or self.model


#: `{name}`, `{user.name}`, `{items[0]}`, `{name!r}`, `{name:>10}`, `{{ name }}`, `{{$name}}`, `${name}`. JSON
#: (`{"a": 1}`) and doubled literal braces around non-names are not placeholders.
_PLACEHOLDER = re.compile(
    r"\{\{\s*\$?([A-Za-z_][\w.]*)\s*\}\}"
    r"|\$\{([A-Za-z_][\w.]*)\}"
    r"|(?<!\{)\{([A-Za-z_][\w.]*)(?:\[[^\]{}\n]*\])*(?:![rsa])?(?::[^{}\n]*)?\}(?!\})"
)


def placeholders(text: str) -> list[tuple[str, str]]:
    """(as written, name) of every placeholder in `text`, in order."""
    return [(m.group(0), next(g for g in m.groups() if g)) for m in _PLACEHOLDER.finditer(text)]


def fill(text: str, values: dict[str, str]) -> tuple[str, list[str]]:
    """`text` with each placeholder replaced by its value, and the placeholders (as written) left unfilled."""
    missing: list[str] = []

    def sub(match: re.Match[str]) -> str:
        name = next(g for g in match.groups() if g)
        if name in values:
            return values[name]
        missing.append(match.group(0))
        return match.group(0)

    return _PLACEHOLDER.sub(sub, text), missing


def render(variant: Variant, case: Case, max_tokens: int = DEFAULT_MAX_TOKENS, params: tuple[tuple[str, Any], ...] = (),
           defaults: tuple[tuple[str, str], ...] = ()) -> Request:  # fmt: skip
    """The request for a (variant, case); ProbeError when a placeholder is left unfilled or no user message."""
    values = dict(defaults)
    values.update(case.vars)
    if case.user is not None:
        values.setdefault("input", case.user)
    missing: list[str] = []

    def done(text: str, strict: bool = True) -> str:
        """The variant's text must be filled completely; a case's own text (a user may well ask about
        `{x}` in an f-string) gets only the values it names."""
        filled, unfilled = fill(text, values)
        if strict:
            missing.extend(unfilled)
        return filled

    if variant.user_template is not None:
        user = done(variant.user_template)
    elif case.user is not None:
        user = done(case.user, strict=False) if case.vars or defaults else case.user
    else:
        raise ProbeError(f"case {case.name!r} has no user message and variant {variant.name!r} no user template")
    system = done(variant.system) if variant.system else None
    turns = tuple((role, done(content, strict=False) if case.vars or defaults else content)
                  for role, content in case.turns)  # fmt: skip
    if missing:
        where = f" ({variant.origin})" if variant.origin else ""
        shown = ", ".join(dict.fromkeys(missing))
        raise ProbeError(f"variant {variant.name!r}{where} has placeholder {shown} that case {case.name!r} does not "
                         "fill: give it in the case's vars (or the suite's vars)")  # fmt: skip
    return Request(system or None, (*turns, ("user", user)), max_tokens, params)


@dataclass(slots=True)
class Suite:
    variants: list[Variant]
    cases: list[Case]
    samples: int | None = None
    model: str | None = None
    max_tokens: int = DEFAULT_MAX_TOKENS
    models: list[ModelSpec] = field(default_factory=list)
    params: tuple[tuple[str, Any], ...] = ()
    vars: tuple[tuple[str, str], ...] = ()
    expect: list[Any] = field(default_factory=list)  # promptlint.live.gates.Expectation

    def render(self, variant: Variant, case: Case, max_tokens: int | None = None,
               params: tuple[tuple[str, Any], ...] | None = None) -> Request:  # fmt: skip
        return render(variant, case, max_tokens or self.max_tokens, self.params if params is None else params,
                      self.vars)  # fmt: skip


SUITE_KEYS = {"variants", "cases", "samples", "model", "models", "max_tokens", "params", "vars", "expect"}


def load_suite(path: str | Path) -> Suite:
    """Read a suite YAML file (schema in docs/probe.md); every mistake is a `ProbeError` naming file and key."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProbeError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ProbeError(f"{path}: not valid UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ProbeError(f"{where}: invalid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict):
        raise ProbeError(f"{path}: expected a mapping with 'variants' and 'cases'")
    unknown = set(data) - SUITE_KEYS
    if unknown:
        raise ProbeError(f"{path}: unknown key {sorted(unknown)[0]!r}")
    variants = [_variant(item, i, path) for i, item in enumerate(_list(data, "variants", path))]
    cases = [_case(item, i, path) for i, item in enumerate(_list(data, "cases", path))]
    for kind, names in (("variant", [v.name for v in variants]), ("case", [c.name for c in cases])):
        duplicate = next((n for n in names if names.count(n) > 1), None)
        if duplicate is not None:
            raise ProbeError(f"{path}: {kind}s: duplicate {kind} name {duplicate!r}")
    suite = Suite(variants, cases, model=_opt_str(data, "model", path))
    for key in ("samples", "max_tokens"):
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ProbeError(f"{path}: {key}: expected a positive integer, got {value!r}")
            setattr(suite, key, value)
    suite.vars = _vars(data.get("vars"), f"{path}: vars")
    suite.params = params_of(data.get("params"), f"{path}: params")
    suite.models = [_model(item, i, path) for i, item in enumerate(data.get("models") or [])]
    if "models" in data and not isinstance(data["models"], list):
        raise ProbeError(f"{path}: models: expected a list of model ids or mappings")
    labels = [m.name for m in suite.models]
    if len(set(labels)) != len(labels):
        raise ProbeError(f"{path}: models: two entries share the name {labels[0]!r}: give each a distinct 'name'")
    expect = data.get("expect") or []
    if not isinstance(expect, list) or not all(isinstance(e, str) for e in expect):
        raise ProbeError(f"{path}: expect: expected a list of expectations such as 'anchored < bare'")
    suite.expect = [parse_expectation(text, f"{path}: expect[{i}]") for i, text in enumerate(expect)]
    for variant in variants:
        for case in cases:
            try:
                suite.render(variant, case)  # every combination must render
            except ProbeError as exc:
                raise ProbeError(f"{path}: {exc}") from None
    return suite


def check_params(params: tuple[tuple[str, Any], ...], provider: str, where: str) -> None:
    """ProbeError when a sampling parameter is not one the provider's API accepts."""
    accepted = ACCEPTED_PARAMS.get(provider, ())
    for name, _value in params:
        if name not in accepted:
            raise ProbeError(f"{where}: {name!r} is not a parameter the {provider} API accepts here "
                             f"(accepted: {', '.join(accepted)})")  # fmt: skip


def params_of(value: Any, where: str) -> tuple[tuple[str, Any], ...]:
    """Sampling parameters as sorted (name, value) pairs; lists become tuples; values must be scalars."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ProbeError(f"{where}: expected a mapping such as {{temperature: 0.7}}")
    out = []
    known = {name for names in ACCEPTED_PARAMS.values() for name in names}
    for name, item in value.items():
        if name not in known:
            raise ProbeError(f"{where}: unknown parameter {name!r} (known: {', '.join(sorted(known))})")
        if isinstance(item, list):
            if not all(isinstance(x, str) for x in item):
                raise ProbeError(f"{where}.{name}: expected a list of strings")
            item = tuple(item)
        elif isinstance(item, bool) or not isinstance(item, int | float | str):
            raise ProbeError(f"{where}.{name}: expected a number or a string, got {item!r}")
        out.append((str(name), item))
    return tuple(sorted(out))


def _list(data: dict[str, Any], key: str, path: Path) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        raise ProbeError(f"{path}: {key}: expected a non-empty list")
    return value


def _opt_str(data: dict[str, Any], key: str, path: Path | str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ProbeError(f"{path}: {key}: expected a string, got {type(value).__name__}")
    return value


def _vars(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ProbeError(f"{where}: expected a mapping")
    return tuple((str(k), "" if v is None else str(v)) for k, v in value.items())


def _model(item: Any, index: int, path: Path) -> ModelSpec:
    where = f"{path}: models[{index}]"
    if isinstance(item, str) and item.strip():
        return ModelSpec(item.strip())
    if not isinstance(item, dict):
        raise ProbeError(f"{where}: expected a model id or a mapping with 'model'")
    unknown = set(item) - {"model", "provider", "base_url", "params", "name"}
    if unknown:
        raise ProbeError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    model = item.get("model")
    if not isinstance(model, str) or not model.strip():
        raise ProbeError(f"{where}.model: expected a model id")
    provider = _opt_str(item, "provider", where)
    if provider is not None and provider not in PROVIDERS:
        raise ProbeError(f"{where}.provider: expected one of {', '.join(PROVIDERS)}, got {provider!r}")
    params = params_of(item.get("params"), f"{where}.params")
    if provider is not None:
        check_params(params, provider, f"{where}.params")
    return ModelSpec(model.strip(), provider, _opt_str(item, "base_url", where), params, _opt_str(item, "name", where))


def _variant(item: Any, index: int, path: Path) -> Variant:
    where = f"variants[{index}]"
    if not isinstance(item, dict):
        raise ProbeError(f"{path}: {where}: expected a mapping")
    unknown = set(item) - {"name", "system", "user", "prompt"}
    if unknown:
        raise ProbeError(f"{path}: {where}: unknown key {sorted(unknown)[0]!r}")
    name = _opt_str(item, "name", path) or f"variant{index + 1}"
    system, user = _opt_str(item, "system", path), _opt_str(item, "user", path)
    origin = None
    if "prompt" in item:
        ref = item["prompt"]
        if not isinstance(ref, dict) or "path" not in ref or "line" not in ref:
            raise ProbeError(f"{path}: {where}.prompt: expected {{path: FILE, line: N[, as: system|user]}}")
        role = ref.get("as", "system")
        if role not in ("system", "user"):
            raise ProbeError(f"{path}: {where}.prompt.as: expected 'system' or 'user'")
        text, origin = prompt_at(path.parent / str(ref["path"]), ref["line"], f"{path}: {where}.prompt")
        if role == "system":
            system = text
        else:
            user = text
    if system is None and user is None:
        raise ProbeError(f"{path}: {where}: needs 'system', 'user' or 'prompt'")
    return Variant(name, system, user, origin)


def _case(item: Any, index: int, path: Path) -> Case:
    where = f"cases[{index}]"
    if isinstance(item, str):
        return Case(f"case{index + 1}", item)
    if not isinstance(item, dict):
        raise ProbeError(f"{path}: {where}: expected a string or a mapping")
    unknown = set(item) - {"name", "user", "vars", "messages"}
    if unknown:
        raise ProbeError(f"{path}: {where}: unknown key {sorted(unknown)[0]!r}")
    variables = _vars(item.get("vars"), f"{path}: {where}.vars")
    name = _opt_str(item, "name", path) or f"case{index + 1}"
    user = _opt_str(item, "user", path)
    turns: tuple[tuple[str, str], ...] = ()
    if "messages" in item:
        if user is not None:
            raise ProbeError(f"{path}: {where}: give either 'user' or 'messages', not both")
        turns, user = _messages(item["messages"], f"{path}: {where}.messages")
    return Case(name, user, variables, turns)


def _messages(value: Any, where: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """A multi-turn case: user and assistant turns alternating, starting and ending with the user."""
    if not isinstance(value, list) or not value:
        raise ProbeError(f"{where}: expected a non-empty list of {{role: user|assistant, content: ...}}")
    turns = []
    for i, message in enumerate(value):
        if not isinstance(message, dict) or set(message) - {"role", "content"}:
            raise ProbeError(f"{where}[{i}]: expected {{role: user|assistant, content: TEXT}}")
        role, content = message.get("role"), message.get("content")
        if role not in ("user", "assistant"):
            raise ProbeError(f"{where}[{i}].role: expected 'user' or 'assistant', got {role!r}")
        if not isinstance(content, str) or not content.strip():
            raise ProbeError(f"{where}[{i}].content: expected non-empty text")
        expected = "user" if i % 2 == 0 else "assistant"
        if role != expected:
            raise ProbeError(f"{where}[{i}]: turns must alternate user / assistant, starting with the user")
        turns.append((role, content))
    if turns[-1][0] != "user":
        raise ProbeError(f"{where}: the last turn must be the user's (the message the model answers)")
    return tuple(turns[:-1]), turns[-1][1]


def prompt_at(file: Path, line: Any, where: str) -> tuple[str, str]:
    """The text of the prompt extracted from `file` that spans `line` (how `check` sees it)."""
    from promptlint.runner import extractor_of
    from promptlint.source import read_source

    if isinstance(line, bool) or not isinstance(line, int) or line < 1:
        raise ProbeError(f"{where}.line: expected a positive integer, got {line!r}")
    source = read_source(file, str(file))
    if not hasattr(source, "text"):
        raise ProbeError(f"{where}: cannot read {file}: {getattr(source, 'message', '')}")
    extraction = extractor_of(file)[1](source)
    for prompt in extraction.prompts:
        start, end = prompt.file_span(0, len(prompt.text))
        first, last = source.position(start)[0], source.position(max(start, end - 1))[0]
        if first <= line <= last:
            return prompt.text, f"{file}:{first}"
    raise ProbeError(f"{where}: no prompt found at {file}:{line}")
