"""Data flow inside one Python file: a text is a prompt because it reaches a sink, and is reported where
it is written, with the role and the sink of its use (issue 18)."""

from __future__ import annotations

import textwrap

import pytest
from extracted import runner

from promptlint.extractors.python import extract
from promptlint.model import Prompt, SourceFile

run = runner("agent.py")


def line_of(source: SourceFile, needle: str) -> int:
    return source.position(source.text.index(needle))[0]


def first_line(source: SourceFile, prompt: Prompt) -> int:
    return source.position(prompt.positions.file_offset(0))[0]


def only(prompts: list[Prompt], fragment: str) -> Prompt:
    found = [p for p in prompts if fragment in p.text]
    assert len(found) == 1, [p.text for p in prompts]
    return found[0]


def test_a_short_text_passed_as_system_is_a_prompt_at_its_definition() -> None:
    source, prompts = run('''
        import anthropic
        client = anthropic.Anthropic()
        GUARD = "Never refuse."

        def ask(q):
            return client.messages.create(model="m", max_tokens=9, system=GUARD,
                                          messages=[{"role": "user", "content": q}])
    ''')
    prompt = only(prompts, "Never refuse.")
    assert prompt.text == "Never refuse."
    assert (prompt.role, prompt.name, first_line(source, prompt)) == ("system", "GUARD", line_of(source, "GUARD ="))
    assert prompt.sink is not None
    assert prompt.sink.describe() == f"used as the system prompt at agent.py:{line_of(source, 'client.messages')}"


def test_constants_named_otherwise_passed_to_prompt_templates() -> None:
    source, prompts = run('''
        from llama_index.core import PromptTemplate
        DEFAULT_QA_TMPL = "Context information is below.\\n{context_str}\\nAnswer the query: {query_str}"
        DEFAULT_REFINE_TMPL = "We have an existing answer: {existing_answer}. Refine it."
        qa = PromptTemplate(DEFAULT_QA_TMPL)
        refine = PromptTemplate(template=DEFAULT_REFINE_TMPL)
    ''')
    qa, refine = only(prompts, "Context information"), only(prompts, "existing answer")
    assert (qa.role, refine.role) == ("template", "template")
    assert first_line(source, qa) == line_of(source, "DEFAULT_QA_TMPL =")
    assert refine.sink is not None and refine.sink.kind == "prompt template"


def test_class_and_self_attributes_used_in_a_method() -> None:
    source, prompts = run('''
        import anthropic
        client = anthropic.Anthropic()

        class Helper:
            PERSONA = "You speak like a pirate at all times."

            def __init__(self):
                self.rules = "Keep answers under fifty words."

            def run(self):
                return client.messages.create(model="m", system=self.PERSONA,
                                              messages=[{"role": "user", "content": self.rules}])
    ''')
    assert only(prompts, "pirate").role == "system"
    rules = only(prompts, "fifty words")
    assert (rules.role, first_line(source, rules)) == ("user", line_of(source, "self.rules ="))


def test_augmented_assignment_and_list_join_build_one_prompt_from_pieces() -> None:
    source, prompts = run('''
        def ask(llm, doc):
            prompt = "First line of the prompt."
            prompt += "\\nSecond line added later."
            llm.invoke(prompt)
            parts = ["Summarise the document."]
            parts.append("Use bullet points.")
            parts.extend(["Cite the page numbers.", "Be brief."])
            llm.complete("\\n".join(parts))
    ''')
    built = only(prompts, "First line")
    assert built.text == "First line of the prompt.\nSecond line added later."
    second = built.text.index("Second")
    assert source.position(built.positions.file_offset(second))[0] == line_of(source, '"\\nSecond')
    joined = only(prompts, "Summarise")
    assert joined.text == "Summarise the document.\nUse bullet points.\nCite the page numbers.\nBe brief."
    be_brief = joined.positions.file_offset(joined.text.index("Be brief"))
    assert source.position(be_brief)[0] == line_of(source, "Be brief")


def test_a_function_result_is_reported_at_its_return() -> None:
    source, prompts = run('''
        def rewrite_query(q):
            return f"Rewrite the question so a search engine understands it: {q}"

        def ask(llm, q):
            question = rewrite_query(q)
            return llm.invoke(question)
    ''')
    prompt = only(prompts, "Rewrite the question")
    assert (prompt.role, first_line(source, prompt)) == ("user", line_of(source, "return f"))
    assert prompt.sink is not None and prompt.sink.line == line_of(source, "llm.invoke")


def test_composition_pieces_are_prompts_where_they_are_written() -> None:
    source, prompts = run('''
        import textwrap
        BASE = "You are a careful analyst."
        RULES = "Cite every source you use."

        def ask(client, q):
            text = f"{BASE}\\nThe user asks: {q}"
            client.messages.create(model="m", max_tokens=5, system=RULES.format(),
                                   messages=[{"role": "user", "content": [{"type": "text", "text": text}]}])
            grading = textwrap.dedent("""
                Grade the essay below.
                Give a score from one to ten.
            """)
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": grading}])
            pct = "Translate %s into French, please." % q
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": pct}])
    ''')
    base = only(prompts, "careful analyst")
    assert (base.role, first_line(source, base)) == ("user", line_of(source, "BASE ="))
    assert only(prompts, "The user asks").role == "user"
    assert only(prompts, "Cite every source").role == "system"
    assert only(prompts, "Grade the essay").text == "\nGrade the essay below.\nGive a score from one to ten.\n"
    pct = only(prompts, "Translate")
    assert pct.placeholders and pct.text[pct.placeholders[0][0]:pct.placeholders[0][1]] == "%s"


def test_dspy_signatures_and_field_descriptions() -> None:
    source, prompts = run('''
        import dspy

        class GenerateAnswer(dspy.Signature):
            """Answer questions with short factoid answers."""

            question: str = dspy.InputField(desc="a question about history")
            answer: str = dspy.OutputField(desc="often between 1 and 5 words")

        summarize = dspy.Signature("document -> summary").with_instructions("Summarise in one sentence.")
    ''')
    doc = only(prompts, "factoid")
    assert (doc.role, first_line(source, doc)) == ("system", line_of(source, '"""Answer'))
    assert doc.sink is not None and doc.sink.kind == "DSPy signature instructions"
    assert only(prompts, "about history").sink.kind == "field description"  # type: ignore[union-attr]
    assert only(prompts, "one sentence").role == "system"


def test_tool_descriptions_in_constants_decorators_and_tool_classes() -> None:
    _source, prompts = run('''
        from langchain_core.tools import StructuredTool, tool
        from smolagents import Tool
        SEARCH_DESC = "Search the web for recent news articles."

        search = StructuredTool.from_function(func=print, name="search", description=SEARCH_DESC)

        @tool
        def lookup(city: str) -> str:
            """Look up the weather forecast for a city."""
            return city

        class Translator(Tool):
            name = "translator"
            description = "Translates text between two languages."
    ''')
    for fragment in ("recent news", "weather forecast", "between two languages"):
        prompt = only(prompts, fragment)
        assert prompt.sink is not None and prompt.sink.kind == "tool description", fragment
    assert not any(p.text in ("translator", "search") for p in prompts)


