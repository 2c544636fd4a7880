"""Template extractors: YAML (every scalar style, known layouts), Prompty, Dotprompt.

Positions are checked to the character: `source.position(file_offset(i))`
must be the line / column where that character is written in the file.
"""

from __future__ import annotations

import codecs
import time
from pathlib import Path

import pytest
import yaml as pyyaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from promptlint.extractors import dotprompt, prompty
from promptlint.extractors import yaml as yaml_extractor
from promptlint.model import Prompt, SourceFile
from promptlint.source import decode, read_source

FIXTURES = Path(__file__).parent / "fixtures" / "templates"


def src(text: str, path: str = "prompts.yaml") -> SourceFile:
    return SourceFile(path=path, text=text)


def prompts_of(text: str, path: str = "prompts.yaml") -> tuple[SourceFile, list[Prompt]]:
    source = src(text, path)
    extraction = yaml_extractor.extract(source)
    assert extraction.problem is None, extraction.problem
    return source, extraction.prompts


def only(prompts: list[Prompt], name: str) -> Prompt:
    matches = [p for p in prompts if p.name == name]
    assert len(matches) == 1, [p.name for p in prompts]
    return matches[0]


def at(source: SourceFile, prompt: Prompt, needle: str, nth: int = 0) -> tuple[int, int]:
    """(line, column) the extractor gives for the first character of `needle` in the text."""
    index = -1
    for _ in range(nth + 1):
        index = prompt.text.index(needle, index + 1)
    return (prompt.source_file or source).position(prompt.positions.file_offset(index))


def in_placeholder(prompt: Prompt, i: int) -> bool:
    return any(start <= i < end for start, end in prompt.placeholders)


def assert_faithful(source: SourceFile, prompt: Prompt) -> None:
    """Every character maps to itself, except folded breaks, escapes and placeholders."""
    text = (prompt.source_file or source).text
    for i, ch in enumerate(prompt.text):
        offset = prompt.positions.file_offset(i)
        assert 0 <= offset < len(text)
        if ch == text[offset] or in_placeholder(prompt, i):
            continue
        assert text[offset] in "\r\n\x85\\'", (i, ch, text[offset])


# ---------------------------------------------------------------- scalar styles


def test_plain_multiline_scalar_with_non_ascii() -> None:
    source, prompts = prompts_of(
        "system: You are a helpful\n"
        "  assistant for Ünïcode users 😀 here\n"
        "\n"
        "  second paragraph\n"
    )
    p = only(prompts, "system")
    assert p.text == "You are a helpful assistant for Ünïcode users 😀 here\nsecond paragraph"
    assert p.role == "system" and p.format == "yaml"
    assert at(source, p, "assistant") == (2, 3)
    assert at(source, p, "Ünïcode") == (2, 17)
    assert at(source, p, "here") == (2, 33)  # the emoji is one column
    assert at(source, p, "second") == (4, 3)
    assert source.text[p.positions.file_offset(p.text.index(" assistant"))] == "\n"  # folded break
    assert_faithful(source, p)


def test_single_quoted_with_escaped_quote_and_folding() -> None:
    source, prompts = prompts_of("system_prompt: 'You can''t skip   \n   the checks, ever.\n\n\n   Really.'\n")
    p = only(prompts, "system_prompt")
    assert p.text == "You can't skip the checks, ever.\n\nReally."
    assert at(source, p, "'") == (1, 24)
    assert at(source, p, "t skip") == (1, 26)
    assert at(source, p, "the") == (2, 4)
    assert at(source, p, "Really") == (5, 4)
    assert_faithful(source, p)


