"""Turning a fix's prompt-text edits into file edits that keep the file's own spelling.

Exact splicing in file offsets is the mechanism: the prompt's `PositionMap` says where each
character of the text came from, a *container* (a Python string token, a YAML scalar, a
template body) says how the file spells text there, and the new text is escaped for that
container only. Nothing outside the edited span is re-rendered, so quote style, prefixes,
escapes elsewhere, `dedent` indentation, implicit-concatenation pieces, YAML comments, key
order and block styles are kept byte for byte -- stronger than a CST or round-trip rewrite,
which normalise some of those. `promptlint.fix.verify` then proves the result: it re-parses
the file, re-extracts the prompt and compares it with the intended text.

An edit that cannot be spelled in its container (a raw string that cannot hold a quote, a
plain YAML scalar that would need quoting, anything crossing a placeholder or an f-string
expression) is dropped with a note instead of being forced.
"""

from __future__ import annotations

import bisect
import io
import tokenize
from dataclasses import dataclass

from promptlint.model import Edit, Prompt, SourceFile


class Skip(Exception):
    """An edit that cannot be written safely; the message says why (shown to the user)."""


@dataclass(slots=True)
class Container:
    """A stretch of the file that holds prompt text, and how it spells characters."""

    start: int  # offset of the first body character
    end: int  # offset just past the last body character
    style: str  # python | yaml-plain | yaml-single | yaml-double | yaml-literal | yaml-folded | verbatim
    quote: str = ""
    raw: bool = False
    fstring: bool = False
    #: Python: the whole token (prefix and quotes included), its prefix as written, and whether it sits
    #: inside brackets (where implicit concatenation may span lines).
    token_start: int = 0
    token_end: int = 0
    prefix: str = ""
    in_brackets: bool = False


class Containers:
    """The containers of one file, looked up by offset; `width`, when set, is the line width inserted
    text keeps to (`promptlint.fix.layout`)."""

    def __init__(self, items: list[Container]) -> None:
        self.items = sorted(items, key=lambda c: c.start)
        self.starts = [c.start for c in self.items]
        self.width: int | None = None

    def at(self, offset: int, end: int | None = None) -> Container | None:
        """The container whose body holds [offset, end] (containers never nest)."""
        end = offset if end is None else end
        i = bisect.bisect_right(self.starts, offset) - 1
        if i >= 0 and self.items[i].start <= offset and end <= self.items[i].end:
            return self.items[i]
        return None


def python_containers(text: str) -> Containers:
    """String tokens of Python source (3.11: an f-string is one STRING token)."""
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    items = []
    depth = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth = max(depth - 1, 0)
            if tok.type != tokenize.STRING:
                continue
            a = starts[tok.start[0] - 1] + tok.start[1]
            b = starts[tok.end[0] - 1] + tok.end[1]
            body = text[a:b]
            k = 0
            while body[k] not in "'\"":
                k += 1
            prefix = body[:k].lower()
            quote = body[k] * 3 if body.startswith(body[k] * 3, k) else body[k]
            if "b" in prefix:
                continue
            items.append(Container(a + k + len(quote), b - len(quote), "python", quote, "r" in prefix, "f" in prefix,
                                   token_start=a, token_end=b, prefix=body[:k], in_brackets=depth > 0))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return Containers(items)


_YAML_STYLES = {None: "yaml-plain", "'": "yaml-single", '"': "yaml-double", "|": "yaml-literal", ">": "yaml-folded"}


def yaml_containers(source: SourceFile) -> Containers:
    """Scalar nodes of every YAML document (marks are character offsets)."""
    from yaml import MappingNode, ScalarNode, SequenceNode

    from promptlint.extractors.yaml_nodes import compose_documents

    docs, _problem = compose_documents(source)
    items: list[Container] = []
    stack = list(docs)
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            a, b = node.start_mark.index, node.end_mark.index
            style = _YAML_STYLES.get(node.style, "yaml-plain")
            if style in ("yaml-single", "yaml-double"):
                a, b = a + 1, b - 1
            elif style in ("yaml-literal", "yaml-folded"):
                a = source.text.find("\n", a) + 1
            items.append(Container(a, b, style))
        elif isinstance(node, MappingNode):
            for k, v in node.value:
                stack.extend((k, v))
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return Containers(items)