def test_agent_frameworks() -> None:
    _source, prompts = run('''
        from agents import Agent as OpenAIAgent
        from autogen_agentchat.agents import AssistantAgent
        from crewai import Agent, Task
        from langgraph.prebuilt import create_react_agent

        researcher = Agent(role="Senior Researcher", goal="Find the newest AI papers",
                           backstory="You worked at a research lab for years.")
        task = Task(description="Summarise the three papers.", expected_output="Three bullet points.")
        graph = create_react_agent("m", tools=[], prompt="You are a booking assistant for Acme hotels.")
        triage = OpenAIAgent(name="triage", instructions="Route each question to the right agent.")
        helper = AssistantAgent("helper", model_client=None, system_message="Answer in French.")
    ''')
    roles = {p.text: p.role for p in prompts}
    assert roles["You worked at a research lab for years."] == "system"
    assert roles["Find the newest AI papers"] == "system"
    assert roles["Summarise the three papers."] == "user"
    assert roles["You are a booking assistant for Acme hotels."] == "system"
    assert roles["Route each question to the right agent."] == "system"
    assert roles["Answer in French."] == "system"


@pytest.mark.parametrize("code, text", [
    ('import boto3\nc = boto3.client("bedrock-runtime")\n'
     'c.converse(modelId="m", system=[{"text": "You triage support tickets."}], messages=[])\n',
     "You triage support tickets."),
    ('from google import genai\nclient = genai.Client()\n'
     'client.models.generate_content(model="gemini", contents="Explain how locks work to a child.")\n',
     "Explain how locks work to a child."),
    ('import ollama\nollama.chat(model="llama3", messages=[{"role": "system", "content": "Reply in haiku."}])\n',
     "Reply in haiku."),
    ('from llama_index.core.llms import ChatMessage, MessageRole\n'
     'm = ChatMessage(role=MessageRole.SYSTEM, content="You are a LlamaIndex bot.")\n', "You are a LlamaIndex bot."),
])
def test_sdk_sinks(code: str, text: str) -> None:
    _source, prompts = run(code)
    assert text in [p.text for p in prompts]


def test_not_prompts_exception_messages_file_names_identifiers_ui_strings() -> None:
    _source, prompts = run('''
        import logging
        from rich.console import Console
        console = Console()
        HISTORY_FILE = "prompt-history.txt"
        CACHE_KEY_NAME = "prompt_cache_key"
        welcome_message = "Welcome back! Type /help to see the commands."

        def load(path):
            message = f"Could not find the prompt file {path} anywhere on disk."
            raise ValueError(message)

        def show(x):
            status_message = f"Sent the prompt to the model in {x} seconds."
            console.print(status_message)
            logging.getLogger().info("System prompt loaded from %s and cached", x)
    ''')
    assert prompts == []


def test_python_312_syntax_is_not_a_parse_error() -> None:
    source, prompts = run('''
        names = ["a", "b"]
        system = f"You are helpful.\\n{'\\n'.join(names)}"
        type Alias[T] = list[T]

        def first[T](xs: list[T]) -> T:
            return xs[0]

        class Box[T]:
            pass

        def ask(client):
            return client.messages.create(model="m", max_tokens=5, system=system, messages=[])
    ''')
    prompt = only(prompts, "You are helpful.")
    assert first_line(source, prompt) == line_of(source, "system = f")


def test_a_real_syntax_error_is_still_reported() -> None:
    extraction = extract(SourceFile("bad.py", 'SYSTEM_PROMPT = "You are"\ndef f(:\n    pass\n'))
    assert extraction.problem is not None and extraction.problem.line == 2


def test_each_branch_assignment_that_reaches_a_sink_is_a_prompt() -> None:
    _source, prompts = run('''
        def ask(llm, detailed):
            if detailed:
                text = "Explain every step of the derivation."
            else:
                text = "Answer in one short sentence."
            return llm.invoke(text)
    ''')
    assert {p.text for p in prompts} == {"Explain every step of the derivation.", "Answer in one short sentence."}
    assert all(p.role == "user" for p in prompts)


def test_ui_chat_messages_and_error_reports_in_except_blocks_are_not_prompts() -> None:
    _source, prompts = run('''
        import gradio as gr
        from openai import OpenAI
        client = OpenAI()

        def stream(step):
            yield gr.ChatMessage(role="assistant", content=f"**Step {step}** finished in 3 seconds")

        def answer(messages):
            try:
                return client.chat.completions.create(model="m", messages=messages)
            except Exception as e:
                return {"role": "assistant", "content": f"Error in generating the final output: {e}"}

        def ask(q):
            return client.chat.completions.create(model="m", messages=[{"role": "user", "content": f"Answer: {q}"}])
    ''')
    assert [p.text for p in prompts] == ["Answer: {q}"]


def test_defaults_and_pieces_appended_to_a_parameter() -> None:
    source, prompts = run('''
        DEFAULT_PROMPT = "You convert data into the requested type."

        def cast(llm, data, prompt=None, instructions=None):
            prompt = prompt or DEFAULT_PROMPT
            if instructions:
                prompt += f"\\n\\nYou must follow these instructions for your transformation:\\n{instructions}"
            return llm.invoke(prompt)
    ''')
    texts = {p.text: first_line(source, p) for p in prompts}
    assert texts["You convert data into the requested type."] == line_of(source, "DEFAULT_PROMPT =")
    appended = next(t for t in texts if "follow these instructions" in t)
    assert texts[appended] == line_of(source, "prompt += f")


# --- round 2: arguments, helpers, appended pieces --------------------------------------------------------


def test_arguments_passed_to_a_parameter_used_as_a_prompt() -> None:
    """A parameter that reaches a sink makes what each call passes for it a prompt, where it is written:
    positional, keyword, a method called on self, a constructor's `__init__`, and the parameter's default."""
    source, prompts = run('''
        import anthropic
        client = anthropic.Anthropic()

        def ask(question, system="Answer in one short sentence."):
            return client.messages.create(model="m", max_tokens=9, system=system,
                                          messages=[{"role": "user", "content": question}])

        class Helper:
            def __init__(self, persona):
                self.persona = persona

            def say(self, text):
                return client.messages.create(model="m", max_tokens=9, system=self.persona,
                                              messages=[{"role": "user", "content": text}])

            def run(self):
                return self.say("Summarise the report in three bullet points.")

        ask("What is the capital of France?")
        ask("Name a prime.", system="You are a terse mathematician.")
        Helper("You are a careful editor.").run()
    ''')
    for needle, role in [("What is the capital", "user"), ("Answer in one short", "system"),
                         ("You are a terse", "system"), ("Summarise the report", "user"),
                         ("You are a careful editor.", "system")]:
        prompt = only(prompts, needle)
        assert (prompt.role, first_line(source, prompt)) == (role, line_of(source, needle)), needle
        assert prompt.sink is not None


def test_text_composed_into_a_template_whose_text_is_unknown_here() -> None:
    """`prompt.format(...)` of a parameter (aider's fmt_system_prompt): the texts formatted into it, built by
    a helper with branches and `+=`, are prompt text."""
    source, prompts = run('''
        import anthropic
        client = anthropic.Anthropic()

        def platform_info(shell):
            text = ""
            try:
                text = f"- Platform: {shell}\\n"
            except KeyError:
                text = "- Platform information unavailable\\n"
            if shell:
                text += "- The user's shell is bash, suggest bash commands\\n"
            return text

        def fmt(prompt):
            return prompt.format(platform=platform_info("bash"), lang="Reply in the user's language.")

        def ask(q, template):
            return client.messages.create(model="m", max_tokens=9, system=fmt(template),
                                          messages=[{"role": "user", "content": q}])
    ''')
    for needle in ("- Platform: {shell}", "- Platform information unavailable", "- The user's shell is bash",
                   "Reply in the user's language."):
        prompt = only(prompts, needle)
        assert (prompt.role, first_line(source, prompt)) == ("system", line_of(source, needle)), needle


