"""Tests of the Python prompt extractor: texts, roles, call grouping, call facts and exact positions."""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
from pathlib import Path

import pytest

from promptlint.extractors.pystrings import Frag, cleandoc, dedent, scan_literals
from promptlint.extractors.python import extract
from promptlint.model import Prompt, SourceFile

FIXTURES = Path(__file__).parent / "fixtures" / "python"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def run(code: str, path: str = "t.py"):
    source = SourceFile(path, textwrap.dedent(code))
    return source, extract(source)


def by_text(extraction, fragment: str) -> Prompt:
    matches = [p for p in extraction.prompts if fragment in p.text]
    assert len(matches) == 1, [p.text for p in extraction.prompts]
    return matches[0]


def where(source: SourceFile, prompt: Prompt, index: int) -> tuple[int, int]:
    return source.position(prompt.positions.file_offset(index))


def line_col_of(source: SourceFile, needle: str, nth: int = 0) -> tuple[int, int]:
    offset = -1
    for _ in range(nth + 1):
        offset = source.text.index(needle, offset + 1)
    return source.position(offset)


# ---------------------------------------------------------------------------- property test on a varied file


def _escape_free_indexes(prompt: Prompt):
    """Text indexes that map 1:1 to a source character and are outside placeholders."""
    inside = set()
    for a, b in prompt.placeholders:
        inside.update(range(a, b))
    for (t, _f, n), s in zip(prompt.positions.runs, prompt.positions.source_lengths, strict=True):
        if s == n:
            yield from (i for i in range(t, t + n) if i not in inside)


def test_every_plain_character_maps_to_itself_in_varied_fixture():
    source = SourceFile("varied.py", (FIXTURES / "varied.py").read_text(encoding="utf-8"))
    extraction = extract(source)
    assert extraction.problem is None
    assert len(extraction.prompts) > 25
    checked = 0
    for prompt in extraction.prompts:
        covered = sum(n for _t, _f, n in prompt.positions.runs)
        assert covered == len(prompt.text), prompt.text
        for i in _escape_free_indexes(prompt):
            assert source.text[prompt.positions.file_offset(i)] == prompt.text[i], (prompt.text, i)
            checked += 1
    assert checked > 1000


def test_fixture_texts_roles_and_groups():
    source = SourceFile("varied.py", (FIXTURES / "varied.py").read_text(encoding="utf-8"))
    ex = extract(source)
    texts = {p.text: p for p in ex.prompts}
    assert "You are a docstring, not a prompt." not in "".join(texts)
    for absent in ("logging", "exception message", "assert message", "printed", "bytes", "Could not connect"):
        assert not any(absent in t for t in texts), absent
    assert not any(t == "system" or t == "done" for t in texts)
    system = texts["You are a careful café assistant — très précis. Answer briefly."]
    user = texts["Question: {question.strip()} — answer in {max_retries} lines"]
    prefill = texts["Sure, here"]
    assert (system.role, user.role, prefill.role) == ("system", "user", "assistant")
    assert system.call is user.call is prefill.call
    assert system.name == "SYSTEM"
    assert system.call.method == "client.messages.create" and system.call.provider == "anthropic"


# ---------------------------------------------------------------------------- Anthropic


def test_anthropic_system_constant_and_user_message_share_call():
    source, ex = run('''
        import anthropic
        SYSTEM = "You are a pharmacist assistant."
        USER_MSG = "What is a safe dose of ibuprofen?"
        client = anthropic.Anthropic()
        def go():
            return client.messages.create(model="claude-sonnet-4-5", max_tokens=100, temperature=0.5,
                                          system=SYSTEM, messages=[{"role": "user", "content": USER_MSG}])
    ''')
    system = by_text(ex, "pharmacist")
    user = by_text(ex, "ibuprofen")
    assert system.role == "system" and user.role == "user"
    assert system.call is user.call
    call = system.call
    assert call.model == "claude-sonnet-4-5"
    assert call.arguments["temperature"] == 0.5 and call.arguments["max_tokens"] == 100
    assert call.function == "go"
    # located at the definition, reported once
    assert len(ex.prompts) == 2
    assert where(source, system, 0) == line_col_of(source, "You are a pharmacist")
    assert source.line_text(source.position(system.statement_span[0])[0]).startswith("SYSTEM =")


