"""The per-file context of the code checks (ruff's `Checker`): built once by the engine, passed to every check.

Everything a check reads about a file beyond its own heuristics lives here and is computed on first
use, so a check that returns at a text gate costs nothing more: the lower-cased text for the gates,
the one shared walk (`Facts`), parent links, the model calls, whether any test checks for a refusal.
Nothing is kept between files: a context belongs to one extraction and goes with it.
"""

from __future__ import annotations

import ast
import bisect
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from promptlint.checks import pyast
from promptlint.checks.pyast import FunctionNode, Loop, node_span
from promptlint.diskcache import compile_regex
from promptlint.extractors import pycalls
from promptlint.model import Extraction, SourceFile

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.checks.callgraph import CallGraph
    from promptlint.checks.flow import RefusalFlow
    from promptlint.checks.requests import Requests
    from promptlint.checks.values import Evaluator


#: Where a refusal is checked: an `if` / `while` / conditional expression test, or an `except` clause.
RefusalTest = ast.If | ast.While | ast.IfExp | ast.ExceptHandler


class CheckContext:
    """One Python file as the code checks see it. Build it with `CheckContext(extraction)`; it is cheap
    until a check asks for something (every fact is computed once, on first use)."""

    __slots__ = (
        "_comprehensions",
        "_evaluator",
        "_facts",
        "_flags",
        "_flows",
        "_gate_starts",
        "_gates",
        "_graph",
        "_lower",
        "_model_calls",
        "_parents",
        "_phrase_lists",
        "_predicates",
        "_refusal_lines",
        "_refusal_tested",
        "_requests",
        "extraction",
        "source",
        "tree",
    )

    def __init__(self, extraction: Extraction) -> None:
        self.extraction = extraction
        self.source: SourceFile = extraction.source
        tree = extraction.tree
        self.tree: ast.Module | None = tree if isinstance(tree, ast.Module) else None
        self._lower: str | bool | None = False  # False: not computed yet
        self._facts: Facts | None = None
        self._parents: dict[int, ast.AST] | None = None
        self._comprehensions: list[Comprehension] | None = None
        self._model_calls: list[ast.Call] | None = None
        self._refusal_tested: list[RefusalTest] | None = None
        self._gates: dict[str, bool] = {}
        self._gate_starts: list[int] | None = None
        self._graph: CallGraph | None = None
        self._requests: Requests | None = None
        self._evaluator: Evaluator | None = None
        self._flows: dict[int, RefusalFlow] = {}
        self._predicates: dict[str, int] | None = None
        self._phrase_lists: dict[str, int] | None = None
        self._flags: dict[str, int] | None = None
        self._refusal_lines: list[int] | bool | None = False

    # ------------------------------------------------------------------ text gates (no tree walk)

    @property
    def lower(self) -> str | None:
        """The lower-cased text for the text gates: of the source as it is when ASCII, else of its NFKC form.

        Why NFKC: Python normalises identifiers (NFKC), so non-ASCII source can spell a name the gates look
        for without its letters (`ｔemperature`); NFKC never changes an ASCII character, so every match in
        the source is still one. None (every line may match: walk without gating) only when the normalised
        text would not keep the source's lines.
        """
        if self._lower is False:
            self._lower = gate_text(self.source.text)
        return self._lower  # type: ignore[return-value]

    @property
    def gate_line_starts(self) -> list[int]:
        """Line starts of `lower` (the source's own when it is ASCII: lower-casing keeps every offset)."""
        lower = self.lower
        if lower is None or self.source.text.isascii():
            return self.source.line_starts
        if self._gate_starts is None:
            self._gate_starts = _line_starts(lower)
        return self._gate_starts

    def lacks(self, *words: str) -> bool:
        """True when the (ASCII) source holds none of `words` (lower case): a check needing one can skip the file."""
        lower = self.lower
        return lower is not None and not any(word in lower for word in words)

    def may_hold_model_call(self) -> bool:
        """False only when no call in this source can be a model call or model factory: skip the tree walk."""
        if "model" not in self._gates:
            lower = self.lower
            self._gates["model"] = lower is None or any(p.search(lower) for p in MAYBE_MODEL_CALL_RES)
        return self._gates["model"]

    def may_hold_refusal_check(self) -> bool:
        """False only when no `if` / `while` test in this source can be a refusal check: skip the tree walk."""
        if "refusal" not in self._gates:
            lower = self.lower
            # the lines `refusal_lines` finds (one scan the facts walk reuses), not a search of its own
            self._gates["refusal"] = lower is None or bool(self.refusal_lines)
        return self._gates["refusal"]

    # ------------------------------------------------------------------ the shared walk and what follows from it

    @property
    def facts(self) -> Facts:
        """Loops, functions, imports, candidate calls and tests of the module, from one walk (see `Facts`)."""
        if self._facts is None:
            if self.tree is None:  # a syntax error, or the extractor found nothing worth parsing
                self._facts = Facts([], [], [], [], [])
            else:
                lower = self.lower
                self._facts = Facts.of(self.tree, self.source, [c.line for c in self.extraction.calls], lower,
                                       self.gate_line_starts if lower is not None else None,
                                       self.refusal_lines if lower is not None else None)
        return self._facts

    @property
    def parents(self) -> dict[int, ast.AST]:
        """Parent links, built on first use: most files never need them."""
        if self._parents is None:
            self._comprehensions = []
            self._parents = parent_map(self.tree, self._comprehensions) if self.tree is not None else {}
        return self._parents

    @property
    def comprehensions(self) -> list[Comprehension]:
        """Every list / set / dict comprehension and generator expression, found with the parent links."""
        if self._comprehensions is None:
            _ = self.parents
        return self._comprehensions  # type: ignore[return-value]

    @property
    def graph(self) -> CallGraph:
        """Which function of this module each call reaches (`callgraph`): one more walk, on first use."""
        if self._graph is None:
            from promptlint.checks.callgraph import CallGraph

            self._graph = CallGraph(self)
        return self._graph

    @property
    def requests(self) -> Requests:
        """The model requests each scope makes, through helpers and methods too (`requests`)."""
        if self._requests is None:
            from promptlint.checks.requests import Requests

            self._requests = Requests(self)
        return self._requests

    @property
    def values(self) -> Evaluator:
        """Constant values of expressions (`values`)."""
        if self._evaluator is None:
            from promptlint.checks.values import Evaluator

            self._evaluator = Evaluator(self)
        return self._evaluator

    @property
    def refusal_predicates(self) -> dict[str, int]:
        """This module's functions whose result says whether a reply was a refusal, with their polarity."""
        if self._predicates is None:
            self._predicates = {}
            if self.may_hold_refusal_check():
                self._predicates = pycalls.refusal_predicates(self._may_be_predicates(), self.refusal_lines,
                                                              self.refusal_phrase_lists)
        return self._predicates

    @property
    def refusal_lines(self) -> list[int] | None:
        """Lines (1-based, sorted) whose text can hold a refusal test (`pycalls.MAYBE_REFUSAL_RES`); None when
        the text is not ASCII (every line can)."""
        if self._refusal_lines is False:
            lower = self.lower
            if lower is None:
                self._refusal_lines = None
            else:
                starts = self.gate_line_starts
                found = (m.start() for pattern in pycalls.MAYBE_REFUSAL_RES for m in pattern.finditer(lower))
                self._refusal_lines = sorted({bisect.bisect_right(starts, at) for at in found})
        return self._refusal_lines  # type: ignore[return-value]

    @property
    def refusal_phrase_lists(self) -> dict[str, int]:
        """Module constants holding refusal phrases (`NOPE = ("i can't", ...)`, see `pycalls`)."""
        if self._phrase_lists is None:
            self._phrase_lists = {}
            if self.tree is not None and self.may_hold_refusal_check():
                self._phrase_lists = pycalls.refusal_phrase_lists(self.tree.body)
        return self._phrase_lists

    def _may_be_predicates(self) -> list[FunctionNode]:
        """Functions whose lines hold a refusal word (a predicate returns a refusal test), plus those calling
        one of them or reading a refusal phrase list (a predicate built on another, `startswith(NOPE)`); every
        function when the text is not ASCII."""
        functions = self.facts.functions
        lines = self.refusal_lines
        if lines is None:
            return functions
        if not lines:
            return []
        starts = self.source.line_starts
        chosen = [f for f in functions if _covers(f, lines)]
        names = {f.name.lower() for f in chosen} | {n.lower() for n in self.refusal_phrase_lists}
        chosen_ids = {id(f) for f in chosen}
        if names:
            text = self.source.text
            for function in functions:
                if id(function) not in chosen_ids:
                    start, end = starts[function.lineno - 1], starts[min(function.end_lineno or function.lineno,
                                                                         len(starts) - 1)]
                    segment = text[start:end].lower()
                    if any(name in segment for name in names):
                        chosen.append(function)
        return chosen

    @property
    def refusal_flags(self) -> dict[str, int]:
        """Variables of this module that hold a refusal test (`ok = r.stop_reason != "refusal"`), with polarity, and
        the exceptions it raises only after a refusal (`except ContentPolicyError:` then runs only after one)."""
        if self._flags is None:
            self._flags = {}
            if self.may_hold_refusal_check():
                predicates = self.refusal_predicates
                self._flags = pycalls.refusal_flags(self.facts.assigns, predicates)
                self._flags.update(pycalls.refusal_exceptions(self.facts.tested, predicates, self._flags))
                sentinels = pycalls.refusal_sentinels(self._may_be_predicates(), predicates, self._flags)
                if sentinels:
                    assigns = [n for n in ast.walk(self.tree) if isinstance(n, ast.Assign)] if self.tree else []
                    self._flags.update({name: sign for name, sign in pycalls.sentinel_flags(
                        assigns, sentinels).items() if name not in self._flags})
        return self._flags

    def is_refusal_test(self, test: ast.expr) -> bool:
        """`pycalls.is_refusal_test`, with this module's refusal predicates and flags."""
        return pycalls.is_refusal_test(test, self.refusal_predicates, self.refusal_flags)

    def flow(self, scope: FunctionNode | None) -> RefusalFlow:
        """The refusal states of the statements of a function (None: module-level code), on first use."""
        key = id(scope) if scope is not None else 0
        if key not in self._flows:
            from promptlint.checks.flow import RefusalFlow

            assert self.tree is not None
            body = scope.body if scope is not None else self.tree.body
            self._flows[key] = RefusalFlow(body, self.refusal_predicates, self.refusal_flags)
        return self._flows[key]

    def after_refusal(self, node: ast.AST) -> bool:
        """Does the statement holding `node` run only after a refusal was detected (in its own scope)?"""
        return self.flow(self.function_of(node)).after_refusal(self.statement_of(node))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return node_span(self.source, node)

    def refusal_tests(self) -> list[RefusalTest]:
        """The `if` / `while` / conditional expressions whose test is a refusal check, and the `except` clauses
        of a refusal exception (`except RefusalError:`). Those on lines without a refusal word are ruled out by
        their text, unless the module has refusal predicates or flags."""
        if self._refusal_tested is None:
            lines, anywhere = self.refusal_lines, bool(self.refusal_predicates or self.refusal_flags)
            found: list[RefusalTest] = []
            for node in (*self.facts.tested, *self.facts.handlers):
                test = node.test if not isinstance(node, ast.ExceptHandler) else node.type
                if test is not None and (lines is None or anywhere or _covers(test, lines)) \
                        and self.is_refusal_test(test):
                    found.append(node)
            self._refusal_tested = found
        return self._refusal_tested

    def has_refusal_test(self) -> bool:
        """Is any `if` / `while` / conditional expression in the module a refusal check?"""
        return bool(self.refusal_tests())

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        parents = self.parents
        parent = parents.get(id(node))
        while parent is not None:
            yield parent
            parent = parents.get(id(parent))

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
        """The innermost statement holding `node` (a compound statement's header when in its test)."""
        current: ast.AST | None = node
        while current is not None and not isinstance(current, ast.stmt):
            current = self.parents.get(id(current))
        return current

    def statement_span(self, node: ast.AST) -> tuple[int, int] | None:
        """File offsets of the statement holding `node`, for noqa on any of its lines (None for a block)."""
        stmt = self.statement_of(node)
        if stmt is None:
            return None
        if isinstance(stmt, ast.For | ast.AsyncFor | ast.While | ast.If | ast.With | ast.AsyncWith | ast.Try):
            return None  # a whole block: noqa belongs on the flagged line itself
        return node_span(self.source, stmt)

    def model_calls(self) -> list[ast.Call]:
        """Every model call and model factory in the module, in source order (computed once per file)."""
        if self._model_calls is None:
            known = {(c.line, c.column) for c in self.extraction.calls}
            source = self.source
            calls = []
            for node in self.facts.calls:
                if pyast.is_model_call(node) or pyast.is_model_factory(node) or (
                    known and source.position(node_span(source, node)[0]) in known
                ):
                    calls.append(node)
            calls.sort(key=lambda c: (c.lineno, c.col_offset))
            self._model_calls = calls
        return list(self._model_calls)

    def call_site_after_refusal(self, call: ast.Call) -> bool:
        """The extractor's verdict, when it recorded this call."""
        line, column = self.source.position(node_span(self.source, call)[0])
        return any(c.after_refusal_check for c in self.extraction.calls if (c.line, c.column) == (line, column))