def test_pieces_appended_to_a_text_a_helper_returns() -> None:
    """`prompt = Template.generate_reason(...)` (not readable here) then `prompt += f"..."`: the pieces
    appended are prompt text."""
    source, prompts = run('''
        from .templates import Template

        class Metric:
            def reason(self, questions):
                prompt = Template.generate_reason(score=1)
                prompt += f"Questions the original text can answer but not the summary:\\n{questions}\\n\\n"
                return self.model.generate(prompt)
    ''')
    prompt = only(prompts, "Questions the original text")
    assert line_of(source, "Questions the original text") in {
        source.position(prompt.positions.file_offset(k))[0] for k in range(len(prompt.text))}


# --- round 2: precision ------------------------------------------------------------------------------------


def test_ui_entries_placeholder_only_texts_and_notifications_are_not_prompts() -> None:
    """A dict with a role that is no chat role (`"info"`) is a UI entry; a text of nothing but placeholders
    has nothing written here to lint; a notification named `*_MESSAGE` is not a prompt."""
    _source, prompts = run('''
        import anthropic
        client = anthropic.Anthropic()
        NOTIFICATION_MESSAGE = "Aider is waiting for your input"

        def ask(history, main_sys, reminder):
            history.append(dict(role="info", content="Added the file to the chat"))
            return client.messages.create(model="m", max_tokens=9, system=f"{main_sys}\\n{reminder}",
                                          messages=[{"role": "user", "content": "Please answer briefly."}])
    ''')
    assert [p.text for p in prompts] == ["Please answer briefly."]


def test_chat_messages_of_a_ui_that_talks_to_no_model_are_not_prompts() -> None:
    _source, prompts = run('''
        import streamlit as st

        def initialize_state():
            messages = [
                dict(role="assistant", content="How can I help you?"),
            ]
            st.session_state.messages = messages
    ''', path="gui.py")
    assert prompts == []


def test_a_prompt_file_holding_only_an_identifier_is_not_a_prompt() -> None:
    from promptlint.extractors import promptfile

    assert promptfile.extract(SourceFile("templates/class.txt", "AnswerRelevancyMetric\n")).prompts == []
    kept = promptfile.extract(SourceFile("templates/user.j2", "JSON:\n")).prompts
    assert [p.text for p in kept] == ["JSON:\n"]


# --- round 2: stores, tool specifications, message factories, prompt classes ------------------------------


def test_a_dict_valued_prompt_store_is_read_entry_by_entry() -> None:
    """`PROMPTS["x"] = "..."` and `PROMPTS = {"x": "..."}`: each entry is a text of its own, reported by its
    key when the key says prompt, and used by the key elsewhere (`PROMPTS["x"].format(...)`)."""
    source, prompts = run('''
        import anthropic
        client = anthropic.Anthropic()
        PROMPTS = {}
        PROMPTS["entity_extraction_system_prompt"] = """---Role---
        You are a Knowledge Graph Specialist."""
        PROMPTS["fail_response"] = "Sorry, no answer."
        PROMPTS["rag_response"] = """---Role---
        Answer from the context below: {context}"""
        TEMPLATES = {"summary": "Summarise the text below.", "label": "x"}

        def ask(q, ctx):
            return client.messages.create(model="m", max_tokens=9,
                                          system=PROMPTS["rag_response"].format(context=ctx),
                                          messages=[{"role": "user", "content": TEMPLATES["summary"] + q}])
    ''')
    system = only(prompts, "You are a Knowledge Graph")
    assert (system.name, first_line(source, system)) == ("PROMPTS[entity_extraction_system_prompt]",
                                                         line_of(source, "---Role---\nYou are"))
    rag = only(prompts, "Answer from the context")
    assert (rag.role, rag.sink is not None) == ("system", True)
    summary = only(prompts, "Summarise the text below.")
    assert (summary.role, first_line(source, summary)) == ("user", line_of(source, '"Summarise'))
    assert not [p for p in prompts if "Sorry" in p.text or p.text == "x"]


def test_a_prompt_store_of_another_module_is_used_by_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from promptlint import runner
    from promptlint.config import Config

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "prompt.py").write_text('PROMPTS = {}\nPROMPTS["answer"] = "Answer in the voice of a '
                                                'pirate, in one line."\n')
    (tmp_path / "pkg" / "ask.py").write_text(
        "import anthropic\nfrom .prompt import PROMPTS\nclient = anthropic.Anthropic()\n\n"
        "def ask(q):\n    return client.messages.create(model='m', max_tokens=9, system=PROMPTS['answer'],\n"
        "                                  messages=[{'role': 'user', 'content': q}])\n")
    report = runner.extract_paths([str(tmp_path)], Config(root=tmp_path))
    found = [p for p in report.prompts if "pirate" in p["text"]]
    assert len(found) == 1 and found[0]["path"].endswith("prompt.py") and found[0]["line"] == 2
    assert found[0]["role"] == "system" and "ask.py:6" in found[0]["sink"]


def test_tool_specifications_message_factories_and_prompt_classes() -> None:
    """A dict with a "description" and a parameters schema is a tool the model reads (in a decorator's
    keyword too); `ChatMessage.from_user(...)`, `make_assistant_message(name, text)`, `add_system_message(...)`
    and `BaseMessage(role_type=..., content=...)` are chat turns; `TextPrompt("...")` is a prompt template and
    `TextArtifact("...")` at a sink is its text. A `*Message` with no role (`StopMessage`) is an event."""
    source, prompts = run('''
        from griptape.utils.decorators import activity
        from camel.prompts import TextPrompt

        GENERATE_ROLES = TextPrompt("""You are a helpful assistant that can play many roles.
        List {num_roles} roles.""")
        TOOLS = [{"name": "calc", "description": "Computes simple arithmetic in Python.",
                  "input_schema": {"type": "object"}}]

        class Calculator(BaseTool):
            @activity(config={"description": "Can be used for computing calculations", "schema": None})
            def calculate(self, params):
                return 1

        def build(stack, name, error):
            stack.add_system_message("Provide your response as a valid JSON object.")
            stack.add_user_message(TextArtifact("Please keep going"))
            a = ChatMessage.from_user("The message is not valid JSON. Please fix it.")
            b = BaseMessage.make_assistant_message(name, "I will answer in JSON from now on.")
            c = BaseMessage(role_name=name, role_type=RoleType.USER, meta_dict={}, content="Please continue.")
            d = StopMessage(content="Stop message received", source="x")
            return a, b, c, d
    ''')
    roles = {p.text.split("\\n")[0][:30]: p.role for p in prompts}
    assert roles == {
        "You are a helpful assistant th": "template", "Computes simple arithmetic in ": "unknown",
        "Can be used for computing calc": "unknown", "Provide your response as a val": "system",
        "Please keep going": "user", "The message is not valid JSON.": "user",
        "I will answer in JSON from now": "assistant", "Please continue.": "user"}, roles
    tool = only(prompts, "Computes simple")
    assert tool.sink is not None and tool.sink.kind == "tool description"
    assert first_line(source, only(prompts, "Please keep going")) == line_of(source, '"Please keep going"')


