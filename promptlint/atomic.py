"""Atomic writes: a temporary file beside the target, then a rename.

Readers (and a crash half-way) never see half a file. Every writer of promptlint
goes through here: the result and rule caches, the response cache, `fix` and
`--add-noqa`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def replace_file(path: Path, data: bytes, *, mode: int | None = None, fsync: bool = False) -> None:
    """Write `data` to `path` atomically.

    The temporary file is created 0600 (mkstemp), which is what caches want; a
    rewritten source file passes its own `mode` so it keeps its permissions.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def private_dir(path: Path) -> None:
    """`mkdir -p` with mode 0700 for every folder it creates (caches hold prompts)."""
    if path.is_dir():
        return
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