# --------------------------------------------------------------------------- the shared walk

def gate_text(text: str) -> str | None:
    """The text the gates search: lower-cased, NFKC-normalised first when not ASCII (see `CheckContext.lower`);
    None when normalising would change its lines."""
    if text.isascii():
        return text.lower()
    normal = unicodedata.normalize("NFKC", text).lower()
    return normal if normal.count("\n") == text.count("\n") else None


def _line_starts(text: str) -> list[int]:
    starts = [0]
    at = text.find("\n")
    while at != -1:
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return starts


#: Node types the one shared walk files away for the checks (see `Facts`).
_CALL, _FUNCTIONS = ast.Call, (ast.FunctionDef, ast.AsyncFunctionDef)
#: Nodes that hold statements: walked by `Facts._walk` whatever their lines.
_BLOCKS = (ast.stmt, ast.excepthandler, ast.match_case)


@dataclass(slots=True)
class Facts:
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
    #: Plain assignments on the searched lines (where a refusal flag `ok = r.stop_reason != ...` can be).
    assigns: list[ast.Assign] = field(default_factory=list)
    #: `except` clauses that name an exception type (`except RefusalError:` is a refusal check).
    handlers: list[ast.ExceptHandler] = field(default_factory=list)

    @classmethod
    def of(cls, tree: ast.Module, source: SourceFile | None = None, known_lines: Iterable[int] = (),
           lower: str | None = None, starts: list[int] | None = None,
           refusal_lines: Iterable[int] | None = None) -> Facts:
        """The facts of `tree`. With its `source`, only the statements whose lines can hold a model call
        (`MAYBE_MODEL_CALL_RES`), a call the extractor recorded (`known_lines`) or a refusal test
        (`pycalls.MAYBE_REFUSAL_RES`) have their expressions searched; without, every statement's are.
        `lower`, `starts`: the source's gate text (`gate_text`) and its line starts, when the caller has them;
        `refusal_lines`: the lines of `lower` (by `starts`) the refusal-test patterns match, when it has those."""
        if source is not None and lower is None:
            lower, starts = gate_text(source.text), None
        if source is None or lower is None:
            return cls._walk(tree, None)
        if starts is None:
            starts = source.line_starts if source.text.isascii() else _line_starts(lower)
        if refusal_lines is None:
            found = [m.start() for pattern in (*MAYBE_MODEL_CALL_RES, *pycalls.MAYBE_REFUSAL_RES)
                     for m in pattern.finditer(lower)]
            refusal_lines = ()
        else:
            found = [m.start() for pattern in MAYBE_MODEL_CALL_RES for m in pattern.finditer(lower)]
        return cls._walk(tree, sorted({bisect.bisect_right(starts, at) for at in found} | set(known_lines)
                                      | set(refusal_lines)))

    @classmethod
    def _walk(cls, tree: ast.Module, lines: list[int] | None) -> Facts:
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
        assigns: list[ast.Assign] = []
        handlers: list[ast.ExceptHandler] = []
        queue: list[ast.AST] = [tree]
        i = 0
        while i < len(queue):
            node = queue[i]
            i += 1
            kind = type(node)
            if kind is ast.If:
                tested.append(node)  # type: ignore[arg-type]
            elif kind is ast.While:
                tested.append(node)  # type: ignore[arg-type]
                loops.append(node)  # type: ignore[arg-type]
            elif kind is ast.For or kind is ast.AsyncFor:
                loops.append(node)  # type: ignore[arg-type]
            elif kind in _FUNCTIONS:
                functions.append(node)  # type: ignore[arg-type]
            elif kind is ast.ImportFrom:
                imports_from.append(node)  # type: ignore[arg-type]
            elif kind is ast.ExceptHandler and node.type is not None:  # type: ignore[attr-defined]
                handlers.append(node)  # type: ignore[arg-type]
            covered = lines is None or (bool(lines) and (node is tree or _covers(node, lines)))
            if kind is ast.Assign and covered:
                assigns.append(node)  # type: ignore[arg-type]
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, _BLOCKS):
                            queue.append(item)
                        elif covered and isinstance(item, ast.AST):
                            _expressions_under(item, calls, tested, lines)
                elif covered and isinstance(value, ast.AST):
                    _expressions_under(value, calls, tested, lines)
        return cls(calls, loops, tested, functions, imports_from, assigns, handlers)


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


