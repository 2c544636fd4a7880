"""PL402 / PL403 / PL404 on more shapes of code than their YAML examples, through the real engine and the
real Python extractor; the shared model-size helpers in pyast; and the example app showing each rule.

Bad cases name the exact code the finding must cover; good cases must stay quiet.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from promptlint.checks.model_downgrade_for_refusals import is_smaller_model, model_size, model_tier
from promptlint.config import Config
from promptlint.rules_engine import load_rules, run_rules
from promptlint.rules_engine.examples import extraction_from_python
from promptlint.runner import lint_paths

ROOT = Path(__file__).resolve().parents[1]
RULES = {r.code: r for r in load_rules()}


def flagged(code: str, src: str) -> list[str]:
    """The source text each finding of `code` covers."""
    extraction = extraction_from_python(textwrap.dedent(src))
    text = extraction.source.text
    return [text[f.span[0]:f.span[1]] for f in run_rules(extraction, [RULES[code]]) if f.code == code]


# --------------------------------------------------------------------------- PL402

PL402_BAD = {
    "openai_branch_after_content_filter": ('''
        def ask(client, messages):
            c = client.chat.completions.create(model="gpt-4o", messages=messages)
            if c.choices[0].finish_reason == "content_filter":
                c = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
            return c
        ''', ['"gpt-4o-mini"']),
    "branch_assigns_model_variable": ('''
        MODEL = "claude-opus-4-1"
        def ask(client, messages):
            model = MODEL
            r = client.messages.create(model=model, max_tokens=10, messages=messages)
            if is_refusal(r.content[0].text):
                model = "claude-3-5-haiku-latest"
                r = client.messages.create(model=model, max_tokens=10, messages=messages)
            return r
        ''', ['"claude-3-5-haiku-latest"']),
    "gemini_pro_to_flash": ('''
        def ask(llm_client, prompt):
            r = llm_client.chat.completions.create(model="gemini-1.5-pro", messages=prompt)
            if "I can't" in r.choices[0].message.content:
                r = llm_client.chat.completions.create(model="gemini-1.5-flash", messages=prompt)
            return r
        ''', ['"gemini-1.5-flash"']),
    "enumerate_model_list": ('''
        LADDER = ("claude-opus-4-1", "claude-sonnet-4-5", "claude-haiku-4-5")
        def ask(client, messages):
            for i, model in enumerate(LADDER):
                r = client.messages.create(model=model, max_tokens=10, messages=messages)
                if r.stop_reason != "refusal":
                    break
            return r
        ''', ["model"]),
    "open_model_sizes": ('''
        def ask(client, messages):
            for model in ["qwen2.5-72b-instruct", "qwen2.5-7b-instruct"]:
                r = client.chat.completions.create(model=model, messages=messages)
                if not detect_refusal(r.choices[0].message.content):
                    return r
        ''', ["model"]),
}

PL402_GOOD = {
    "error_fallback_on_overloaded": '''
        import anthropic
        def ask(client, messages):
            try:
                return client.messages.create(model="claude-opus-4-1", max_tokens=10, messages=messages)
            except anthropic.APIStatusError as exc:
                if exc.status_code == 529:
                    return client.messages.create(model="claude-haiku-4-5", max_tokens=10, messages=messages)
                raise
        ''',
    "same_model_after_refusal": '''
        def ask(client, messages, system):
            r = client.messages.create(model="claude-haiku-4-5", max_tokens=10, messages=messages)
            if r.stop_reason == "refusal":
                r = client.messages.create(model="claude-haiku-4-5", max_tokens=10, system=system, messages=messages)
            return r
        ''',
    "side_task_on_small_model_in_branch": '''
        def ask(client, messages):
            r = client.messages.create(model="claude-opus-4-1", max_tokens=10, messages=messages)
            if r.stop_reason == "refusal":
                note = client.messages.create(model="claude-haiku-4-5", max_tokens=10,
                                              messages=[{"role": "user", "content": f"Tag this refusal: {r}"}])
                store(note)
            return r
        ''',
    "list_toward_larger": '''
        MODELS = ["gpt-4o-mini", "gpt-4o"]
        def ask(client, messages):
            for model in MODELS:
                c = client.chat.completions.create(model=model, messages=messages)
                if c.choices[0].finish_reason != "content_filter":
                    return c
        ''',
    "routing_by_length": '''
        def ask(client, text):
            if len(text) > 10_000:
                model = "claude-opus-4-1"
            else:
                model = "claude-haiku-4-5"
            return client.messages.create(model=model, max_tokens=10, messages=[{"role": "user", "content": text}])
        ''',
}


@pytest.mark.parametrize(("src", "expected"), PL402_BAD.values(), ids=PL402_BAD.keys())
def test_pl402_bad(src: str, expected: list[str]) -> None:
    assert flagged("PL402", src) == expected


@pytest.mark.parametrize("src", PL402_GOOD.values(), ids=PL402_GOOD.keys())
def test_pl402_good(src: str) -> None:
    assert flagged("PL402", src) == []


@pytest.mark.parametrize(("new", "old", "smaller"), [
    ("claude-3-5-haiku-latest", "claude-sonnet-4-5", True),
    ("claude-haiku-4-5", "claude-opus-4-1", True),
    ("claude-opus-4-1", "claude-haiku-4-5", False),
    ("gpt-4o-mini", "gpt-4o", True),
    ("gpt-4.1-nano", "gpt-4.1-mini", True),
    ("o3-mini", "o3", True),
    ("gemini-2.0-flash", "gemini-1.5-pro", True),
    ("gemini-2.0-flash-lite", "gemini-2.0-flash", True),
    ("gemini-1.5-pro", "gemini-1.5-flash", False),  # "gemini" holds no "mini"
    ("mistral-small-latest", "mistral-large-latest", True),
    ("llama-3.1-8b-instruct", "llama-3.1-70b-instruct", True),
    ("llama-3.1-405b", "llama-3.1-70b", False),
    ("claude-haiku-4-5", None, True),  # previous model unknown: a small model by name
    ("gpt-4o", None, False),
    ("my-finetune", "claude-opus-4-1", False),  # says nothing about its size
])
def test_model_size_order(new: str, old: str | None, smaller: bool) -> None:
    assert is_smaller_model(new, old) is smaller


def test_model_size_words() -> None:
    assert model_size("Qwen2.5-0.5B-Instruct") == 0.5
    assert model_size("phi-3-mini-128k") is None  # a context length, not a size
    assert model_tier("claude-sonnet-4-5") == 2 and model_tier("claude-opus-4-1") == 3


# --------------------------------------------------------------------------- PL403

PL403_BAD = {
    "module_level_script": ('''
        import anthropic
        client = anthropic.Anthropic()
        message = client.messages.create(model="claude-x", max_tokens=10, messages=[{"role": "user", "content": "Hi"}])
        print(message.content[0].text)
        ''', ["message.content[0].text"]),
    "method_and_first_access_only": ('''
        class Bot:
            def reply(self, messages):
                r = self.client.chat.completions.create(model="gpt-x", messages=messages)
                self.history.append(r.choices[0].message.content)
                return r.choices[0].message.content
        ''', ["r.choices[0].message.content"]),
    "stop_reason_checked_for_length_only": ('''
        def reply(client, messages):
            r = client.messages.create(model="claude-x", max_tokens=10, messages=messages)
            if r.stop_reason == "max_tokens":
                raise RuntimeError("truncated")
            return r.content[0].text
        ''', ["r.content[0].text"]),
}

PL403_GOOD = {
    "match_on_stop_reason": '''
        def reply(client, messages):
            r = client.messages.create(model="claude-x", max_tokens=10, messages=messages)
            match r.stop_reason:
                case "refusal":
                    return None
            return r.content[0].text
        ''',
    "classifier_call": '''
        def reply(client, messages):
            r = client.messages.create(model="claude-x", max_tokens=10, messages=messages)
            text = r.content[0].text
            if classify_reply(text) == "refused":
                return None
            return text
        ''',
    "finish_reason_in_set": '''
        def reply(client, messages):
            c = client.chat.completions.create(model="gpt-x", messages=messages)
            if c.choices[0].finish_reason in ("content_filter", "length"):
                return None
            return c.choices[0].message.content
        ''',
    # tests/fixtures/python/varied.py: a refusal-phrase test on the reply text is a check (was a false positive)
    "refusal_phrase_test": '''
        def chat(oai, messages):
            out = oai.chat.completions.create(model="gpt-4o-mini", messages=messages, temperature=0)
            text = out.choices[0].message.content
            if "I can't" in text:
                out = oai.chat.completions.create(model="gpt-4o", messages=messages, temperature=0.9)
            return out
        ''',
    "not_a_model_response": '''
        def render(doc):
            page = load_page(doc)
            return page.content[0].text
        ''',
}


@pytest.mark.parametrize(("src", "expected"), PL403_BAD.values(), ids=PL403_BAD.keys())
def test_pl403_bad(src: str, expected: list[str]) -> None:
    assert flagged("PL403", src) == expected


@pytest.mark.parametrize("src", PL403_GOOD.values(), ids=PL403_GOOD.keys())
def test_pl403_good(src: str) -> None:
    assert flagged("PL403", src) == []


def test_pl403_is_opt_in() -> None:
    assert RULES["PL403"].default_enabled is False
    assert all(RULES[c].default_enabled for c in ("PL402", "PL404"))


# --------------------------------------------------------------------------- PL404

PL404_BAD = {
    "openai_subtasks_from_planner": ('''
        def execute(client, subtasks):
            out = []
            for subtask in subtasks:
                c = client.chat.completions.create(
                    model="gpt-x",
                    messages=[{"role": "user", "content": f"Do this: {subtask}"}],
                )
                out.append(c.choices[0].message.content)
            return out
        ''', ['[{"role": "user", "content": f"Do this: {subtask}"}]']),
    "step_message_built_in_two_hops": ('''
        def execute(client, plan):
            for n, step in enumerate(plan):
                text = step.strip()
                prompt = f"Step {n}: {text}"
                client.messages.create(model="claude-x", max_tokens=10, messages=[{"role": "user", "content": prompt}])
        ''', ['[{"role": "user", "content": prompt}]']),
    "async_loop_over_plan_attribute": ('''
        async def execute(client, plan):
            for step in plan.steps:
                await client.messages.create(model="claude-x", max_tokens=10,
                                             messages=[{"role": "user", "content": step.description}])
        ''', ['[{"role": "user", "content": step.description}]']),
}

PL404_GOOD = {
    "system_message_in_list": '''
        def execute(client, plan):
            for step in plan:
                client.chat.completions.create(model="gpt-x", messages=[
                    {"role": "system", "content": "You help Acme's SRE team run incident runbooks."},
                    {"role": "user", "content": step},
                ])
        ''',
    "instructions_keyword": '''
        def execute(client, plan, instructions):
            for step in plan:
                client.responses.create(model="gpt-x", instructions=instructions, input=step)
        ''',
    "history_plus_equals": '''
        def execute(client, plan):
            history = []
            for step in plan:
                history += [{"role": "user", "content": step}]
                client.messages.create(model="claude-x", max_tokens=10, messages=history)
        ''',
    "task_parameter_interpolated": '''
        def execute(client, task, plan):
            for step in plan:
                client.messages.create(model="claude-x", max_tokens=10,
                                       messages=[{"role": "user", "content": f"{task}\\n\\nNext: {step}"}])
        ''',
    "chain_carries_its_own_prompt": '''
        def execute(chain, plan):
            for step in plan:
                chain.invoke({"input": step})
        ''',
    "independent_benchmark_tasks": '''
        def evaluate(client, benchmark_tasks):
            for task in benchmark_tasks:
                client.messages.create(model="claude-x", max_tokens=10,
                                       messages=[{"role": "user", "content": task["prompt"]}])
        ''',
    "messages_do_not_depend_on_step": '''
        def execute(client, plan, messages):
            for step in plan:
                client.messages.create(model="claude-x", max_tokens=10, messages=messages)
        ''',
}


@pytest.mark.parametrize(("src", "expected"), PL404_BAD.values(), ids=PL404_BAD.keys())
def test_pl404_bad(src: str, expected: list[str]) -> None:
    assert flagged("PL404", src) == expected


@pytest.mark.parametrize("src", PL404_GOOD.values(), ids=PL404_GOOD.keys())
def test_pl404_good(src: str) -> None:
    assert flagged("PL404", src) == []


# --------------------------------------------------------------------------- the example app


def _example_codes(extend_select: list[str]) -> dict[str, list[int]]:
    config = Config(root=ROOT, extend_select=extend_select)
    report = lint_paths([ROOT / "examples" / "support_desk" / "agent_loop.py"], config, load_rules())
    codes: dict[str, list[int]] = {}
    for finding in report.findings:
        codes.setdefault(finding.code, []).append(finding.line)
    return codes


def test_example_app_shows_each_code_rule() -> None:
    """agent_loop.py: PL402 and PL404 by default, PL403 once it is selected; the right-way loop stays quiet."""
    default = _example_codes([])
    assert "PL402" in default and "PL404" in default and "PL403" not in default
    opted_in = _example_codes(["PL403"])
    assert len(opted_in["PL403"]) == 1
    source = (ROOT / "examples" / "support_desk" / "agent_loop.py").read_text(encoding="utf-8").splitlines()
    good_start = next(i for i, line in enumerate(source, 1) if line.startswith("def run_plan_with_context"))
    assert all(line < good_start for lines in opted_in.values() for line in lines if lines)