def test_anthropic_blocks_prefill_stream_count_tokens_and_beta():
    _source, ex = run('''
        def f(client, q):
            client.messages.stream(
                model="m", system=[{"type": "text", "text": "You are block one."},
                                   {"type": "text", "text": "You are block two.", "cache_control": {}}],
                messages=[{"role": "user", "content": [{"type": "text", "text": "User block."},
                                                        {"type": "image", "source": {}}]},
                          {"role": "assistant", "content": "{"}],
            )
            client.messages.count_tokens(model="m", messages=[{"role": "user", "content": "Count me."}])
            client.beta.messages.create(model="m", messages=[{"role": "user", "content": "Beta user."}])
    ''')
    one, two, user, prefill = (by_text(ex, t) for t in ("block one", "block two", "User block", "{"))
    assert one.role == two.role == "system" and user.role == "user" and prefill.role == "assistant"
    assert one.call is two.call is user.call is prefill.call
    assert by_text(ex, "Count me").call.method == "client.messages.count_tokens"
    beta = by_text(ex, "Beta user").call
    assert beta.method == "client.beta.messages.create" and beta.provider == "anthropic"
    assert len({id(p.call) for p in ex.prompts}) == 3


def test_anthropic_batch_each_params_is_its_own_call():
    _source, ex = run('''
        client.messages.batches.create(requests=[
            {"custom_id": "a", "params": {"model": "claude-a", "system": "Sys A.", "max_tokens": 5,
                                          "messages": [{"role": "user", "content": "User A."}]}},
            {"custom_id": "b", "params": {"model": "claude-b",
                                          "messages": [{"role": "user", "content": "User B."}]}},
        ])
    ''')
    sys_a, user_a, user_b = (by_text(ex, t) for t in ("Sys A", "User A", "User B"))
    assert sys_a.call is user_a.call
    assert user_b.call is not user_a.call
    assert user_a.call.model == "claude-a" and user_b.call.model == "claude-b"
    assert user_a.call.arguments["max_tokens"] == 5


# ---------------------------------------------------------------------------- OpenAI and compatible clients


def test_openai_chat_roles_and_responses_api():
    _source, ex = run('''
        def f(whatever, topic):
            whatever.chat.completions.create(model="gpt-4o", temperature=0, messages=[
                {"role": "developer", "content": "You are dev instructions."},
                {"role": "system", "content": "You are system text."},
                {"role": "user", "content": f"Tell me about {topic}."},
                {"role": "assistant", "content": "Earlier answer."},
                {"role": "tool", "content": "tool output is not a prompt"},
            ])
            whatever.responses.create(model="gpt-4.1", instructions="You are concise.", input="Hi there.")
            whatever.responses.create(model="gpt-4.1", input=[{"role": "user", "content": "List input."}])
    ''')
    dev, sys_, user, asst = (by_text(ex, t) for t in ("dev instr", "system text", "Tell me", "Earlier"))
    assert (dev.role, sys_.role, user.role, asst.role) == ("system", "system", "user", "assistant")
    assert dev.call is sys_.call is user.call is asst.call
    assert dev.call.provider == "openai" and dev.call.arguments["temperature"] == 0
    assert not any("tool output" in p.text for p in ex.prompts)
    inst, inp = by_text(ex, "concise"), by_text(ex, "Hi there")
    assert inst.role == "system" and inp.role == "user" and inst.call is inp.call
    assert inst.name == "instructions"
    assert by_text(ex, "List input").role == "user"


def test_messages_variable_built_then_passed_groups_with_the_call():
    _source, ex = run('''
        def f(client, q):
            messages = [{"role": "system", "content": "You are grouped."}]
            messages.append({"role": "user", "content": q + " please"})
            for attempt in range(3):
                r = client.chat.completions.create(model="x", messages=messages)
    ''')
    system, user = by_text(ex, "grouped"), by_text(ex, "please")
    assert system.call is user.call
    assert system.call.method == "client.chat.completions.create"
    assert system.call.in_loop and system.call.in_retry
    assert user.text == "{q} please" and user.placeholders == [(0, 3)]


# ---------------------------------------------------------------------------- LangChain


