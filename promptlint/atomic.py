"""Atomic writes: a temporary file beside the target, then a rename.

Readers (and a crash half-way) never see half a file. Every writer of promptlint
goes through here: the result and rule caches, the response cache, `fix` and
`--add-noqa`.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

#: Flags of the temporary file: created new (never an existing file or a planted symlink), 0600.
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _temporary(path: Path) -> tuple[int, str]:
    """`tempfile.mkstemp(dir=path.parent)`, without importing tempfile (random, shutil: ~5 ms of start-up)."""
    for _ in range(100):
        tmp = os.path.join(path.parent, f".{path.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(tmp, _CREATE, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


def replace_file(path: Path, data: bytes, *, mode: int | None = None, fsync: bool = False) -> None:
    """Write `data` to `path` atomically.

    The temporary file is created 0600 (mkstemp), which is what caches want; a
    rewritten source file passes its own `mode` so it keeps its permissions.
    """
    fd, tmp = _temporary(path)
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
