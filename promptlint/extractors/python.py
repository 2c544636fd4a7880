"""Prompt extraction from Python source, with the standard library `ast`.

Three steps over one parse: (1) collect string-valued assignments per scope
and which names are passed as a call's `messages`; (2) walk the tree with
its context (function, loops, retries, refusal branches), turning model
calls, LangChain constructors, role dicts and message classes into
`CallSite`s and `Prompt`s; (3) report the remaining assignments whose name
says prompt / system / instruction / template / message. Every character
of a prompt maps back to its file offset (see `pystrings`).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace
from typing import Any

from promptlint.extractors import pycalls as pc
from promptlint.extractors import pystrings as ps
from promptlint.extractors.placeholders import find_placeholders, merge_spans
from promptlint.model import CallSite, Extraction, ParseProblem, Prompt, Role, SourceFile

#: A file with none of these cannot hold a prompt we would find: skip the parse.
_MARKER_SOURCE = (
    r"prompt|system|instruct|template|message|backstory|role|invoke|complet|generat|predict|chat|description|responses"
    r"|\.a?(?:run|call|stream|batch)\("
)
_MARKERS = re.compile(_MARKER_SOURCE)  # searched in lower-cased text: 10x faster than IGNORECASE
_MARKERS_ANY_CASE = re.compile(_MARKER_SOURCE, re.IGNORECASE)


def _marker_text(text: str) -> tuple[str, re.Pattern[str]]:
    """Lower-cased text (same offsets) and the pattern to search it with."""
    lower = text.lower()
    if len(lower) == len(text):
        return lower, _MARKERS
    return text, _MARKERS_ANY_CASE  # a character whose lower case is longer: keep offsets right

_PROMPT_NAME_RE = re.compile(r"(?i)prompt|system|instruction|template|message|backstory|(?:^|_)sys(?:_|$)")
_NAME_DENY_RE = re.compile(r"(?i)error|warn|exception|usage|help|(?:^|_)log|status|fail|success|commit_msg|_type$|_key$"
                           r"|_id$|_path$|_file$|_dir$|_url$|_name$|_class$|_cls$|_fn$|_func$")
_SYSTEM_NAME_RE = re.compile(r"(?i)system|instruction|backstory|(?:^|_)sys(?:_|$)")
_HUMAN_NAME_RE = re.compile(r"(?i)human")
_TEMPLATE_NAME_RE = re.compile(r"(?i)template|prompt")
_WORD_RE = re.compile(r"[^\W\d_]{2,}")

_COMPOUND = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.For, ast.AsyncFor, ast.While, ast.If,
             ast.With, ast.AsyncWith, ast.Try, ast.TryStar, ast.Match)
_STRINGISH_CALLS = frozenset({"format", "format_map", "strip", "lstrip", "rstrip", "join", "dedent", "cleandoc"})


def extract(source: SourceFile) -> Extraction:
    """Prompts and model calls of one Python file. Never raises."""
    text = source.text
    marker_text, markers = _marker_text(text)
    if not markers.search(marker_text):
        return Extraction(source=source)
    try:
        tree = ast.parse(text, filename=source.path)
    except SyntaxError as exc:
        return Extraction(source=source, problem=_syntax_problem(exc))
    except (ValueError, RecursionError, MemoryError) as exc:
        return Extraction(source=source, problem=ParseProblem(f"cannot parse: {exc}"))
    extraction = Extraction(source=source, tree=tree)
    try:
        _Extractor(source, tree, extraction, marker_text, markers).run()
    except RecursionError:  # pathologically nested code: keep what was found
        return extraction
    except Exception as exc:  # a bug here must not stop the run: report it as PL000
        extraction.problem = ParseProblem(f"internal error in the Python extractor: {exc!r}")
    return extraction


def _syntax_problem(exc: SyntaxError) -> ParseProblem:
    message = f"SyntaxError: {exc.msg}"
    return ParseProblem(message, exc.lineno or 1, max(exc.offset or 1, 1))


@dataclass(frozen=True, slots=True)
class _Ctx:
    """Where the walk is: enclosing function, loops, refusal branches, statement."""

    scope: int = 0  # id() of the enclosing function node, 0 at module level
    function: str | None = None
    in_loop: bool = False
    in_retry: bool = False
    after_refusal: bool = False
    quiet: bool = False  # inside print / logging / exception arguments
    stmt: ast.stmt | None = None


@dataclass(slots=True)
class _Def:
    """A string-valued assignment `NAME = <expr>` (or `self.NAME = ...`)."""

    name: str
    value: ast.expr
    stmt: ast.stmt
    scope: int
    used: bool = False


class _Extractor:
    def __init__(self, source: SourceFile, tree: ast.Module, out: Extraction, marker_text: str,
                 markers: re.Pattern[str]) -> None:
        self.marker_text = marker_text
        self.markers = markers
        self.src = source
        self.text = source.text
        self.tree = tree
        self.out = out
        self.defs: dict[tuple[int, str], list[_Def]] = {}
        self.quiet_names: set[tuple[int, str]] = set()
        self.sites: dict[int, CallSite] = {}  # id(node) -> CallSite (registered or not)
        self.groups: dict[tuple[int, str], CallSite] = {}
        self.done: set[int] = set()
        self.registered: set[int] = set()
        self._ascii_lines: dict[int, bool] = {}
        self._rendered: list[_Def] = []

    # ------------------------------------------------------------------ positions

    def offset(self, lineno: int, col: int) -> int:
        """Character offset of an ast (line, UTF-8 byte column)."""
        starts = self.src.line_starts
        if lineno - 1 >= len(starts):
            return len(self.text)
        start = starts[lineno - 1]
        ascii_line = self._ascii_lines.get(lineno)
        if ascii_line is None:
            end = starts[lineno] if lineno < len(starts) else len(self.text)
            ascii_line = self._ascii_lines[lineno] = self.text[start:end].isascii()
        if ascii_line:
            return start + col
        return start + len(self.text[start : start + col].encode("utf-8")[:col].decode("utf-8", "ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset))

    def source_of(self, node: ast.AST) -> str:
        a, b = self.span(node)
        return self.text[a:b]

    # ------------------------------------------------------------------ pass 1

    def run(self) -> None:
        self._collect(self.tree.body, 0)
        self._visit_body(self.tree.body, _Ctx())
        self._report_named_defs()
        self.out.prompts.sort(key=lambda p: p.positions.file_offset(0))

    def _collect(self, body: list[ast.stmt], scope: int) -> None:
        """String assignments per scope and names used in logging (statements only: cheap)."""
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self._collect(node.body, id(node))
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                if node.value is not None and _stringish(node.value):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        key = _target_key(target, scope)
                        if key:
                            self.defs.setdefault(key, []).append(_Def(key[1], node.value, node, key[0]))
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                call = node.value
                if pc.is_no_prompt_call(pc.dotted(call.func)):
                    for arg in [*call.args, *(k.value for k in call.keywords)]:
                        self._mark_quiet(arg, scope)
            elif isinstance(node, ast.Raise) and node.exc is not None:
                self._mark_quiet(node.exc, scope)
            else:
                for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                    sub = getattr(node, field, None)
                    if sub:
                        if field in ("handlers", "cases"):
                            for item in sub:
                                self._collect(item.body, scope)
                        else:
                            self._collect(sub, scope)

    def _mark_quiet(self, node: ast.AST, scope: int) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name):
                self.quiet_names.add((scope, sub.id))
                self.quiet_names.add((0, sub.id))

    # ------------------------------------------------------------------ pass 2: walk

    def _visit_body(self, body: list[ast.stmt], ctx: _Ctx) -> None:
        for stmt in body:
            self._visit_stmt(stmt, ctx)

    def _visit_stmt(self, node: ast.stmt, ctx: _Ctx) -> None:
        if not isinstance(node, _COMPOUND) and not self._has_marker(node):
            return  # nothing in this statement can be a prompt or a model call
        ctx = replace(ctx, stmt=node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self._visit_function(node, ctx)
        elif isinstance(node, ast.For | ast.AsyncFor | ast.While):
            self._visit_expr(node.iter if not isinstance(node, ast.While) else node.test, ctx)
            loop = replace(ctx, in_loop=True, in_retry=ctx.in_retry or pc.is_retry_loop(node))
            if isinstance(node, ast.While) and pc.is_refusal_test(node.test):
                loop = replace(loop, after_refusal=True)
            self._visit_body(node.body, loop)
            self._visit_body(node.orelse, ctx)
        elif isinstance(node, ast.If):
            self._visit_expr(node.test, ctx)
            branch = replace(ctx, after_refusal=True) if pc.is_refusal_test(node.test) else ctx
            self._visit_body(node.body, branch)
            self._visit_body(node.orelse, ctx)
        elif isinstance(node, ast.Assert | ast.Import | ast.ImportFrom | ast.Global | ast.Nonlocal | ast.Pass):
            return
        elif isinstance(node, ast.Raise):
            if node.exc is not None:
                self._visit_expr(node.exc, replace(ctx, quiet=True))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return  # docstrings and bare strings
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign) and node.value is not None:
            self._visit_assign(node, ctx)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    self._visit_stmt(child, ctx)
                elif isinstance(child, ast.expr):
                    self._visit_expr(child, ctx)
                elif isinstance(child, ast.excepthandler | ast.match_case):
                    self._visit_body(child.body, ctx)
                elif isinstance(child, ast.withitem):
                    self._visit_expr(child.context_expr, ctx)

    def _has_marker(self, node: ast.stmt) -> bool:
        starts = self.src.line_starts
        a = starts[node.lineno - 1]
        b = starts[node.end_lineno] if node.end_lineno < len(starts) else len(self.text)
        return self.markers.search(self.marker_text, a, b) is not None

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: _Ctx) -> None:
        for deco in node.decorator_list:
            self._visit_expr(deco, ctx)
        self._default_args(node, ctx)
        inner = _Ctx(
            scope=id(node),
            function=node.name,
            in_retry=any(pc.is_retry_decorator(d) for d in node.decorator_list),
        )
        if _PROMPT_NAME_RE.search(node.name) and not _NAME_DENY_RE.search(node.name):
            self._returned_prompts(node, inner)
        self._visit_body(node.body, inner)

    def _visit_assign(self, node: ast.Assign | ast.AnnAssign | ast.AugAssign, ctx: _Ctx) -> None:
        value = node.value
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        group = None
        for target in targets:
            if isinstance(target, ast.Name) and _is_message_list(value):
                group = self._group_for(ctx.scope, target.id, value, ctx)
        if group is not None:
            self._messages(value, group, ctx)
        self._visit_expr(value, ctx)

    def _visit_expr(self, node: ast.expr, ctx: _Ctx) -> None:
        """Generic expression walk: calls, role dicts and message lists found anywhere."""
        stack = [node]
        while stack:
            sub = stack.pop()
            if isinstance(sub, ast.Call) and self._visit_call(sub, ctx):
                continue
            if isinstance(sub, ast.Lambda):
                stack.append(sub.body)
                continue
            if id(sub) not in self.done and not ctx.quiet:
                if isinstance(sub, ast.List | ast.Tuple) and _is_message_list(sub):
                    self._messages(sub, self._pseudo_site(sub, ctx, "langchain" if _has_classes(sub) else "unknown"),
                                   ctx)
                elif isinstance(sub, ast.Dict | ast.Call) and _message_parts(sub) is not None:
                    self._message(sub, None, ctx)
            stack.extend(c for c in ast.iter_child_nodes(sub) if isinstance(c, ast.expr))

    # ------------------------------------------------------------------ calls

    def _visit_call(self, node: ast.Call, ctx: _Ctx) -> bool:
        """Handle one call; True when its children were fully visited already."""
        chain = pc.dotted(node.func)
        if pc.is_no_prompt_call(chain):
            for child in [*node.args, *(k.value for k in node.keywords)]:
                self._visit_expr(child, replace(ctx, quiet=True))
            return True
        if ctx.quiet or id(node) in self.done:
            return False
        self._adopt(node, ctx)
        last = chain.rsplit(".", 1)[-1]
        head = chain.rsplit(".", 2)[-2] if "." in chain else ""
        kind = pc.call_kind(chain)
        if kind == "anthropic_batch":
            self._batch(node, chain, ctx)
        elif kind in ("anthropic", "openai"):
            site = self._site(node, chain, kind, ctx, register=True)
            self._kwargs([(k.arg, k.value) for k in node.keywords if k.arg], site, ctx, chain)
        elif head in pc.TEMPLATE_CLASSES or last in pc.TEMPLATE_CLASSES or head in pc.MESSAGE_TEMPLATES:
            self._langchain(node, chain, head, last, ctx)
        elif last in pc.MESSAGE_CLASSES or (last == "dict" and _message_parts(node) is not None):
            return False  # handled as a message by the expression walk
        else:
            self._generic_call(node, chain, kind, ctx)
        return False

    def _site(self, node: ast.AST, chain: str, kind: str | None, ctx: _Ctx, register: bool,
              kwargs: list[tuple[str, ast.expr]] | None = None) -> CallSite:
        site = self.sites.get(id(node))
        if site is None:
            a, b = self.span(node)
            line, col = self.src.position(a)
            end_line, end_col = self.src.position(b)
            site = CallSite(
                id=-1, provider=pc.provider_of(chain, kind), method=chain, line=line, column=col,
                end_line=end_line, end_column=end_col, in_loop=ctx.in_loop, in_retry=ctx.in_retry,
                after_refusal_check=ctx.after_refusal, function=ctx.function,
            )
            if kwargs is None and isinstance(node, ast.Call):
                kwargs = [(k.arg, k.value) for k in node.keywords if k.arg]
            self._arguments(site, kwargs or [])
            self.sites[id(node)] = site
        if register:
            self._register(site)
        return site

    def _register(self, site: CallSite) -> None:
        if id(site) not in self.registered:
            self.registered.add(id(site))
            site.id = len(self.out.calls)
            self.out.calls.append(site)

    def _arguments(self, site: CallSite, kwargs: list[tuple[str, ast.expr]]) -> None:
        for key, value in kwargs:
            literal = _literal(value)
            if literal is not _NOT_LITERAL:
                site.arguments[key] = literal
            else:
                site.argument_sources[key] = self.source_of(value)
        model = site.arguments.get("model")
        if isinstance(model, str):
            site.model = model

    def _kwargs(self, kwargs: list[tuple[str, ast.expr]], site: CallSite, ctx: _Ctx, chain: str,
                model_call: bool = True) -> bool:
        """Prompt-bearing keyword arguments of a model call; True if any prompt came out."""
        found = False
        last = chain.rsplit(".", 1)[-1]
        role_kw = dict(kwargs).get("role")
        for key, value in kwargs:
            if key in pc.SYSTEM_KWARGS:
                found |= self._content(value, "system", site, ctx, key)
            elif key in ("messages", "input") and (model_call or key == "messages") and _is_message_list(value):
                self._messages(value, site, ctx)
                found = True
            elif key in ("messages", "input") and isinstance(value, ast.Name):
                continue
            elif (key == "input" and model_call) or key in pc.USER_KWARGS or (key == "description" and last == "Task"):
                found |= self._content(value, "user", site, ctx, key)
            elif key in pc.TEMPLATE_KWARGS and (last in pc.TEMPLATE_CLASSES or "Template" in last):
                found |= self._content(value, "template", site, ctx, key)
            elif key == "content" and role_kw is not None:
                role = _role_of(role_kw)
                if role:
                    found |= self._content(value, role, site, ctx, key)
        return found

    def _generic_call(self, node: ast.Call, chain: str, kind: str | None, ctx: _Ctx) -> None:
        """Any other call: prompt keywords (`instructions=`, `system_prompt=`...) or a message list argument."""
        site = self._site(node, chain, kind, ctx, register=False)
        kwargs = [(k.arg, k.value) for k in node.keywords if k.arg]
        found = self._kwargs(kwargs, site, ctx, chain, model_call=kind is not None) if kwargs else False
        modelish = kind is not None or pc.looks_like_model(chain)
        for arg in node.args[:2]:
            if modelish and _is_message_list(arg):
                self._messages(arg, site, ctx)
                found = True
            elif kind == "invoke" and arg is node.args[0] and _stringish(arg):
                found |= self._content(arg, "user", site, ctx, None)
        if found or kind == "invoke":
            self._register(site)

    def _batch(self, node: ast.Call, chain: str, ctx: _Ctx) -> None:
        """`messages.batches.create(requests=[{"custom_id": ..., "params": {...}}])`: one call per params."""
        site = self._site(node, chain, "anthropic_batch", ctx, register=True)
        for kw in node.keywords:
            if kw.arg != "requests" or not isinstance(kw.value, ast.List | ast.Tuple):
                continue
            for request in kw.value.elts:
                params = _dict_get(request, "params")
                if params is None and isinstance(request, ast.Call):
                    params = next((k.value for k in request.keywords if k.arg == "params"), None)
                pairs = _pairs(params) if params is not None else None
                if pairs is None:
                    continue
                sub = self._site(params, chain, "anthropic", ctx, register=True, kwargs=pairs)
                self._kwargs(pairs, sub, ctx, chain)
        del site

    def _langchain(self, node: ast.Call, chain: str, head: str, last: str, ctx: _Ctx) -> None:
        site = self._site(node, chain, "langchain", ctx, register=False)
        site.provider = "langchain"
        first = node.args[0] if node.args else None
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        if head in pc.MESSAGE_TEMPLATES and last in ("from_template", "from_template_file"):
            if first is not None:
                self._content(first, pc.MESSAGE_TEMPLATES[head], site, ctx, head)
            elif "template" in kw:
                self._content(kw["template"], pc.MESSAGE_TEMPLATES[head], site, ctx, "template")
            return
        if last == "from_messages" or (last == "ChatPromptTemplate" and (first is not None or "messages" in kw)):
            messages = first if first is not None else kw.get("messages")
            if messages is not None and isinstance(messages, ast.List | ast.Tuple):
                self._messages(messages, site, ctx, tuples=True)
            return
        role = "user" if head == "ChatPromptTemplate" else "template"
        if last == "from_template" and first is not None:
            self._content(first, role, site, ctx, head)
        elif last in pc.TEMPLATE_CLASSES and first is not None and _stringish(first):
            self._content(first, "template", site, ctx, last)
        self._kwargs([(k, v) for k, v in kw.items()], site, ctx, chain)

    # ------------------------------------------------------------------ messages

    def _messages(self, seq: ast.expr, site: CallSite, ctx: _Ctx, tuples: bool = False) -> None:
        """A list of chat messages (dicts, message objects, LangChain tuples) belonging to `site`."""
        self.done.add(id(seq))
        if any(_message_parts(e, tuples) is not None for e in getattr(seq, "elts", ())):
            self._register(site)
        elts = seq.elts if isinstance(seq, ast.List | ast.Tuple) else []
        for elt in elts:
            if isinstance(elt, ast.Starred):
                continue
            self._message(elt, site, ctx, tuples or _has_classes(seq))

    def _message(self, node: ast.expr, site: CallSite | None, ctx: _Ctx, tuples: bool = False) -> None:
        parts = _message_parts(node, tuples)
        if parts is None:
            return
        self.done.add(id(node))
        role_node, content, name = parts
        role = _role_of(role_node) if role_node is not None else None
        if role_node is not None and role is None and not isinstance(role_node, ast.Constant):
            role = "unknown"
        if role is None and isinstance(role_node, ast.Constant):
            return  # tool / function / placeholder turns are not prompts
        if isinstance(node, ast.Call) and name in pc.MESSAGE_TEMPLATES:  # X.from_template(...)
            if site is not None:
                self._content(content, role or "unknown", site, ctx, name)
            return
        if site is None and isinstance(node, ast.Dict | ast.Call) and ctx.stmt is not None:
            site = self._append_group(node, ctx)
        self._content(content, role or "unknown", site, ctx, name)

    def _append_group(self, node: ast.expr, ctx: _Ctx) -> CallSite | None:
        """`messages.append({...})`: group with the list's other messages (and its call)."""
        stmt = ctx.stmt
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            func = stmt.value.func
            if isinstance(func, ast.Attribute) and func.attr in ("append", "insert", "extend") \
                    and isinstance(func.value, ast.Name) and node in ast.walk(stmt.value):
                return self._group_for(ctx.scope, func.value.id, node, ctx)
        return None

    def _adopt(self, node: ast.Call, ctx: _Ctx) -> None:
        """A call passed a message list built earlier (`messages=msgs`) takes over that list's group."""
        names = [k.value.id for k in node.keywords if k.arg in ("messages", "input") and isinstance(k.value, ast.Name)]
        if node.args and isinstance(node.args[0], ast.Name):
            names.append(node.args[0].id)
        for name in names:
            group = self.groups.get((ctx.scope, name)) or self.groups.get((0, name))
            if group is None or group.method != "<messages>":
                continue
            chain = pc.dotted(node.func)
            kind = pc.call_kind(chain)
            if kind is None and not any(k.arg == "messages" for k in node.keywords):
                continue
            fresh = self._site(node, chain, kind, ctx, register=False)
            for slot in CallSite.__slots__:
                if slot != "id":
                    setattr(group, slot, getattr(fresh, slot))
            self.sites[id(node)] = group
            return

    def _group_for(self, scope: int, name: str, node: ast.AST, ctx: _Ctx) -> CallSite:
        key = (scope, name)
        if key not in self.groups:
            self.groups[key] = self._pseudo_site(node, ctx, "unknown")
        return self.groups[key]

    def _pseudo_site(self, node: ast.AST, ctx: _Ctx, provider: str) -> CallSite:
        site = self._site(node, "<messages>", None, ctx, register=False, kwargs=[])
        site.provider = provider
        return site

    def _content(self, value: ast.expr, role: Role, site: CallSite | None, ctx: _Ctx, name: str | None) -> bool:
        """A message content: a string expression or a list of content blocks."""
        if isinstance(value, ast.List | ast.Tuple):
            found = False
            for block in value.elts:
                text = _dict_get(block, "text")
                if text is not None and _dict_get(block, "type") is not None:
                    found |= self._emit(text, role, site, ctx, name)
                elif _stringish(block):
                    found |= self._emit(block, role, site, ctx, name)
            return found
        return self._emit(value, role, site, ctx, name)

    # ------------------------------------------------------------------ prompts

    def _emit(self, value: ast.expr, role: Role, site: CallSite | None, ctx: _Ctx, name: str | None,
              prose: bool = False) -> bool:
        """Render `value` and add it as a prompt; a bare constant is reported at its definition, once."""
        base = _peel(value)
        stmt = ctx.stmt
        if isinstance(base, ast.Name | ast.Attribute):
            definition = self._lookup(base, ctx.scope)
            if definition is None:
                return False
            if definition.used:
                return False
            name = definition.name
            stmt = definition.stmt
        self._rendered = []
        frag, percent = self._render(value, ctx.scope, 0)
        for d in self._rendered:
            d.used = True
        if frag is None or (prose and not _prose(frag)):
            return False
        if site is not None:
            self._register(site)
        return self._add_prompt(frag, role, site, name, stmt, percent)

    def _add_prompt(self, frag: ps.Frag, role: Role, site: CallSite | None, name: str | None,
                    stmt: ast.stmt | None, percent: bool) -> bool:
        text = frag.text
        if not text.strip():
            return False
        holes = [frag.holes, find_placeholders(text)]
        if percent:
            holes.append(ps.percent_placeholders(text))
        span = self.span(stmt) if stmt is not None else None
        if span is not None and hasattr(stmt, "body"):  # compound statement: header only
            span = (span[0], max(span[0], self.offset(stmt.body[0].lineno, stmt.body[0].col_offset)))
        self.out.prompts.append(Prompt(
            text=text, role=role, path=self.src.path, format="python", positions=frag.position_map(),
            placeholders=merge_spans(*holes), call=site, name=name, statement_span=span,
        ))
        return True

    def _lookup(self, node: ast.expr, scope: int) -> _Def | None:
        if isinstance(node, ast.Name):
            keys = [(scope, node.id), (0, node.id)]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            keys = [(-1, node.attr), (0, node.attr)] if node.value.id in ("self", "cls") else [(0, node.attr)]
        else:
            return None
        line = node.lineno
        for key in keys:
            defs = self.defs.get(key)
            if not defs:
                continue
            if key[0] != scope or not isinstance(node, ast.Name):
                return defs[-1]
            before = [d for d in defs if d.stmt.end_lineno < line]
            if before:
                return before[-1]
        return None

    def _render(self, node: ast.expr, scope: int, depth: int) -> tuple[ps.Frag | None, bool]:
        """The text an expression evaluates to, with provenance; (None, _) when not a string we can read."""
        if depth > 20:
            return None, False
        if isinstance(node, ast.Constant):
            if not isinstance(node.value, str):
                return None, False
            a, b = self.span(node)
            return ps.scan_literals(self.text, a, b), False
        if isinstance(node, ast.JoinedStr):
            a, b = self.span(node)
            return ps.scan_literals(self.text, a, b), False
        if isinstance(node, ast.Name | ast.Attribute) and not (
            isinstance(node, ast.Attribute) and node.attr in _STRINGISH_CALLS
        ):
            definition = self._lookup(node, scope)
            if definition is None or definition.value is node:
                return None, False
            frag, percent = self._render(definition.value, definition.scope, depth + 1)
            if frag is not None:
                self._rendered.append(definition)
            return frag, percent
        if isinstance(node, ast.BinOp):
            return self._render_binop(node, scope, depth)
        if isinstance(node, ast.Call):
            return self._render_call(node, scope, depth)
        return None, False

    def _render_binop(self, node: ast.BinOp, scope: int, depth: int) -> tuple[ps.Frag | None, bool]:
        if isinstance(node.op, ast.Mod):
            frag, _ = self._render(node.left, scope, depth + 1)
            return frag, frag is not None
        if not isinstance(node.op, ast.Add):
            return None, False
        left, p1 = self._render(node.left, scope, depth + 1)
        right, p2 = self._render(node.right, scope, depth + 1)
        if left is None and right is None:
            return None, False
        out = ps.Frag()
        for part, side in ((left, node.left), (right, node.right)):
            if part is not None:
                out.append(part)
            else:
                a, b = self.span(side)
                out.add_synthetic("{" + self.text[a:b] + "}", a, b - a)
        return out, p1 or p2

    def _render_call(self, node: ast.Call, scope: int, depth: int) -> tuple[ps.Frag | None, bool]:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name in ("dedent", "cleandoc") and len(node.args) == 1:
            frag, percent = self._render(node.args[0], scope, depth + 1)
            if frag is None:
                return None, False
            return (ps.dedent(frag) if name == "dedent" else ps.cleandoc(frag)), percent
        if not isinstance(func, ast.Attribute):
            return None, False
        if name in ("format", "format_map"):
            return self._render(func.value, scope, depth + 1)
        if name in ("strip", "lstrip", "rstrip") and len(node.args) <= 1:
            chars = None
            if node.args:
                arg = node.args[0]
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str | type(None))):
                    return None, False
                chars = arg.value
            frag, percent = self._render(func.value, scope, depth + 1)
            if frag is None:
                return None, False
            return ps.strip(frag, chars, left=name != "rstrip", right=name != "lstrip"), percent
        if name == "join" and len(node.args) == 1 and isinstance(node.args[0], ast.List | ast.Tuple):
            sep, _ = self._render(func.value, scope, depth + 1)
            parts = [self._render(e, scope, depth + 1)[0] for e in node.args[0].elts]
            if sep is None or not parts or any(p is None for p in parts):
                return None, False
            out = ps.Frag()
            for k, part in enumerate(parts):
                if k:
                    out.append(sep)
                out.append(part)
            return out, False
        return None, False

    # ------------------------------------------------------------------ pass 3 and extras

    def _report_named_defs(self) -> None:
        """Assignments whose name says prompt / system / instruction / template / message, never used at a call."""
        for defs in self.defs.values():
            for definition in defs:
                name = definition.name
                if definition.used or not _PROMPT_NAME_RE.search(name) or _NAME_DENY_RE.search(name):
                    continue
                if (definition.scope, name) in self.quiet_names:
                    continue
                self._rendered = []
                frag, percent = self._render(definition.value, definition.scope, 0)
                if frag is None or not _prose(frag):
                    continue
                definition.used = True
                self._add_prompt(frag, _role_for_name(name), None, name, definition.stmt, percent)

    def _returned_prompts(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: _Ctx) -> None:
        """`def build_system_prompt(): return "..."`: the returned text is a prompt."""
        stack: list[ast.AST] = list(node.body)
        while stack:
            sub = stack.pop()
            if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
                continue
            if isinstance(sub, ast.Return) and sub.value is not None and not isinstance(sub.value, ast.Name):
                self._emit(sub.value, _role_for_name(node.name), None, replace(ctx, stmt=sub), node.name, prose=True)
                continue
            stack.extend(c for c in ast.iter_child_nodes(sub) if isinstance(c, ast.stmt | ast.excepthandler))

    def _default_args(self, node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: _Ctx) -> None:
        """`def __init__(self, system_message: str = "You are ...")`."""
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults, strict=True))
        pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None]
        for arg, default in pairs:
            name = arg.arg
            if not _PROMPT_NAME_RE.search(name) or _NAME_DENY_RE.search(name) or not _stringish(default):
                continue
            self._rendered = []
            frag, percent = self._render(default, ctx.scope, 0)
            if frag is not None and _prose(frag):
                self._add_prompt(frag, _role_for_name(name), None, name, ctx.stmt, percent)


