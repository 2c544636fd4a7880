"""The client layer against the local fake Messages API: the real SDK, faults, retries, no key leaks."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fakeapi import FAKE_KEY, FakeAPI, Rule

from promptlint.live.client import (
    AnthropicClient,
    LLMError,
    MissingKeyError,
    Request,
    RetryPolicy,
    make_client,
    resolve_api_key,
)


@pytest.fixture(autouse=True)
def _loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)


def _client(fake: FakeAPI, sleeps: list[float], *, retries: int = 2, timeout: float = 5.0) -> AnthropicClient:
    policy = RetryPolicy(max_retries=retries, max_retry_after=5.0, sleep=sleeps.append)
    return AnthropicClient("claude-haiku-4-5", fake.api_key, base_url=fake.base_url, timeout=timeout, policy=policy)


def test_reply_through_the_real_sdk_with_bearer_auth_and_version_header() -> None:
    with FakeAPI([Rule(refusal_p=0.0)]) as fake:
        response = _client(fake, []).send(Request.user("How do locks work?", "You are a locksmith tutor."))
        path, headers, body = fake.requests[-1]
    assert path == "/v1/messages"
    assert headers["authorization"] == f"Bearer {FAKE_KEY}"
    assert "anthropic-version" in headers
    assert body["system"] == "You are a locksmith tutor." and "temperature" not in body
    assert response.text.startswith("Sure.") and response.stop_reason == "end_turn"
    assert response.input_tokens == 9 and response.output_tokens > 0


def test_count_tokens_endpoint() -> None:
    with FakeAPI() as fake:
        assert _client(fake, []).count_tokens(Request.user("one two three", "sys")) == 4


@pytest.mark.parametrize("fault", ["401", "403"])
def test_auth_failures_are_not_retried(fault: str) -> None:
    sleeps: list[float] = []
    with FakeAPI([Rule(fault=fault)]) as fake:
        with pytest.raises(LLMError) as info:
            _client(fake, sleeps).send(Request.user("hi"))
        assert fake.count("/v1/messages") == 1
    assert info.value.kind == "auth" and info.value.status == int(fault) and sleeps == []


def test_wrong_key_is_an_auth_error() -> None:
    with FakeAPI() as fake:
        client = AnthropicClient("m", "sk-wrong", base_url=fake.base_url, policy=RetryPolicy(sleep=lambda s: None))
        with pytest.raises(LLMError) as info:
            client.send(Request.user("hi"))
    assert info.value.kind == "auth"


def test_retry_after_is_obeyed_but_capped() -> None:
    sleeps: list[float] = []
    with FakeAPI([Rule(fault="429", times=2, retry_after="3600"), Rule()]) as fake:
        response = _client(fake, sleeps).send(Request.user("hi"))
        assert fake.count("/v1/messages") == 3
    assert sleeps == [5.0, 5.0]  # an hour asked, the cap (5 s here) waited
    assert response.attempts == 3


def test_short_retry_after_is_used_as_given() -> None:
    sleeps: list[float] = []
    with FakeAPI([Rule(fault="429", times=1, retry_after="2"), Rule()]) as fake:
        _client(fake, sleeps).send(Request.user("hi"))
    assert sleeps == [2.0]


@pytest.mark.parametrize(("fault", "kind"), [("529", "overloaded"), ("500", "server"), ("drop", "connection"),
                                             ("malformed", "malformed"), ("badshape", "malformed")])  # fmt: skip
def test_transient_faults_retry_then_succeed(fault: str, kind: str) -> None:
    sleeps: list[float] = []
    with FakeAPI([Rule(fault=fault, times=1), Rule()]) as fake:
        response = _client(fake, sleeps).send(Request.user("hi"))
    assert response.text and len(sleeps) == 1 and response.attempts == 2


@pytest.mark.parametrize(("fault", "kind"), [("529", "overloaded"), ("500", "server"), ("drop", "connection"),
                                             ("malformed", "malformed"), ("429", "rate_limit")])  # fmt: skip
def test_persistent_faults_give_up_after_the_bound(fault: str, kind: str) -> None:
    sleeps: list[float] = []
    with FakeAPI([Rule(fault=fault)]) as fake:
        with pytest.raises(LLMError) as info:
            _client(fake, sleeps, retries=2).send(Request.user("hi"))
        assert fake.count("/v1/messages") == 3
    assert info.value.kind == kind and info.value.attempts == 3 and len(sleeps) == 2
    assert FAKE_KEY not in str(info.value)


def test_timeout() -> None:
    with FakeAPI([Rule(fault="timeout")], hang=1.0) as fake, pytest.raises(LLMError) as info:
        _client(fake, [], retries=0, timeout=0.3).send(Request.user("hi"))
    assert info.value.kind == "timeout"


def test_no_text_is_an_error_but_a_refusal_stop_is_a_reply() -> None:
    with FakeAPI([Rule(fault="notext")]) as fake:
        with pytest.raises(LLMError) as info:
            _client(fake, []).send(Request.user("hi"))
        assert fake.count("/v1/messages") == 1  # not retried: the model answered
    assert info.value.kind == "no_text"
    with FakeAPI([Rule(fault="refusal_stop")]) as fake:
        response = _client(fake, []).send(Request.user("hi"))
    assert response.stop_reason == "refusal" and response.text == ""


def test_missing_key_sends_nothing() -> None:
    with pytest.raises(MissingKeyError, match="ANTHROPIC_API_KEY"):
        make_client("anthropic", "claude-haiku-4-5", environ={})
    assert resolve_api_key("openai", {}, base_url="http://127.0.0.1:1") == "no-key"
    with pytest.raises(MissingKeyError, match="OPENAI_API_KEY"):
        resolve_api_key("openai", {})


def test_client_repr_hides_the_key() -> None:
    client = make_client("anthropic", "claude-haiku-4-5", environ={"ANTHROPIC_API_KEY": FAKE_KEY})
    assert FAKE_KEY not in repr(client) and FAKE_KEY not in repr(vars(client).get("policy"))


@pytest.mark.skipif(importlib.util.find_spec("openai") is None, reason="openai SDK not installed (extra 'openai')")
def test_openai_compatible_endpoint() -> None:
    with FakeAPI([Rule(match="tutor", refusal_p=1.0)], api_key="local-key") as fake:
        client = make_client(
            "openai",
            "llama3",
            base_url=fake.base_url + "/v1",
            environ={"OPENAI_API_KEY": "local-key"},
            policy=RetryPolicy(sleep=lambda s: None),
        )
        response = client.send(Request.user("hi", "You are a tutor."))
        path, headers, body = fake.requests[-1]
    assert path == "/v1/chat/completions" and headers["authorization"] == "Bearer local-key"
    assert body["messages"][0] == {"role": "system", "content": "You are a tutor."}
    assert response.text.startswith("I can't") and response.stop_reason == "end_turn"
