"""Property tests: for random prompt texts inside random Python string styles, `fix` output re-parses,
is idempotent, and leaves every byte outside the prompt string unchanged."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promptlint.config import Config
from promptlint.fix import fix_source
from promptlint.model import SourceFile
from promptlint.rules_engine import load_rules
from promptlint.runner import Selection

SELECTION = Selection.build(Config(), load_rules())
LOADED = ["psychological tricks", "by any means necessary", "overcome objections", "manipulate my boss",
          "convince them to", "pressure {who} into", "screw over the tenant"]
WORDS = st.sampled_from(["Summarise", "the", "ticket", "for", "Acme", "café", "quote's", 'say "hi"', "back\\slash",
                         "{x}", "{{y}}", "tab\there", "50%", "line\nbreak", "  ", ".", ",", "😀"])
HEAD = "import anthropic\nclient = anthropic.Anthropic()\n# a comment that must survive\nSYSTEM = "
TAIL = "\nclient.messages.create(model='m', system=SYSTEM, messages=[])  # trailing comment\n"


@st.composite
def prompt_texts(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(WORDS, st.sampled_from(LOADED)), min_size=1, max_size=12))
    return " ".join(parts)


def _literal(text: str, prefix: str, quote: str) -> str | None:
    """Spell `text` as a Python literal with this prefix and quote, or None when it cannot be."""
    raw, fmode = "r" in prefix, "f" in prefix
    body = text
    if fmode:
        body = body.replace("{", "{{").replace("}", "}}")
    if raw:
        if "\\" in body or quote[0] in body or ("\n" in body and len(quote) == 1) or body.endswith(quote[0]):
            return None
    else:
        body = body.replace("\\", "\\\\").replace(quote[0], "\\" + quote[0])
        if len(quote) == 1:
            body = body.replace("\n", "\\n")
    return f"{prefix}{quote}{body}{quote}"


def _spellings(text: str, prefix: str, quote: str, split: bool, dedent: bool) -> str | None:
    if dedent and len(quote) == 3:
        indented = "\n".join("    " + line if line.strip() else line for line in ("\n" + text).split("\n"))
        lit = _literal(indented + "\n", prefix, quote)
        return None if lit is None else f"__import__('textwrap').dedent({lit})"
    if split and len(text) > 4:
        cut = len(text) // 2
        first, second = _literal(text[:cut], prefix, quote), _literal(text[cut:], prefix, quote)
        return None if first is None or second is None else f"(\n    {first}\n    {second}\n)"
    return _literal(text, prefix, quote)


def _fix(src: str):
    return fix_source(SourceFile(path="p.py", text=src), SELECTION, Path("p.py"), unsafe=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=prompt_texts(), prefix=st.sampled_from(["", "r", "u", "f", "rf"]),
       quote=st.sampled_from(["'", '"', "'''", '"""']), split=st.booleans(), dedent=st.booleans())
def test_fix_reparses_is_idempotent_and_only_touches_the_string(text: str, prefix: str, quote: str, split: bool,
                                                                  dedent: bool) -> None:
    literal = _spellings(text, prefix, quote, split, dedent)
    if literal is None:
        return
    src = HEAD + literal + TAIL
    ast.parse(src)
    result = _fix(src)
    fixed = result.fixed
    ast.parse(fixed)  # re-parses
    assert fixed.startswith(HEAD) and fixed.endswith(TAIL)  # every byte outside the string is unchanged
    middle = fixed[len(HEAD):len(fixed) - len(TAIL)]
    if not split and not dedent:
        assert middle.startswith(prefix + quote) and middle.endswith(quote)  # same prefix and quotes
    assert _fix(fixed).fixed == fixed  # idempotent
    if result.rejected is None and not result.notes:
        remaining = {f.code for f in result.remaining if f.fix is not None and f.fix.applicability != "display"}
        assert "PL302" not in remaining or "fix skipped" in " ".join(result.notes)
