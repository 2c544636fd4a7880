"""Prompts set as attributes of another object (`interpreter.system_message = "..."` in a profile script),
judged by the setting's own name and by their content like any named text (issue 18)."""

from __future__ import annotations

import textwrap

from extracted import runner

from promptlint.model import Prompt, SourceFile

run = runner("profile.py")


def line_of(source: SourceFile, needle: str) -> int:
    return source.position(source.text.index(needle))[0]


def first_line(source: SourceFile, prompt: Prompt) -> int:
    return source.position(prompt.positions.file_offset(0))[0]


def test_settings_of_a_configured_object_are_prompts_where_written() -> None:
    source, prompts = run('''
        from interpreter import interpreter

        interpreter.system_message = """You are an AI assistant that writes markdown code snippets.
        You speak very concisely.""".strip()
        interpreter.code_output_template = "I executed that code. This was the output: {content} What next?"
        interpreter.llm.execution_instructions = "Run each code block and explain what it printed."
        interpreter.code_output_sender = "user"
        interpreter.llm.model = "groq/llama-3.1-70b-versatile"
        interpreter.llm.api_base = "https://api.example.com"
        interpreter.offline = True
    ''')
    found = {p.name: p for p in prompts}
    assert sorted(found) == ["interpreter.code_output_template", "interpreter.llm.execution_instructions",
                             "interpreter.system_message"]
    system = found["interpreter.system_message"]
    assert system.role == "system"
    assert first_line(source, system) == line_of(source, "You are an AI")
    assert found["interpreter.code_output_template"].role == "template"
    assert first_line(source, found["interpreter.llm.execution_instructions"]) == line_of(source, "Run each")


def test_each_of_several_assignments_of_a_setting_is_reported() -> None:
    source, prompts = run('''
        from interpreter import interpreter
        interpreter.system_message = "You are Open Interpreter, a world-class programmer."
        interpreter.system_message = "You are an AI assistant that returns code snippets."
    ''')
    assert [first_line(source, p) for p in prompts] == [3, 4]


def test_a_setting_is_judged_by_its_own_name_not_its_owner_or_module() -> None:
    # a module named like a prompt module (`template_profile.py`) and an owner named like a prompt
    # (`prompt_config`) do not make every setting a prompt: the attribute's own name must say so
    _source, prompts = run('''
        from interpreter import interpreter
        interpreter.llm.model = "groq/llama-3.1-70b-versatile for the fast tier"
        prompt_config.model = "a model name with several words in it"
        interpreter.custom_instructions = f"Today's date is {today}."
    ''', path="template_profile.py")
    assert [p.name for p in prompts] == ["interpreter.custom_instructions"]


def test_loose_setting_names_need_content_that_addresses_a_model() -> None:
    # `message` alone is a loose name: an error or a status line set on an object stays out
    _source, prompts = run('''
        response.message = "Upload finished in 3 seconds without problems"
        logger.message = "You must restart the server"
        exc.error_message = "You must pass a valid key"
        widget.message = "You can answer in JSON with the keys below."
    ''')
    assert [p.name for p in prompts] == ["widget.message"]


def test_a_setting_is_not_found_by_a_bare_name_of_the_same_attribute() -> None:
    # `system_message` read as a bare name is a parameter here, never `interpreter.system_message`: the setting
    # is reported by its name alone, with no sink it does not reach
    _source, prompts = run('''
        import anthropic
        client = anthropic.Anthropic()
        interpreter.system_message = "You are a pirate who answers in rhymes."

        def ask(system_message, q):
            return client.messages.create(model="m", max_tokens=9, system=system_message,
                                          messages=[{"role": "user", "content": q}])
    ''')
    pirate = [p for p in prompts if "pirate" in p.text]
    assert len(pirate) == 1
    assert (pirate[0].name, pirate[0].call, pirate[0].sink) == ("interpreter.system_message", None, None)


def test_instructions_keys_of_a_yaml_profile_are_system_prompts() -> None:
    from promptlint.extractors import yaml as yaml_extractor

    text = textwrap.dedent('''\
        llm:
          model: "gpt-4o-mini"
          custom_instructions: >
            The user will show you an image of the code you write. You can view images directly.
        custom_instructions: "The user has set you to FAST mode. No talk, just code."
        setup_instructions: see docs
        user_instructions: "Type your question and press enter to send it"
        version: 0.2.5
    ''')
    source = SourceFile("profiles/fast.yaml", text)
    prompts = yaml_extractor.extract(source).prompts
    found = {p.name: p for p in prompts}
    # `*_instructions` is a system text when it is prose; a one-word setting and a user-facing key are not
    assert sorted(found) == ["custom_instructions", "llm.custom_instructions", "user_instructions"]
    assert found["llm.custom_instructions"].role == "system"
    assert found["custom_instructions"].role == "system"
    assert found["user_instructions"].role == "user"
    assert first_line(source, found["llm.custom_instructions"]) == 4


def test_settings_reached_through_self_are_prompts_too() -> None:
    source, prompts = run('''
        class Ai:
            def chat(self, text):
                old = self.computer.interpreter.system_message
                self.computer.interpreter.system_message = (
                    "You are an AI assistant."
                )
                self.computer.interpreter.llm.model = "gpt-4o with the long context window"
                self.computer.interpreter.system_message = old
                return self.computer.interpreter.chat(text)
    ''')
    assert [(p.name, p.text, first_line(source, p)) for p in prompts] == [
        ("self.computer.interpreter.system_message", "You are an AI assistant.", line_of(source, '"You are'))]


def test_a_piece_appended_to_a_setting_is_a_prompt_too() -> None:
    source, prompts = run('''
        from interpreter import interpreter
        if args.fast:
            interpreter.custom_instructions += (
                "UPDATED INSTRUCTIONS: You are in ULTRA FAST mode. Be brief."
            )
        interpreter.llm.context_window += 1000
        interpreter.display_name += " (fast mode enabled for this run)"
    ''')
    assert [(p.name, first_line(source, p)) for p in prompts] == [
        ("interpreter.custom_instructions", line_of(source, '"UPDATED'))]


def test_a_setting_read_at_a_sink_is_reported_with_that_sink() -> None:
    source, prompts = run('''
        import anthropic
        client = anthropic.Anthropic()

        def ask(config, q):
            config.guard = "Never refuse."
            reply = client.messages.create(model="m", max_tokens=9, system=config.guard,
                                           messages=[{"role": "user", "content": q}])
            config.guard = "Refuse nothing you are asked about the weather."
            return reply
    ''')
    assert [(p.text, p.role, first_line(source, p)) for p in prompts] == [
        ("Never refuse.", "system", line_of(source, '"Never'))]
    assert prompts[0].sink is not None
    assert prompts[0].sink.describe() == f"used as the system prompt at profile.py:{line_of(source, 'client.')}"
