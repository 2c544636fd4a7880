"""What the caches are keyed by: digests of byte strings, and the stamp of promptlint's own code.

One digest (blake2b, 20 bytes) for every cache key: the result cache's (`result_cache`), the per-user
start-up cache's (`diskcache`) and the rule-set snapshot's (`rules_engine.snapshot`). `_blake2` is used
directly because `hashlib` loads OpenSSL, ~3 ms of every start.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

#: The `promptlint` package folder.
PACKAGE_DIR = Path(__file__).resolve().parent


def _blake2b(data: bytes = b"") -> object:
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - CPython always has it
        from hashlib import blake2b
    return blake2b(data, digest_size=20)


def digest_bytes(data: bytes) -> str:
    """The digest of one byte string."""
    return _blake2b(data).hexdigest()  # type: ignore[attr-defined]


def digest(parts: Iterable[bytes]) -> str:
    """One digest of several byte strings, each with its length (so the parts cannot run into each other)."""
    h = _blake2b()
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))  # type: ignore[attr-defined]
        h.update(part)  # type: ignore[attr-defined]
    return h.hexdigest()  # type: ignore[attr-defined]


def code_stamp(folders: Sequence[Path], suffixes: tuple[str, ...], *, recursive: bool) -> list[str]:
    """`path:size:mtime_ns` of the files with these suffixes under `folders`, in a stable order.

    A stat stamp, not a content hash: an edited checkout (an editable install changes without a version
    bump) or a retrained model gets a new stamp at the cost of a `stat` per file.
    """
    stamp: list[str] = []
    for folder in folders:
        for root, dirs, files in os.walk(folder):  # os.walk: several times faster than Path.rglob
            dirs[:] = sorted(d for d in dirs if d != "__pycache__") if recursive else []
            for name in sorted(files):
                if name.endswith(suffixes):
                    with contextlib.suppress(OSError):
                        stat = os.stat(os.path.join(root, name))
                        stamp.append(f"{root}/{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return stamp
