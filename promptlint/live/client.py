"""Model clients: one `send(Request) -> Response` over the Anthropic SDK or an OpenAI-compatible server.

Why our own retry loop: the SDK retries 408/409/429/5xx itself and obeys a
`retry-after` of any length (it caps only at ~50 days), so one overloaded
minute could stall a probe for an hour. The SDK client is built with
`max_retries=0`; `send` retries a bounded number of times, waits what
`retry-after` asks but never more than `max_retry_after`, and turns every
failure into an `LLMError` whose message is ours (status and kind, never the
response body or the request headers), so the API key cannot leak through it.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

#: Environment variable holding the key, per provider.
KEY_ENV = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}
PROVIDERS = tuple(KEY_ENV)
DEFAULT_MAX_TOKENS = 512
#: Kinds of failure that a later attempt may not repeat.
RETRYABLE = frozenset({"rate_limit", "overloaded", "server", "timeout", "connection", "malformed"})


class MissingKeyError(Exception):
    """No API key in the environment: the CLI prints the message and exits 2 before sending anything."""


class LLMError(Exception):
    """A request that failed for good (after retries). `kind` is one of the names in `describe_kind`."""

    def __init__(self, kind: str, message: str, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.attempts = attempts


#: Sampling and output parameters each API accepts, as a suite names them (see docs/probe.md). The
#: Anthropic SDK 2.x takes no temperature / top_p / top_k: sending one would be a 400 on every request.
ACCEPTED_PARAMS = {
    "anthropic": ("stop_sequences", "effort"),
    "openai": ("temperature", "top_p", "seed", "stop", "presence_penalty", "frequency_penalty"),
}


@dataclass(frozen=True, slots=True)
class Request:
    """What is sent: an optional system prompt, the conversation (role, content) and sampling parameters
    (sorted (name, value) pairs from `ACCEPTED_PARAMS`; lists as tuples so a request stays hashable)."""

    system: str | None
    messages: tuple[tuple[str, str], ...]
    max_tokens: int = DEFAULT_MAX_TOKENS
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def user(cls, text: str, system: str | None = None, max_tokens: int = DEFAULT_MAX_TOKENS) -> Request:
        return cls(system or None, (("user", text),), max_tokens)

    def message_dicts(self) -> list[dict[str, str]]:
        return [{"role": role, "content": content} for role, content in self.messages]


@dataclass(slots=True)
class Response:
    """The parts of a model reply that probing needs (and that the cache keeps)."""

    text: str
    stop_reason: str | None
    input_tokens: int = 0
    output_tokens: int = 0
    model: str = ""
    cached: bool = False
    attempts: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text, "stop_reason": self.stop_reason, "model": self.model,
            "usage": {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens},
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Response:
        usage = data.get("usage") or {}
        return cls(
            text=str(data.get("text") or ""),
            stop_reason=data.get("stop_reason"),
            input_tokens=int(usage.get("input_tokens") or 0),
            output_tokens=int(usage.get("output_tokens") or 0),
            model=str(data.get("model") or ""),
        )


class ModelClient(Protocol):
    """What probing needs from a provider."""

    provider: str
    model: str

    @property
    def endpoint(self) -> str: ...

    def send(self, request: Request) -> Response: ...

    def count_tokens(self, request: Request) -> int | None: ...


@dataclass
class RetryPolicy:
    """Bounded retries with exponential backoff; `retry-after` honoured up to `max_retry_after` seconds."""

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    #: Status lines (a capped wait, a long one): see promptlint.live.status.
    notify: Callable[[str], None] | None = field(default=None, repr=False)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None and retry_after > 0:
            return min(retry_after, self.max_retry_after)
        return min(self.base_delay * 2**attempt, self.max_delay) * (1 - 0.25 * random.random())

    def wait(self, attempt: int, retry_after: float | None, what: str) -> None:
        """Sleep before retry `attempt + 1`; say so when the server's retry-after was cut to the cap."""
        wait = self.delay(attempt, retry_after)
        if self.notify is not None and retry_after is not None and retry_after > self.max_retry_after:
            self.notify(f"{what}: the API asked to wait {retry_after:g} s (retry-after); waiting {wait:g} s, the "
                        f"cap (--max-retry-after), before retry {attempt + 1} of {self.max_retries}")
        elif self.notify is not None and wait >= 5:
            self.notify(f"{what}: waiting {wait:.0f} s before retry {attempt + 1} of {self.max_retries}")
        self.sleep(wait)


def resolve_api_key(provider: str, environ: Mapping[str, str] | None = None, *, base_url: str | None = None) -> str:
    """The key from the provider's environment variable; a local OpenAI-compatible server needs none."""
    environ = os.environ if environ is None else environ
    name = KEY_ENV.get(provider)
    if name is None:
        raise MissingKeyError(f"unknown provider {provider!r} (expected one of {', '.join(PROVIDERS)})")
    key = environ.get(name, "").strip()
    if key:
        return key
    if provider == "openai" and base_url:
        return "no-key"  # Ollama / vLLM / llama.cpp accept any key
    raise MissingKeyError(f"no API key: set {name} (nothing was sent)")


