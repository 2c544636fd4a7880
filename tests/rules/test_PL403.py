"""PL403 unchecked-refusal (opt-in) on more shapes of code than its YAML examples.

Bad cases name the exact code the finding must cover; good cases must stay quiet.
"""

from __future__ import annotations

import pytest

from promptlint.rules_engine import load_rules
from promptlint.rules_engine.examples import python_flagged as flagged

RULES = {r.code: r for r in load_rules()}


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
    "refusal_predicate_of_the_module": '''
        def blocked(r):
            return r.stop_reason == "refusal"
        def reply(client, messages):
            r = client.messages.create(model="claude-x", max_tokens=10, messages=messages)
            if blocked(r):
                return None
            return r.content[0].text
        ''',
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
