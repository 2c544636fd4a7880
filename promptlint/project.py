"""The project-level join: texts written in one file and used as prompts in another.

Each Python file's extraction leaves plain-data facts (`Extraction.facts`, built in the same walk as its
prompts): its imports, the texts it defines at module and class level (`exports`, and `emitted` for
those already reported as prompts), its classes and their bases, the imported names, `self` attributes
and function results it uses as prompts (`uses`, with role and sink), and the prompt files it loads
(`loads`). This module joins the facts of a whole project without reading or parsing anything:

- a use of `from .prompts import SYSTEM` as `system=` makes `SYSTEM` in `prompts.py` a system prompt,
  reported where its text is written, with the sink ("used as the system prompt at agent.py:88");
  re-exports through `__init__.py`, module attributes (`prompts.SYSTEM`), class attributes and
  function results are followed;
- `self.system_prompt` used as a prompt in a class makes the `system_prompt` attribute of its
  subclasses and base classes in other files prompts;
- a prompt file (`.md`, `.txt`, `.jinja`, `.j2`, `.mustache`, `.hbs`, `.json`) is linted when code
  loads it (`open`, `read_text`, `get_template`, ...), or when it sits in a prompt folder (`prompts/`,
  `preprompts/`, `templates/`, `instructions/`) of a package that talks to a model.

The result (`Plan`) says, per file, which of its texts other files use and how (`adoptions`), which
prompt files to lint with which role (`prompt_files`), and the files each file's findings depend on
(`deps`, both ways: the file holding the text and the file using it), which the result cache records.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from promptlint.model import Prompt, Role, Sink

#: Roles ordered by how much they say: a text used as both takes the first.
_ROLE_RANK = {"system": 0, "user": 1, "template": 2, "assistant": 3, "unknown": 4}
#: Folders whose prompt-like files are prompts when the package beside them talks to a model.
PROMPT_DIR_NAMES = frozenset({"prompts", "prompt", "preprompts", "prompt_templates", "prompt-templates",
                              "templates", "template", "instructions", "system_prompts", "system-prompts",
                              "prompt_library", "personas"})
#: Suffixes of standalone prompt files (extensionless files count inside prompt folders).
PROMPT_FILE_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".text", ".jinja", ".jinja2", ".j2", ".mustache",
                                  ".hbs", ".handlebars", ".json", ".tmpl", ".tpl"})
_NOT_PROMPT_NAMES = ("readme", "changelog", "license", "licence", "contributing", "code_of_conduct", "history",
                     "authors", "notice", "security", "package", "tsconfig", "manifest", "requirements")
_MAX_DEPTH = 6


@dataclass(slots=True, frozen=True)
class Adoption:
    """How a text of one file is used as a prompt elsewhere: its role and the sink (None: role only)."""

    role: Role
    sink: Sink | None


@dataclass(slots=True)
class Plan:
    """What the join found for a set of files (display paths)."""

    #: file -> export key ("SYSTEM", "Cls.attr", "build()") -> how it is used
    adoptions: dict[str, dict[str, Adoption]] = field(default_factory=dict)
    #: prompt file -> how code uses it (role "template" and no sink when only its folder says so)
    prompt_files: dict[str, Adoption] = field(default_factory=dict)
    #: file -> other files whose change can change its findings
    deps: dict[str, set[str]] = field(default_factory=dict)
    #: Python files a use leads to that have no facts (not parsed: no prompt marker): extract them and join again
    missing: set[str] = field(default_factory=set)

    def digest_of(self, path: str) -> list[Any]:
        """The part of the plan a file's findings depend on, as plain data (compared between runs)."""
        rows: list[Any] = []
        for key, adoption in sorted(self.adoptions.get(path, {}).items()):
            rows.append([key, adoption.role, _sink_row(adoption.sink)])
        prompt_file = self.prompt_files.get(path)
        if prompt_file is not None:
            rows.append(["<file>", prompt_file.role, _sink_row(prompt_file.sink)])
        return rows


def is_prompt_file_candidate(name: str, in_prompt_dir: bool) -> bool:
    """Could a file of this name be a standalone prompt (before the join decides)?"""
    low = name.lower()
    if low.startswith(".") or low.startswith(_NOT_PROMPT_NAMES) or ".html" in low or ".min." in low:
        return False
    dot = low.rfind(".")
    if dot <= 0:
        return in_prompt_dir
    return low[dot:] in PROMPT_FILE_SUFFIXES


def is_prompt_dir(directory: str) -> bool:
    """Is this folder (or one above it) named like a prompt folder?"""
    return any(p.lower() in PROMPT_DIR_NAMES for p in directory.replace("\\", "/").split("/"))