def test_langchain_messages_and_templates():
    _source, ex = run('''
        from langchain_core.messages import SystemMessage, HumanMessage, AIMessage
        from langchain_core.prompts import ChatPromptTemplate, PromptTemplate
        from langchain_core.prompts import SystemMessagePromptTemplate, HumanMessagePromptTemplate
        msgs = [SystemMessage(content="LC system."), HumanMessage("LC human."), AIMessage(content="LC ai.")]
        t = ChatPromptTemplate.from_messages([
            ("system", "Tuple system {x}."), ("human", "Tuple human."), ("user", "Tuple user."),
            ("ai", "Tuple ai."), ("assistant", "Tuple assistant."), ("placeholder", "{history}"),
            HumanMessage(content="Nested human."),
        ])
        a = SystemMessagePromptTemplate.from_template("MPT system.")
        b = HumanMessagePromptTemplate.from_template("MPT human.")
        c = PromptTemplate(template="PT kw {y}.", input_variables=["y"])
        d = PromptTemplate.from_template("PT from.")
        e = ChatPromptTemplate.from_template("CPT from.")
        g = ChatPromptTemplate.from_messages([SystemMessagePromptTemplate.from_template("Grouped MPT.")])
    ''')
    roles = {p.text: p.role for p in ex.prompts}
    assert roles["LC system."] == "system" and roles["LC human."] == "user" and roles["LC ai."] == "assistant"
    assert by_text(ex, "LC system").call is by_text(ex, "LC ai").call is not None
    tuple_prompts = [by_text(ex, t) for t in ("Tuple system", "Tuple human", "Tuple user", "Tuple ai",
                                               "Tuple assistant", "Nested human")]
    assert [p.role for p in tuple_prompts] == ["system", "user", "user", "assistant", "assistant", "user"]
    assert len({id(p.call) for p in tuple_prompts}) == 1
    assert tuple_prompts[0].call.provider == "langchain"
    assert tuple_prompts[0].placeholders == [(13, 16)]
    assert "{history}" not in roles
    assert roles["MPT system."] == "system" and roles["MPT human."] == "user"
    assert roles["PT kw {y}."] == "template" and roles["PT from."] == "template" and roles["CPT from."] == "user"
    assert by_text(ex, "Grouped MPT").role == "system"
    assert len([p for p in ex.prompts if p.text == "Grouped MPT."]) == 1


def test_role_dicts_anywhere_and_dict_calls():
    _source, ex = run('''
        EXAMPLES = [
            dict(role="user", content="Example question here."),
            dict(role="assistant", content="Example answer here."),
        ]
        single = {"role": "system", "content": "Lonely system dict."}
    ''')
    q, a, s = by_text(ex, "Example question"), by_text(ex, "Example answer"), by_text(ex, "Lonely")
    assert (q.role, a.role, s.role) == ("user", "assistant", "system")
    assert q.call is a.call is not None


# ---------------------------------------------------------------------------- names, constants, uses


def test_names_give_roles_and_short_or_quiet_values_are_skipped():
    _source, ex = run('''
        SYSTEM_PROMPT = "You are a helpful bank assistant."
        summary_template = "Summarise {doc} in three bullet points."
        instructions = "Answer only from the provided context."
        welcome_message = "Welcome to the support desk, friend."
        human_template = "Here is my question for you: {q}"
        role = "system"
        MESSAGE_TYPE = "text"
        error_message = "Something went wrong with the request."
        msg = "Retrying the request soon, hold on."
        logger.warning(msg)
    ''')
    roles = {p.name: p.role for p in ex.prompts}
    assert roles == {
        "SYSTEM_PROMPT": "system", "summary_template": "template", "instructions": "system",
        "human_template": "user",
    }  # welcome_message: a loose name ("message") on a UI greeting that instructs no model: not a prompt
    assert all(p.call is None for p in ex.prompts)


def test_constant_used_via_format_gets_role_and_call_of_its_use():
    source, ex = run('''
        REVIEW = """Review this draft: {draft}
        Be strict."""
        def f(llm, draft):
            return llm.chat.completions.create(model="m", messages=[
                {"role": "user", "content": REVIEW.format(draft=draft)}])
    ''')
    (prompt,) = ex.prompts
    assert prompt.role == "user" and prompt.call is not None and prompt.name == "REVIEW"
    assert prompt.placeholders == [(19, 26)]
    i = prompt.text.index("Be strict")
    assert where(source, prompt, i) == line_col_of(source, "Be strict")


def test_returned_prompt_function_and_default_args():
    _source, ex = run('''
        def build_system_prompt(user):
            """Docstring is not returned."""
            return f"You are assisting {user} with tax questions."
        class Agent:
            def __init__(self, system_message: str = "You are a helpful AI assistant, solve tasks."):
                self.system_message = system_message
    ''')
    ret = by_text(ex, "tax questions")
    assert ret.role == "system" and ret.name == "build_system_prompt"
    assert by_text(ex, "solve tasks").role == "system"


