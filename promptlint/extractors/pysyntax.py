"""Parsing Python that is newer than the interpreter running promptlint.

`ast.parse` on Python 3.11 rejects what 3.12+ accepts: PEP 701 f-strings (a backslash, a comment or the
enclosing quote inside a replacement field), PEP 695 type parameters (`def f[T]()`, `class C[T]`,
`type X = ...`) and 3.14's t-strings. A file a supported Python reads is not a parse error, so when the
first parse fails, the source is rewritten *in place* -- every replaced character by one of the same
length, newlines kept -- into what this interpreter reads, and parsed again. Offsets, lines and columns
of the tree are then those of the original text, which the extractor keeps reading for string contents
(it scans literals itself), so nothing downstream knows. When the rewritten text does not parse either,
the original error is reported: real syntax errors stay PL000.
"""

from __future__ import annotations

import ast
import re
import sys

from promptlint.diskcache import compile_regex
from promptlint.extractors.pystrings import skip_field

_PREFIX_CHARS = frozenset("rRuUfFbBtT")
_TYPE_ALIAS = compile_regex(r"^([ \t]*)type([ \t]+)([A-Za-z_]\w*)([ \t]*)(?=[\[=])", re.MULTILINE)
_TYPE_PARAMS = compile_regex(r"\b(?:def|class)[ \t]+[A-Za-z_]\w*[ \t]*(?=\[)")


def parse(text: str, path: str) -> ast.Module:
    """`ast.parse`, retried on a rewrite of newer syntax; raises the first SyntaxError if both fail."""
    try:
        return ast.parse(text, filename=path)
    except SyntaxError as first:
        if sys.version_info >= (3, 14):  # nothing newer to rewrite yet
            raise
        rewritten = downgrade(text)
        if rewritten == text:
            raise
        try:
            return ast.parse(rewritten, filename=path)
        except SyntaxError:
            raise first from None


def downgrade(text: str) -> str:
    """`text` with newer-Python syntax replaced, character for character, by what Python 3.11 parses."""
    chars = list(text)
    _strings(text, chars)
    out = "".join(chars)
    out = _TYPE_ALIAS.sub(_alias, out)
    return _blank_type_params(out)


def _alias(match: re.Match[str]) -> str:
    """`type X[T] = ...` -> `X         = ...` (the name moves to the statement's start; same length)."""
    indent, gap, name, tail = match.groups()
    return indent + name + " " * (len("type") + len(gap) + len(tail))


def _blank_type_params(text: str) -> str:
    """`def f[T](x)` / `class C[T]:` -> the bracket blanked out."""
    chars = None
    for match in _TYPE_PARAMS.finditer(text):
        start = match.end()
        depth, j = 0, start
        while j < len(text):
            ch = text[j]
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j >= len(text):
            continue
        if chars is None:
            chars = list(text)
        for k in range(start, j + 1):
            if chars[k] != "\n":
                chars[k] = " "
    return text if chars is None else "".join(chars)


def _strings(text: str, chars: list[str]) -> None:
    """Rewrite t-string prefixes to f and mask f-string fields that only Python 3.12+ reads."""
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch == "#":
            nl = text.find("\n", i)
            i = n if nl == -1 else nl
            continue
        if ch not in "'\"":
            i += 1
            continue
        k = i
        while k > 0 and text[k - 1] in _PREFIX_CHARS and i - k < 2:
            k -= 1
        if k > 0 and (text[k - 1].isalnum() or text[k - 1] == "_"):
            k = i  # the letters belong to a name (`x` in `x"..."` is not a prefix)
        prefix = text[k:i].lower()
        for p in range(k, i):
            if text[p] in "tT":
                chars[p] = "f" if text[p] == "t" else "F"
        fmode = ("f" in prefix or "t" in prefix) and "b" not in prefix
        i = _scan_string(text, i, fmode, "r" in prefix, chars)


def _scan_string(text: str, q: int, fmode: bool, raw: bool, chars: list[str]) -> int:
    quote = text[q] * 3 if text.startswith(text[q] * 3, q) else text[q]
    i = q + len(quote)
    n = len(text)
    while i < n:
        if text.startswith(quote, i):
            return i + len(quote)
        ch = text[i]
        if ch == "\\":
            i += 2
        elif fmode and ch == "{":
            if text.startswith("{{", i):
                i += 2
                continue
            end = skip_field(text, i)
            body = text[i + 1 : end - 1]
            if "\\" in body or "#" in body or quote[0] in body or (len(quote) == 1 and "\n" in body):
                chars[i + 1] = "0"
                for k in range(i + 2, end - 1):
                    if chars[k] != "\n":
                        chars[k] = " "
            i = end
        elif len(quote) == 1 and ch == "\n":
            return i
        else:
            i += 1
    del raw
    return n
