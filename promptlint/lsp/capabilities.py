"""What the language server offers, as plain data: its capabilities, and its default debounce.

Kept apart from pygls (`pygls_server`) and from the command line (`server`), which both import it: the
command line answers `initialize` itself before pygls is imported (see `server`), and `tests/test_lsp.py`
holds that answer equal to the one the pygls server gives.
"""

from __future__ import annotations

from typing import Any

#: Quiet time after an edit before a document is linted again (seconds; `--debounce`).
DEFAULT_DEBOUNCE = 0.3

#: The code action kinds the server offers (`promptlint.lsp.engine.FIX_ALL_KIND` is the second).
CODE_ACTION_KINDS = ["quickfix", "source.fixAll.promptlint"]
_ENCODINGS = ("utf-8", "utf-16", "utf-32")


def initialize_result(params: dict[str, Any]) -> dict[str, Any]:
    """What the pygls server answers to `initialize` with these params, as plain JSON data."""
    import promptlint

    client = params.get("capabilities") or {}
    encodings = (client.get("general") or {}).get("positionEncodings") or []
    encoding = next((e for e in encodings if e in _ENCODINGS), "utf-16")
    sync: dict[str, Any] = {"openClose": True, "change": 2}
    synchronization = (client.get("textDocument") or {}).get("synchronization") or {}
    for name in ("willSave", "willSaveWaitUntil"):  # pygls: asked for by the client, not offered by the server
        if synchronization.get(name):
            sync[name] = False
    sync["save"] = True
    return {
        "capabilities": {
            "positionEncoding": encoding,
            "textDocumentSync": sync,
            "codeActionProvider": {"codeActionKinds": list(CODE_ACTION_KINDS), "resolveProvider": False},
            "executeCommandProvider": {"commands": []},
            "workspace": {"workspaceFolders": {"supported": True, "changeNotifications": True}, "fileOperations": {}},
        },
        "serverInfo": {"name": "promptlint", "version": promptlint.__version__},
    }