def _expressions_under(node: ast.AST, calls: list[ast.Call], tested: list[ast.If | ast.While | ast.IfExp],
                       lines: list[int] | None = None) -> None:
    """Calls and conditional expressions under a statement's own expressions (no statements below them).

    With the candidate `lines` (`Facts._walk`), the items of a long list of expressions (`_PRUNE_FROM` or more:
    a literal list of 20k messages) that cover none of them are not entered: nothing under them can be
    accepted. f-strings are walked whole (their parts' positions are not reliable before Python 3.12)."""
    stack = [node]
    ast_node = ast.AST
    while stack:
        sub = stack.pop()
        kind = type(sub)
        if kind is _CALL:
            calls.append(sub)  # type: ignore[arg-type]
        elif kind is ast.IfExp:
            tested.append(sub)  # type: ignore[arg-type]
        elif kind is ast.JoinedStr and lines is not None:
            _expressions_under(sub, calls, tested)
            continue
        for name in sub._fields:
            value = getattr(sub, name, None)
            if isinstance(value, list):
                if lines is not None and len(value) >= _PRUNE_FROM:
                    last = len(lines)
                    for item in value:
                        if isinstance(item, ast.expr):  # `_covers` of an expression, inline
                            at = bisect.bisect_left(lines, item.lineno)
                            if at < last and lines[at] <= (item.end_lineno or item.lineno):
                                stack.append(item)
                        elif isinstance(item, ast_node):
                            stack.append(item)
                else:
                    stack.extend(item for item in value if isinstance(item, ast_node))
            elif isinstance(value, ast_node):
                stack.append(value)