def in_prompt_dir(path: str) -> bool:
    """Is the file inside a folder named like a prompt folder?"""
    parts = path.split("/")[:-1]
    return any(p.lower() in PROMPT_DIR_NAMES for p in parts)


def sink_of(row: Any) -> Sink | None:
    if not row:
        return None
    kind, method, path, line = row
    return Sink(str(kind), str(method), str(path), int(line))


def _sink_row(sink: Sink | None) -> list[Any] | None:
    return None if sink is None else [sink.kind, sink.method, sink.path, sink.line]


def adopt(prompt: Prompt, adoption: Adoption) -> Prompt:
    """A copy of an export candidate (or a prompt file's prompt) in the role and sink of its use."""
    from dataclasses import replace

    return replace(prompt, role=adoption.role, sink=adoption.sink)


class _Modules:
    """Resolves module names to the display paths of the project's Python files."""

    def __init__(self, paths: Iterable[str]) -> None:
        self.by_stem: dict[str, list[str]] = {}
        self.paths = set()
        for path in paths:
            self.paths.add(path)
            name = path.rsplit("/", 1)[-1]
            stem = name[:-3] if name.endswith(".py") else name[:-4] if name.endswith(".pyi") else None
            if stem is None:
                continue
            if stem == "__init__":
                parent = path.rsplit("/", 2)
                stem = parent[-2] if len(parent) >= 2 else ""
            self.by_stem.setdefault(stem, []).append(path)

    def resolve(self, module: str, level: int, importer: str) -> str | None:
        """The file of `module` imported (with `level` dots) from the file `importer`."""
        if level:
            base = posixpath.dirname(importer)
            for _ in range(level - 1):
                base = posixpath.dirname(base)
            rel = module.replace(".", "/") if module else ""
            target = posixpath.join(base, rel) if rel else base
            for candidate in (target + ".py", posixpath.join(target, "__init__.py"), target + ".pyi"):
                candidate = posixpath.normpath(candidate)
                if candidate in self.paths:
                    return candidate
            return None
        if not module:
            return None
        parts = module.split(".")
        candidates = self.by_stem.get(parts[-1], [])
        best, best_score = None, -1
        for path in candidates:
            tail = path[:-3] if path.endswith(".py") else path[:-4] if path.endswith(".pyi") else path
            if tail.endswith("/__init__"):
                tail = tail[: -len("/__init__")]
            segs = tail.split("/")
            if segs[-len(parts):] != parts:
                continue
            score = _common_prefix(path, importer)
            if score > best_score:
                best, best_score = path, score
        return best


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.split("/"), b.split("/"), strict=False):
        if x != y:
            break
        n += 1
    return n


