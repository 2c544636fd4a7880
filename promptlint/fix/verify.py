"""Proving a rewritten file: it parses, only prompt strings changed, and each prompt reads as intended.

Python is re-parsed with libcst, and the module's code with every string token's contents
blanked must equal the original's blanked the same way: whatever changed sits inside string
quotes (prefixes, quotes, f-string expressions and all code outside strings compare equal).
YAML is re-loaded with ruamel.yaml (round-trip mode, the parser that keeps comments and
styles) and the composed node trees must match except for the values of edited scalars.
Then the file is re-extracted and every prompt's text compared with the intended text.
libcst and ruamel are imported here, lazily: `check` never imports this package.
"""

from __future__ import annotations

from typing import Any

from promptlint.model import Extraction, SourceFile


class Rejected(Exception):
    """The rewritten file failed a check; the message says which."""


def _blank_python(code: str) -> str:
    import libcst as cst

    class Blank(cst.CSTTransformer):
        def leave_SimpleString(self, original: Any, updated: Any) -> Any:
            return updated.with_changes(value=updated.prefix + updated.quote + updated.quote)

        def leave_FormattedStringText(self, original: Any, updated: Any) -> Any:
            return updated.with_changes(value="")

    try:
        module = cst.parse_module(code)
    except cst.ParserSyntaxError as exc:
        raise Rejected(f"the fixed file does not parse: {str(exc).splitlines()[0]}") from None
    return module.visit(Blank()).code


def _merge_concatenations(code: str) -> str:
    """Blanked code with each implicit concatenation (string tokens separated by white space only) written as
    one token: its pieces with something left in them (f-string expressions) joined, else its first piece.
    So splitting a string into pieces, or dropping a piece a fix emptied, is not a change outside strings."""
    import io
    import tokenize

    starts = [0]
    for i, ch in enumerate(code):
        if ch == "\n":
            starts.append(i + 1)

    def offset(pos: tuple[int, int]) -> int:
        return starts[pos[0] - 1] + pos[1]

    runs: list[list[tuple[int, int]]] = []
    last_string = False
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.STRING:
                span = (offset(tok.start), offset(tok.end))
                if last_string and not code[runs[-1][-1][1] : span[0]].strip(" \t\r\n\\"):
                    runs[-1].append(span)
                else:
                    runs.append([span])
                last_string = True
            elif tok.type not in (tokenize.NL, tokenize.COMMENT):
                last_string = False
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return code
    out, pos = [], 0
    for run in runs:
        if len(run) < 2:
            continue
        values = [code[a:b] for a, b in run]
        full = [v for v in values if v.lstrip("rRuUbBfF") not in ('""', "''", '""""""', "")]
        out.append(code[pos : run[0][0]])
        out.append(" ".join(full) if full else values[0])
        pos = run[-1][1]
    out.append(code[pos:])
    return "".join(out)


def check_python(old: str, new: str) -> None:
    if _merge_concatenations(_blank_python(old)) != _merge_concatenations(_blank_python(new)):
        raise Rejected("a change reached outside the prompt strings")


def _yaml_walk(text: str) -> tuple[list[Any], list[str]]:
    """One pass over the node graph: its shape (kinds, tags, styles, scalar spans) and the scalar values.

    A node reached again through an alias is recorded once as a back-reference and not walked
    again, so an alias bomb costs linear time here as it does in the extractor.
    """
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    shape: list[Any] = []
    values: list[str] = []
    seen: dict[int, int] = {}
    for doc in yaml.compose_all(text, Loader=loader_cls):
        stack = [doc]
        while stack:
            node = stack.pop()
            if node is None:
                continue
            if id(node) in seen:
                shape.append(("*", seen[id(node)]))
                continue
            seen[id(node)] = len(shape)
            if isinstance(node, yaml.ScalarNode):
                shape.append(("s", node.tag, node.style, node.start_mark.index, node.end_mark.index))
                values.append(node.value)
            elif isinstance(node, yaml.MappingNode):
                shape.append(("m", node.tag, node.flow_style, len(node.value)))
                for k, v in reversed(node.value):
                    stack.extend((v, k))
            elif isinstance(node, yaml.SequenceNode):
                shape.append(("q", node.tag, node.flow_style, len(node.value)))
                stack.extend(reversed(node.value))
            else:
                shape.append(("?", type(node).__name__))
    return shape, values


def check_yaml(old: str, new: str, edits: list[tuple[int, int]]) -> None:
    """Same node tree (kinds, tags, styles); scalars other than the edited ones keep their values."""
    try:
        from ruamel.yaml import YAML

        list(YAML(typ="rt").load_all(new))
    except Exception as exc:  # ruamel raises many error types; any of them means "does not parse"
        raise Rejected(f"the fixed YAML does not parse: {str(exc).splitlines()[0]}") from None
    try:
        (old_shape, old_values), (new_shape, new_values) = _yaml_walk(old), _yaml_walk(new)
    except Exception as exc:  # PyYAML errors: same meaning
        raise Rejected(f"the fixed YAML does not parse: {str(exc).splitlines()[0]}") from None
    if len(old_shape) != len(new_shape) or any(a[:3] != b[:3] for a, b in zip(old_shape, new_shape, strict=True)):
        raise Rejected("the YAML structure changed (a key, a style or a node)")
    spans = [(s[3], s[4]) for s in old_shape if s[0] == "s"]
    for (start, end), before, after in zip(spans, old_values, new_values, strict=True):
        edited = any(start <= a and b <= end for a, b in edits)
        if before != after and not edited:
            raise Rejected("a YAML value outside the edited prompts changed")


def check_prompts(before: Extraction, after: Extraction, expected: dict[int, str]) -> None:
    """Each prompt of `after` has the text intended: `expected[i]` for edited prompt i, else the old text.

    A prompt a fix emptied (a system prompt that was nothing but an override) may no longer be
    extracted at all: an empty string is no prompt. Every other prompt must be there, in order.
    """
    if after.problem is not None and before.problem is None:
        raise Rejected(f"the fixed file does not parse: {after.problem.message} (line {after.problem.line})")
    wants = [(i, expected.get(i, p.text)) for i, p in enumerate(before.prompts)]
    new_texts = [p.text for p in after.prompts]
    j = 0
    for i, want in wants:
        if j < len(new_texts) and new_texts[j] == want:
            j += 1
        elif want == "" and i in expected:
            continue  # emptied by the fix and no longer a prompt
        elif j < len(new_texts) and len(new_texts) == len(wants):
            raise Rejected(f"prompt {i + 1} does not read as intended after the edit "
                           f"({new_texts[j][:60]!r} vs {want[:60]!r})")  # fmt: skip
        else:
            raise Rejected(f"the fixed file has {len(new_texts)} prompts instead of {len(wants)}")
    if j != len(new_texts):
        raise Rejected(f"the fixed file has {len(new_texts)} prompts instead of {len(wants)}")


def reextract(source: SourceFile, text: str, extract: Any) -> tuple[SourceFile, Extraction]:
    new = SourceFile(path=source.path, text=text, bom=source.bom, encoding=source.encoding)
    return new, extract(new)
