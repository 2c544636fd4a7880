"""The fast paths of the code checks and the Python extractor change speed, not results.

Baselines were recorded with the code before the speed work (one walk per check, no text gates):
the code-rule findings (PL401-PL404, message digests included) on examples/ and tests/fixtures/python,
and a digest of every prompt extracted from those files. The refusal-test text gate is also checked
to be a superset of what the AST-level refusal check accepts.
"""

from __future__ import annotations

import ast
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from promptlint.checks import pyast
from promptlint.checks.context import CheckContext, Facts
from promptlint.extractors import pycalls
from promptlint.extractors import python as pyx
from promptlint.model import Extraction, SourceFile

REPO = Path(__file__).resolve().parents[1]

#: (path, code, line, column, end_line, end_column, sha1(message)[:10]) before the speed work.
CODE_RULE_BASELINE = sorted([
    ("examples/support_desk/agent_loop.py", "PL402", 62, 23, 62, 37, "c0cec92b81"),
    ("examples/support_desk/agent_loop.py", "PL403", 47, 38, 47, 62, "d51c9fcd5d"),
    ("examples/support_desk/agent_loop.py", "PL404", 57, 22, 57, 57, "bcd46e3792"),
    ("examples/support_desk/agent_loop.py", "PL404", 64, 26, 64, 61, "bcd46e3792"),
    ("examples/support_desk/openai_client.py", "PL403", 24, 12, 24, 49, "d51c9fcd5d"),
    ("examples/support_desk/openai_client.py", "PL403", 33, 12, 33, 32, "d51c9fcd5d"),
    ("examples/support_desk/security_assistant.py", "PL401", 77, 13, 77, 31, "34ef186134"),
    ("examples/support_desk/security_assistant.py", "PL403", 41, 12, 41, 36, "d51c9fcd5d"),
    ("examples/support_desk/security_assistant.py", "PL403", 61, 12, 61, 36, "d51c9fcd5d"),
    ("tests/fixtures/python/varied.py", "PL401", 64, 25, 64, 44, "7a0bdeb0b7"),
    ("tests/fixtures/python/varied.py", "PL401", 92, 94, 92, 97, "e1aca0a773"),
])

#: (path, number of prompts, digest of (text, role, name, position runs, placeholders) of each).
PROMPT_BASELINE = [
    ("examples/support_desk/__init__.py", 0, "da39a3ee5e6b"),
    ("examples/support_desk/agent_loop.py", 3, "d6f0e5c9c036"),
    ("examples/support_desk/chains.py", 3, "e03eb07459da"),
    ("examples/support_desk/openai_client.py", 4, "0678c2301fff"),
    ("examples/support_desk/pharmacy.py", 3, "88d4a4850b2f"),
    ("examples/support_desk/redteam.py", 1, "32da97635ff5"),
    ("examples/support_desk/security_assistant.py", 5, "0daa2bb14afb"),
    # 34 -> 33 (issue 18, c8bbea7): `("human", "{question}")`, a message of nothing but a placeholder, is no prompt
    ("tests/fixtures/python/varied.py", 33, "c7ad5ae03093"),
]


def test_code_rule_findings_match_the_baseline() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "promptlint", "check", "examples", "tests/fixtures/python", "--select", "PL4",
         "--format", "json", "--no-cache", "--no-config", "--exit-zero", "-q"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )
    found = sorted(
        (f["path"], f["code"], f["line"], f["column"], f["end_line"], f["end_column"],
         hashlib.sha1(f["message"].encode()).hexdigest()[:10])
        for f in json.loads(result.stdout)
    )
    assert found == CODE_RULE_BASELINE