#: Length from which `_expressions_under` checks each item of a list against the candidate lines.
_PRUNE_FROM = 16


#: Expressions that loop: `[f(s) for s in plan]`, `(ask(s) for s in steps)`, set and dict comprehensions.
Comprehension = ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def parent_map(tree: ast.AST, comprehensions: list[Comprehension] | None = None) -> dict[int, ast.AST]:
    """id(node) -> parent node, for every node under `tree` (only built when a check needs ancestors); the
    comprehensions met on the way are added to `comprehensions` when given."""
    parents: dict[int, ast.AST] = {}
    stack: list[ast.AST] = [tree]
    pop = stack.pop
    push = stack.append
    ast_node = ast.AST
    kinds = _COMPREHENSIONS if comprehensions is not None else ()
    while stack:
        node = pop()
        if type(node) in kinds:
            comprehensions.append(node)  # type: ignore[union-attr, arg-type]
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


#: A superset, on the raw source, of the calls `is_model_call` or `is_model_factory` can accept: the name the
#: call chain ends with (create, invoke, ChatOpenAI, ...), then `(`, with the whitespace, comments and line
#: continuations Python allows between them: a method name after a dot, and the endings of `completion(` and of
#: factory names (`HuggingFaceLLM(`, `AzureOpenAI(`). One pattern per literal start: sre scans fast for a
#: pattern that opens with a literal, 10-100x slower for an alternation or a look-behind.
_GAP = r"(?:\s|\\\n|#[^\n]*\n)*"
MAYBE_MODEL_CALL_RES = (
    compile_regex(rf"\.{_GAP}(?:{'|'.join(sorted(pycalls.MODEL_METHODS, key=len, reverse=True))}){_GAP}\("),
    compile_regex(rf"completion{_GAP}\("),  # litellm's completion( / acompletion(
    compile_regex(rf"chat[a-z]\w*{_GAP}\("),  # ChatOpenAI(
    *(compile_regex(rf"{name}{_GAP}\(") for name in ("llm", "openai", "anthropic", "bind", "with_config")),
)