def test_generic_agent_keywords():
    _source, ex = run('''
        agent = Agent(name="a", instructions="You are a research planner for analysts.", model="gpt-4o")
        crew_task = Task(description="Analyze the city for the trip.", expected_output="A report")
    ''')
    inst = by_text(ex, "research planner")
    assert inst.role == "system" and inst.call.method == "Agent" and inst.call.model == "gpt-4o"
    assert by_text(ex, "Analyze the city").role == "user"


# ---------------------------------------------------------------------------- text rendering and positions


def test_implicit_concatenation_keeps_exact_text_and_positions():
    source, ex = run('''
        SYSTEM_PROMPT = ("You are a reviewer."
                         "No space invented here. "
                         # a comment between pieces
                         'Third piece.')
    ''')
    (p,) = ex.prompts
    assert p.text == "You are a reviewer.No space invented here. Third piece."
    i = p.text.index("No space")
    assert where(source, p, i) == line_col_of(source, "No space")
    assert where(source, p, p.text.index("Third")) == line_col_of(source, "Third")


def test_escapes_and_non_ascii_positions():
    source, ex = run('''
        x = 1; SYSTEM_PROMPT = "Héllo wörld\\tTab\\x41\\u00e9\\N{BULLET}\\101 après ça\\nLine two"
    ''')
    (p,) = ex.prompts
    assert p.text == "Héllo wörld\tTabAé•A après ça\nLine two"
    assert where(source, p, p.text.index("après")) == line_col_of(source, "après")
    assert where(source, p, p.text.index("Line two")) == line_col_of(source, "Line two")
    assert where(source, p, p.text.index("\t")) == line_col_of(source, "\\t")
    assert where(source, p, p.text.index("•")) == line_col_of(source, "\\N{BULLET}")
    # escapes form runs whose source is longer than their text
    assert any(s != n for (_t, _f, n), s in zip(p.positions.runs, p.positions.source_lengths, strict=True))


def test_triple_quoted_multiline_and_backslash_continuation():
    source, ex = run('''
        SYSTEM_PROMPT = """First line ünïcode
        Second line here \\
        continues after a backslash.
        Third: done."""
    ''')
    (p,) = ex.prompts
    assert p.text == "First line ünïcode\nSecond line here continues after a backslash.\nThird: done."
    for needle in ("Second", "continues", "Third", "done"):
        assert where(source, p, p.text.index(needle)) == line_col_of(source, needle)


def test_fstring_placeholders_map_to_expression_source():
    source, ex = run('''
        def f(platform, items, w):
            system_prompt = f"Arch: {platform.machine()} — {items['a']!r:>{w}} then {{literal}} end ✓"
    ''')
    (p,) = ex.prompts
    assert p.text == "Arch: {platform.machine()} — {items['a']!r:>{w}} then {literal} end ✓"
    assert p.placeholders[:2] == [(6, 26), (29, 48)]
    ph = p.placeholders[0]
    assert where(source, p, ph[0] + 1) == line_col_of(source, "platform.machine")
    # after an f-string expression, positions are exact again
    assert where(source, p, p.text.index("then")) == line_col_of(source, "then")
    assert where(source, p, p.text.index("end")) == line_col_of(source, "end ✓")


def test_nested_same_quote_fstring_scanner():
    """Python 3.12 syntax: the scanner must find the end of the field whatever the running version."""
    src = 'f"A {x["k"]} B {f"{y}"} C"'
    frag = scan_literals(src, 0, len(src))
    assert frag.text == 'A {x["k"]} B {f"{y}"} C'
    assert frag.holes == [(2, 10), (13, 21)]


def test_dedent_cleandoc_strip_keep_positions():
    source, ex = run('''
        import textwrap, inspect
        A_PROMPT = textwrap.dedent("""
            You are indented.
              More indented line.

            Back to margin.
        """)
        B_PROMPT = inspect.cleandoc("""Clean first.
                Clean second.
            """)
        C_PROMPT = """
            Strip this one please.
        """.strip()
    ''')
    a, b, c = (by_text(ex, t) for t in ("indented", "Clean", "Strip"))
    assert a.text == textwrap.dedent('\n    You are indented.\n      More indented line.\n\n    Back to margin.\n')
    assert b.text == "Clean first.\nClean second."
    assert c.text == "Strip this one please."
    assert where(source, a, a.text.index("More")) == line_col_of(source, "More")
    assert where(source, a, a.text.index("Back")) == line_col_of(source, "Back")
    assert where(source, b, b.text.index("second")) == line_col_of(source, "second")
    assert where(source, c, 0) == line_col_of(source, "Strip this")


