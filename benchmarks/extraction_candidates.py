"""The strings a person reads to label a package for benchmarks/extraction_recall.py (not the extractor's output).

    python benchmarks/extraction_candidates.py ROOT [--scope dspy/adapters/ ...] > candidates.jsonl

Lists, independently of promptlint's extractor (plain `ast`, nothing of promptlint imported), every string
literal or f-string of three or more words in the package's Python files, outside logging, print, warnings,
`raise` and exception constructors and pydantic `Field(description=...)`; docstrings only of functions with a
decorator named like a tool and of classes whose base names a Signature or a Tool (they are sent to models); and
the non-Python text files (Markdown, text, Jinja, Mustache, Handlebars, JSON, YAML) beside the code. Each row
says where the text starts (the line of its first non-blank character) and what surrounds it (the function, the
assignment target or the call and keyword it is passed to), so that the labeller can judge whether it is a
prompt: text a model reads as instructions, messages, templates or tool and field descriptions.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

_WORD = re.compile(r"[^\W\d_]{2,}")
_QUIET = re.compile(
    r"(?:^|\.)(?:log_?|logger_?)?(?:print|pprint|debug|info|warning|warn|error|exception|critical|fatal|log)$")
_TEXT_SUFFIXES = {".md", ".txt", ".jinja", ".jinja2", ".j2", ".mustache", ".hbs", ".json", ".yaml", ".yml",
                  ".prompt", ".tmpl"}


def dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(dotted(node.func) + "()")
    else:
        parts.append("?")
    return ".".join(reversed(parts))


def _words(text: str) -> int:
    """Words of letters, counted only when the text has spaces between at least three of them."""
    return len(_WORD.findall(text)) if len(text.split()) >= 3 else 0


def _first_line(node: ast.AST, lines: list[str]) -> int:
    """The line of the literal's first non-blank character of text (after the opening quotes)."""
    line = node.lineno
    col = node.col_offset
    text = "\n".join(lines[line - 1:node.end_lineno])
    k = len(lines[line - 1].encode()[:col].decode(errors="ignore"))
    while k < len(text) and text[k] in "rRbBuUfFtT":
        k += 1
    while k < len(text) and text[k] in "\"'(":
        k += 1
    while k < len(text) and (text[k].isspace() or text[k] == "\\"):
        k += 1
    return line + text.count("\n", 0, k)


def scan_file(path: Path, display: str) -> list[dict]:
    try:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return [{"path": display, "line": 1, "kind": "unparsable"}]
    lines = text.splitlines()
    rows: list[dict] = []
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    skip: set[int] = set()

    def doc_of(node: ast.AST) -> ast.expr | None:
        body = getattr(node, "body", None)
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            return body[0].value
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            doc = doc_of(node)
            if doc is None:
                continue
            keep = False
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                keep = any("tool" in dotted(d.func if isinstance(d, ast.Call) else d).lower()
                           for d in node.decorator_list)
            elif isinstance(node, ast.ClassDef):
                keep = any(re.search(r"Signature|Tool", dotted(b)) for b in node.bases)
            if not keep:
                skip.add(id(doc))
        elif isinstance(node, ast.Raise) and node.exc is not None:
            skip.update(id(s) for s in ast.walk(node.exc))
        elif isinstance(node, ast.Call):
            chain = dotted(node.func)
            last = chain.rsplit(".", 1)[-1]
            quiet = (_QUIET.search(chain) and ("." not in chain or last.startswith("log")
                                               or re.search(r"log|warn|console|click|typer", chain, re.I)))
            quiet = quiet or chain in ("print", "pprint") or last.endswith(("Error", "Exception", "Warning"))
            if quiet:
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    skip.update(id(s) for s in ast.walk(arg))
            elif last == "Field":
                for k in node.keywords:
                    if k.arg == "description":
                        skip.update(id(s) for s in ast.walk(k.value))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(parents.get(id(node)), ast.Expr):
            continue  # a bare string statement: an attribute's docstring, a comment
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            parent = parents.get(id(node))
            if isinstance(parent, ast.JoinedStr):
                continue  # counted with its f-string
            value = node.value
        elif isinstance(node, ast.JoinedStr):
            value = "".join(v.value if isinstance(v, ast.Constant) else "{…}" for v in node.values)
        else:
            continue
        if _words(value) < 3:
            continue
        rows.append({"path": display, "line": _first_line(node, lines), "where": _where(node, parents),
                     "text": value[:400]})
    return rows


def _where(node: ast.AST, parents: dict[int, ast.AST]) -> str:
    """What surrounds a literal: the call and keyword it is passed to or the target it is assigned, and the
    function or class it sits in."""
    what = ""
    child = node
    parent = parents.get(id(node))
    while parent is not None and not what:
        if isinstance(parent, ast.keyword):
            call = parents.get(id(parent))
            what = f"{dotted(call.func)}({parent.arg}=)" if isinstance(call, ast.Call) else f"{parent.arg}="
        elif isinstance(parent, ast.Call):
            what = f"{dotted(parent.func)}(...)" if child is not parent.func else ""
        elif isinstance(parent, ast.Assign):
            what = " = ".join(ast.unparse(t)[:60] for t in parent.targets) + " ="
        elif isinstance(parent, ast.AnnAssign | ast.AugAssign):
            what = ast.unparse(parent.target)[:60] + (" +=" if isinstance(parent, ast.AugAssign) else " =")
        elif isinstance(parent, ast.Return):
            what = "return"
        elif isinstance(parent, ast.Dict):
            for k, v in zip(parent.keys, parent.values, strict=True):
                if v is child and isinstance(k, ast.Constant):
                    what = f"{{{k.value!r}: ...}}"
        elif isinstance(parent, ast.stmt):
            what = type(parent).__name__
        child, parent = parent, parents.get(id(parent))
    scope = []
    while parent is not None:
        if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            scope.append(parent.name)
        parent = parents.get(id(parent))
    return f"{'.'.join(reversed(scope))}: {what}" if scope else what


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--scope", nargs="*", default=[])
    args = parser.parse_args(argv)
    root: Path = args.root
    for path in sorted(root.rglob("*")):
        if not path.is_file() or ".dist-info" in str(path) or "/tests/" in f"/{path.relative_to(root)}":
            continue
        display = path.relative_to(root).as_posix()
        if args.scope and not display.startswith(tuple(args.scope)):
            continue
        if path.suffix == ".py":
            for row in scan_file(path, display):
                print(json.dumps(row, ensure_ascii=False))
        elif path.suffix.lower() in _TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8", errors="replace")
            print(json.dumps({"path": display, "line": 1, "where": "file", "text": text[:400]}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