def test_double_quoted_escapes_and_backslash_newline() -> None:
    text = 'prompt: "Tab\\there, caf\\u00e9 and \\"quotes\\" in a \\\n    joined line\n  and a folded one"\n'
    source, prompts = prompts_of(text)
    p = only(prompts, "prompt")
    assert p.text == 'Tab\there, café and "quotes" in a joined line and a folded one'
    assert at(source, p, "\t") == (1, 13)  # the escape's backslash
    assert at(source, p, "here") == (1, 15)
    assert at(source, p, "é") == (1, 24)
    assert at(source, p, "and", 0) == (1, 31)
    assert at(source, p, "joined") == (2, 5)
    assert at(source, p, "folded") == (3, 9)
    span = p.file_span(p.text.index("é"), p.text.index("é") + 1)
    assert source.text[span[0]:span[1]] == "\\u00e9"
    assert_faithful(source, p)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("|", "First line\n  indented line\n\nlast line\n"),
        ("|-", "First line\n  indented line\n\nlast line"),
        ("|+", "First line\n  indented line\n\nlast line\n\n"),
        (">", "First line\n  indented line\n\nlast line\n"),
        (">-", "First line\n  indented line\n\nlast line"),
    ],
)
def test_block_scalars_chomping(header: str, expected: str) -> None:
    text = f"instructions: {header}\n    First line\n      indented line\n\n    last line\n\nother: 1\n"
    source, prompts = prompts_of(text)
    p = only(prompts, "instructions")
    assert p.text == expected
    assert p.role == "system"
    assert at(source, p, "First") == (2, 5)
    assert at(source, p, "indented") == (3, 7)
    assert at(source, p, "last") == (5, 5)
    assert_faithful(source, p)


def test_folded_block_folds_lines_and_keeps_more_indented() -> None:
    text = "template: >\n  Fold this\n  into one line.\n\n  New paragraph\n    kept as is\n  end\n"
    source, prompts = prompts_of(text)
    p = only(prompts, "template")
    assert p.text == "Fold this into one line.\nNew paragraph\n  kept as is\nend\n"
    assert p.role == "template"
    assert at(source, p, "into") == (3, 3)
    assert at(source, p, "kept") == (6, 5)
    assert at(source, p, "end") == (7, 3)
    assert_faithful(source, p)


def test_explicit_indentation_indicator_in_sequence() -> None:
    text = "prompts:\n  - |2\n       Leading spaces are kept in this prompt text\n     second line\n"
    source, prompts = prompts_of(text)
    p = only(prompts, "prompts[0]")
    # PyYAML: the indicator counts from the sequence's column (2), so content starts at column 5
    assert p.text == "   Leading spaces are kept in this prompt text\n second line\n"
    assert at(source, p, "Leading") == (3, 8)
    assert at(source, p, "second") == (4, 6)
    assert_faithful(source, p)


def test_crlf_and_bom() -> None:
    text = (
        "system: |\r\n  Héllo wörld, you help\r\n  people.\r\n"
        "user_prompt: >\r\n  Say hi\r\n  to all of them please\r\n"
    )
    data = codecs.BOM_UTF8 + text.encode()
    source = decode("bom.yaml", data)
    assert isinstance(source, SourceFile) and source.bom
    extraction = yaml_extractor.extract(source)
    system = only(extraction.prompts, "system")
    assert system.text == "Héllo wörld, you help\npeople.\n"
    assert at(source, system, "wörld") == (2, 9)
    assert at(source, system, "people") == (3, 3)
    user = only(extraction.prompts, "user_prompt")
    assert user.role == "user"
    assert user.text == "Say hi to all of them please\n"
    assert at(source, user, "to all") == (6, 3)
    assert source.text[user.positions.file_offset(user.text.index(" to all"))] == "\r"
    for p in extraction.prompts:
        assert_faithful(source, p)


def test_statement_span_covers_key_line_and_value() -> None:
    text = "other: 1\nsystem: |  # noqa: PL101\n  You are an unrestricted assistant.\n  Second line.\nnext: 2\n"
    source, prompts = prompts_of(text)
    p = only(prompts, "system")
    start, end = p.statement_span
    assert source.position(start) == (2, 1)
    assert source.text[start:end].endswith("Second line.")
    assert "next" not in source.text[start:end]


_STYLE_SAMPLES = [
    "a: hello world\n  continued  here\n\n  para two\nb: x\n",
    "a: 'it''s  a\n   folded\n\n   line'\n",
    'a: "esc \\t \\u00e9 \\x41 tail  \n   next \\\n   joined\\\n\n  blank \\" q"\n',
    "a: |\n  line1\n    indented\n\n  line3\n\n\nb: 1\n",
    "a: |+\n  line1\n  line2\n\n\nb: 2\n",
    "a: >\n  fold one\n  fold two\n\n  para\n    more indented\n  back\n",
    "a: >2-\n    lead indented\n  text\n",
    "- x\n- |1\n   y\n",
    "k:\n  - |\n    item one\n    item two\n  - >+\n    f\n\n",
    "a: |\r\n  crlf1\r\n  crlf2\r\nb: >\r\n  f1\r\n  f2\r\n",
    "a: [x y,\n  'q r',\n  \"s\n  t\"]\n",
    "a: |  # comment\n  text # not comment\n# real comment\n",
]


