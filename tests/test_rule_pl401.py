"""PL401 temperature-for-refusals on more shapes of retry code than its YAML examples.

Each bad case names the exact code the finding must cover; good cases must stay quiet.
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
"refusal_default_then_high_bad": '''
def f(client, m):
    r = client.messages.create(model="x", max_tokens=5, messages=m)
    if r.stop_reason == "refusal":
        r = client.messages.create(model="x", max_tokens=5, temperature=1.3, messages=m)
    return r
''',
}

EXPECTED = {
    'while_counter_bad': ['0.2 * (tries + 1)'],
    'dict_params_bad': ['params["temperature"] += 0.3'],
    'while_refusal_bad': ['t = min(1.0, t + 0.25)'],
    'branch_assign_const_bad': ['temperature = 0.9'],
    'langchain_loop_bad': ['0.3 + retry * 0.3'],
    'refusal_default_then_high_bad': ['1.3'],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_pl401_case(name: str) -> None:
    extraction = extraction_from_python(textwrap.dedent(CASES[name]).lstrip("\n"))
    flagged = [extraction.source.text[f.span[0]:f.span[1]] for f in run_rules(extraction, PL401)]
    assert flagged == EXPECTED.get(name, [])