class _Joiner:
    def __init__(self, facts: Mapping[str, Mapping[str, Any]], paths: Iterable[str] = ()) -> None:
        self.facts = facts
        self.modules = _Modules({*facts, *paths})
        self.plan = Plan()
        self._classes: dict[tuple[str, str], list[tuple[str, str]]] | None = None
        self._subclasses: dict[tuple[str, str], list[tuple[str, str]]] | None = None

    # -- names ------------------------------------------------------------------------------

    def find(self, path: str, name: str, depth: int = 0) -> tuple[str, str] | None:
        """(file, export key) where `name` of module file `path` is defined as text, following re-exports."""
        facts = self.facts.get(path)
        if facts is None:
            self.plan.missing.add(path)
            return None
        if depth > _MAX_DEPTH:
            return None
        if "lite" in facts:  # not parsed: follow its imports, else parse it
            head = name.partition(".")[0]
            if head.removesuffix("()") not in facts.get("imports", {}):
                self.plan.missing.add(path)
                return None
        if name in facts.get("exports", ()) or name in facts.get("emitted", ()):
            return path, name
        head, _, rest = name.partition(".")
        imports = facts.get("imports", {})
        if head in imports:
            module, imported, level = imports[head]
            if imported is None:  # `import pkg.prompts as p` then `p.X`
                target = self.modules.resolve(module, level, path)
                return self.find(target, rest, depth + 1) if target and rest else None
            target = self.modules.resolve(module, level, path)
            inner = f"{imported}.{rest}" if rest else imported
            if target is not None:
                found = self.find(target, inner, depth + 1)
                if found is not None:
                    return found
            sub = self.modules.resolve(f"{module}.{imported}" if module else imported, level, path)
            if sub is not None and rest:
                return self.find(sub, rest, depth + 1)
            return None
        if rest and head.endswith("()") is False:  # `pkg` file, `sub.X` where `sub` is a submodule
            sub = self.modules.resolve(head, 1, path) if path.endswith("__init__.py") else None
            if sub is not None:
                return self.find(sub, rest, depth + 1)
        return None

    def resolve_ref(self, path: str, ref: list[Any]) -> list[tuple[str, str]]:
        """Export keys (file, key) a use refers to."""
        if ref[0] == "imp":
            _kind, module, name, level = ref
            found = None
            target = self.modules.resolve(module, level, path)
            if target is not None:
                found = self.find(target, name)
            if found is None and "." in name:  # `from pkg import prompts` then `prompts.X`
                head, _, rest = name.partition(".")
                sub = self.modules.resolve(f"{module}.{head}" if module else head, level, path)
                if sub is not None:
                    found = self.find(sub, rest)
            return [found] if found is not None else []
        if ref[0] == "selfattr":  # `self.prompts.X`: X of the class `prompts` holds an instance of
            _kind, cls, holder, attr = ref
            out = []
            seen: set[tuple[str, str]] = set()
            for owner in [(path, cls), *self.hierarchy((path, cls))]:
                spec = self.facts.get(owner[0], {}).get("instances", {}).get(owner[1], {}).get(holder)
                target = self._resolve_class(owner[0], spec) if spec else None
                if target is None:
                    continue
                for klass in [target, *self.hierarchy(target)]:
                    key = f"{klass[1]}.{attr}"
                    facts = self.facts.get(klass[0], {})
                    defined = key in facts.get("exports", ()) or key in facts.get("emitted", ())
                    if defined and (klass[0], key) not in seen:
                        seen.add((klass[0], key))
                        out.append((klass[0], key))
            return out
        if ref[0] == "self":
            _kind, cls, attr = ref
            for other, facts in self.facts.items():  # not parsed, but a class there names this one as a base
                if "lite" in facts and any(cls in bases for bases in facts["lite"].values()):
                    self.plan.missing.add(other)
            out = []
            for owner in self.hierarchy((path, cls)):
                key = f"{owner[1]}.{attr}"
                facts = self.facts.get(owner[0], {})
                if owner[0] != path and (key in facts.get("exports", ()) or key in facts.get("emitted", ())):
                    out.append((owner[0], key))
            return out
        return []

    # -- classes ----------------------------------------------------------------------------

    def _class_graph(self) -> None:
        self._classes, self._subclasses = {}, {}
        for path, facts in self.facts.items():
            for name, bases in facts.get("classes", {}).items():
                resolved = []
                for base in bases:
                    target = self._resolve_class(path, base)
                    if target is not None:
                        resolved.append(target)
                        self._subclasses.setdefault(target, []).append((path, name))
                self._classes[(path, name)] = resolved

    def _resolve_class(self, path: str, base: list[Any], depth: int = 0) -> tuple[str, str] | None:
        if depth > _MAX_DEPTH:
            return None
        if base[0] == "local":
            return (path, base[1]) if base[1] in self.facts.get(path, {}).get("classes", {}) else None
        _kind, module, name, level = base
        target = self.modules.resolve(module, level, path)
        if target is None:
            return None
        facts = self.facts.get(target, {})  # an unparsed file's classes are known by name ("lite")
        if name in facts.get("classes", {}) or name in facts.get("lite", {}):
            return target, name
        imported = facts.get("imports", {}).get(name)
        if imported is not None and imported[1] is not None:
            return self._resolve_class(target, ["imp", imported[0], imported[1], imported[2]], depth + 1)
        return None

    def hierarchy(self, key: tuple[str, str]) -> list[tuple[str, str]]:
        """Base classes and subclasses (transitively) of a class, across files."""
        if self._classes is None:
            self._class_graph()
        assert self._classes is not None and self._subclasses is not None
        seen: set[tuple[str, str]] = {key}
        out: list[tuple[str, str]] = []
        for edges in (self._classes, self._subclasses):
            stack = list(edges.get(key, []))
            while stack:
                node = stack.pop()
                if node in seen:
                    continue
                seen.add(node)
                out.append(node)
                stack.extend(edges.get(node, []))
        return out

    # -- the join ---------------------------------------------------------------------------

    def run(self, candidates: Iterable[str]) -> Plan:
        for path in sorted(self.facts):
            for ref, role, sink, _piece in self.facts[path].get("uses", ()):
                for target, key in self.resolve_ref(path, ref):
                    self._adopt(target, key, Adoption(role, sink_of(sink)), path)
        self._prompt_files(list(candidates))
        return self.plan

    def _adopt(self, target: str, key: str, adoption: Adoption, user: str) -> None:
        current = self.plan.adoptions.setdefault(target, {}).get(key)
        if current is None or _better(adoption, current):
            self.plan.adoptions[target][key] = adoption
        self._depend(target, user)

    def _depend(self, a: str, b: str) -> None:
        if a != b:
            self.plan.deps.setdefault(a, set()).add(b)
            self.plan.deps.setdefault(b, set()).add(a)

    def _prompt_files(self, candidates: list[str]) -> None:
        """Prompt files loaded by code, then those in prompt folders beside LLM code."""
        if not candidates:
            return
        by_name: dict[str, list[str]] = {}
        for path in candidates:
            by_name.setdefault(path.rsplit("/", 1)[-1].lower(), []).append(path)
        for path in sorted(self.facts):
            for target, role, sink, _line in self.facts[path].get("loads", ()):
                for found in self._match_load(path, str(target), by_name, candidates):
                    adoption = Adoption(role or "template", sink_of(sink))
                    current = self.plan.prompt_files.get(found)
                    if current is None or _better(adoption, current):
                        self.plan.prompt_files[found] = adoption
                    self._depend(found, path)
        llm_dirs = {posixpath.dirname(p) for p, f in self.facts.items() if f.get("llm")}
        for path in candidates:
            if path in self.plan.prompt_files or not in_prompt_dir(path):
                continue
            folder = _prompt_folder(path)
            parent = posixpath.dirname(folder)
            if any(d == parent or d.startswith(parent + "/") or parent == "" for d in llm_dirs) or any(
                    parent.startswith(d + "/") or parent == d for d in llm_dirs):
                self.plan.prompt_files[path] = Adoption("template", None)

    def _match_load(self, user: str, target: str, by_name: dict[str, list[str]], candidates: list[str]) -> list[str]:
        parts = [p for p in target.split("/") if p and p not in (".", "..")]
        if not parts:
            return []
        last = parts[-1].lower()
        matches = by_name.get(last, [])
        if matches:
            scored = []
            for path in matches:
                segs = path.lower().split("/")
                tail = 0
                for want, have in zip(reversed([p.lower() for p in parts]), reversed(segs), strict=False):
                    if want != have:
                        break
                    tail += 1
                scored.append((tail, _common_prefix(path, user), path))
            scored.sort(reverse=True)
            best = scored[0]
            return [p for t, c, p in scored if (t, c) == best[:2]]
        # a folder: `PROMPTS_DIR / name` with a name known only at run time
        folder = parts[-1]
        near = [p for p in candidates if p.split("/")[:-1] and p.split("/")[-2] == folder]
        if not near:
            return []
        best = max(_common_prefix(p, user) for p in near)
        return [p for p in near if _common_prefix(p, user) == best]


