"""Shared AST helpers for code rules (PL401 temperature, PL402 model downgrade, PL404 chain context loss).

They work from the `ast.Module` alone, so a check never depends on what the extractor chose to record;
when the extractor's `CallSite`s are there they only add to what is found here. The tables of model
method chains, retry loops and refusal tests live in `promptlint.extractors.pycalls` and are reused.
"""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from promptlint.diskcache import compile_regex
from promptlint.extractors import pycalls
from promptlint.model import Extraction, SourceFile

Loop = ast.For | ast.AsyncFor | ast.While
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

#: Constructors / binders that fix sampling parameters for later `.invoke()` calls (LangChain and friends).
_MODEL_FACTORY_RE = compile_regex(r"(?:^|\.)(?:Chat[A-Z]\w*|Azure\w*OpenAI|\w*LLM|OpenAI|Anthropic|bind|with_config)$")
_EXITS = (ast.Return, ast.Break, ast.Continue, ast.Raise)


def node_span(source: SourceFile, node: ast.AST) -> tuple[int, int]:
    """Character offsets (start, exclusive end) of a node; ast columns are UTF-8 byte offsets."""

    def offset(lineno: int, col: int) -> int:
        starts = source.line_starts
        if lineno - 1 >= len(starts):
            return len(source.text)
        start = starts[lineno - 1]
        prefix = source.text[start:start + col]
        if prefix.isascii():
            return start + col
        return start + len(prefix.encode("utf-8")[:col].decode("utf-8", "ignore"))

    end_line = getattr(node, "end_lineno", None) or node.lineno
    end_col = getattr(node, "end_col_offset", None)
    end_col = node.col_offset + 1 if end_col is None else end_col
    return offset(node.lineno, node.col_offset), offset(end_line, end_col)


def chain(call: ast.Call) -> str:
    """The dotted function chain of a call as written (`self.client.messages.create`)."""
    return pycalls.dotted(call.func)


def is_model_call(call: ast.Call) -> bool:
    """A call that sends a prompt: `messages.create`, `chat.completions.create`, `responses.create`, `.invoke`..."""
    return pycalls.call_kind(chain(call)) not in (None, "anthropic_batch")


def is_model_factory(call: ast.Call) -> bool:
    """`ChatOpenAI(temperature=...)`, `llm.bind(temperature=...)`: sampling fixed for later calls."""
    return bool(_MODEL_FACTORY_RE.search(chain(call)))


def keyword(call: ast.Call, name: str) -> ast.keyword | None:
    return next((k for k in call.keywords if k.arg == name), None)


def names(node: ast.AST | None) -> set[str]:
    """Variable names read in an expression (`a.b` counts `a`)."""
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def constant_number(node: ast.AST | None) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = constant_number(node.operand)
        return -inner if inner is not None else None
    return None


def is_increase(value: ast.AST, var: str | None = None) -> bool:
    """Does `value` grow something: `x + 0.2`, `x * 1.5`, `min(1.0, x + step)` (of `var` when given)?"""
    for node in ast.walk(value):
        if not isinstance(node, ast.BinOp) or (var is not None and var not in names(node)):
            continue
        constants = [c for c in (constant_number(node.left), constant_number(node.right)) if c is not None]
        if isinstance(node.op, ast.Add) and all(c > 0 for c in constants):
            return True
        if isinstance(node.op, ast.Mult) and all(c > 1 for c in constants):
            return True
    return False


def is_refusal_test(test: ast.expr) -> bool:
    """`stop_reason == "refusal"`, `is_refusal(text)`, `"I can't" in text`, `if refused:`."""
    return pycalls.is_refusal_test(test)


def is_retry_loop(loop: Loop) -> bool:
    """A loop that retries: named like one (`for attempt in range(3)`) or re-asking after a refusal test."""
    if pycalls.is_retry_loop(loop):
        return True
    if isinstance(loop, ast.While) and is_refusal_test(loop.test):
        return True
    return any(isinstance(n, ast.If | ast.While) and is_refusal_test(n.test) for n in walk_body(loop.body))


