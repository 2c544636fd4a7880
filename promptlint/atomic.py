"""Atomic writes: a temporary file beside the target, then a rename.

Readers (and a crash half-way) never see half a file. Every writer of promptlint
goes through here: the result and rule caches, the response cache (`replace_file`), and
`fix` and `--add-noqa`, which rewrite users' files (`rewrite_file`: through symlinks, never
splitting hard links).
"""

from __future__ import annotations

import contextlib
import os
import stat
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


def replace_file(path: Path, data: bytes, *, mode: int | None = None, fsync: bool = False,
                 owner: tuple[int, int] | None = None) -> None:
    """Write `data` to `path` atomically.

    The temporary file is created 0600 (mkstemp), which is what caches want; a
    rewritten source file passes its own `mode` (and `owner`) so it keeps them.
    With `fsync`, the data and then the rename are flushed to disk.
    """
    fd, tmp = _temporary(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        if owner is not None and hasattr(os, "chown"):
            with contextlib.suppress(OSError):  # only root may give a file away; the group may still be kept
                os.chown(tmp, *owner)
        if mode is not None:
            os.chmod(tmp, mode)  # after chown, which clears set-user-ID and set-group-ID bits
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if fsync:
        _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


class WriteRefused(ValueError):
    """A user's file that `rewrite_file` will not replace; the message says why."""


def rewrite_file(path: Path, data: bytes, *, expected: bytes | None = None) -> Path:
    """Replace the content of a user's source file the way editors and formatters do; returns the file written.

    - A symlink is followed: the file it points to is replaced (atomically, beside it) and the link stays
      a link to it. (A rename over the link itself would turn it into a copy and leave its target unchanged.)
    - A file with more than one hard link is refused: a rename would give this name a new inode and split
      it from the others, and writing in place would change every linked copy without being crash-safe.
    - Mode and (when permitted) owner and group are kept; data and rename are flushed to disk.
    - With `expected`, the file must still hold exactly those bytes (nobody changed it since it was read).

    Raises `WriteRefused` with the reason, or OSError.
    """
    from promptlint.source import read_regular

    real = Path(os.path.realpath(path))
    info = os.stat(real)
    if not stat.S_ISREG(info.st_mode):
        raise WriteRefused("not a regular file")
    if info.st_nlink > 1:
        raise WriteRefused(f"it has {info.st_nlink} hard links: replacing it would split them and writing in place "
                           "would change every linked copy; break the link (copy the file over itself) to fix it")
    if expected is not None and read_regular(real) != expected:
        raise WriteRefused("the file changed on disk since it was read")
    replace_file(real, data, mode=stat.S_IMODE(info.st_mode), fsync=True, owner=(info.st_uid, info.st_gid))
    return real


def private_dir(path: Path) -> None:
    """`mkdir -p` with mode 0700 for every folder it creates (caches hold prompts)."""
    if path.is_dir():
        return
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