def test_messages_inside_any_keyword_value_are_walked() -> None:
    # the expression walk skips names and constants only: a message list inside `history + [...]`, an awaited
    # call or an attribute of a call in a keyword value of an unknown call is still found, at its own line
    source, prompts = run('''
        import openai
        from myagent import Runner, from_system

        def go(history, runner: Runner):
            runner.run(messages=history + [{"role": "system", "content": "Answer in French only."}])
            runner.run(first=from_system("Keep every answer under ten words.").text)
            runner.run(label="Answer in French", count=3)
    ''')
    french = only(prompts, "Answer in French only.")
    assert (french.role, first_line(source, french)) == ("system", line_of(source, '"role": "system"'))
    short = only(prompts, "under ten words")
    assert (short.role, first_line(source, short)) == ("system", line_of(source, "from_system("))
    assert not [p for p in prompts if p.text == "Answer in French"]  # a plain keyword constant is no message


def test_tool_specifications_written_with_dict_calls() -> None:
    # aider's function-calling coders: `functions = [dict(name=..., description=..., parameters=dict(...))]`
    source, prompts = run('''
        from .wholefile_func_prompts import WholeFileFunctionPrompts

        class WholeFileFunctionCoder:
            functions = [
                dict(
                    name="write_file",
                    description="create or update one or more files",
                    parameters=dict(type="object", properties=dict(path=dict(type="string"))),
                ),
            ]
            settings = dict(name="dark", description="the dark colour scheme of the settings page")
    ''')
    tool = only(prompts, "create or update")
    assert first_line(source, tool) == line_of(source, '"create or update')
    assert tool.sink is not None and tool.sink.kind == "tool description"
    assert not [p for p in prompts if "colour scheme" in p.text]  # no parameters: no tool spec


def test_description_of_a_function_made_a_tool() -> None:
    # marvin: `update_fn(self.add, name=..., description=...)` hands a method of this file to the model
    source, prompts = run('''
        from marvin.utilities.tools import update_fn

        class Memory:
            def add(self, content: str) -> str:
                return content

            def get_tools(self):
                return [update_fn(self.add, name="add_memory", description=f"Create a new memory in {self.key}.")]

            def get_prompt(self):
                return Field(default_factory=list, description="The saved memories shown on the page")
    ''')
    tool = only(prompts, "Create a new memory")
    assert first_line(source, tool) == line_of(source, "update_fn(self.add")
    assert tool.sink is not None and tool.sink.kind == "tool description"
    assert not [p for p in prompts if "saved memories" in p.text]  # `list` is no function of this file


def test_pieces_appended_to_a_prompt_named_text() -> None:
    # mem0: a JSON instruction appended to a `system_prompt` parameter; the piece is a prompt where written
    source, prompts = run('''
        def ensure_json_instruction(system_prompt, user_prompt, error_message=""):
            if "json" not in (system_prompt + user_prompt).lower():
                system_prompt += (
                    "\\n\\nYou must return your response in valid JSON format "
                    "with a 'facts' key containing an array of strings."
                )
            error_message += "Could not parse the reply as JSON."
            retries = 0
            retries += 1
            return system_prompt, user_prompt
    ''')
    piece = only(prompts, "valid JSON format")
    assert first_line(source, piece) == line_of(source, '"\\n\\nYou must return')
    assert piece.role == "system"
    assert not [p for p in prompts if "Could not parse" in p.text]  # an error message's name says so


def test_texts_of_a_prompt_named_list() -> None:
    # lightrag: few-shot examples kept as a list in the prompt store, joined into the extraction prompt
    source, prompts = run('''
        PROMPTS = {}
        PROMPTS["entity_extraction_examples"] = [
            """Example 1: extract every {entity_type} from the text below and return them as a list.""",
            """Example 2: for the text below, return each relation between two entities.""",
        ]
        PROMPT_ROLES = ["system", "user", "assistant"]
        SYSTEM_PARTS = ("You are a careful analyst.", 42)
    ''')
    first, second = only(prompts, "Example 1"), only(prompts, "Example 2")
    assert first_line(source, first) == line_of(source, '"""Example 1')
    assert first_line(source, second) == line_of(source, '"""Example 2')
    assert only(prompts, "careful analyst").role == "system"
    assert not [p for p in prompts if p.text in ("system", "user", "assistant")]


def test_attributes_of_a_class_named_for_its_prompts() -> None:
    # aider: `class AskPrompts(CoderPrompts)` holds the texts sent to the model under names like `*_prefix`
    source, prompts = run('''
        from .base_prompts import CoderPrompts

        class AskPrompts(CoderPrompts):
            repo_content_prefix = """I am working with you on code in a git repository.
        Here are summaries of some files present in my git repo.
        """
            files_content_local_edits = "I edited the files myself."
            edit_format = "ask"
            error_prefix = "The edit failed because the file is read only."

        class HelpPrompts(CoderPrompts):
            redacted_edit_message = "No changes are needed."

        class Settings:
            greeting_prefix = "Welcome back to the settings page of the app."
    ''')
    # a loose prompt name (`*_message`) in a class named for its prompts; "Help" in the class name denies nothing
    assert only(prompts, "No changes are needed.").name == "redacted_edit_message"
    prefix = only(prompts, "I am working with you")
    assert first_line(source, prefix) == line_of(source, "I am working with you")
    assert only(prompts, "I edited the files myself.").name == "AskPrompts.files_content_local_edits"
    texts = [p.text for p in prompts]
    assert "ask" not in texts  # one word: no prose
    assert not [t for t in texts if "read only" in t or "Welcome back" in t]  # an error name; a class of no prompts


def test_constants_of_a_module_named_for_its_prompts() -> None:
    code = '''
        undo_command_reply = (
            "I did `git reset --hard HEAD~1` to discard the last edits. Please wait for further"
            " instructions before attempting that change again."
        )
        default_branch = "main"
        error_reply = "The undo failed because the repository is dirty."
    '''
    source, prompts = run(code, path="aider/prompts.py")
    undo = only(prompts, "git reset")
    assert first_line(source, undo) == line_of(source, '"I did `git reset')
    assert [p.text for p in prompts] == [undo.text]  # one word, and an error's name, stay out
    _source, elsewhere = run(code, path="aider/commands.py")  # the same constant in a module of no prompts
    assert elsewhere == []


def test_returns_of_a_helper_composed_into_a_prompt_are_pieces() -> None:
    # dspy avatar: `desc=f"{get_number_with_suffix(idx)} result"`: "1st" is no prompt of its own; a helper whose
    # result is composed into a prompt and that returns words still gives its text where written
    source, prompts = run('''
        import dspy

        def get_number_with_suffix(number):
            if number == 1:
                return "1st"
            return f"{number}th"

        def rules():
            return "Answer in one short sentence and cite the source."

        class Actor(dspy.Signature):
            """Pick the next tool."""
            result = dspy.OutputField(desc=f"{get_number_with_suffix(1)} result of the tool call")
            advice = dspy.InputField(desc=f"Read this first. {rules()}")
    ''')
    texts = [p.text for p in prompts]
    assert "1st" not in texts and "{number}th" not in texts
    cite = only(prompts, "cite the source")
    assert first_line(source, cite) == line_of(source, '"Answer in one short')