def test_transforms_agree_with_the_standard_library():
    samples = ["\n    a\n      b\n\n    c\n", "x\n  y\n  z", "  \n\t a\n\t b\n", "first\n    second\n      third\n\n"]
    for text in samples:
        frag = Frag()
        frag.add_verbatim(text, 0, len(text))
        assert dedent(frag).text == textwrap.dedent(text)
        if "\t" not in text:
            assert cleandoc(frag).text == inspect.cleandoc(text)


def test_raw_strings_and_prefix_case_and_bytes():
    source, ex = run(r'''
        A_PROMPT = R"Keep \d and \n as written here."
        B_PROMPT = Rf"Raw f {x} with \w kept here."
        C_PROMPT = b"You are bytes not a prompt."
        D_PROMPT = U"Unicode prefix prompt text."
    ''')
    assert by_text(ex, "Keep").text == r"Keep \d and \n as written here."
    assert by_text(ex, "Raw f").text == r"Raw f {x} with \w kept here."
    assert by_text(ex, "Unicode prefix").text == "Unicode prefix prompt text."
    assert not any("bytes" in p.text for p in ex.prompts)
    p = by_text(ex, "Raw f")
    assert where(source, p, p.text.index("kept")) == line_col_of(source, "kept")


def test_plus_concatenation_and_percent_templates():
    source, ex = run('''
        BASE = "You are a base."
        def f(name):
            system_prompt = "Hello " + name + ". " + BASE
            user_prompt = "Translate %(text)s to %s, 100%% sure." % {"text": 1}
    ''')
    plus = by_text(ex, "Hello")
    assert plus.text == "Hello {name}. You are a base."
    assert (6, 12) in plus.placeholders
    assert where(source, plus, plus.text.index("You are a base")) == line_col_of(source, "You are a base")
    pct = by_text(ex, "Translate")
    assert pct.text == "Translate %(text)s to %s, 100%% sure."
    assert pct.placeholders == [(10, 18), (22, 24)]


def test_second_piece_of_implicit_concat_after_non_ascii_on_line():
    source, ex = run('''
        résumé = 1; SYSTEM_PROMPT = ("Über " "zweites Stück")
    ''')
    (p,) = ex.prompts
    assert p.text == "Über zweites Stück"
    assert where(source, p, p.text.index("zweites")) == line_col_of(source, "zweites")


def test_statement_span_covers_whole_statement():
    source, ex = run('''
        client.messages.create(
            model="m",
            system="You are spanned.",
            messages=[],
        )  # noqa: PL101
    ''')
    (p,) = ex.prompts
    a, b = p.statement_span
    assert source.text[a:b].startswith("client.messages.create(") and source.text[a:b].endswith(")")


# ---------------------------------------------------------------------------- call facts


def test_call_facts_loop_retry_refusal():
    _source, ex = run('''
        import tenacity
        def plain(client):
            client.messages.create(model="claude-sonnet-4-5", max_tokens=5, messages=[])

        def loop(client, items):
            for item in items:
                client.messages.create(model="m", messages=[])

        def retry_while(client):
            retries = 0
            while retries < 3:
                client.messages.create(model="m", temperature=0.5 + retries, messages=[])
                retries += 1

        @tenacity.retry(stop=tenacity.stop_after_attempt(3))
        def decorated(client):
            client.messages.create(model="m", messages=[])

        def refusal(client, r, text):
            if r.stop_reason == "refusal":
                client.messages.create(model="m", temperature=1.0, messages=[])
            elif is_refusal(text):
                client.messages.create(model="m2", messages=[])
            elif "I can't" in text:
                client.messages.create(model="m3", messages=[])
            else:
                client.messages.create(model="m4", messages=[])
            refused = check(text)
            if refused:
                client.messages.create(model="m5", messages=[])
    ''')
    calls = {(c.function, c.model): c for c in ex.calls}
    plain = calls[("plain", "claude-sonnet-4-5")]
    assert not (plain.in_loop or plain.in_retry or plain.after_refusal_check)
    assert plain.arguments["max_tokens"] == 5
    assert calls[("loop", "m")].in_loop and not calls[("loop", "m")].in_retry
    retry = calls[("retry_while", "m")]
    assert retry.in_loop and retry.in_retry
    assert retry.argument_sources["temperature"] == "0.5 + retries"
    assert calls[("decorated", "m")].in_retry and not calls[("decorated", "m")].in_loop
    for model in ("m", "m2", "m3", "m5"):
        assert calls[("refusal", model)].after_refusal_check, model
    assert not calls[("refusal", "m4")].after_refusal_check
    assert calls[("refusal", "m")].arguments["temperature"] == 1.0