def containers_for(source: SourceFile, fmt: str) -> Containers:
    if fmt == "python":
        return python_containers(source.text)
    if fmt in ("yaml", "promptfoo"):
        return yaml_containers(source)
    return Containers([Container(0, len(source.text), "verbatim")])


# --- where prompt characters sit in the file -------------------------------------------------------


def char_source(prompt: Prompt, k: int) -> tuple[int, int]:
    """File offsets [start, end) of the source of text character k."""
    pm = prompt.positions
    i = bisect.bisect_right(pm.runs, (k, float("inf"), 0)) - 1
    t, f, n = pm.runs[max(i, 0)]
    src = pm.source_lengths[max(i, 0)]
    if src == n:
        return f + (k - t), f + (k - t) + 1
    return f, f + src


def _newline(source: SourceFile) -> str:
    first = source.text.find("\n")
    return "\r\n" if first > 0 and source.text[first - 1] == "\r" else "\n"


def margin_of(prompt: Prompt, source: SourceFile, a: int, container: Container) -> str:
    """Indentation the file adds to lines of this text that the text itself does not hold
    (what `dedent` removes, a YAML block scalar's indentation)."""
    text = prompt.text
    line_start = text.rfind("\n", 0, a) + 1
    if line_start >= len(text):
        line_start = max(text.rfind("\n", 0, max(line_start - 1, 0)) + 1, 0)
    if not text:
        return ""
    fo = char_source(prompt, min(line_start, len(text) - 1))[0]
    fls = source.text.rfind("\n", 0, fo) + 1
    indent = source.text[fls:fo]
    if fls >= container.start and indent.strip(" \t") == "":
        return indent
    return ""


# --- spelling new text in a container -------------------------------------------------------------


def spell(content: str, c: Container, source: SourceFile, margin: str) -> str:
    """`content` written for container `c`; raises Skip when it cannot be."""
    nl = _newline(source)
    if c.style == "python":
        return _spell_python(content, c, source, margin, nl)
    if c.style == "verbatim":
        return content.replace("\n", nl)
    return _spell_yaml(content, c, margin, nl)


def _indent_lines(content: str, margin: str, nl: str) -> str:
    lines = content.split("\n")
    return nl.join([lines[0], *((margin + line) if line.strip() else line for line in lines[1:])])