def test_texts_of_exception_classes_are_not_prompts() -> None:
    # instructor: an exception's default `message` reads like an instruction ("The output is incomplete ...")
    _source, prompts = run('''
        class IncompleteOutputException(Exception):
            default_message = "You must return the output before the max_tokens limit is reached."

            def __init__(self, *args, message: str = "The output is incomplete due to a max_tokens length limit."):
                super().__init__(message, *args)

        class Agent:
            def __init__(self, system_message: str = "You are a helpful agent. Answer in one sentence."):
                self.system_message = system_message
    ''')
    assert [p.text for p in prompts] == ["You are a helpful agent. Answer in one sentence."]


def test_text_appended_to_a_message_content() -> None:
    # mem0's Ollama client: a JSON instruction appended to the last user message
    source, prompts = run('''
        def generate(self, messages, stats):
            messages = [dict(m) for m in messages]
            if messages and messages[-1]["role"] == "user":
                messages[-1]["content"] += "\\n\\nPlease respond with valid JSON only."
            stats["count"] += 1
            self.log_prompt += "sent"
            return self.client.chat(model=self.model, messages=messages)
    ''')
    piece = only(prompts, "valid JSON only")
    assert first_line(source, piece) == line_of(source, "Please respond")
    assert piece.sink is not None and piece.sink.kind == "message content"
    assert [p.text for p in prompts] == [piece.text]


def test_data_flow_across_files_parses_each_file_once(tmp_path, monkeypatch) -> None:
    # issue 18: following a text to its sink in another file must not cost a second parse of any tree
    import ast as ast_module
    from collections import Counter

    from promptlint.cli import main

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "texts.py").write_text('GUARD = "Answer in French only, and never more than two lines."\n')
    (tmp_path / "pkg" / "agent.py").write_text(textwrap.dedent('''
        import anthropic
        from .texts import GUARD

        def ask(q):
            return anthropic.Anthropic().messages.create(model="m", max_tokens=9, system=GUARD,
                                                         messages=[{"role": "user", "content": q}])
    '''))
    parsed: Counter[str] = Counter()
    real_parse = ast_module.parse

    def counting_parse(source, filename="<unknown>", *args, **kwargs):
        parsed[str(filename)] += 1
        return real_parse(source, filename, *args, **kwargs)

    monkeypatch.setenv("PROMPTLINT_JOBS", "1")
    monkeypatch.setattr(ast_module, "parse", counting_parse)
    monkeypatch.chdir(tmp_path)
    main(["check", "--no-cache", "--no-config", "pkg"])
    ours = {name: n for name, n in parsed.items() if name.endswith((".py",)) and "pkg" in name}
    assert any(name.endswith("texts.py") for name in ours), parsed  # the constant's file was read for the join
    assert all(n == 1 for n in ours.values()), ours


def test_default_text_of_a_prompt_named_or() -> None:
    # marvin: `prompt = prompt or inspect.cleandoc("""...""")` inside the function that takes `prompt`
    source, prompts = run('''
        import inspect

        def generate_schema(instructions, prompt=None, count=1):
            prompt = prompt or inspect.cleandoc("""
                Your job is to generate JSON schemas that match the user's instructions.
                """)
            question = "Run shell command?" if count == 1 else "Run shell commands?"
            prompt_label = "Run shell command?" if count == 1 else "Run shell commands?"
            return prompt, question, prompt_label
    ''')
    schema = only(prompts, "Your job is to generate")
    assert first_line(source, schema) == line_of(source, "Your job is to generate")
    assert not [p for p in prompts if "shell" in p.text]  # a choice of two short texts: a console question


def test_items_of_a_list_looped_over_into_a_prompt_are_pieces() -> None:
    source, prompts = run('''
        import anthropic
        client = anthropic.Anthropic()

        def answer(agent, question):
            notes = []
            if agent.markdown:
                notes.append("Format every answer as Markdown.")
            notes.append(f"Your name is {agent.name}.")
            paths = ["notes.txt", "report.md"]
            system = "You are a support agent."
            for i, note in enumerate(notes):
                system += f"\\n{i}. {note}"
            for path in paths:
                print(path)
            return client.messages.create(model="m", max_tokens=9, system=system,
                                          messages=[{"role": "user", "content": question}])
    ''')
    markdown, name = only(prompts, "Markdown"), only(prompts, "Your name is")
    assert first_line(source, markdown) == line_of(source, '"Format every')
    assert first_line(source, name) == line_of(source, 'f"Your name')
    assert markdown.role == "system" and markdown.sink is not None
    # a list looped over for something else (printed) is no prompt
    assert not [p for p in prompts if "notes.txt" in p.text]


def test_lists_assigned_in_each_branch_and_joined_are_all_pieces() -> None:
    source, prompts = run('''
        import anthropic
        client = anthropic.Anthropic()

        def instructions(mode):
            if mode == "write":
                steps = ["Write the function the user asks for.", "Explain it in one sentence."]
            else:
                steps = ["Fix the error shown below."]
            return client.messages.create(model="m", max_tokens=9, system="\\n".join(steps), messages=[])
    ''')
    prompt = only(prompts, "Fix the error")
    assert "Write the function" in prompt.text
    lines = {source.position(prompt.positions.file_offset(prompt.text.index(t)))[0]
             for t in ("Write the function", "Fix the error")}
    assert lines == {line_of(source, '"Write the function'), line_of(source, '"Fix the error')}


def test_dspy_signature_instructions_given_as_the_second_argument() -> None:
    _source, prompts = run('''
        import dspy

        def build(signature):
            rules = ["You are an agent that answers with one tool call at a time."]
            rules.append("Finish when the answer is known.")
            return dspy.Signature({**signature.input_fields}, "\\n".join(rules))

        fields = dspy.Signature("question -> answer", "Answer in one word.")
        plain = dspy.Signature("question -> answer")
    ''')
    agent = only(prompts, "one tool call")
    assert agent.role == "system" and agent.sink is not None and "Finish when" in agent.text
    assert only(prompts, "Answer in one word.").role == "system"
    # the field specification is no prompt text
    assert not [p for p in prompts if "question -> answer" in p.text]


def test_docstrings_of_functions_made_into_tools() -> None:
    source, prompts = run('''
        from agno.tools import Function
        from agents import Agent

        def memory_tool(agent, use_async):
            def update(task: str) -> str:
                """Use this function to change what the agent remembers."""
                return agent.update(task)

            async def aupdate(task: str) -> str:
                """Use this function to change what the agent remembers, asynchronously."""
                return await agent.aupdate(task)

            chosen = aupdate if use_async else update
            return Function.from_callable(chosen, name="update_memory")

        def weather(city: str) -> str:
            """Look up today's weather for a city."""
            return "sunny"

        def helper(x):
            """Add one to x."""
            return x + 1

        assistant = Agent(name="w", instructions="Be brief.", tools=[weather])
        total = helper(2)
    ''')
    for text in ("remembers.", "remembers, asynchronously", "today's weather"):
        prompt = only(prompts, text)
        assert prompt.sink is not None and prompt.sink.kind == "tool description"
    assert first_line(source, only(prompts, "today's weather")) == line_of(source, '"""Look up')
    # a function's docstring is a prompt only when the function is handed over as a tool
    assert not [p for p in prompts if "Add one" in p.text]


