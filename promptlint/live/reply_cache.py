"""On-disk cache of model responses, so re-running a probe costs nothing.

The key is a SHA-256 of (provider, the API base URL, model, system,
messages, max_tokens, sampling parameters, sample index): two servers that
serve the same model name (a local proxy, a second account's gateway) are
different sources of replies, and the sample index is part of it because N samples of one
prompt are N distinct draws, each cached once. A file holds only the reply
(text, stop reason, usage, model) — never the request headers or the key.
Files are written atomically and readable by the user only (0600, in a 0700
directory): prompts and replies may be private.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from promptlint.atomic import replace_file
from promptlint.live.client import Request, Response

CACHE_VERSION = 2


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/promptlint/responses` (or ~/.cache/...)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "promptlint" / "responses"


def cache_key(provider: str, model: str, request: Request, sample: int, endpoint: str = "") -> str:
    """Key of one sample; `endpoint` is the base URL the client really sends to (see `normal_endpoint`)."""
    payload = json.dumps(
        [CACHE_VERSION, provider, normal_endpoint(endpoint), model, request.system, list(request.messages),
         request.max_tokens, list(request.params), sample],
        ensure_ascii=False, separators=(",", ":"), default=str,
    )  # fmt: skip
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def normal_endpoint(url: str | None) -> str:
    """A base URL as a cache key part: scheme and host lowercased, no trailing slash."""
    if not url:
        return ""
    url = str(url).strip().rstrip("/")
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}"


class ResponseCache:
    """get/put by key; unreadable or corrupt entries count as misses (and are overwritten)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Response | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return None
        response = Response.from_json(data.get("response") or {})
        response.cached = True
        return response

    def put(self, key: str, response: Response) -> None:
        path = self._path(key)
        _make_private_dir(path.parent)
        data = json.dumps({"version": CACHE_VERSION, "response": response.to_json()}, ensure_ascii=False)
        replace_file(path, data.encode("utf-8"), mode=0o600)

    def discard(self, key: str) -> None:
        """Forget a reply that turned out unusable (a rewrite that failed its checks), so a re-run asks again."""
        with contextlib.suppress(OSError):
            self._path(key).unlink()


def _make_private_dir(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for folder in (directory, directory.parent):
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o700)


class NullCache:
    """No caching (`--no-cache`)."""

    def get(self, key: str) -> Response | None:
        return None

    def put(self, key: str, response: Response) -> None:
        return None

    def discard(self, key: str) -> None:
        return None
