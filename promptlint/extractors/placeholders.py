"""Template placeholders of every syntax, found as spans of prompt text."""

from __future__ import annotations

import re

from promptlint.diskcache import compile_regex

# Order matters: the longest, most specific syntaxes first.
_PLACEHOLDER_RE = compile_regex(
    r"""
      \{%-?.*?-?%\}            # Jinja / Liquid block  {% if x %}
    | \{\#.*?\#\}              # Jinja comment
    | \{\{\{.*?\}\}\}          # Handlebars raw  {{{x}}}
    | \{\{.*?\}\}              # Mustache / Handlebars / Jinja / SK  {{x}} {{$x}}
    | \$\{[^{}\n]*\}           # ${x}
    | (?<!\{)\{[A-Za-z_][\w.\[\]'"-]*(?:![rsa])?(?::[^{}\n]*)?\}(?!\})  # str.format {x} {x.y:>10}
    | (?<!\{)\{\d*\}(?!\})     # positional {} {0}
    """,
    re.VERBOSE | re.DOTALL,
)


def find_placeholders(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of template placeholders in `text`.

    Escaped braces (`{{` in a `.format` string) are ambiguous with Mustache;
    we treat `{{x}}` as a placeholder, which is right for every template
    language we read and harmless for `.format` (the text is not a word).
    """
    if "{" not in text and "$" not in text:  # every syntax opens with one of them (most texts: no search)
        return []
    return [m.span() for m in _PLACEHOLDER_RE.finditer(text)]


def merge_spans(*groups: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted union of span lists, overlapping spans merged."""
    if not any(groups):
        return []
    spans = sorted(s for group in groups for s in group)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
