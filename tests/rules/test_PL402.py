"""PL402 model-downgrade-for-refusals on more shapes of code than its YAML examples, through the real engine and
the real Python extractor, and the model-size order it relies on.

Bad cases name the exact code the finding must cover; good cases must stay quiet. Besides branches and loops in
one function, a fallback is followed through recursion, helper functions and methods of the same class, a list
of models held by the class, a model attribute switched after a refusal and refusal predicates of the module.
"""

from __future__ import annotations

import pytest

from promptlint.checks.model_downgrade_for_refusals import is_smaller_model, model_size, model_tier
from promptlint.rules_engine.examples import python_flagged as flagged

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
    "class_fallback_self_models": ('''
        class Fallback:
            def __init__(self, client):
                self.client = client
                self.models = ["claude-opus-4-1", "claude-sonnet-4-5", "claude-haiku-4-5"]
            def ask(self, q):
                for model in self.models:
                    r = self.client.messages.create(model=model, max_tokens=5, messages=q)
                    if r.stop_reason != "refusal":
                        return r
        ''', ['model']),
    "method_helper_in_branch": ('''
        class Router:
            def _call(self, q, model="claude-opus-4-1"):
                return self.client.messages.create(model=model, max_tokens=5, messages=q)
            def ask(self, q):
                r = self._call(q)
                if r.stop_reason == "refusal":
                    r = self._call(q, model="claude-3-5-haiku-latest")
                return r
        ''', ['"claude-3-5-haiku-latest"']),
    "recursion_list_tail": ('''
        def ask(client, q, models=("gpt-4o", "gpt-4o-mini")):
            r = client.chat.completions.create(model=models[0], messages=q)
            if r.choices[0].finish_reason == "content_filter" and len(models) > 1:
                return ask(client, q, models[1:])
            return r
        ''', ['models[0]']),
    "class_attr_model_switched": ('''
        class Bot:
            model = "gpt-4.1"
            def ask(self, q):
                r = self.client.chat.completions.create(model=self.model, messages=q)
                if r.choices[0].message.refusal:
                    self.model = "gpt-4.1-nano"
                    r = self.client.chat.completions.create(model=self.model, messages=q)
                return r
        ''', ['"gpt-4.1-nano"']),
    "declined_predicate": ('''
        def declined(text):
            return text.lower().startswith(("i can't", "i cannot", "sorry"))
        def ask(client, q):
            r = client.chat.completions.create(model="gpt-4o", messages=q)
            if declined(r.choices[0].message.content):
                r = client.chat.completions.create(model="gpt-4o-mini", messages=q)
            return r
        ''', ['"gpt-4o-mini"']),
    "module_level_script_switches_model": ('''
        from openai import OpenAI
        client = OpenAI()
        model = "gpt-4o"
        r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "q"}])
        if r.choices[0].message.refusal:
            model = "gpt-4o-mini"
            r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "q"}])
        print(r.choices[0].message.content)
        ''', ['"gpt-4o-mini"']),
    "policy_object_names_the_fallback": ('''
        from dataclasses import dataclass
        @dataclass
        class Models:
            main: str = "claude-opus-4-1"
            spare: str = "claude-haiku-4-5"
        class Bot:
            def __init__(self, client, models=Models()):
                self.client, self.models = client, models
            def ask(self, q):
                r = self.client.messages.create(model=self.models.main, max_tokens=5, messages=q)
                if r.stop_reason == "refusal":
                    r = self.client.messages.create(model=self.models.spare, max_tokens=5, messages=q)
                return r
        ''', ["self.models.spare"]),
    "cursor_object_stepped_by_a_method": ('''
        class Cursor:
            def __init__(self, *names):
                self.names = list(names)
                self.at = 0
            @property
            def name(self):
                return self.names[self.at]
            def advance(self):
                self.at += 1
        def ask(client, q):
            cursor = Cursor("gpt-4.1", "gpt-4.1-mini")
            while True:
                r = client.chat.completions.create(model=cursor.name, messages=q)
                if not r.choices[0].message.refusal:
                    return r
                cursor.advance()
        ''', ["cursor.name"]),
    "queue_of_models_popped": ('''
        def ask(client, messages):
            queue = ["claude-opus-4-1", "claude-haiku-4-5"]
            while queue:
                model = queue.pop(0)
                r = client.messages.create(model=model, max_tokens=10, messages=messages)
                if r.stop_reason != "refusal":
                    return r
        ''', ["queue.pop(0)"]),
    "model_picked_by_attempt": ('''
        def ask(client, messages):
            for attempt in range(2):
                model = "gpt-4o" if attempt == 0 else "gpt-4o-mini"
                r = client.chat.completions.create(model=model, messages=messages)
                if not r.choices[0].message.refusal:
                    return r
        ''', ['"gpt-4o" if attempt == 0 else "gpt-4o-mini"']),
    "bedrock_converse": ('''
        def ask(bedrock, messages):
            r = bedrock.converse(modelId="anthropic.claude-3-sonnet-20240229-v1:0", messages=messages)
            if r["stopReason"] == "content_filtered" or is_refusal(r):
                r = bedrock.converse(modelId="anthropic.claude-3-haiku-20240307-v1:0", messages=messages)
            return r
        ''', ['"anthropic.claude-3-haiku-20240307-v1:0"']),
    "gemini_model_objects": ('''
        import google.generativeai as genai
        pro = genai.GenerativeModel("gemini-1.5-pro")
        flash = genai.GenerativeModel("gemini-1.5-flash")
        def ask(prompt):
            r = pro.generate_content(prompt)
            if "I can't" in r.text:
                r = flash.generate_content(prompt)
            return r
        ''', ["flash"]),
    "recursion_on_the_rest_of_the_list": ('''
        import litellm
        TIERS = ["groq/llama-3.3-70b-versatile", "groq/llama-3.1-8b-instant"]
        NOPE = ("i can't", "i cannot")
        def said_no(text):
            return text.strip().lower().startswith(NOPE)
        def generate(prompt, tiers=TIERS):
            model, rest = tiers[0], tiers[1:]
            out = litellm.completion(model=model, messages=[{"role": "user", "content": prompt}])
            text = out.choices[0].message.content
            if said_no(text) and rest:
                return generate(prompt, rest)
            return text
        ''', ["model"]),
    "itertools_chain_zipped_with_a_counter": ('''
        import itertools
        from litellm import completion
        PRIMARY = ["gemini/gemini-2.5-pro"]
        BACKUPS = ["gemini/gemini-2.5-flash", "gemini/gemini-2.5-flash-lite"]
        def ask(prompt):
            for attempt, model in zip(itertools.count(1), itertools.chain(PRIMARY, BACKUPS)):
                resp = completion(model=model, messages=[{"role": "user", "content": prompt}])
                if resp.choices[0].finish_reason != "content_filter":
                    return resp.choices[0].message.content
        ''', ["model"]),
    "dataclass_position_moved_by_a_method": ('''
        from dataclasses import dataclass, field
        SORRY = ("I can't", "I won't")
        @dataclass
        class FallbackClient:
            api: object
            chain: list = field(default_factory=lambda: ["claude-opus-4-1", "claude-haiku-4-5"])
            position: int = 0
            @property
            def current(self):
                return self.chain[self.position]
            def _next_model(self):
                if self.position + 1 >= len(self.chain):
                    return False
                self.position += 1
                return True
            def send(self, prompt):
                while True:
                    r = self.api.messages.create(model=self.current, max_tokens=5, messages=prompt)
                    text = r.content[0].text
                    if not text.startswith(SORRY):
                        return text
                    if not self._next_model():
                        return text
        ''', ["self.current"]),
    "while_refused_flag_steps_an_index": ('''
        from dataclasses import dataclass
        @dataclass
        class Tier:
            name: str
            params_b: int
        TIERS = [Tier("llama3.1:70b", 70), Tier("llama3.1:8b", 8)]
        SORRY = ("I can't", "I cannot")
        def run(local, prompt):
            idx, refused, text = 0, True, ""
            while refused and idx < len(TIERS):
                tier = TIERS[idx]
                r = local.chat.completions.create(model=tier.name, messages=prompt)
                text = r.choices[0].message.content
                refused = any(s in text[:80] for s in SORRY)
                idx += 1
            return text
        ''', ["tier.name"]),
    "langchain_with_fallbacks_on_a_refusal_exception": ('''
        from langchain_anthropic import ChatAnthropic
        from langchain_core.runnables import RunnableLambda
        class Declined(Exception):
            pass
        def reject_refusals(msg):
            if msg.response_metadata.get("stop_reason") == "refusal":
                raise Declined(msg.content)
            return msg.content
        guard = RunnableLambda(reject_refusals)
        big = ChatAnthropic(model="claude-sonnet-4-5") | guard
        small = ChatAnthropic(model="claude-3-5-haiku-latest") | guard
        chain = big.with_fallbacks([small], exceptions_to_handle=(Declined,))
        def ask(q):
            return chain.invoke([("human", f"Answer briefly: {q}")])
        ''', ['"claude-3-5-haiku-latest"']),
    "runnable_with_fallbacks_constructor": ('''
        from langchain_core.runnables import RunnableLambda, RunnableWithFallbacks
        from langchain_openai import ChatOpenAI
        class ModelSaidNo(RuntimeError):
            pass
        def _check(msg):
            if msg.additional_kwargs.get("refusal"):
                raise ModelSaidNo
            return msg
        resilient = RunnableWithFallbacks(
            runnable=ChatOpenAI(model="gpt-4o") | RunnableLambda(_check),
            fallbacks=[ChatOpenAI(model="gpt-4o-mini") | RunnableLambda(_check)],
            exceptions_to_handle=(ModelSaidNo,),
        )
        def ask(q):
            return resilient.invoke([("human", f"Answer briefly: {q}")])
        ''', ['"gpt-4o-mini"']),
    "helper_picks_the_cheaper_model_from_a_dict": ('''
        CHEAPER = {"gpt-4.1": "gpt-4.1-mini", "gpt-4.1-mini": "gpt-4.1-nano"}
        def cheaper(model):
            return CHEAPER.get(model, model)
        def ask(client, q, model="gpt-4.1"):
            r = client.chat.completions.create(model=model, messages=q)
            if r.choices[0].message.refusal:
                r = client.chat.completions.create(model=cheaper(model), messages=q)
            return r
        ''', ["cheaper(model)"]),
    "exception_raised_only_on_a_refusal_then_caught": ('''
        class ContentPolicyError(RuntimeError):
            pass

        def ask(client, model, prompt):
            text = client.chat.complete(model=model, messages=[{"role": "user", "content": prompt}]).choices[0].text
            if text.strip().lower().startswith(("i'm sorry", "i cannot")):
                raise ContentPolicyError(text)
            return text

        def summarise(client, prompt):
            try:
                return ask(client, "mistral-large-latest", prompt)
            except ContentPolicyError:
                return ask(client, "mistral-small-latest", prompt)
        ''', ['"mistral-small-latest"']),
    "helper_answers_a_refusal_with_none_and_the_caller_falls_back": ('''
        def primary(client, q):
            r = client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": q}])
            if r.choices[0].finish_reason == "content_filter":
                return None
            return r.choices[0].message.content

        def answer(client, q):
            result = primary(client, q)
            if result is None:
                result = client.chat.completions.create(model="gpt-4.1-nano", messages=[{"role": "user", "content": q}])
            return result
        ''', ['"gpt-4.1-nano"']),
    "a_deque_of_models_popped_until_no_refusal": ('''
        from collections import deque
        def translate(client, text):
            queue = deque(["llama-3.3-70b-versatile", "llama-3.1-8b-instant"])
            reply = ""
            while queue:
                model = queue.popleft()
                r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}])
                reply = r.choices[0].message.content or ""
                if "I cannot" not in reply:
                    break
            return reply
        ''', ["queue.popleft()"]),
    "a_reply_opening_with_sorry_alone": ('''
        def ask(client, messages):
            r = client.chat.completions.create(model="gpt-4o", messages=messages)
            if r.choices[0].message.content.startswith("Sorry"):
                r = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
            return r
        ''', ['"gpt-4o-mini"']),
}