# ---------------------------------------------------------------------- helpers

_NOT_LITERAL: Any = object()


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd) \
            and isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, int | float):
        return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
    return _NOT_LITERAL


def _stringish(node: ast.expr) -> bool:
    """Cheap test: could this expression evaluate to a string we can read?"""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return _stringish(node.left) or _stringish(node.right) or isinstance(node.left, ast.Name | ast.Call)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        return name in _STRINGISH_CALLS
    return False


def _peel(node: ast.expr) -> ast.expr:
    """The expression under `.format()`, `.strip()`, `dedent()` and `%` wrappers."""
    while True:
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("format", "format_map", "strip", "lstrip", "rstrip"):
                node = func.value
                continue
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("dedent", "cleandoc") and len(node.args) == 1:
                node = node.args[0]
                continue
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            node = node.left
            continue
        return node


def _target_key(target: ast.expr, scope: int) -> tuple[int, str] | None:
    if isinstance(target, ast.Name):
        return (scope, target.id)
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
        return (-1, target.attr)
    return None


def _dict_get(node: ast.AST | None, key: str) -> ast.expr | None:
    if isinstance(node, ast.Dict):
        for k, v in zip(node.keys, node.values, strict=True):
            if isinstance(k, ast.Constant) and k.value == key:
                return v
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        for kw in node.keywords:
            if kw.arg == key:
                return kw.value
    return None


