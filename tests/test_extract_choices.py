"""A value picked from texts written together -- an item of a list of re-prompts, `random.choice` of them, the
variable of a loop over them -- reaching a sink: each text is a prompt where it is written (issue 18)."""

from __future__ import annotations

from extracted import runner

from promptlint.model import Prompt, SourceFile

run = runner("agent.py")


def lines(source: SourceFile, prompts: list[Prompt]) -> list[tuple[int, str, str]]:
    return [(source.position(p.positions.file_offset(0))[0], p.text, p.role) for p in prompts]


def test_an_item_of_a_list_of_retries_sent_as_a_user_turn() -> None:
    source, prompts = run('''
        def respond(self, attempt):
            retries = [
                "Hello? Answer please.",
                "Are you there?",
            ]
            self.messages.append({"role": "user", "content": retries[attempt % len(retries)]})
    ''')
    assert lines(source, prompts) == [(4, "Hello? Answer please.", "user"), (5, "Are you there?", "user")]
    assert all(p.sink is not None and p.sink.kind == "user message" for p in prompts)


def test_random_choice_of_a_module_list_at_a_model_call() -> None:
    source, prompts = run('''
        import random
        import anthropic
        NUDGES = ("Keep going.", "Please continue where you stopped.")
        client = anthropic.Anthropic()

        def nudge():
            return client.messages.create(model="m", max_tokens=9,
                                          messages=[{"role": "user", "content": random.choice(NUDGES)}])
    ''')
    assert lines(source, prompts) == [(4, "Keep going.", "user"), (4, "Please continue where you stopped.", "user")]
    assert {p.call.method for p in prompts if p.call} == {"client.messages.create"}


def test_the_variable_of_a_loop_over_texts_passed_to_chat() -> None:
    source, prompts = run('''
        async def stream(agent):
            for message in [
                "Just say something, anything.",
                "Can you respond?",
            ]:
                for chunk in agent.chat(message=message, stream=True):
                    yield chunk
    ''')
    assert lines(source, prompts) == [(4, "Just say something, anything.", "user"), (5, "Can you respond?", "user")]


def test_lists_of_other_things_and_loops_not_reaching_a_sink_stay_out() -> None:
    _source, prompts = run('''
        import logging
        logger = logging.getLogger(__name__)

        def report(self, attempt, path):
            labels = ["Upload finished without problems", path]   # a mixture: not a list of texts
            self.messages.append({"role": "user", "content": labels[attempt]})
            for message in ["Starting the worker now", "Worker ready for jobs"]:
                logger.info(message)                                # a log line, not a sink
            for message in ["Upload finished", "Upload failed"]:
                self.status.send(message=message)                   # `send` is not a chat method
    ''')
    assert [p.text for p in prompts] == []


def test_a_loop_variable_assigned_in_the_loop_is_not_the_loop_text() -> None:
    _source, prompts = run('''
        def ask(agent, topics):
            for message in ["ignored placeholder text here"]:
                message = f"Tell me about {topics}"
                agent.chat(message=message)
    ''')
    assert [p.text for p in prompts] == ["Tell me about {topics}"]


def test_the_first_argument_of_a_chat_method_is_the_users_turn() -> None:
    source, prompts = run('''
        def browse(self, intent, page):
            ai_query = f"""
            Below is the content of the current webpage. Given the intent "{intent}", extract useful information.
            {page}
            """
            response = self.computer.ai.chat(ai_query)
            self.room.send("Below is the content of the page you asked for.")
            self.chatter("Summarize the page for the user in two lines.")
            return response
    ''')
    assert [(p.role, p.sink.kind if p.sink else "") for p in prompts] == [("user", "user message")]
    assert source.position(prompts[0].positions.file_offset(prompts[0].text.index("Below")))[0] == 4


def test_a_local_assigned_in_branches_and_composed_into_a_prompt() -> None:
    source, prompts = run('''
        def describe(img_msg, path, description, vision_api):
            if img_msg["format"] == "path":
                precursor = f"The image I'm referring to ({path}) contains the following: "
                if vision_api:
                    postcursor = f"\\nTo ask about the image, run `vision.query(path='{path}')`."
                else:
                    postcursor = ""
            else:
                precursor = "Imagine I have just shown you an image with this description: "
                postcursor = ""
            img_msg["content"] = precursor + description + postcursor
    ''')
    assert sorted(line for line, _text, _role in lines(source, prompts)) == [4, 6, 10]
    assert all(p.sink is not None and p.sink.kind == "message content" for p in prompts)


def test_a_local_assigned_in_branches_but_not_composed_stays_out() -> None:
    _source, prompts = run('''
        def describe(img_msg, path, description):
            if path:
                note = f"Saved the image at {path} for later review."
            else:
                note = "Nothing was saved to disk this time."
            print(note)
            img_msg["content"] = description
    ''')
    assert prompts == []