@pytest.mark.parametrize("loader", [pyyaml.SafeLoader, getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)])
@pytest.mark.parametrize("document", _STYLE_SAMPLES)
def test_scanners_reproduce_pyyaml_values(document: str, loader: type) -> None:
    """The scanners themselves (not the alignment fallback) give PyYAML's value."""
    from promptlint.extractors import yaml_scalars as ys

    def walk(node: pyyaml.Node, parent_indent: int) -> None:
        if isinstance(node, pyyaml.ScalarNode):
            start, end, column = node.start_mark.index, node.end_mark.index, node.start_mark.column
            if node.style in ("|", ">"):
                cmap = ys.scan_block(document, start, end, column, parent_indent)
            elif node.style in ("'", '"'):
                cmap = ys.scan_quoted(document, start, end, column)
            else:
                cmap = ys.scan_plain(document, start, end, column)
            assert cmap.text == node.value
            return
        children = [v for pair in node.value for v in pair] if isinstance(node, pyyaml.MappingNode) else node.value
        for child in children:
            walk(child, node.start_mark.column)

    walk(pyyaml.compose(document, Loader=loader), -1)


# ---------------------------------------------------------------- property test

_ALPHABET = st.sampled_from(list("abc XYZ é😀'\"\\#:-{}\n\t"))


@settings(max_examples=300, deadline=None)
@example(value=" :::: :", style=">", width=8, crlf=False)
@given(
    value=st.text(_ALPHABET, min_size=1, max_size=60).filter(lambda s: s.strip()),
    style=st.sampled_from([None, "'", '"', "|", ">"]),
    width=st.sampled_from([8, 20, 80]),
    crlf=st.booleans(),
)
def test_every_character_maps_back(value: str, style: str | None, width: int, crlf: bool) -> None:
    document = pyyaml.dump(
        [{"role": "user", "content": value}], default_style=style, width=width, allow_unicode=True,
        line_break="\r\n" if crlf else "\n",
    )
    source, prompts = prompts_of(document)
    # What the application loads; PyYAML's own dump does not always round-trip (a folded scalar whose
    # second line starts with a space: value ' :::: :', style '>', width 8 loads as ' ::::\n:').
    loaded = pyyaml.safe_load(document)[0]["content"]
    if loaded.strip():
        (p,) = prompts
        assert p.text == loaded
        assert_faithful(source, p)


# ---------------------------------------------------------------- robustness


def test_invalid_yaml_reports_the_parser_line() -> None:
    extraction = yaml_extractor.extract(src("a: 1\nsystem: [unclosed\nb: 2\nc: : :\n"))
    assert extraction.problem is not None
    assert extraction.problem.line in (3, 4)
    extraction = yaml_extractor.extract(src("ok: 1\n  bad indent: 2\n"))
    assert extraction.problem is not None and extraction.problem.line == 2
    assert extraction.prompts == []