PL402_GOOD = {
    "exception_raised_on_an_empty_reply_then_caught": '''
        class EmptyReply(RuntimeError):
            pass

        def ask(client, model, prompt):
            text = client.chat.complete(model=model, messages=[{"role": "user", "content": prompt}]).choices[0].text
            if not text.strip():
                raise EmptyReply(model)
            return text

        def summarise(client, prompt):
            try:
                return ask(client, "mistral-large-latest", prompt)
            except EmptyReply:
                return ask(client, "mistral-small-latest", prompt)
        ''',
    "helper_answers_a_network_error_with_none_and_the_caller_falls_back": '''
        import openai

        def primary(client, q):
            try:
                r = client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": q}])
            except openai.APIConnectionError:
                return None
            return r.choices[0].message.content

        def answer(client, q):
            result = primary(client, q)
            if result is None:
                result = client.chat.completions.create(model="gpt-4.1-nano", messages=[{"role": "user", "content": q}])
            return result
        ''',
    "with_fallbacks_on_rate_limits_good": '''
        from langchain_openai import ChatOpenAI
        from openai import APIStatusError, RateLimitError
        big = ChatOpenAI(model="gpt-4o")
        small = ChatOpenAI(model="gpt-4o-mini")
        chain = big.with_fallbacks([small], exceptions_to_handle=(RateLimitError, APIStatusError))
        any_error = big.with_fallbacks([small])
        def ask(q):
            return chain.invoke([("human", f"Answer briefly: {q}")])
        def guard(msg):
            if msg.additional_kwargs.get("refusal"):
                raise ValueError("refused")
            return msg
        ''',
    "with_fallbacks_on_an_exception_raised_for_empty_replies_good": '''
        from langchain_openai import ChatOpenAI
        from langchain_core.runnables import RunnableLambda
        class Empty(Exception):
            pass
        def guard(msg):
            if msg.additional_kwargs.get("refusal"):
                print("refused")
            if not msg.content:
                raise Empty()
            return msg
        chain = (ChatOpenAI(model="gpt-4o") | RunnableLambda(guard)).with_fallbacks(
            [ChatOpenAI(model="gpt-4o-mini") | RunnableLambda(guard)], exceptions_to_handle=(Empty,))
        def ask(q):
            return chain.invoke([("human", f"Answer briefly: {q}")])
        ''',
    "with_fallbacks_on_a_refusal_toward_a_larger_model_good": '''
        from langchain_openai import ChatOpenAI
        class RefusalError(Exception):
            pass
        def guard(msg):
            if msg.additional_kwargs.get("refusal"):
                raise RefusalError(msg.content)
            return msg
        small = ChatOpenAI(model="gpt-4o-mini")
        chain = small.with_fallbacks([ChatOpenAI(model="gpt-4o")], exceptions_to_handle=(RefusalError,))
        def ask(q):
            return chain.invoke([("human", f"Answer briefly: {q}")])
        ''',
    "recursion_on_the_rest_toward_larger_good": '''
        import litellm
        TIERS = ["groq/llama-3.1-8b-instant", "groq/llama-3.3-70b-versatile"]
        NOPE = ("i can't", "i cannot")
        def said_no(text):
            return text.strip().lower().startswith(NOPE)
        def generate(prompt, tiers=TIERS):
            model, rest = tiers[0], tiers[1:]
            text = litellm.completion(model=model, messages=prompt).choices[0].message.content
            if said_no(text) and rest:
                return generate(prompt, rest)
            return text
        ''',
    "itertools_chain_on_errors_good": '''
        import itertools
        from litellm import completion, RateLimitError
        PRIMARY = ["gemini/gemini-2.5-pro"]
        BACKUPS = ["gemini/gemini-2.5-flash"]
        def ask(prompt):
            for attempt, model in zip(itertools.count(1), itertools.chain(PRIMARY, BACKUPS)):
                try:
                    resp = completion(model=model, messages=prompt)
                except RateLimitError:
                    continue
                if resp.choices[0].finish_reason == "content_filter":
                    return None
                return resp.choices[0].message.content
        ''',
    "dataclass_position_moved_on_server_errors_good": '''
        from dataclasses import dataclass, field
        import anthropic
        @dataclass
        class FallbackClient:
            api: object
            chain: list = field(default_factory=lambda: ["claude-opus-4-1", "claude-haiku-4-5"])
            position: int = 0
            @property
            def current(self):
                return self.chain[self.position]
            def _next_model(self):
                self.position += 1
            def send(self, prompt):
                while True:
                    try:
                        r = self.api.messages.create(model=self.current, max_tokens=5, messages=prompt)
                    except anthropic.InternalServerError:
                        self._next_model()
                        continue
                    if r.stop_reason == "refusal":
                        return None
                    return r
        ''',
    "while_refused_flag_same_model_good": '''
        SORRY = ("I can't", "I cannot")
        TIERS = ["llama3.1:8b", "llama3.1:70b"]
        def run(local, prompt):
            idx, refused, text = 0, True, ""
            while refused and idx < len(TIERS):
                r = local.chat.completions.create(model=TIERS[idx], messages=prompt)
                text = r.choices[0].message.content
                refused = any(s in text[:80] for s in SORRY)
                idx += 1
            return text
        ''',
    "small_model_summarises_the_refusal_good": '''
        NOPE = ("i can't", "i cannot")
        def said_no(text):
            return text.lower().startswith(NOPE)
        def ask(client, q):
            r = client.chat.completions.create(model="gpt-4o", messages=q)
            text = r.choices[0].message.content
            if said_no(text):
                log(client.chat.completions.create(model="gpt-4o-mini",
                                                   messages=[{"role": "user", "content": f"Tag: {text}"}]))
            return text
        ''',
    "list_walked_on_errors_gives_up_on_a_refusal": '''
        import anthropic
        MODELS = ["claude-opus-4-1", "claude-haiku-4-5"]
        def ask(client, messages):
            for model in MODELS:
                try:
                    r = client.messages.create(model=model, max_tokens=10, messages=messages)
                except anthropic.APIError:
                    continue
                if r.stop_reason == "refusal":
                    raise PermissionError("refused")
                return r
        ''',
    "error_fallback_class_good": '''
        import openai
        class Bot:
            models = ["gpt-4o", "gpt-4o-mini"]
            def ask(self, q):
                for model in self.models:
                    try:
                        r = self.client.chat.completions.create(model=model, messages=q)
                    except openai.APIError:
                        continue
                    if r.choices[0].message.refusal:
                        return None
                    return r
        ''',
    "upgrade_recursion_good": '''
        TIERS = ["claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-1"]
        def ask(client, q, tier=0):
            r = client.messages.create(model=TIERS[tier], max_tokens=5, messages=q)
            if r.stop_reason == "refusal" and tier + 1 < len(TIERS):
                return ask(client, q, tier + 1)
            return r
        ''',
    "judge_on_small_model_good": '''
        def ask(client, q):
            r = client.messages.create(model="claude-opus-4-1", max_tokens=500, messages=q)
            if r.stop_reason == "refusal":
                verdict = client.messages.create(model="claude-haiku-4-5", max_tokens=5,
                                                 messages=[{"role": "user", "content": f"Justified? {q}"}])
                log(verdict)
                return None
            return r
        ''',

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