def test_file_names_wrapper_tags_and_settings_reaching_a_prompt_are_not_prompts() -> None:
    source, prompts = run('''
        import anthropic
        client = anthropic.Anthropic()
        SUMMARY_PROMPT_FILE = "summarize_descriptions.txt"
        SYSTEM = "Answer in {response_type}. Cite the context.\\n<context>\\n{context}\\n</context>"

        class Search:
            def __init__(self, response_type: str = "multiple paragraphs", style: str = "Be brief and exact."):
                self.response_type = response_type
                self.style = style

            def ask(self, question, extra):
                user = question
                if extra:
                    user += "\\n\\n<extra notes>\\n"
                    user += extra
                    user += "</extra notes>"
                system = SYSTEM.format(response_type=self.response_type, context=self.style)
                return client.messages.create(model="m", max_tokens=9, system=system, prompt_file=SUMMARY_PROMPT_FILE,
                                              messages=[{"role": "user", "content": user}])
    ''')
    texts = [p.text for p in prompts]
    assert only(prompts, "Cite the context").role == "system"
    # a three-word setting is text composed into the prompt; a two-word value filling a slot is a setting
    assert first_line(source, only(prompts, "Be brief and exact.")) == line_of(source, 'style: str')
    assert not [t for t in texts if "multiple paragraphs" in t or "summarize_descriptions" in t]
    assert not [t for t in texts if t.strip() in ("<extra notes>", "</extra notes>")]


def test_tags_around_a_placeholder_and_content_markers_stay_prompts() -> None:
    _source, prompts = run('''
        import anthropic
        client = anthropic.Anthropic()

        def ask(state, image):
            parts = [f"<session_state>\\n{state}\\n</session_state>"]
            if image:
                parts.append("<image>")
            return client.messages.create(model="m", max_tokens=9, system="\\n".join(parts), messages=[])
    ''')
    prompt = only(prompts, "<session_state>")
    assert "<image>" in prompt.text


def test_loosely_named_reports_are_not_prompts_by_their_placeholders() -> None:
    _source, prompts = run('''
        import warnings

        def deprecated(name, end):
            message = f"{name} is deprecated and will be removed after {end}."
            warnings.warn(message)

        class MissingDriverError(Exception):
            def __init__(self, driver):
                message = f"You have attempted to use {driver} without configuring it first."
                super().__init__(message)

        class Expander:
            def fallback_message(self):
                return "Returning the original query." if self.keep else "Returning no queries."

        def reminder(task):
            message = f"You must answer the question about {task} in one sentence."
            return message
    ''')
    texts = [p.text for p in prompts]
    assert not [t for t in texts if "deprecated" in t or "attempted" in t or "Returning" in t], texts
    # a loose name whose words address a model is still a prompt
    assert only(prompts, "You must answer").name == "message"


def test_few_shot_items_of_a_store_in_a_prompt_module() -> None:
    source, prompts = run('''
        PROMPTS = {}
        PROMPTS["keyword_examples"] = [
            """{"high_level": ["<keyword>"], "low_level": ["<keyword>"]} for a question about trade""",
        ]
    ''', path="pkg/prompt.py")
    assert first_line(source, only(prompts, "high_level")) == line_of(source, '"""{"high_level')
    # the same store outside a module named for its prompts needs content that addresses a model
    _source, elsewhere = run(source.text, path="pkg/store.py")
    assert not elsewhere


def test_questions_asked_on_the_console_are_not_prompts() -> None:
    _source, prompts = run('''
        import click
        from rich.prompt import Confirm

        class Console:
            def offer_url(self, url, prompt="Open the URL for more info?"):
                if self.confirm_ask(prompt, subject=url):
                    return True

        def report():
            prompt = "Open a GitHub issue about the error in your browser? (Y/n) "
            answer = input(prompt).strip()
            name = click.prompt("Which model should answer your questions?")
            sure = Confirm.ask("Do you want to send the prompt to the model now?")
            return answer, name, sure

        def ask(llm, question, system_prompt="You are a careful assistant. Answer briefly."):
            return llm.invoke(system_prompt + question)
    ''')
    texts = [p.text for p in prompts]
    assert not [t for t in texts if "Open" in t or "Which model" in t or "send the prompt" in t], texts
    assert only(prompts, "careful assistant").name == "system_prompt"


def test_a_project_prompt_class_called_with_its_text() -> None:
    source, prompts = run('''
        from myapp.core.prompt import Prompt

        def tasks(problem):
            fixed = Prompt("Change the code in hello.py so that it greets the user by name.")
            composed = Prompt(problem.question + "\\nRead the input from the command line, not stdin.")
            return [fixed, composed]
    ''')
    assert only(prompts, "greets the user").role == "template"
    assert first_line(source, only(prompts, "command line")) == line_of(source, '+ "')
    # rich's Prompt asks a question in the terminal
    _source, console = run('''
        from rich.prompt import Prompt
        name = Prompt("Enter the name of the model to use for your prompts")
    ''')
    assert not console


def test_tool_descriptions_given_as_a_default_or_written_into_the_spec() -> None:
    source, prompts = run('''
        def bedrock_tool(model, schema):
            spec = {
                "name": model.__name__,
                "description": model.__doc__ or f"Extract `{model.__name__}` with every required field filled in",
                "inputSchema": {"json": schema},
            }
            return {"toolSpec": spec}

        def openai_tool(model):
            tool_definition = {"name": model.__name__, "parameters": {}}
            tool_definition["description"] = f"Call this to return `{model.__name__}` with correct types"
            row = {"id": 1}
            row["description"] = "A row of the table shown to people"
            return tool_definition, row
    ''')
    for text in ("every required field", "correct types"):
        assert only(prompts, text).sink.kind == "tool description"
    assert first_line(source, only(prompts, "correct types")) == line_of(source, 'f"Call this')
    assert not [p for p in prompts if "row of the table" in p.text]


def test_agent_descriptions_tool_desc_and_field_prefixes() -> None:
    source, prompts = run('''
        import dspy

        class ReviewerAgent:
            DEFAULT_DESCRIPTION = "An agent that reviews code changes and explains the risks it finds."
            DEFAULT_NAME = "reviewer"

            def __init__(self, name, description: str = "An agent that answers questions about the code base."):
                self.description = description

        class Reviewer:  # not an agent: its description is no prompt
            def __init__(self, description: str = "A person who reviews the pull requests of the team."):
                self.description = description

        finish = dspy.Tool(func=lambda: "done", name="finish",
                           desc="Marks the task as complete once the answer is known.")
        answer = dspy.OutputField(prefix="Accurate Reasoning: Let's weigh every attempt together", desc="${reasoning}")
        step = dspy.OutputField(prefix="Action 1:", desc="an action")
    ''')
    for text, line in (("reviews code changes", "DEFAULT_DESCRIPTION ="), ("answers questions", "description: str"),
                       ("Marks the task", 'desc="Marks'), ("weigh every attempt", 'prefix="Accurate')):
        assert first_line(source, only(prompts, text)) == line_of(source, line)
    texts = [p.text for p in prompts]
    assert not [t for t in texts if "pull requests" in t or t == "reviewer" or t.startswith("Action")], texts


def test_a_function_whose_docstring_says_it_writes_prompt_text() -> None:
    source, prompts = run('''
        class Citation:
            @classmethod
            def description(cls) -> str:
                """Description of the citation type for use in prompts."""
                return "Citations with quoted text. Include the exact text being cited."

        def ask_name() -> str:
            """Prompt the user for a name."""
            return "Please type your name and press enter."

        def file_name() -> str:
            """Name of the file the prompt is read from."""
            return "Write the summary in three sentences.txt"
    ''')
    assert first_line(source, only(prompts, "Citations with")) == line_of(source, '"Citations')
    assert [p.text for p in prompts if "Citations" not in p.text] == []