def test_extracted_prompts_match_the_baseline() -> None:
    rows = []
    for root in ("examples", "tests/fixtures/python"):
        for path in sorted((REPO / root).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            extraction = pyx.extract(SourceFile(rel, path.read_text(encoding="utf-8")))
            digest = hashlib.sha1()
            for p in extraction.prompts:
                digest.update(repr((p.text, p.role, p.name, p.positions.runs, p.placeholders)).encode())
            rows.append((rel, len(extraction.prompts), digest.hexdigest()[:12]))
    assert rows == PROMPT_BASELINE


def _ctx(source: str) -> CheckContext:
    """A check context over `source` alone (the text gates need no tree)."""
    return CheckContext(Extraction(source=SourceFile("case.py", source), tree=ast.parse(source)))


@pytest.mark.parametrize("source", [
    'if "I can\'t" in text:\n    pass\n',
    'if text.startswith("""\nI am sorry"""):\n    pass\n',
    'if text.startswith("\\\nI am sorry"):\n    pass\n',
    'if text.startswith(f"{a}I\\u2019m sorry"):\n    pass\n',
    'if text.startswith("\\n\\tSorry, but I"):\n    pass\n',
    'if x == "im sorry":\n    pass\n',
    'while "As an AI" in reply:\n    pass\n',
    'if r.stop_reason == "content_filter":\n    pass\n',
    'if reply.REFUSED:\n    pass\n',
    'y = 1 if is_refusal(t) else 2\n',
])
def test_refusal_text_gate_lets_every_refusal_check_through(source: str) -> None:
    tests = [n.test for n in ast.walk(ast.parse(source)) if isinstance(n, ast.If | ast.While | ast.IfExp)]
    assert any(pycalls.is_refusal_test(t) for t in tests)  # the snippet really is a refusal check
    assert _ctx(source).may_hold_refusal_check()


@pytest.mark.parametrize("source", ['if "Image" in kinds:\n    pass\n', "import os\nif ready:\n    pass\n"])
def test_refusal_text_gate_skips_ordinary_code(source: str) -> None:
    assert not _ctx(source).may_hold_refusal_check()


_GAPS = ["", " ", "\n    ", "  # note\n    ", " \\\n    "]


@pytest.mark.parametrize("gap", _GAPS)
@pytest.mark.parametrize("call", [
    "client.messages.create{g}(model='m')", "self.client.chat.completions{g}.create{g}(messages=m)",
    "client.beta.threads.runs.create_and_poll{g}(thread_id=t)", "llm.invoke{g}(q)", "get_model().agenerate{g}(q)",
    "completion{g}(model='x')", "litellm.acompletion{g}(model='x')", "ChatOpenAI{g}(temperature=0)",
    "AzureChatOpenAI{g}()", "HuggingFaceLLM{g}()", "model.bind{g}(stop=s)", "chain.with_config{g}(c)",
    "anthropic.Anthropic{g}()", "clients[0].responses.stream{g}(input=i)", "chat_model.achat{g}(m)",
])
def test_model_call_text_gate_lets_every_model_call_through(call: str, gap: str) -> None:
    """Whatever whitespace, comment or line continuation Python allows in a call, the text gate passes it."""
    source = f"result = (\n    {call.format(g=gap)}\n)\n"
    calls = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)]
    assert any(pyast.is_model_call(c) or pyast.is_model_factory(c) for c in calls)  # really a model call
    assert _ctx(source).may_hold_model_call()


@pytest.mark.parametrize("source", ["def create(self, body):\n    return self._post('/v1', body)\n",
                                    "items = data.get('messages', [])\nprint(len(items))\n"])
def test_model_call_text_gate_skips_ordinary_code(source: str) -> None:
    assert not _ctx(source).may_hold_model_call()


def test_model_calls_are_computed_once_and_handed_out_as_copies() -> None:
    extraction = pyx.extract(SourceFile("x.py", (REPO / "examples/support_desk/agent_loop.py").read_text()))
    ctx = CheckContext(extraction)
    first = ctx.model_calls()
    assert first and ctx.model_calls() == first and ctx.model_calls() is not first


@pytest.mark.parametrize("lines", [
    ["*.pyc", "/build", "dist/", "foo/*.txt", "# comment", "", "**/cache/**", "a?c", "[ab]x"],
    ["*.log", "!keep.log", "tmp/"],  # a negation: falls back to pathspec's own matching
])
def test_gitignore_fast_spec_matches_pathspec(lines: list[str]) -> None:
    from promptlint.discovery import _FastSpec, _spec

    spec = _spec(lines)
    fast = _FastSpec(spec)
    assert (fast.regex is None) == any(line.startswith("!") for line in lines)
    for rel in ["x.pyc", "a/b/x.pyc", "build", "build/", "src/build/", "dist/", "dist", "a/dist/", "foo/a.txt",
                "foo/b/a.txt", "abc", "x/abc", "ax", "bx", "cx", "cache/", "a/cache/b.py", "keep.log", "a.log",
                "tmp/", "tmp", "readme.md", "pyc"]:
        assert fast.include(rel) == spec.check_file(rel).include, rel


def test_text_gates_read_identifiers_as_python_does() -> None:
    assert _ctx("x = 1\n").lacks("temperature")
    assert not _ctx("call(Temperature=2)\n").lacks("temperature")  # case-insensitive
    # Python NFKC-normalises identifiers: a non-ASCII spelling of the word is still the word.
    assert not _ctx("ｔemperature = 1  # é\n").lacks("temperature")
    assert _ctx("if ｒｅｆｕｓｅｄ:\n    pass\n").may_hold_refusal_check()
    assert _ctx("r = client.messages.ｃｒｅａｔｅ(model='m')  # é\n").may_hold_model_call()
    # Non-ASCII text elsewhere no longer turns the gates off (it did: every such file was walked in full).
    assert not _ctx("r = 'é'\nif 1: pass\n").may_hold_refusal_check()
    assert _ctx("x = '→ temperature'\n").lacks("model")