# ---------------------------------------------------------------------------- robustness


def test_syntax_error_becomes_problem_with_line():
    source = SourceFile("bad.py", 'SYSTEM_PROMPT = "ok"\n\ndef broken(:\n    pass\n')
    ex = extract(source)
    assert ex.problem is not None and ex.problem.line == 3
    assert "SyntaxError" in ex.problem.message
    assert ex.prompts == []


def test_prefilter_skips_files_without_markers_and_tree_is_set_otherwise():
    plain = extract(SourceFile("a.py", "x = 1\ndef f():\n    return x + 1\n"))
    assert plain.tree is None and plain.prompts == [] and plain.problem is None
    other = extract(SourceFile("b.py", 'PROMPT = "You are a tree checker."\n'))
    assert isinstance(other.tree, ast.Module)


def test_docstrings_logging_exceptions_asserts_yield_nothing():
    _source, ex = run('''
        """You are a module docstring about prompts and system messages."""
        import logging, warnings
        logger = logging.getLogger(__name__)
        class Prompt:
            """You are a class docstring."""
        def system_prompt_builder():
            """You are a function docstring."""
            logger.info("You are a log message about the system prompt.")
            print("You are a printed system message.")
            warnings.warn("You are a warning about prompts.")
            assert True, "You are an assertion message about prompts."
            raise RuntimeError("You are an exception about the prompt.")
        __all__ = ["system_prompt_builder", "Prompt"]
        # SYSTEM_PROMPT = "You are a comment."
    ''')
    assert ex.problem is None
    assert ex.prompts == []


@pytest.mark.parametrize("code", ["f'''", "x = (", "\x00", "def f(:", "😀 = 'prompt'", "a = '''abc"])
def test_never_raises_on_garbage(code):
    ex = extract(SourceFile("g.py", "SYSTEM_PROMPT = 1\n" + code))
    assert ex.problem is not None or ex.prompts == []


def test_crlf_file_positions():
    text = 'SYSTEM_PROMPT = """Line one\r\nLine two"""\r\n'
    source = SourceFile("crlf.py", text)
    (p,) = extract(source).prompts
    assert p.text == "Line one\nLine two"
    assert source.text[p.positions.file_offset(p.text.index("two"))] == "t"


# ---------------------------------------------------------------------------- the shared corpus conventions


def _corpus_records():
    path = SHARED / "corpus" / "prompts.jsonl"
    if not path.exists():
        pytest.skip("shared corpus not available (../shared)")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_corpus_conventions_for_fstring_rendering_and_kwarg_roles():
    """Reproduce typical record constructs (anthropic-quickstarts P0299; openai-agents kwarg:instructions)."""
    records = _corpus_records()
    by_id = {r["id"]: r for r in records}
    p0299 = by_id.get("P0299")
    if p0299 is None or "{platform.machine()}" not in p0299["text"]:
        pytest.skip("expected corpus record P0299 not found")
    source, ex = run('''
        import platform
        SYSTEM_PROMPT = f"""<SYSTEM_CAPABILITY>
        * You are utilising an Ubuntu virtual machine using {platform.machine()} architecture with internet access."""
        FINANCIALS_PROMPT = "You are a financial analyst focused on company fundamentals."
        agent = Agent(name="f", instructions=FINANCIALS_PROMPT)
    ''')
    sys_prompt = by_text(ex, "SYSTEM_CAPABILITY")
    expected_line = p0299["text"].split("\n")[1]
    assert sys_prompt.text.split("\n")[1] == expected_line
    assert sys_prompt.role == p0299["role"] == "system"
    kw = [r for r in records if r.get("extraction", "").startswith("assign+kwarg:instructions_via_name")]
    assert kw and all(r["role"] == "system" for r in kw)
    fin = by_text(ex, "financial analyst")
    assert fin.role == "system" and fin.call is not None and fin.name == "FINANCIALS_PROMPT"
    assert where(source, fin, 0) == line_col_of(source, "You are a financial")