def _prompt_folder(path: str) -> str:
    parts = path.split("/")
    for i in range(len(parts) - 2, -1, -1):
        if parts[i].lower() in PROMPT_DIR_NAMES:
            return "/".join(parts[: i + 1])
    return posixpath.dirname(path)


def _better(new: Adoption, old: Adoption) -> bool:
    """Prefer a known sink, then the more specific role, then the earlier sink (stable output)."""
    if (new.sink is None) != (old.sink is None):
        return new.sink is not None
    rank_new, rank_old = _ROLE_RANK.get(new.role, 9), _ROLE_RANK.get(old.role, 9)
    if rank_new != rank_old:
        return rank_new < rank_old
    if new.sink is not None and old.sink is not None:
        return (new.sink.path, new.sink.line) < (old.sink.path, old.sink.line)
    return False


def join(facts: Mapping[str, Mapping[str, Any]], candidates: Iterable[str] = (), paths: Iterable[str] = ()) -> Plan:
    """Join the facts of a project's Python files (display path -> facts); `candidates` are the
    non-Python files that may be prompt files, `paths` every Python file of the project (those without
    facts end up in `Plan.missing` when a use leads to them)."""
    return _Joiner(facts, paths).run(candidates)


def join_project(facts: dict[str, Any], candidates: list[str], paths: list[str],
                 parse: Callable[[str], Any], rounds: int = 4) -> Plan:
    """`join`, parsing on demand (`parse(display) -> facts`) the files a use leads to that have no full
    facts (no prompt marker, so never parsed), until nothing is missing. `facts` is updated in place."""
    plan = join(facts, candidates, paths)
    known = set(paths)
    for _round in range(rounds):
        missing = [d for d in sorted(plan.missing) if d in known and (d not in facts or "lite" in facts[d])]
        if not missing:
            break
        for display in missing:
            facts[display] = parse(display) or {}
        plan = join(facts, candidates, paths)
    return plan
