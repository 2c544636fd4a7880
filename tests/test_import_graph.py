"""The import graph of promptlint: no circles, and the layers import downward only.

Every `import` counts, at module level or inside a function (a lazy import is still a dependency), except
those under `if TYPE_CHECKING:` (annotations only, never run). Read from the source with `ast`, so a module
that is never imported by the tests is still checked.

Layers, top to bottom: the command line (`cli`, `__main__`); the applications (`fix`, `lsp`, `live`,
`refusal`, `classify_cli`, and the `check` command's own `stdin`, `watch`, `noqa_writer`); the core (everything
else: discovery, extractors, facts, rules engine, checks, runner, reporters, caches). A lower layer never
imports a higher one; among the applications, `lsp` may use `fix`, `fix` may use `live` and `refusal`, `live`
uses `refusal` (the probe classifies replies with the detector; the LLM judge, which sends through the live
client, lives in `live`), `refusal` is the offline detector and uses no other application, `classify_cli` (the
`classify` command) uses `refusal` and, for `--judge`, `live`; and `fix` and `lsp` reuse pieces of the `check`
command.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "promptlint"
TOP = {"promptlint.cli", "promptlint.__main__"}
APPS = ("promptlint.fix", "promptlint.lsp", "promptlint.live", "promptlint.refusal", "promptlint.classify_cli")
CHECK_COMMAND = {"promptlint.stdin", "promptlint.watch", "promptlint.noqa_writer"}
#: Applications that reuse pieces of the `check` command (standard input's exclusion, noqa comments).
CHECK_COMMAND_USERS = {"promptlint.fix", "promptlint.lsp"}
#: Application packages each application package may import (the others it must not).
APP_USES = {
    "promptlint.fix": {"promptlint.live", "promptlint.refusal"},
    "promptlint.lsp": {"promptlint.fix"},
    "promptlint.live": {"promptlint.refusal"},
    "promptlint.refusal": set(),
    "promptlint.classify_cli": {"promptlint.refusal", "promptlint.live"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str) -> str | None:
    known = modules()
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.body:
                skipped.update(id(n) for n in ast.walk(statement))
    return skipped


@cache
def graph() -> dict[str, frozenset[str]]:
    """Module -> the promptlint modules it imports (a `from package import name` of a submodule counts as it)."""
    edges: dict[str, frozenset[str]] = {}
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_checking_nodes(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                found.update(r for a in node.names if (r := _resolve(a.name)) and r.startswith("promptlint"))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                if not base.startswith("promptlint"):
                    continue
                for alias in node.names:
                    target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else _resolve(base)
                    if target:
                        found.add(target)
        found.discard(name)
        edges[name] = frozenset(found)
    return edges


def _circles(edges: dict[str, frozenset[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def _app(module: str) -> str | None:
    return next((app for app in APPS if module == app or module.startswith(app + ".")), None)


def test_the_graph_is_read() -> None:
    edges = graph()
    assert len(edges) > 80
    assert "promptlint.runner" in edges["promptlint.cli"]  # a lazy import inside a function counts
    assert "promptlint.fix.core" in edges["promptlint.fix.files"]


def test_no_import_circles() -> None:
    assert _circles(graph()) == []


def test_the_circle_finder_finds_circles() -> None:
    edges = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset({"a"})}
    assert _circles(edges) == [["a", "b", "c"]]


def test_only_the_entry_imports_the_command_line() -> None:
    importers = sorted(m for m, targets in graph().items() if TOP & targets and m not in TOP)
    assert importers == []


def test_the_core_never_imports_an_application_or_the_check_command() -> None:
    wrong = sorted((m, t) for m, targets in graph().items() if m not in TOP and not _app(m) and m not in CHECK_COMMAND
                   for t in targets if _app(t) or t in CHECK_COMMAND)
    assert wrong == []


def test_applications_import_each_other_only_downward() -> None:
    wrong = []
    for module, targets in graph().items():
        app = _app(module)
        if app is None:
            continue
        wrong += [(module, t) for t in targets if (other := _app(t)) and other != app and other not in APP_USES[app]]
        wrong += [(module, t) for t in targets if t in CHECK_COMMAND and app not in CHECK_COMMAND_USERS]
    assert sorted(wrong) == []


def test_no_circle_between_application_packages() -> None:
    # `live` and `refusal` used to import each other (the probe used the detector, the detector's judge the live
    # client); the judge now lives in `live`, so the offline detector depends on no application
    packages: dict[str, set[str]] = {app: set() for app in APPS}
    for module, targets in graph().items():
        if (app := _app(module)) is not None:
            packages[app].update(other for t in targets if (other := _app(t)) and other != app)
    assert _circles({app: frozenset(uses) for app, uses in packages.items()}) == []