def redact(text: str, secret: str | None) -> str:
    """`text` with every occurrence of the secret replaced, for anything that might be shown."""
    if secret and len(secret) >= 4:
        return text.replace(secret, "[redacted]")
    return text


class _BaseClient:
    provider = ""

    def __init__(self, model: str, api_key: str, *, policy: RetryPolicy | None = None) -> None:
        self.model = model
        self._key = api_key
        self.policy = policy or RetryPolicy()

    def __repr__(self) -> str:  # never show the key
        return f"{type(self).__name__}(model={self.model!r})"

    def send(self, request: Request) -> Response:
        """One reply, retrying transient failures within the policy."""
        attempt = 0
        while True:
            try:
                response = self._send_once(request)
                response.attempts = attempt + 1
                return response
            except LLMError as exc:
                exc.attempts = attempt + 1
                retry_after = getattr(exc, "retry_after", None)
                if exc.kind not in RETRYABLE or attempt >= self.policy.max_retries:
                    raise
                failure = str(exc)
            except Exception as exc:  # an SDK error: classify, then the same decision
                err = self._classify(exc)
                err.attempts = attempt + 1
                retry_after = getattr(err, "retry_after", None)
                if err.kind not in RETRYABLE or attempt >= self.policy.max_retries:
                    raise err from None
                failure = str(err)
            self.policy.wait(attempt, retry_after, f"{self.model}: {failure}")
            attempt += 1

    def _send_once(self, request: Request) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError

    def count_tokens(self, request: Request) -> int | None:
        return None

    def _classify(self, exc: BaseException) -> LLMError:
        return classify_exception(exc, self._key)


def classify_exception(exc: BaseException, secret: str | None = None) -> LLMError:
    """Map an SDK (anthropic or openai; both are Stainless-generated) or httpx error to an `LLMError`."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        kind = _status_kind(status)
        err = LLMError(kind, f"{describe_kind(kind)} (HTTP {status})", status)
        err.retry_after = _retry_after(getattr(exc, "response", None))  # type: ignore[attr-defined]
        return err
    if "APITimeoutError" in names or "TimeoutException" in names or isinstance(exc, TimeoutError):
        return LLMError("timeout", describe_kind("timeout"))
    if "APIConnectionError" in names or "TransportError" in names or isinstance(exc, ConnectionError):
        return LLMError("connection", describe_kind("connection"))
    if "APIResponseValidationError" in names or isinstance(exc, json.JSONDecodeError | ValueError | KeyError):
        return LLMError("malformed", describe_kind("malformed"))
    return LLMError("unexpected", redact(f"unexpected error: {type(exc).__name__}", secret))


def _status_kind(status: int) -> str:
    if status in (401, 403):
        return "auth"
    if status == 429:
        return "rate_limit"
    if status == 529:
        return "overloaded"
    if status in (408,):
        return "timeout"
    if status == 409 or status >= 500:
        return "server"
    return "bad_request"


_KIND_TEXT = {
    "auth": "authentication failed: check the API key",
    "rate_limit": "rate limited",
    "overloaded": "the API is overloaded",
    "server": "server error",
    "timeout": "request timed out",
    "connection": "connection failed or dropped",
    "malformed": "malformed response (not the expected JSON)",
    "no_text": "the model returned no text",
    "bad_request": "request rejected",
    "budget": "budget exhausted",
    "aborted": "not sent after an authentication failure",
    "pending": "batch not collected yet (re-run to collect it)",
    "unknown": "an earlier batch submission could not be confirmed",
    "rejected": "reply rejected",
    "interrupted": "not sent: the run was interrupted",
    "unexpected": "unexpected error",
}


def describe_kind(kind: str) -> str:
    return _KIND_TEXT.get(kind, kind)


def _retry_after(response: Any) -> float | None:
    """Seconds from `retry-after-ms` / `retry-after` (seconds only; an HTTP date falls back to backoff)."""
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue
    return None


class AnthropicClient(_BaseClient):
    """The official SDK (2.x: `Authorization: Bearer`, no `temperature` parameter, so none is sent)."""

    provider = "anthropic"

    def __init__(
        self, model: str, api_key: str, *, base_url: str | None = None, timeout: float = 60.0,
        policy: RetryPolicy | None = None,
    ) -> None:  # fmt: skip
        super().__init__(model, api_key, policy=policy)
        import anthropic

        # api_key given explicitly: the SDK then reads no profile or credentials file.
        self._sdk = anthropic.Anthropic(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)

    @property
    def sdk(self) -> Any:
        """The SDK client (the batches API uses it directly)."""
        return self._sdk

    @property
    def endpoint(self) -> str:
        """The base URL requests really go to (an explicit one, ANTHROPIC_BASE_URL, or the SDK's default)."""
        return str(self._sdk.base_url)

    def _params(self, request: Request) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.model, "max_tokens": request.max_tokens, "messages": request.message_dicts(),
        }  # fmt: skip
        if request.system:
            params["system"] = request.system
        for name, value in request.params:
            if name == "effort":
                params["output_config"] = {"effort": value}
            else:
                params[name] = list(value) if isinstance(value, tuple) else value
        return params

    def _send_once(self, request: Request) -> Response:
        message = self._sdk.messages.create(**self._params(request))
        return message_to_response(message, self.model)

    def count_tokens(self, request: Request) -> int | None:
        """Input tokens as the API counts them; None when the endpoint is unavailable."""
        params = self._params(request)
        params.pop("max_tokens")
        try:
            return int(self._sdk.messages.count_tokens(**params).input_tokens)
        except Exception:
            return None