def _pairs(node: ast.expr) -> list[tuple[str, ast.expr]] | None:
    """Keyword-like pairs of a dict literal, `dict(...)` or a params constructor call."""
    if isinstance(node, ast.Dict):
        return [(k.value, v) for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    if isinstance(node, ast.Call):
        return [(k.arg, k.value) for k in node.keywords if k.arg]
    return None


def _message_parts(node: ast.AST, tuples: bool = False) -> tuple[ast.expr | None, ast.expr, str] | None:
    """(role expression, content expression, name) of a chat message, or None."""
    if isinstance(node, ast.Dict):
        role, content = _dict_get(node, "role"), _dict_get(node, "content")
        if role is not None and content is not None:
            return role, content, "content"
        return None
    if isinstance(node, ast.Call):
        chain = pc.dotted(node.func)
        last = chain.rsplit(".", 1)[-1]
        if last == "dict":
            role, content = _dict_get(node, "role"), _dict_get(node, "content")
            return (role, content, "content") if role is not None and content is not None else None
        if last in pc.MESSAGE_CLASSES:
            content = next((k.value for k in node.keywords if k.arg == "content"), None)
            if content is None and node.args:
                content = node.args[0]
            if content is None:
                return None
            role_kw = next((k.value for k in node.keywords if k.arg == "role"), None)
            role = role_kw if last == "ChatMessage" else ast.Constant(pc.MESSAGE_CLASSES[last])
            return role, content, "content"
        head = chain.rsplit(".", 2)[-2] if "." in chain else ""
        if head in pc.MESSAGE_TEMPLATES and last == "from_template":
            content = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "template"), None)
            if content is None:
                return None
            return ast.Constant(pc.MESSAGE_TEMPLATES[head]), content, head
        return None
    if tuples and isinstance(node, ast.Tuple) and len(node.elts) == 2:
        role, content = node.elts
        if isinstance(role, ast.Constant) and isinstance(role.value, str):
            return role, content, role.value
    return None