_TARGETED_CASES = [
    "@retry(wait=llm.invoke('x'))\ndef f():\n    pass\n",
    "match cmd:\n    case {'q': q} if client.messages.create(model='m', messages=q):\n        pass\n",
    "try:\n    pass\nexcept errors_of(llm.invoke('x')) as e:\n    pass\n",
    "def f(x=client.messages.create(model='m', messages=[])):\n    pass\n",
    "class A(Base, meta=ChatOpenAI(temperature=0)):\n    pass\n",
    "with llm.stream('x') as s:\n    for step in steps:\n        answer = llm.invoke(step)\n",
    "handler = lambda q: client.chat.completions.create(model='m', messages=q)\n",
    "async def g():\n    async for c in llm.astream('x'):\n        pass\n    return [llm.invoke(s) for s in plan]\n",
    "x = (client\n     .messages\n     .create(model='m', messages=m))\ny = helper(1)\n",
    "if ok:\n    pass\nelse:\n    while tries < 3:\n        r = agent.run(task)\n",
    "y = llm.invoke(q) if not is_refusal(t) else None\nz = helper(2)\n",
    # a long list (whose items are checked against the candidate lines one by one) with a model call among them,
    # an item spanning lines, and a conditional refusal test
    "steps = [\n" + "".join(f"    helper({i}),\n" for i in range(20)) + "    (client\n     .messages.create(model='m'"
    ", messages=[])),\n    llm.invoke(q) if not is_refusal(r) else None,\n]\n",
    # ... and inside an f-string in such a list
    "rows = [\n" + "".join(f"    {{'n': {i}}},\n" for i in range(20)) + "    f\"{llm.invoke('x')}\",\n]\n",
]


def _every_node(tree: ast.Module) -> Facts:
    """The reference: every node of the tree, in `ast.walk` order."""
    nodes = list(ast.walk(tree))
    return Facts(
        calls=[n for n in nodes if isinstance(n, ast.Call)],
        loops=[n for n in nodes if isinstance(n, ast.For | ast.AsyncFor | ast.While)],
        tested=[n for n in nodes if isinstance(n, ast.If | ast.While | ast.IfExp)],
        functions=[n for n in nodes if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)],
        imports_from=[n for n in nodes if isinstance(n, ast.ImportFrom)],
    )


@pytest.mark.parametrize("source", _TARGETED_CASES)
def test_targeted_facts_walk_keeps_every_model_call(source: str) -> None:
    """The walk that searches only candidate statements for calls gives the checks the same facts."""
    tree = ast.parse(source)
    src = SourceFile("case.py", source)
    full = _every_node(tree)
    fast = Facts.of(tree, src)
    assert source.isascii()  # so the targeted path is the one taken

    def same(a: list[ast.AST], b: list[ast.AST]) -> bool:
        return [id(x) for x in a] == [id(x) for x in b]

    assert same(fast.loops, full.loops) and same(fast.functions, full.functions)
    assert same(fast.imports_from, full.imports_from)
    model = [c for c in full.calls if pyast.is_model_call(c) or pyast.is_model_factory(c)]
    assert model and all(any(c is f for f in fast.calls) for c in model)
    refusal_tests = [t for t in full.tested if pycalls.is_refusal_test(t.test)]
    assert all(any(t is f for f in fast.tested) for t in refusal_tests)


def test_targeted_facts_walk_matches_the_full_walk_on_real_code() -> None:
    """Every Python file of the examples, fixtures and (when present) the shared corpus."""
    roots = [REPO / "examples", REPO / "tests" / "fixtures", REPO.parent / "shared" / "corpus"]
    checked = 0
    for root in roots:
        for path in sorted(root.rglob("*.py")) if root.is_dir() else []:
            extraction = pyx.extract(SourceFile(str(path), path.read_text(encoding="utf-8", errors="replace")))
            if extraction.tree is None:
                continue
            checked += 1
            full = _every_node(extraction.tree)
            fast = Facts.of(extraction.tree, extraction.source, [c.line for c in extraction.calls])
            ctx_full, ctx_fast = CheckContext(extraction), CheckContext(extraction)
            ctx_full._facts, ctx_fast._facts = full, fast
            assert [id(c) for c in ctx_fast.model_calls()] == [id(c) for c in ctx_full.model_calls()], path
            assert [id(n) for n in fast.loops] == [id(n) for n in full.loops], path
            assert [id(n) for n in fast.functions] == [id(n) for n in full.functions], path
            assert ctx_fast.has_refusal_test() == ctx_full.has_refusal_test(), path
    assert checked >= 8