def message_to_response(message: Any, model: str) -> Response:
    """A `Message` (SDK object or plain dict) to a `Response`; no text and no refusal -> `LLMError("no_text")`."""
    if isinstance(message, str | bytes) or message is None:
        raise LLMError("malformed", describe_kind("malformed"))
    get = (lambda obj, key: obj.get(key)) if isinstance(message, dict) else (lambda obj, key: getattr(obj, key, None))
    content = get(message, "content")
    usage = get(message, "usage")
    stop = get(message, "stop_reason")
    if not isinstance(content, list) or usage is None:
        raise LLMError("malformed", describe_kind("malformed"))
    texts = []
    for block in content:
        block_get = (lambda obj, key: obj.get(key)) if isinstance(block, dict) else getattr
        if block_get(block, "type") == "text":
            texts.append(str(block_get(block, "text") or ""))
    text = "".join(texts)
    if not text.strip() and stop != "refusal":
        raise LLMError("no_text", describe_kind("no_text"))
    usage_get = (lambda obj, key: obj.get(key)) if isinstance(usage, dict) else getattr
    return Response(
        text=text,
        stop_reason=stop,
        input_tokens=int(usage_get(usage, "input_tokens") or 0),
        output_tokens=int(usage_get(usage, "output_tokens") or 0),
        model=str(get(message, "model") or model),
    )


#: OpenAI finish reasons in Messages API terms.
_FINISH = {"stop": "end_turn", "length": "max_tokens", "content_filter": "refusal", "tool_calls": "tool_use"}


class OpenAICompatClient(_BaseClient):
    """Chat Completions through the `openai` SDK (extra `promptlint-refusal[openai]`): Ollama, vLLM, llama.cpp."""

    provider = "openai"

    def __init__(
        self, model: str, api_key: str, *, base_url: str | None = None, timeout: float = 60.0,
        policy: RetryPolicy | None = None,
    ) -> None:  # fmt: skip
        super().__init__(model, api_key, policy=policy)
        try:
            import openai
        except ModuleNotFoundError:
            hint = "provider 'openai' needs the openai package: pip install 'promptlint-refusal[openai]'"
            raise MissingKeyError(hint) from None
        self._sdk = openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)

    @property
    def endpoint(self) -> str:
        """The base URL requests really go to."""
        return str(self._sdk.base_url)

    def _send_once(self, request: Request) -> Response:
        messages = ([{"role": "system", "content": request.system}] if request.system else []) + request.message_dicts()
        extra = {name: list(value) if isinstance(value, tuple) else value for name, value in request.params}
        completion = self._sdk.chat.completions.create(
            model=self.model, messages=messages, max_tokens=request.max_tokens, **extra
        )
        choices = getattr(completion, "choices", None)
        if not choices:
            raise LLMError("malformed", describe_kind("malformed"))
        choice = choices[0]
        message = choice.message
        stop = _FINISH.get(choice.finish_reason or "", choice.finish_reason)
        if getattr(message, "refusal", None):
            stop = "refusal"
        text = message.content or ""
        if not text.strip() and stop != "refusal":
            raise LLMError("no_text", describe_kind("no_text"))
        usage = completion.usage
        return Response(
            text=text, stop_reason=stop,
            input_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            output_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            model=str(getattr(completion, "model", "") or self.model),
        )  # fmt: skip


def make_client(
    provider: str, model: str, *, base_url: str | None = None, environ: Mapping[str, str] | None = None,
    timeout: float = 60.0, policy: RetryPolicy | None = None,
) -> ModelClient:  # fmt: skip
    """A client for the provider; raises `MissingKeyError` (nothing sent) when there is no key."""
    key = resolve_api_key(provider, environ, base_url=base_url)
    if provider == "anthropic":
        return AnthropicClient(model, key, base_url=base_url, timeout=timeout, policy=policy)
    return OpenAICompatClient(model, key, base_url=base_url, timeout=timeout, policy=policy)