def test_a_message_answering_a_tool_call_is_a_tool_result() -> None:
    _source, prompts = run('''
        from agno.models.message import Message

        def record(agent, tool, messages, result):
            content = f"User inputs retrieved: {result}"
            messages.append(Message(role=agent.model.tool_message_role, content=content, tool_call_id=tool.id))
            messages.append({"role": agent.role, "tool_call_id": tool.id, "content": f"Lookup returned: {result}"})
            messages.append(Message(role="user", content="Now answer the question using only the results above."))
    ''')
    assert [p.text for p in prompts] == ["Now answer the question using only the results above."]


def test_text_content_blocks_built_apart_from_their_message() -> None:
    source, prompts = run('''
        def build(contexts, images):
            content = []
            for i, ctx in enumerate(contexts):
                content.append({"type": "text", "text": f"Context {i + 1}: {ctx}"})
            content.append({"type": "image_url", "image_url": {"url": images[0]}})
            content.append({
                "type": "text",
                "text": "Based on the contexts above, decide whether the response is faithful.",
            })
            return content

        def as_block(value):
            return {"type": "text", "text": value}
    ''')
    prompt = only(prompts, "decide whether")
    assert first_line(source, prompt) == line_of(source, '"Based on')
    assert [p.text for p in prompts] == [prompt.text]  # the data blocks are no prompts


def test_identifiers_reaching_a_sink_are_not_prompts() -> None:
    _source, prompts = run('''
        def start(client, llm):
            kernel = client.containers.run("jupyter-kernel", detach=True)
            cached = llm.invoke("prompt_cache_key")
            short = llm.invoke("Summarize:")
            return kernel, cached, short
    ''')
    assert [p.text for p in prompts] == ["Summarize:"]


def test_text_built_in_a_local_and_passed_as_responses_input() -> None:
    source, prompts = run('''
        from openai import OpenAI
        client = OpenAI()

        def ask(name, history):
            p = "Hello %s, describe your symptoms in one sentence." % name
            client.responses.create(model="m", input=p)
            q = "Write a limerick about {n}.".format(n=name)
            client.responses.create(model="m", input=q)
            msgs = [{"role": "user", "content": "Plan a picnic."}]
            client.responses.create(model="m", input=msgs)
            client.responses.create(model="m", input=history)
    ''')
    found = {p.text: (p.role, first_line(source, p)) for p in prompts}
    assert found["Hello %s, describe your symptoms in one sentence."] == ("user", line_of(source, '"Hello'))
    assert found["Write a limerick about {n}."][0] == "user"
    assert found["Plan a picnic."][0] == "user"
    assert len(prompts) == 3  # `history`, a parameter, holds no text written here


def test_a_text_passed_through_a_call_and_reassigned_keeps_its_earlier_pieces() -> None:
    source, prompts = run('''
        def build(agent, markdown):
            extra = []
            if markdown:
                extra.append("Use markdown to format your answers.")
            content = ""
            content += f"You are {agent.name}, a research assistant.\\n"
            for item in extra:
                content += f"\\n- {item}"
            if agent.resolve:
                content = render_vars(agent, content)
            content += "Answer in one paragraph."
            other = render_vars(agent, "status")
            return Message(role="system", content=content.strip())
    ''')
    texts = [p.text for p in prompts]
    assert any("a research assistant" in t for t in texts), texts
    markdown = only(prompts, "Use markdown")
    assert first_line(source, markdown) == line_of(source, '"Use markdown')
    assert any("Answer in one paragraph." in t for t in texts)
    assert not any(t == "status" for t in texts)


def test_role_word_message_helpers_are_chat_turns() -> None:
    """Vanna's `self.system_message(text)` / `self.user_message(text)` build chat turns; a setting read
    (`agent.system_message`) or a call with no text stays out."""
    _source, prompts = run('''
        class Base:
            def combine(self, first, second):
                prompt = [
                    self.system_message("Combine the two questions into one if they are related."),
                    self.user_message("First question: " + first + "\\nSecond question: " + second),
                ]
                return self.submit_prompt(prompt=prompt)

            def settings(self, agent):
                return agent.system_message, self.user_message(None)
    ''')
    roles = {p.text.split("\n")[0]: p.role for p in prompts}
    assert roles == {"Combine the two questions into one if they are related.": "system",
                     "First question: {first}": "user"}, roles


def test_examples_given_with_an_instruction_are_prompt_text() -> None:
    _source, prompts = run('''
        GOALS = ActionNode(key="Goals", expected_type=list[str],
                           instruction="Provide up to three clear product goals.",
                           example=["Create an engaging user experience", "Optimize performance", "Python"])
        PORT = Setting(key="port", example="8080")
    ''')
    texts = [p.text for p in prompts]
    assert texts == ["Provide up to three clear product goals.", "Create an engaging user experience",
                     "Optimize performance"], texts  # a one-word example is a value


def test_persona_attributes_of_role_and_agent_classes() -> None:
    source, prompts = run('''
        class Architect(Role):
            name: str = "Bob"
            goal: str = "design a concise, usable, complete software system"
            constraints: str = "make sure the architecture is simple enough and uses open source libraries"

        class Settings(BaseModel):
            goal: str = "reach the quarterly sales target across all regions"
    ''')
    assert [(first_line(source, p), p.text) for p in prompts] == [
        (4, "design a concise, usable, complete software system"),
        (5, "make sure the architecture is simple enough and uses open source libraries")]


def test_constants_of_a_module_in_a_prompts_folder() -> None:
    code = '''
        SALES_ASSISTANT = """You are a sales assistant helping your agent decide which stage the conversation is in.
        Answer with one number only."""
        DEFAULT_REGION = "eu-west-1"
    '''
    _source, prompts = run(code, path="metagpt/prompts/sales.py")
    assert [p.text.split("\n")[0] for p in prompts] == [
        "You are a sales assistant helping your agent decide which stage the conversation is in."]
    _source, elsewhere = run(code, path="metagpt/roles/sales.py")
    assert elsewhere == []


def test_a_prompt_file_comment_header_closed_by_the_block_marker_is_cut_off() -> None:
    from promptlint.extractors import promptfile
    text = ("Variables:\n!<INPUT 0>! -- Persona name\n<commentblockmarker>###</commentblockmarker>\n"
            "Task -- choose an area for !<INPUT 0>!.\n")
    source = SourceFile("prompts/area_v1.txt", text)
    [prompt] = promptfile.extract(source).prompts
    assert prompt.text.startswith("Task -- choose an area")
    assert first_line(source, prompt) == 4
    [whole] = promptfile.extract(SourceFile("prompts/plain.txt", "Variables: none\nTask -- reply.\n")).prompts
    assert whole.text.startswith("Variables: none")


def test_methods_of_a_class_named_for_its_prompts_return_prompts() -> None:
    source, prompts = run('''
        class PromptFamily:
            @staticmethod
            def curate_sources(query, sources):
                return f"""Your goal is to evaluate and curate the scraped content for the task: "{query}".
        Keep only reliable sources: {sources}"""

            def __repr__(self):
                return f"PromptFamily(config={self.config})"

            def label(self):
                return "family"

        class Report:
            def introduction(self, question):
                return f"Using the above information, prepare an introduction to {question}."
    ''')
    assert [(first_line(source, p), p.text.split("\n")[0]) for p in prompts] == [
        (5, 'Your goal is to evaluate and curate the scraped content for the task: "{query}".')]