def _encodable(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _spell_python(content: str, c: Container, source: SourceFile, margin: str, nl: str) -> str:
    triple = len(c.quote) == 3
    q = c.quote[0]
    if c.raw:
        bad = [ch for ch in content if ch in ("\\", q, "\r") or (ch == "\n" and not triple)
               or (ord(ch) < 32 and ch not in "\n\t") or not _encodable(ch, source.encoding)]
        if bad:
            raise Skip(f"a raw string cannot hold {bad[0]!r}")
        out = content
    else:
        parts = []
        for ch in content:
            if ch == "\\":
                parts.append("\\\\")
            elif ch == q:
                parts.append("\\" + ch)
            elif ch == "\n":
                parts.append("\n" if triple else "\\n")
            elif ch == "\r":
                parts.append("\\r")
            elif (ord(ch) < 32 and ch != "\t") or ord(ch) == 127:
                parts.append(f"\\x{ord(ch):02x}")
            elif not _encodable(ch, source.encoding):
                parts.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
            else:
                parts.append(ch)
        out = "".join(parts)
    if c.fstring:
        out = out.replace("{", "{{").replace("}", "}}")
    if triple and "\n" in out:
        out = _indent_lines(out, margin, nl)
    return out


def _spell_yaml(content: str, c: Container, margin: str, nl: str) -> str:
    if c.style == "yaml-double":
        out = content.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        if any(ord(ch) < 32 for ch in out):
            raise Skip("control character in a double-quoted YAML scalar")
        return out
    if "\n" in content and c.style != "yaml-literal":
        raise Skip(f"a line break cannot be written into a {c.style[5:]} YAML scalar here")
    if c.style == "yaml-single":
        return content.replace("'", "''")
    if c.style == "yaml-plain":
        if ": " in content or " #" in content or content.endswith(":") or "\t" in content:
            raise Skip("the new text would need quoting in a plain YAML scalar")
        return content
    if c.style == "yaml-literal":
        return _indent_lines(content, margin, nl)
    return content  # folded, single line


# --- one text edit -> file edits ------------------------------------------------------------------


def encode(prompt: Prompt, source: SourceFile, containers: Containers, a: int, b: int,
           content: str) -> list[Edit]:
    """File edits for the text edit [a, b) -> content of `prompt`; raises Skip with the reason."""
    text = prompt.text
    for pa, pb in prompt.placeholders:
        if (a < pb and b > pa) or pa < a < pb:
            raise Skip("the edit touches a template placeholder or an f-string expression")
    if not text:
        raise Skip("empty prompt")
    if a == b:
        pos = char_source(prompt, a)[0] if a < len(text) else char_source(prompt, len(text) - 1)[1]
        c = containers.at(pos)
        if c is None:
            raise Skip("the insertion point is not inside a string")
        spelled = spell(content, c, source, margin_of(prompt, source, a, c))
        if containers.width and c.style == "python" and len(c.quote) == 1 and c.in_brackets:
            from promptlint.fix.layout import split_piece

            spelled = split_piece(spelled, c, source, pos, containers.width)
        return [Edit(pos, pos, spelled)]
    segments: list[tuple[int, int, Container]] = []
    for k in range(a, b):
        s, e = char_source(prompt, k)
        if segments and segments[-1][1] == s:
            segments[-1] = (segments[-1][0], e, segments[-1][2])
            continue
        if segments and segments[-1][1] < s and segments[-1][2].start <= s <= segments[-1][2].end \
                and source.text[segments[-1][1]:s].strip() == "":
            segments[-1] = (segments[-1][0], e, segments[-1][2])  # indentation the text does not hold
            continue
        c = containers.at(s, e)
        if c is None:
            raise Skip("the edit falls inside an expression, not a string")
        if segments and s < segments[-1][1]:
            raise Skip("the text runs backwards in the file")
        segments.append((s, e, c))
    if not content:
        segments = _widen_deletion(prompt, source, segments, a, b)
    first_s, first_e, first_c = segments[0]
    edits = [Edit(first_s, first_e, spell(content, first_c, source, margin_of(prompt, source, a, first_c)))]
    edits.extend(Edit(s, e, "") for s, e, _c in segments[1:])
    return edits


def _widen_deletion(prompt: Prompt, source: SourceFile, segments: list[tuple[int, int, Container]], a: int,
                    b: int) -> list[tuple[int, int, Container]]:
    """A deletion that ends with a line break of the file (a text line break, or a YAML folded one that the
    text reads as a space) must not leave indentation the text does not hold: when whole lines go, their
    indentation goes too; else the next line's indentation (which would join this line and become text in
    a folded or literal block, or a dedent margin) goes."""
    text = prompt.text
    first_s, first_e, first_c = segments[0]
    last_s, last_e, last_c = segments[-1]
    if b == len(text):
        # to the end of the text: a YAML fold before it (a line break the text does not hold) goes too, else
        # it would read as a space
        prev_end = char_source(prompt, a - 1)[1] if a > 0 else first_c.start
        if first_c.start <= prev_end < first_s and not source.text[prev_end:first_s].strip():
            return [(prev_end, first_e, first_c), *segments[1:]]
    file_break = source.text[last_e - 1:last_e] == "\n"
    if not (file_break or (text[b - 1] == "\n" and (a == 0 or text[a - 1] == "\n"))):
        return segments
    line_start = source.text.rfind("\n", 0, first_s) + 1
    if line_start >= first_c.start and not source.text[line_start:first_s].strip(" \t"):
        return [(line_start, first_e, first_c), *segments[1:]]
    if file_break and b < len(text):
        nxt = char_source(prompt, b)[0]
        if last_e < nxt <= last_c.end and not source.text[last_e:nxt].strip(" \t"):
            return [*segments[:-1], (last_s, nxt, last_c)]
    return segments