def walk_body(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node under some statements, not entering nested functions or classes."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                stack.append(child)


def loop_counters(loop: Loop) -> set[str]:
    """Names that change each iteration: a `for` target, or what a `while` body counts up."""
    if isinstance(loop, ast.For | ast.AsyncFor):
        return names(loop.target)
    counters = set()
    for node in walk_body(loop.body):
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and isinstance(node.op, ast.Add):
            counters.add(node.target.id)
    return counters


def refusal_branches(body: list[ast.stmt]) -> list[list[ast.stmt]]:
    """Statement lists that run only after a refusal was detected, found anywhere under `body`.

    `if is_refusal(r): <branch>`, `if not refused: return r` + `<the rest of the block>`,
    `if r.stop_reason != "refusal": ... else: <branch>`, `while is_refusal(r): <branch>`.
    """
    branches: list[list[ast.stmt]] = []
    blocks = [body]
    for node in walk_body(body):
        for name in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                blocks.append(block)
    for block in blocks:
        for i, stmt in enumerate(block):
            if isinstance(stmt, ast.While) and is_refusal_check(stmt.test):
                branches.append(stmt.body)
            if not isinstance(stmt, ast.If) or not is_refusal_check(stmt.test):
                continue
            if _negated(stmt.test):
                if stmt.orelse:
                    branches.append(stmt.orelse)
                if stmt.body and isinstance(stmt.body[-1], _EXITS):
                    branches.append(block[i + 1:])
            else:
                branches.append(stmt.body)
    return [b for b in branches if b]


def _negated(test: ast.expr) -> bool:
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return True
    return isinstance(test, ast.Compare) and all(isinstance(op, ast.NotEq | ast.IsNot | ast.NotIn) for op in test.ops)


#: Node types the one shared walk files away for the checks (see `_Facts`).
_CALL, _FUNCTIONS = ast.Call, (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(slots=True)
class _Facts:
    """What every code check needs from one module, gathered in one walk (see `_walk`).

    `loops`, `functions` and `imports_from` are in `ast.walk` order (breadth first), so checks that
    iterate them behave exactly as when each walked the tree on its own; `calls` and `tested` hold at
    least every model call and every refusal test, in no promised order.
    """

    calls: list[ast.Call]
    loops: list[Loop]
    tested: list[ast.If | ast.While | ast.IfExp]
    functions: list[FunctionNode]
    imports_from: list[ast.ImportFrom]

    @classmethod
    def of(cls, tree: ast.Module, source: SourceFile | None = None, known_lines: Iterable[int] = ()) -> _Facts:
        """The facts of `tree`. With its (ASCII) `source`, only the statements whose lines can hold a model
        call (`_MAYBE_MODEL_CALL_RES`), a call the extractor recorded (`known_lines`) or a refusal test
        (`MAYBE_REFUSAL_RES`) have their expressions searched; without, every statement's are."""
        lower = ascii_lower(source.text) if source is not None else None
        if source is None or lower is None:
            return cls._walk(tree, None)
        starts = source.line_starts
        found = [m.start() for pattern in (*_MAYBE_MODEL_CALL_RES, *pycalls.MAYBE_REFUSAL_RES)
                 for m in pattern.finditer(lower)]
        return cls._walk(tree, sorted({bisect.bisect_right(starts, at) for at in found} | set(known_lines)))

    @classmethod
    def _walk(cls, tree: ast.Module, lines: list[int] | None) -> _Facts:
        """Statements breadth first (`ast.walk`'s order, which `loops` and `functions` keep); calls and
        conditional expressions from the expressions of the statements covering one of `lines` (all when
        None). The checks read `calls` only through `model_calls` and `tested` only through
        `has_refusal_test`: every node either can accept lies on such a line, so the answers are those
        of a walk over every node, at a fraction of its cost on most files."""
        calls: list[ast.Call] = []
        loops: list[Loop] = []
        tested: list[ast.If | ast.While | ast.IfExp] = []
        functions: list[FunctionNode] = []
        imports_from: list[ast.ImportFrom] = []
        queue: list[ast.AST] = [tree]
        i = 0
        while i < len(queue):
            node = queue[i]
            i += 1
            kind = type(node)
            if kind is ast.If:
                tested.append(node)
            elif kind is ast.While:
                tested.append(node)
                loops.append(node)
            elif kind is ast.For or kind is ast.AsyncFor:
                loops.append(node)
            elif kind in _FUNCTIONS:
                functions.append(node)
            elif kind is ast.ImportFrom:
                imports_from.append(node)
            covered = lines is None or (bool(lines) and (node is tree or _covers(node, lines)))
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, _BLOCKS):
                            queue.append(item)
                        elif covered and isinstance(item, ast.AST):
                            _expressions_under(item, calls, tested)
                elif covered and isinstance(value, ast.AST):
                    _expressions_under(value, calls, tested)
        return cls(calls, loops, tested, functions, imports_from)


#: Nodes that hold statements: walked by `_Facts._walk` whatever their lines.
_BLOCKS = (ast.stmt, ast.excepthandler, ast.match_case)


def _covers(node: ast.AST, lines: list[int]) -> bool:
    """Does a candidate line fall within `node`'s lines (decorators included)?"""
    start = getattr(node, "lineno", None)
    if start is None:  # match_case: from its pattern to its last statement
        start, end = node.pattern.lineno, node.body[-1].end_lineno  # type: ignore[attr-defined]
    else:
        end = node.end_lineno  # type: ignore[attr-defined]
        for decorator in getattr(node, "decorator_list", ()):
            start = min(start, decorator.lineno)
    at = bisect.bisect_left(lines, start)
    return at < len(lines) and lines[at] <= (end or start)


def _expressions_under(node: ast.AST, calls: list[ast.Call], tested: list[ast.If | ast.While | ast.IfExp]) -> None:
    """Calls and conditional expressions under a statement's own expressions (no statements below them)."""
    stack = [node]
    ast_node = ast.AST
    while stack:
        sub = stack.pop()
        kind = type(sub)
        if kind is _CALL:
            calls.append(sub)  # type: ignore[arg-type]
        elif kind is ast.IfExp:
            tested.append(sub)  # type: ignore[arg-type]
        for name in sub._fields:
            value = getattr(sub, name, None)
            if isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, ast_node))
            elif isinstance(value, ast_node):
                stack.append(value)