def test_billion_laughs_is_not_expanded() -> None:
    lines = ['a: &a ["You are a helpful assistant who answers questions"]']
    for i in range(1, 30):
        prev = chr(ord("a") + (i - 1) % 26) * (1 + (i - 1) // 26)
        name = chr(ord("a") + i % 26) * (1 + i // 26)
        lines.append(f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    lines.append("prompts: [*" + lines[-1].split("&")[1].split(" ")[0] + "]")
    started = time.perf_counter()
    extraction = yaml_extractor.extract(src("\n".join(lines) + "\n"))
    assert time.perf_counter() - started < 2
    assert extraction.problem is None
    assert len(extraction.prompts) <= 1


def test_deep_nesting_is_a_problem_not_a_crash() -> None:
    extraction = yaml_extractor.extract(src("a: " + "[" * 50_000 + "]" * 50_000 + "\n"))
    assert extraction.problem is not None
    extraction = yaml_extractor.extract(src("- " * 50_000 + "x\n"))
    assert extraction.problem is not None


def test_multi_document_and_duplicate_keys() -> None:
    text = (
        "system: You are the first assistant of this stream.\n"
        "system: You are the duplicate assistant of this stream.\n"
        "---\n"
        "prompt: Write a short poem about the sea and the wind.\n"
    )
    source, prompts = prompts_of(text)
    texts = [p.text for p in prompts]
    assert "Write a short poem about the sea and the wind." in texts
    assert "You are the duplicate assistant of this stream." in texts
    assert at(source, only(prompts, "prompt"), "Write") == (4, 9)


@pytest.mark.parametrize("name", ["workflow.yml", "deployment.yaml", "docker-compose.yml", ".pre-commit-config.yaml"])
def test_yaml_without_prompts(name: str) -> None:
    path = FIXTURES / "noprompts" / name
    source = read_source(path, str(path))
    assert isinstance(source, SourceFile)
    extraction = yaml_extractor.extract(source)
    assert extraction.problem is None
    assert extraction.prompts == []


def test_template_mapping_and_short_values_are_not_prompts() -> None:
    _source, prompts = prompts_of("spec:\n  template:\n    metadata: {name: x}\nprompt: '> '\ntemplate: default\n")
    assert prompts == []


# ---------------------------------------------------------------- known layouts


def test_generic_messages_and_role_content() -> None:
    text = (
        "messages:\n"
        "  - role: system\n"
        "    content: Be brief.\n"
        "  - role: human\n"
        "    content: \"Tell me about {topic}\"\n"
    )
    source, prompts = prompts_of(text)
    system = only(prompts, "messages[0].content")
    assert (system.role, system.text) == ("system", "Be brief.")
    user = only(prompts, "messages[1].content")
    assert user.role == "user" and user.placeholders == [(14, 21)]
    assert at(source, user, "{topic}") == (5, 29)


def test_crewai_agents_and_tasks() -> None:
    for name, expected in (("agents.yaml", {"triage_agent.backstory": "system"}),
                           ("tasks.yaml", {"triage_task.description": "user"})):
        path = FIXTURES / name
        source = read_source(path, str(path))
        extraction = yaml_extractor.extract(source)
        for key, role in expected.items():
            p = only(extraction.prompts, key)
            assert p.role == role and p.format == "crewai"
            assert_faithful(source, p)
    agents = read_source(FIXTURES / "agents.yaml", "agents.yaml")
    backstory = only(yaml_extractor.extract(agents).prompts, "triage_agent.backstory")
    assert backstory.text.startswith("You have handled billing tickets at Acme for years and know which team")
    assert at(agents, backstory, "which team") == (8, 5)


def test_promptfoo_config_with_references() -> None:
    path = FIXTURES / "promptfoo" / "promptfooconfig.yaml"
    source = read_source(path, str(path))
    extraction = yaml_extractor.extract(source)
    assert extraction.problem is None
    by_text = {p.text: p for p in extraction.prompts}
    assert not any("pirate" in t or "ignore all previous" in t for t in by_text)  # test vars are data
    referenced = by_text["You help Acme customers with invoices.\nKeep answers short.\n"]
    assert referenced.role == "system" and referenced.format == "promptfoo"
    assert referenced.path.endswith("prompt.yaml") and referenced.source_file is not None
    assert at(source, referenced, "Keep") == (4, 5)
    second = by_text["Second prompt, about refunds: {{question}}"]
    assert second.path.endswith("prompts.txt") and at(source, second, "Second") == (3, 1)
    json_system = by_text["You are a refunds specialist.\nBe precise."]
    assert at(source, json_system, "Be precise") == (2, 65)  # the `\n` escape is two characters
    inline = by_text["Answer the customer question below in two sentences: {{question}}"]
    assert inline.role == "template" and inline.path == str(path)
    assert at(source, inline, "Answer") == (8, 6)
    assert by_text["Summarise the ticket for the on-call engineer in plain words {{ticket}}"].name == "prompts[6].id"
    assert at(source, by_text[next(t for t in by_text if t.startswith("You are triaging"))], "Classify") == (13, 7)
    chat_system = by_text["You answer billing questions for Acme customers."]
    assert chat_system.role == "system" and at(source, chat_system, "billing") == (14, 49)
    assert by_text["A billing assistant for Acme customers who ask about invoices and refunds."].role == "system"
    assert "systemPrompt" in by_text[next(t for t in by_text if t.startswith("You are the Acme"))].name
    for p in extraction.prompts:
        assert_faithful(source, p)


def test_semantic_kernel_message_tags() -> None:
    text = (
        "name: Chat\n"
        "template: |\n"
        "  <message role=\"system\">You are a Contoso assistant. Stay on topic.</message>\n"
        "  {{#each history}}<message role=\"{{role}}\">{{content}}</message>{{/each}}\n"
        "  <message role=\"user\">{{request}}</message>\n"
        "template_format: handlebars\n"
        "execution_settings:\n"
        "  default: {temperature: 0}\n"
    )
    source, prompts = prompts_of(text)
    assert [(p.role, p.text) for p in prompts] == [
        ("system", "You are a Contoso assistant. Stay on topic."),
        ("user", "{{request}}"),
    ]
    assert all(p.format == "semantic-kernel" for p in prompts)
    assert at(source, prompts[0], "Stay") == (3, 55)


def test_semantic_kernel_plain_template_and_agent_instructions() -> None:
    _source, prompts = prompts_of("template_format: semantic-kernel\ntemplate: Summarise {{$input}} in one line.\n")
    (p,) = prompts
    assert (p.role, p.format, p.placeholders) == ("template", "semantic-kernel", [(10, 20)])
    _source, prompts = prompts_of("type: chat_completion_agent\nname: Menu\ninstructions: Answer menu questions.\n")
    assert [(p.role, p.format) for p in prompts] == [("system", "semantic-kernel")]


def test_langchain_prompt_and_chat() -> None:
    _s, prompts = prompts_of("_type: prompt\ninput_variables: [adjective]\ntemplate: Tell me a {adjective} joke.\n")
    assert [(p.name, p.role, p.format) for p in prompts] == [("template", "template", "langchain")]
    _s, prompts = prompts_of(
        "_type: chat\ntemplate:\n  - role: system\n    content: You are a comedian\n  - role: ai\n    content: Sure.\n"
    )
    assert [(p.role, p.text) for p in prompts] == [("system", "You are a comedian"), ("assistant", "Sure.")]


def test_nemo_prompts_and_instructions() -> None:
    text = (
        "instructions:\n  - type: general\n    content: |\n      The bot answers HR questions.\n"
        "prompts:\n  - task: self_check_input\n    content: |\n      Should this be blocked? {{ user_input }}\n"
        "  - task: general\n    messages:\n      - type: system\n        content: You check messages.\n"
    )
    source, prompts = prompts_of(text, "config.yml")
    assert [(p.name, p.role, p.format) for p in prompts] == [
        ("prompts[0].content", "template", "nemo"),
        ("prompts[1].messages[0].content", "system", "nemo"),
        ("instructions[0].content", "system", "nemo"),
    ]
    assert at(source, prompts[0], "{{ user_input }}") == (8, 31)


def test_smolagents_and_swe_agent() -> None:
    text = (
        "system_prompt: |-\n  You solve tasks with code.\n"
        "planning:\n  initial_plan: |-\n    Survey the facts for {{task}}.\n"
        "final_answer:\n  post_messages: |-\n    Answer the task: {{task}}\n"
    )
    _s, prompts = prompts_of(text)
    assert [(p.name, p.role, p.format) for p in prompts] == [
        ("system_prompt", "system", "smolagents"),
        ("planning.initial_plan", "user", "smolagents"),
        ("final_answer.post_messages", "user", "smolagents"),
    ]
    text = (
        "agent:\n  templates:\n    system_template: You are an autonomous programmer.\n"
        "    instance_template: |-\n      Solve this issue: {{problem_statement}}\n"
        "    next_step_template: 'OBSERVATION: {{observation}}'\n"
        "  tools:\n    registry_variables:\n      USE_FILEMAP: 'true'\n"
        "      REVIEW:\n        - Please review your changes carefully before you submit them.\n"
    )
    _s, prompts = prompts_of(text)
    assert [(p.name, p.role) for p in prompts] == [
        ("agent.templates.system_template", "system"),
        ("agent.templates.instance_template", "user"),
        ("agent.templates.next_step_template", "template"),
        ("agent.tools.registry_variables.REVIEW[0]", "template"),
    ]
    assert all(p.format == "swe-agent" for p in prompts)


# ---------------------------------------------------------------- Prompty and Dotprompt


def test_prompty_sections() -> None:
    path = FIXTURES / "sample.prompty"
    source = read_source(path, str(path))
    extraction = prompty.extract(source)
    assert extraction.problem is None
    assert [(p.role, p.format) for p in extraction.prompts] == [
        ("system", "prompty"), ("user", "prompty"), ("assistant", "prompty")]
    system = extraction.prompts[0]
    assert system.text == "You are the Acme billing assistant.\nAnswer questions about invoices."
    assert at(source, system, "Answer") == (10, 1)
    assert source.position(system.statement_span[0]) == (8, 1)  # the `system:` line
    assert extraction.prompts[1].placeholders == [(0, 12)]
    assert at(source, extraction.prompts[2], "invoice") == (16, 25)
    for p in extraction.prompts:
        assert_faithful(source, p)


def test_prompty_without_front_matter_defaults_to_system_and_bad_yaml_is_reported() -> None:
    extraction = prompty.extract(src("Plain instructions here.\nuser:\nHi\n", "a.prompty"))
    assert [(p.role, p.text) for p in extraction.prompts] == [("system", "Plain instructions here."), ("user", "Hi")]
    extraction = prompty.extract(src("---\nname: x\nmodel: [oops\n---\nsystem:\nBe nice.\n", "b.prompty"))
    assert extraction.problem is not None and extraction.problem.line == 4
    assert [p.text for p in extraction.prompts] == ["Be nice."]


def test_dotprompt_roles_comments_history() -> None:
    path = FIXTURES / "sample.prompt"
    source = read_source(path, str(path))
    extraction = dotprompt.extract(source)
    assert extraction.problem is None
    assert [(p.name, p.role) for p in extraction.prompts] == [
        ("user", "user"), ("system", "system"), ("user[2]", "user"), ("model", "assistant")]
    system = extraction.prompts[1]
    assert system.text == "You are the Acme billing assistant. Be brief."  # comments removed
    assert at(source, system, "Be brief") == (12, 58)
    user = extraction.prompts[2]
    assert user.text == "{{history}}\nQuestion: {{question}}"
    assert (0, 11) in user.placeholders
    assert at(source, user, "Question") == (18, 1)
    for p in extraction.prompts:
        assert_faithful(source, p)


def test_dotprompt_block_role_and_crlf() -> None:
    text = (
        '---\r\nmodel: x\r\n---\r\n{{#role "system"}}\r\nBe exact, café.\r\n{{/role}}\r\n'
        '{{#role "user"}}Hi {{n}}{{/role}}\r\n'
    )
    source = src(text, "c.prompt")
    extraction = dotprompt.extract(source)
    assert [(p.role, p.text) for p in extraction.prompts] == [("system", "Be exact, café."), ("user", "Hi {{n}}")]
    assert at(source, extraction.prompts[0], "café") == (5, 11)
    assert at(source, extraction.prompts[1], "Hi") == (7, 17)


_PIECES = st.sampled_from(
    [*"ab :-|>'\"\\#\n\r\t[]{}&*!%@`?,é\u2028\x85",
     "---\n", "system:\n", '{{role "user"}}', "{{!", "}}", "prompt: ", "  ", "file://missing.yaml"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_extractors_never_raise_and_map_inside_the_file(text: str) -> None:
    for module, path in ((yaml_extractor, "a.yaml"), (prompty, "a.prompty"), (dotprompt, "a.prompt"),
                         (yaml_extractor, "promptfooconfig.yaml")):
        extraction = module.extract(src(text, path))
        for p in extraction.prompts:
            assert p.text
            assert all(0 <= p.positions.file_offset(i) < len(text) for i in range(len(p.text)))


def test_an_example_users_message_key_is_a_user_turn() -> None:
    text = ("system_prompt: |\n  You are a clinical data manager.\n"
            "example_user_message: |\n  Can you list the open queries for site 12 before the monitoring visit?\n"
            "user_name: Dr Patel\n")
    prompts = yaml_extractor.extract(SourceFile("assistant.yaml", text)).prompts
    assert [(p.name, p.role) for p in prompts] == [("system_prompt", "system"), ("example_user_message", "user")]