def _is_message_list(node: ast.expr) -> bool:
    if not isinstance(node, ast.List | ast.Tuple) or not node.elts:
        return False
    return any(_message_parts(e, tuples=False) is not None for e in node.elts)


def _has_classes(node: ast.expr) -> bool:
    elts = node.elts if isinstance(node, ast.List | ast.Tuple) else []
    return any(isinstance(e, ast.Call) and pc.dotted(e.func).rsplit(".", 1)[-1] in pc.MESSAGE_CLASSES for e in elts)


def _role_of(node: ast.expr) -> Role | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        value = node.value.strip().lower()
        if value in pc.ROLE_NAMES:
            return pc.ROLE_NAMES[value]
        return "unknown"
    return "unknown"


def _role_for_name(name: str) -> Role:
    if _SYSTEM_NAME_RE.search(name):
        return "system"
    if _HUMAN_NAME_RE.search(name):
        return "user"
    if _TEMPLATE_NAME_RE.search(name):
        return "template"
    return "unknown"


def _prose(frag: ps.Frag) -> bool:
    """Enough words outside placeholders to be a prompt, not an enum value or a key."""
    text = frag.text
    if frag.holes:
        chars = list(text)
        for a, b in frag.holes:
            chars[a:b] = [" "] * (b - a)
        text = "".join(chars)
    return len(_WORD_RE.findall(text)) >= 3