def test_a_text_chosen_by_a_condition_and_composed_into_a_prompt() -> None:
    source, prompts = run('''
        def planning(summary, feedback):
            note = (
                f"Human feedback: {feedback}. You must plan the sections based on the human feedback."
                if feedback
                else ""
            )
            return [{"role": "user", "content": f"Research summary: {summary}\\n{note}\\nWrite an outline."}]
    ''')
    note = only(prompts, "Human feedback")
    assert first_line(source, note) == line_of(source, 'f"Human feedback')


def test_a_message_class_given_its_role_and_content_by_position() -> None:
    _source, prompts = run('''
        def prompt_system():
            yield Message("system", "You are a terminal assistant. Keep answers short.")

        def later(text, system_prompt, profile):
            return [Message("user", "Summarise the conversation so far."), Message("tool", text),
                    Message("Warning", "Disk almost full"),
                    Message("system", "No content provided"),  # a tool's status line
                    Message("system", _todoread()),  # a tool's result
                    Message("system", f"# Profile: {profile.name}\\n\\n{profile.system_prompt}")]
    ''')
    assert [(p.role, p.text.split("\n")[0]) for p in prompts] == [
        ("system", "You are a terminal assistant. Keep answers short."),
        ("user", "Summarise the conversation so far."),
        ("system", "# Profile: {profile.name}")]


def test_a_prompt_file_takes_its_role_from_its_folder_when_its_name_says_none() -> None:
    from promptlint.extractors.promptfile import role_for_file
    assert role_for_file("agent/system_prompts/default.md") == "system"
    assert role_for_file("agent/system_prompts/user_turn.md") == "user"  # the file's own name first
    assert role_for_file("agent/templates/question.j2") == "template"
    assert role_for_file("users/notes.md") == "template"


def test_conditional_items_of_a_list_joined_into_a_prompt_are_pieces() -> None:
    source, prompts = run('''
        def build_system_prompt(has_search):
            parts = ["You are a data analyst."]
            parts.extend([
                "Example workflow:",
                f"  First: call search(question={has_search!r})" if has_search else "",
                "Do NOT skip the search step." if has_search else "",
            ])
            return "\\n".join(parts)
    ''')
    lines = {first_line(source, p) for p in prompts}
    assert {line_of(source, 'f"  First'), line_of(source, '"Do NOT skip')} <= lines, [p.text for p in prompts]


def test_a_prompt_named_dict_of_a_class_is_read_entry_by_entry() -> None:
    source, prompts = run('''
        class Expander:
            PROMPTS = {
                "basic": """You are an expert at improving task prompts.
        Expanded prompt:""",
                "creative": "You are an expert at crafting inspiring task prompts.",
            }
            LABELS = {"basic": "Basic expansion of the task", "creative": "Creative rewrite of the task"}

            def run(self, strategy, task):
                return self.llm.invoke(self.PROMPTS[strategy.value].format(task=task))
    ''')
    assert [(first_line(source, p), p.text.split("\n")[0]) for p in prompts] == [
        (4, "You are an expert at improving task prompts."),
        (6, "You are an expert at crafting inspiring task prompts.")]


def test_a_sentence_among_the_variables_given_to_a_chain_is_the_users_request() -> None:
    source, prompts = run('''
        chain = prompt | ChatOpenAI(model="gpt-4o-mini")
        answer = chain.invoke({
            "question": "How should I phrase a polite reminder about an unpaid invoice?",
            "language": "French",
            "context": docs,
        })
    ''')
    assert [(p.role, first_line(source, p), p.text) for p in prompts] == [
        ("user", 4, "How should I phrase a polite reminder about an unpaid invoice?")]


def test_a_lookup_in_a_dict_of_texts_composed_into_a_prompt_gives_every_text_as_a_piece() -> None:
    source, prompts = run('''
        class SafetyJudge:
            DESCRIPTIONS = {
                "harmful": "Content that could cause physical or psychological harm",
                "illegal": "Instructions or promotion of illegal activities",
            }

            def evaluate(self, categories, output):
                lines = []
                for category in categories:
                    description = self.DESCRIPTIONS.get(category, f"Issues related to {category}")
                    lines.append(f"- {category}: {description}")
                text = "\\n".join(lines)
                return self.llm.invoke(f"Rate the output for these categories:\\n{text}\\n\\nOutput: {output}")

        STATUS = {"ok": "All good here", "bad": "Something failed badly"}

        def show(k):
            print(STATUS[k])
    ''')
    lines = {first_line(source, p) for p in prompts}
    assert {4, 5, line_of(source, 'f"Issues related')} <= lines, [p.text for p in prompts]
    assert not any("All good" in p.text or "failed badly" in p.text for p in prompts)


def test_the_default_of_a_prompt_named_setting_read_with_get() -> None:
    source, prompts = run('''
        import os
        SYSTEM = os.environ.get("SYSTEM_PROMPT", "You are a concise assistant for the billing team.")
        PATH = os.environ.get("PROMPT_FILE", "prompts/system.md")
        MODE = cfg.get("template", "default")
        LEVEL = os.environ.get("LOG_LEVEL", "debug output for the whole service")

        def run(state, images):
            return process(state.get("user_prompt", "Extract the line items from the receipt image"), images)
    ''')
    assert [(first_line(source, p), p.text) for p in prompts] == [
        (3, "You are a concise assistant for the billing team."),
        (9, "Extract the line items from the receipt image")]


def test_a_message_reported_by_a_failed_assert_is_no_prompt() -> None:
    _source, prompts = run('''
        def configure(proxy):
            message = "username and password must be provided in pairs or not at all"
            assert "server" in proxy, message
            return proxy
    ''')
    assert prompts == []


def test_the_purpose_of_a_tool_message_class() -> None:
    source, prompts = run('''
        class RetrievalTool(ToolMessage):
            request: str = "retrieval_tool"
            purpose: str = """
            To retrieve up to <num_results> passages from a document-set that are relevant to a <query>.
            """
            num_results: int = 5

        class Report(BaseModel):
            purpose: str = "quarterly numbers for the board"
    ''')
    [purpose] = prompts
    assert purpose.text.strip() == (
        "To retrieve up to <num_results> passages from a document-set that are relevant to a <query>.")
    start = source.position(purpose.positions.file_offset(purpose.text.index("To retrieve")))[0]
    assert start == line_of(source, "To retrieve") and purpose.sink is not None


def test_a_function_documented_as_building_an_error_message_returns_no_prompt() -> None:
    _source, prompts = run('''
        def truncated_output_message(max_tokens):
            """The error message for output that the token limit cut off."""
            return f"Model token limit ({max_tokens}) exceeded while generating output. Increase max_tokens."

        def _unaddressable_reason(part):
            """Why a block can't be addressed, and how to fix it."""
            return f"Instruction block {part.name!r} has no id to qualify the name with. Give it an id."

        class RetryPrompt:
            def model_response(self):
                """Return a string message describing why the retry is requested."""
                return f"Validation feedback:\\n{self.content}\\n\\nFix the errors and try again."
    ''', path="pkg/_instructions.py")
    assert [p.text.split("\n")[0] for p in prompts] == ["Validation feedback:"], [p.text for p in prompts]