def parent_map(tree: ast.AST) -> dict[int, ast.AST]:
    """id(node) -> parent node, for every node under `tree` (only built when a check needs ancestors)."""
    parents: dict[int, ast.AST] = {}
    stack: list[ast.AST] = [tree]
    pop = stack.pop
    push = stack.append
    ast_node = ast.AST
    while stack:
        node = pop()
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast_node):
                        parents[id(item)] = node
                        push(item)
            elif isinstance(value, ast_node):
                parents[id(value)] = node
                push(value)
    return parents


#: The context of the module checked last: the code checks run one after another on the same
#: extraction, so they share one walk (a single entry, so nothing outlives the next file).
_LAST: list[PyContext] = []


@dataclass(slots=True)
class PyContext:
    """Parent links, enclosing functions / loops / statements and model calls of one module."""

    extraction: Extraction
    tree: ast.Module
    facts: _Facts
    _model_calls: list[ast.Call] | None = None
    _refusal_tested: bool | None = None
    _parents: dict[int, ast.AST] | None = None

    @property
    def parents(self) -> dict[int, ast.AST]:
        """Parent links, built on first use: most files never need them."""
        if self._parents is None:
            self._parents = parent_map(self.tree)
        return self._parents

    @classmethod
    def of(cls, extraction: Extraction) -> PyContext | None:
        """The shared context of `extraction` (built once, reused by every check of the same file)."""
        tree = extraction.tree
        if not isinstance(tree, ast.Module):
            return None
        if _LAST and _LAST[0].tree is tree and _LAST[0].extraction is extraction:
            return _LAST[0]
        known = [c.line for c in extraction.calls]
        ctx = cls(extraction, tree, _Facts.of(tree, extraction.source, known))
        _LAST[:] = [ctx]
        return ctx

    def has_refusal_test(self) -> bool:
        """Is any `if` / `while` / conditional expression in the module a refusal check?"""
        if self._refusal_tested is None:
            self._refusal_tested = any(is_refusal_check(node.test) for node in self.facts.tested)
        return self._refusal_tested

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        parent = self.parents.get(id(node))
        while parent is not None:
            yield parent
            parent = self.parents.get(id(parent))

    def function_of(self, node: ast.AST) -> FunctionNode | None:
        return next((a for a in self.ancestors(node) if isinstance(a, ast.FunctionDef | ast.AsyncFunctionDef)), None)

    def loops_of(self, node: ast.AST) -> list[Loop]:
        """Enclosing loops, innermost first, up to the enclosing function."""
        loops: list[Loop] = []
        for a in self.ancestors(node):
            if isinstance(a, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                break
            if isinstance(a, ast.For | ast.AsyncFor | ast.While):
                loops.append(a)
        return loops

    def statement_of(self, node: ast.AST) -> ast.stmt | None:
        """The outermost simple statement holding `node` (a compound statement's header when in its test)."""
        current: ast.AST | None = node
        while current is not None and not isinstance(current, ast.stmt):
            current = self.parents.get(id(current))
        return current

    def statement_span(self, node: ast.AST) -> tuple[int, int] | None:
        stmt = self.statement_of(node)
        if stmt is None:
            return None
        if isinstance(stmt, ast.For | ast.AsyncFor | ast.While | ast.If | ast.With | ast.AsyncWith | ast.Try):
            return None  # a whole block: noqa belongs on the flagged line itself
        return node_span(self.extraction.source, stmt)

    def model_calls(self) -> list[ast.Call]:
        """Every model call and model factory in the module, in source order (computed once per file)."""
        if self._model_calls is None:
            known = {(c.line, c.column) for c in self.extraction.calls}
            source = self.extraction.source
            calls = []
            for node in self.facts.calls:
                if is_model_call(node) or is_model_factory(node) or (
                    known and source.position(node_span(source, node)[0]) in known
                ):
                    calls.append(node)
            calls.sort(key=lambda c: (c.lineno, c.col_offset))
            self._model_calls = calls
        return list(self._model_calls)

    def call_site_after_refusal(self, call: ast.Call) -> bool:
        """The extractor's verdict, when it recorded this call."""
        line, column = self.extraction.source.position(node_span(self.extraction.source, call)[0])
        return any(c.after_refusal_check for c in self.extraction.calls if (c.line, c.column) == (line, column))


# --------------------------------------------------------------------------- refusal checks, model names (PL402-PL404)

#: Stop / finish reasons that mean "the model declined": Anthropic `refusal`, OpenAI `content_filter`.
REFUSAL_REASONS = frozenset({"refusal", "content_filter"})


def mentions_refusal_reason(node: ast.AST) -> bool:
    """`finish_reason == "content_filter"` and the like: a refusal test `pycalls` does not name."""
    return any(isinstance(n, ast.Constant) and n.value in REFUSAL_REASONS for n in ast.walk(node))


#: A superset, on the raw source, of the calls `is_model_call` or `is_model_factory` can accept: the name the
#: call chain ends with (create, invoke, ChatOpenAI, ...), then `(`, with the whitespace, comments and line
#: continuations Python allows between them: a method name after a dot, and the endings of `completion(` and of
#: factory names (`HuggingFaceLLM(`, `AzureOpenAI(`). One pattern per literal start: sre scans fast for a
#: pattern that opens with a literal, 10-100x slower for an alternation or a look-behind.
_GAP = r"(?:\s|\\\n|#[^\n]*\n)*"
_MAYBE_MODEL_CALL_RES = (
    compile_regex(rf"\.{_GAP}(?:{'|'.join(sorted(pycalls.MODEL_METHODS, key=len, reverse=True))}){_GAP}\("),
    compile_regex(rf"completion{_GAP}\("),  # litellm's completion( / acompletion(
    compile_regex(rf"chat[a-z]\w*{_GAP}\("),  # ChatOpenAI(
    *(compile_regex(rf"{name}{_GAP}\(") for name in ("llm", "openai", "anthropic", "bind", "with_config")),
)


def may_hold_model_call(text: str) -> bool:
    """False only when no call in this source can be a model call or model factory: skip the tree walk."""
    lower = ascii_lower(text)
    return lower is None or any(pattern.search(lower) for pattern in _MAYBE_MODEL_CALL_RES)


def may_hold_refusal_check(text: str) -> bool:
    """False only when no `if` / `while` test in this source can be a refusal check: skip the tree walk."""
    lower = ascii_lower(text)
    return lower is None or pycalls.may_hold_refusal(lower)


_LOWER: list[tuple[str, str | None]] = []


def ascii_lower(text: str) -> str | None:
    """The lower-cased text for the checks' text gates, or None when it is not ASCII.

    Why None: Python normalises identifiers (NFKC), so non-ASCII source can spell a name the gates look
    for without its letters; such a file is walked without gating. One entry cached: the checks of one
    file ask in turn.
    """
    if _LOWER and _LOWER[0][0] is text:
        return _LOWER[0][1]
    lower = text.lower() if text.isascii() else None
    _LOWER[:] = [(text, lower)]
    return lower


def lacks(text: str, *words: str) -> bool:
    """True when the (ASCII) source holds none of `words` (lower case): a check needing one can skip the file."""
    lower = ascii_lower(text)
    return lower is not None and not any(word in lower for word in words)


def is_refusal_check(test: ast.expr) -> bool:
    """`is_refusal_test`, plus OpenAI's `finish_reason == "content_filter"`."""
    return is_refusal_test(test) or mentions_refusal_reason(test)


def assigned_names(body: list[ast.stmt]) -> set[str]:
    """Names bound anywhere under `body` (assignments, loop targets, `with ... as`, walrus)."""
    bound: set[str] = set()
    for node in walk_body(body):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
    return bound


def has_exit(body: list[ast.stmt]) -> bool:
    """Does the block leave early (`break` / `return`)? A fallback loop stops at the first success."""
    return any(isinstance(n, ast.Break | ast.Return) for n in walk_body(body))


def constant_assignments(body: list[ast.stmt], name: str) -> list[tuple[int, ast.expr]]:
    """(line, value) of every plain `name = <value>` under `body`, in source order."""
    found = []
    for node in walk_body(body):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            found.append((node.lineno, node.value))
    return sorted(found, key=lambda item: item[0])


def resolve(ctx: PyContext, node: ast.expr | None, before_line: int | None = None) -> ast.expr | None:
    """A Name replaced by the last value assigned to it (in its function, else at module level)."""
    for _ in range(3):  # MODEL = DEFAULT_MODEL = "..." chains, not deeper
        if not isinstance(node, ast.Name):
            return node
        function = ctx.function_of(node)
        line = before_line if before_line is not None else node.lineno
        value = None
        for scope in ([function.body] if function else []) + [ctx.tree.body]:
            earlier = [v for n, v in constant_assignments(scope, node.id) if n <= line or scope is ctx.tree.body]
            if earlier:
                value = earlier[-1]
                break
        if value is None:
            return node
        node, before_line = value, None
    return node


def string_value(ctx: PyContext, node: ast.expr | None, before_line: int | None = None) -> str | None:
    """The literal string an expression holds, following simple name assignments."""
    node = resolve(ctx, node, before_line)
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def string_list(ctx: PyContext, node: ast.expr | None) -> list[str] | None:
    """`["claude-opus-x", "claude-haiku-x"]` (directly or through a name) as strings, else None."""
    node = resolve(ctx, node)
    if not isinstance(node, ast.List | ast.Tuple):
        return None
    values = [string_value(ctx, e) for e in node.elts]
    return [v for v in values if v is not None] if all(v is not None for v in values) and values else None


_SIZE_RE = compile_regex(r"(?<![\w.])(\d+(?:\.\d+)?)\s*([bm])(?![a-z])", re.IGNORECASE)
#: Tier words, smallest first (matched as whole words: "gemini" holds no "mini").
_TIERS = tuple((tier, compile_regex(rf"(?i)(?<![a-z])(?:{words})(?![a-z])")) for tier, words in (
    (0, r"nano|tiny|flash[-_]?lite|flash[-_]?8b|ministral|lite"),
    (1, r"haiku|mini|flash|small|instant|gpt-3\.5[-\w]*|light|fast"),
    (2, r"sonnet|medium|gpt-4[-\w.]*|gpt-5[-\w.]*|pro|command-r(?!-plus)"),
    (3, r"opus|large|ultra|command-r-plus|max"),
))


def model_size(name: str) -> float | None:
    """Parameter count in billions for open models named like `llama-3-70b` / `qwen2.5-7b-instruct`."""
    match = _SIZE_RE.search(name)
    if match is None:
        return None
    value = float(match.group(1))
    return value / 1000 if match.group(2).lower() == "m" else value


def model_tier(name: str) -> int | None:
    """0 (nano / lite) .. 3 (opus / large) from the name's size words, None when the name says nothing."""
    for tier, pattern in _TIERS:
        if pattern.search(name):
            return tier
    return None


def is_smaller_model(new: str, old: str | None) -> bool:
    """Is `new` a smaller / cheaper model than `old` (or, with `old` unknown, a small one by name)?"""
    if old is not None and new == old:
        return False
    new_size = model_size(new)
    old_size = model_size(old) if old else None
    if new_size is not None and old_size is not None:
        return new_size < old_size
    new_tier = model_tier(new)
    if new_tier is None:
        return False
    old_tier = model_tier(old) if old else None
    if old_tier is None:
        return new_tier <= 1 and not (old and model_size(old) is not None)
    return new_tier < old_tier


def model_argument(call: ast.Call) -> ast.expr | None:
    """The `model=` (or `model_name=` / `model_id=`) argument of a model call or constructor."""
    for name in ("model", "model_name", "model_id", "deployment_name", "azure_deployment"):
        kw = keyword(call, name)
        if kw is not None:
            return kw.value
    return None


def scope_bodies(ctx: PyContext) -> list[list[ast.stmt]]:
    """Module-level statements (functions and classes left out) and every function body, one scope each."""
    body = ctx.tree.body
    bodies = [[s for s in body if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]]
    bodies += [n.body for n in ctx.facts.functions]  # ast.walk order
    return bodies


def loop_has_refusal_check(loop: Loop) -> bool:
    """A refusal test in the loop's own test or anywhere in its body."""
    if isinstance(loop, ast.While) and is_refusal_check(loop.test):
        return True
    return any(isinstance(n, ast.If | ast.While | ast.IfExp) and is_refusal_check(n.test) for n in walk_body(loop.body))
