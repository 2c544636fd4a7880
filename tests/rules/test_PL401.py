"""PL401 temperature-for-refusals on more shapes of retry code than its YAML examples.

Each bad case names the exact code the finding must cover; good cases must stay quiet. Besides loops and
branches in one function, the retry is followed through recursion (a method's too), helper functions and
methods of the same class, a retry counted by a helper object, refusal predicates of the module, and a
temperature raised by a method the retry loop calls.
"""

from __future__ import annotations

import textwrap

import pytest

from promptlint.rules_engine import load_rules, run_rules
from promptlint.rules_engine.examples import extraction_from_python

PL401 = [r for r in load_rules() if r.code == "PL401"]

CASES = {
"while_counter_bad": '''
def f(client, m):
    tries = 0
    while tries < 3:
        r = client.messages.create(model="x", max_tokens=5, temperature=0.2 * (tries + 1), messages=m)
        if r.stop_reason != "refusal":
            return r
        tries += 1
''',
"dict_params_bad": '''
def f(client, m):
    params = {"model": "x", "temperature": 0.2}
    for attempt in range(3):
        r = client.chat.completions.create(messages=m, **params)
        if is_refusal(r):
            params["temperature"] += 0.3
            continue
        return r
''',
"while_refusal_bad": '''
def f(client, m):
    t = 0.0
    r = client.messages.create(model="x", max_tokens=5, temperature=t, messages=m)
    while r.stop_reason == "refusal":
        t = min(1.0, t + 0.25)
        r = client.messages.create(model="x", max_tokens=5, temperature=t, messages=m)
    return r
''',
"branch_assign_const_bad": '''
def f(client, m):
    temperature = 0.2
    r = client.messages.create(model="x", max_tokens=5, temperature=temperature, messages=m)
    if looks_like_refusal(r.content[0].text):
        temperature = 0.9
        r = client.messages.create(model="x", max_tokens=5, temperature=temperature, messages=m)
    return r
''',
"langchain_loop_bad": '''
from langchain_openai import ChatOpenAI
def f(prompt):
    for retry in range(3):
        llm = ChatOpenAI(model="gpt-x", temperature=0.3 + retry * 0.3)
        out = llm.invoke(prompt)
        if "I cannot" not in out.content:
            return out
''',
"sweep_good": '''
def f(client, m):
    out = []
    for t in [0.0, 0.4, 0.8]:
        out.append(client.messages.create(model="x", max_tokens=5, temperature=t, messages=m))
    return out
''',
"retry_on_error_good": '''
import time
def f(client, m, temperature=0.3):
    for attempt in range(5):
        try:
            return client.messages.create(model="x", max_tokens=5, temperature=temperature, messages=m)
        except Exception:
            time.sleep(2 ** attempt)
''',
"refusal_same_temp_good": '''
def f(client, m):
    r = client.messages.create(model="x", max_tokens=5, temperature=0.5, messages=m)
    if r.stop_reason == "refusal":
        return None
    return r
''',
"syntax_error": "def f(:\n",
"refusal_lower_good": '''
def f(client, m):
    r = client.messages.create(model="x", max_tokens=5, messages=m)
    if r.stop_reason == "refusal":
        r = client.messages.create(model="x", max_tokens=5, temperature=0.0, messages=m)
    return r
''',
"helper_counter_instance": '''
class Retrier:
    def __init__(self):
        self.attempts = 0
    def next(self):
        self.attempts += 1
        return self.attempts <= 3
def ask(client, q):
    r = Retrier()
    while r.next():
        resp = client.messages.create(model="m", max_tokens=5, temperature=0.2 + 0.3 * r.attempts, messages=q)
        if resp.stop_reason != "refusal":
            return resp
''',
"should_retry_predicate": '''
def should_retry(response, attempt):
    return response.stop_reason == "refusal" and attempt < 3
def ask(client, q):
    attempt = 0
    temperature = 0.3
    response = client.messages.create(model="m", max_tokens=5, temperature=temperature, messages=q)
    while should_retry(response, attempt):
        attempt += 1
        temperature += 0.2
        response = client.messages.create(model="m", max_tokens=5, temperature=temperature, messages=q)
    return response
''',
"method_recursion": '''
class Bot:
    def __init__(self, client):
        self.client = client
    def ask(self, q, temperature=0.2, tries=0):
        r = self.client.chat.completions.create(model="gpt-4o", temperature=temperature, messages=q)
        if r.choices[0].message.refusal and tries < 3:
            return self.ask(q, temperature=temperature + 0.3, tries=tries + 1)
        return r
''',
"recursion_helper_temp_from_depth": '''
def temp_for(depth):
    return 0.2 + depth * 0.25
def ask(client, q, depth=0):
    r = client.messages.create(model="m", max_tokens=5, temperature=temp_for(depth), messages=q)
    if r.stop_reason == "refusal" and depth < 3:
        return ask(client, q, depth + 1)
    return r
''',
"loop_calls_method_with_attempt": '''
class Writer:
    def _send(self, q, attempt):
        return self.client.messages.create(model="m", max_tokens=5, temperature=0.1 + attempt * 0.3, messages=q)
    def write(self, q):
        for attempt in range(4):
            r = self._send(q, attempt)
            if r.stop_reason != "refusal":
                return r
''',
"blocked_predicate_branch": '''
def blocked(r):
    return r.stop_reason == "refusal"
def ask(client, q):
    r = client.messages.create(model="m", max_tokens=5, temperature=0.2, messages=q)
    if blocked(r):
        r = client.messages.create(model="m", max_tokens=5, temperature=0.95, messages=q)
    return r
''',
"usable_predicate_loop": '''
def usable(r):
    return r.stop_reason != "refusal"
def ask(client, q):
    t = 0.1
    for _ in range(3):
        r = client.messages.create(model="m", max_tokens=5, temperature=t, messages=q)
        if usable(r):
            return r
        t = t + 0.4
''',
"hook_in_loop": '''
class Sampler:
    temperature = 0.2
    def bump(self):
        self.temperature = self.temperature * 1.5
    def run(self, q):
        for _ in range(3):
            r = self.client.messages.create(model="m", max_tokens=5, temperature=self.temperature, messages=q)
            if r.stop_reason != "refusal":
                return r
            self.bump()
''',
"recursion_same_temp_good": '''
def ask(client, q, temperature=0.5, tries=0):
    r = client.messages.create(model="m", max_tokens=5, temperature=temperature, messages=q)
    if r.stop_reason == "refusal" and tries < 2:
        return ask(client, q + [{"role": "user", "content": "Context: I am a nurse."}], temperature, tries + 1)
    return r
''',
"recursion_lower_temp_good": '''
def ask(client, q, temperature=0.9, tries=0):
    r = client.messages.create(model="m", max_tokens=5, temperature=temperature, messages=q)
    if r.stop_reason == "refusal" and tries < 2:
        return ask(client, q, temperature=temperature - 0.3, tries=tries + 1)
    return r
''',
"descending_ladder_good": '''
def ask(client, q):
    for t in [0.9, 0.5, 0.1]:
        r = client.messages.create(model="m", max_tokens=5, temperature=t, messages=q)
        if r.stop_reason != "refusal":
            return r
''',
"json_retry_hotter_but_no_refusal_good": '''
import json
def parse(client, q):
    t = 0.0
    for _ in range(3):
        r = client.messages.create(model="m", max_tokens=5, temperature=t, messages=q)
        try:
            return json.loads(r.content[0].text)
        except ValueError:
            t += 0.3
''',
"class_error_retry_good": '''
class Bot:
    temperature = 0.3
    def ask(self, q):
        for attempt in range(3):
            try:
                return self.client.messages.create(model="m", max_tokens=5, temperature=self.temperature, messages=q)
            except TimeoutError:
                continue
''',
"refusal_flag_variable": '''
def ask(client, q):
    temperature = 0.2
    done = False
    while not done:
        r = client.messages.create(model="m", max_tokens=5, temperature=temperature, messages=q)
        done = r.stop_reason != "refusal"
        if not done:
            temperature = temperature + 0.3
    return r
''',
"refusal_exception_handler": '''
class RefusalError(Exception):
    pass
def ask(client, q):
    t = 0.1
    for _ in range(3):
        try:
            return parse_or_raise(client.messages.create(model="m", max_tokens=5, temperature=t, messages=q))
        except RefusalError:
            t += 0.4
''',
"settings_rebuilt_hotter_by_a_strategy": '''
from dataclasses import dataclass, replace
@dataclass(frozen=True)
class Sampling:
    temperature: float = 0.3
class Warmer:
    def after_refusal(self, s):
        return replace(s, temperature=s.temperature * 1.5)
def ask(client, q, policy):
    s = Sampling()
    for _ in range(3):
        r = client.messages.create(model="m", max_tokens=5, temperature=s.temperature, messages=q)
        if r.stop_reason != "refusal":
            return r
        s = policy.after_refusal(s)
''',
"params_dict_rebuilt_hotter": '''
def ask(client, q):
    params = {"model": "gpt-4o", "temperature": 0.2}
    for _ in range(3):
        r = client.chat.completions.create(messages=q, **params)
        if r.choices[0].finish_reason != "content_filter":
            return r
        params = {**params, "temperature": params["temperature"] + 0.3}
''',
"model_object_warmed_after_refusal": '''
from langchain_openai import ChatOpenAI
def ask(prompt):
    llm = ChatOpenAI(model="gpt-4o", temperature=0.2)
    reply = llm.invoke(prompt)
    if "I can't" in reply.content:
        llm.temperature = 0.9
        reply = llm.invoke(prompt)
    return reply
''',
"kwargs_get_raised_in_branch": '''
def ask(client, q, **kwargs):
    r = client.messages.create(model="m", max_tokens=5, messages=q, **kwargs)
    if r.stop_reason == "refusal":
        kwargs["temperature"] = kwargs.get("temperature", 0.2) + 0.5
        r = client.messages.create(model="m", max_tokens=5, messages=q, **kwargs)
    return r
''',
"refusal_default_then_high_bad": '''
def f(client, m):
    r = client.messages.create(model="x", max_tokens=5, messages=m)
    if r.stop_reason == "refusal":
        r = client.messages.create(model="x", max_tokens=5, temperature=1.3, messages=m)
    return r
''',
"context_manager_warms_the_model_after_a_refusal": '''
from contextlib import contextmanager
from langchain_openai import ChatOpenAI
llm = ChatOpenAI(model="gpt-4o", temperature=0.1)
@contextmanager
def warmer(model, delta=0.4):
    original = model.temperature
    model.temperature = original + delta
    try:
        yield model
    finally:
        model.temperature = original
def is_stonewall(text):
    return text.lstrip().startswith(("I'm sorry", "I can't"))
def answer(question):
    reply = llm.invoke(question).content
    if is_stonewall(reply):
        with warmer(llm) as hot:
            reply = hot.invoke(question).content
    return reply
''',
"context_manager_cools_the_model_after_a_refusal_good": '''
from contextlib import contextmanager
from langchain_openai import ChatOpenAI
llm = ChatOpenAI(model="gpt-4o", temperature=0.7)
@contextmanager
def steady(model):
    original = model.temperature
    model.temperature = 0.0
    try:
        yield model
    finally:
        model.temperature = original
def answer(question):
    reply = llm.invoke(question).content
    if reply.startswith("I can't"):
        with steady(llm) as cold:
            reply = cold.invoke(question).content
    return reply
''',
"context_manager_warms_for_creative_requests_good": '''
from contextlib import contextmanager
from langchain_openai import ChatOpenAI
llm = ChatOpenAI(model="gpt-4o", temperature=0.1)
@contextmanager
def warmer(model, delta=0.4):
    original = model.temperature
    model.temperature = original + delta
    try:
        yield model
    finally:
        model.temperature = original
def answer(question, creative):
    if creative:
        with warmer(llm) as hot:
            return hot.invoke(question).content
    reply = llm.invoke(question).content
    if reply.startswith("I can't"):
        return "Sorry, we cannot help with that."
    return reply
''',
"next_temperature_from_a_helper": '''
from langchain_openai import ChatOpenAI
def bump(t):
    return t * 2 if t else 0.4
def refused(text):
    return "can't help with" in text.lower()
def ask(question):
    t = 0.0
    content = ""
    for _ in range(3):
        chat = ChatOpenAI(model="gpt-4o", temperature=t)
        content = chat.invoke(question).content
        if not refused(content):
            break
        t = bump(t)
    return content
''',
"next_temperature_from_a_cooling_helper_good": '''
from langchain_openai import ChatOpenAI
def cool(t):
    return max(0.0, t - 0.3)
def refused(text):
    return "can't help with" in text.lower()
def ask(question):
    t = 0.9
    content = ""
    for _ in range(3):
        chat = ChatOpenAI(model="gpt-4o", temperature=t)
        content = chat.invoke(question).content
        if not refused(content):
            break
        t = cool(t)
    return content
''',
}

EXPECTED = {
    'while_counter_bad': ['0.2 * (tries + 1)'],
    'dict_params_bad': ['params["temperature"] += 0.3'],
    'while_refusal_bad': ['t = min(1.0, t + 0.25)'],
    'branch_assign_const_bad': ['temperature = 0.9'],
    'langchain_loop_bad': ['0.3 + retry * 0.3'],
    'refusal_default_then_high_bad': ['1.3'],
    'model_object_warmed_after_refusal': ['llm.temperature = 0.9'],
    'kwargs_get_raised_in_branch': ['kwargs["temperature"] = kwargs.get("temperature", 0.2) + 0.5'],
    'settings_rebuilt_hotter_by_a_strategy': ['s.temperature * 1.5'],
    'params_dict_rebuilt_hotter': ['params["temperature"] + 0.3'],
    'refusal_flag_variable': ['temperature = temperature + 0.3'],
    'refusal_exception_handler': ['t += 0.4'],
    'helper_counter_instance': ['0.2 + 0.3 * r.attempts'],
    'should_retry_predicate': ['temperature += 0.2'],
    'method_recursion': ['temperature + 0.3'],
    'recursion_helper_temp_from_depth': ['temp_for(depth)'],
    'loop_calls_method_with_attempt': ['0.1 + attempt * 0.3'],
    'blocked_predicate_branch': ['0.95'],
    'usable_predicate_loop': ['t = t + 0.4'],
    'hook_in_loop': ['self.temperature = self.temperature * 1.5'],
    'context_manager_warms_the_model_after_a_refusal': ['model.temperature = original + delta'],
    'next_temperature_from_a_helper': ['t = bump(t)'],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_pl401_case(name: str) -> None:
    extraction = extraction_from_python(textwrap.dedent(CASES[name]).lstrip("\n"))
    flagged = [extraction.source.text[f.span[0]:f.span[1]] for f in run_rules(extraction, PL401)]
    assert flagged == EXPECTED.get(name, [])
