"""Reading files into `SourceFile`s: size cap, binary detection, encodings.

Reading never raises: a file that cannot be read becomes a `ParseProblem`
(reported as PL000) and the run goes on.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from pathlib import Path

from promptlint.model import ParseProblem, SourceFile

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
#: Byte order marks of encodings no prompt file uses; named, rather than called binary (longest first).
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF16_LE, "UTF-16"),
              (codecs.BOM_UTF16_BE, "UTF-16"))
_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def python_encoding(head: bytes) -> str:
    """PEP 263: the coding cookie on line 1 or 2, else UTF-8."""
    for line in head.splitlines()[:2]:
        match = _CODING_RE.match(line)
        if match:
            return match.group(1).decode("ascii")
        if line.strip() and not line.lstrip().startswith(b"#"):
            break
    return "utf-8"


def decode(path: str, data: bytes, *, python: bool = False) -> SourceFile | ParseProblem:
    """Decode bytes; a BOM is dropped from the text and remembered.

    A NUL byte anywhere is reported where it is: no prompt format allows one (Python refuses the whole file).
    """
    for bom_bytes, name in _WIDE_BOMS:
        if data.startswith(bom_bytes):
            return ParseProblem(f"{name} encoded file; only UTF-8 (or a PEP 263 coding cookie) is supported")
    nul = data.find(b"\x00")
    if nul != -1:
        what = "binary file (NUL byte); not linted" if nul < 8192 else "NUL byte in the file; not linted"
        return ParseProblem(what, *byte_position(data, nul))
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8):]
    encoding = python_encoding(data[:1024]) if python and not bom else "utf-8"
    try:
        text = data.decode(encoding)
    except LookupError:
        return ParseProblem(f"unknown encoding {encoding!r} in coding cookie")
    except UnicodeDecodeError as exc:
        return ParseProblem(f"cannot decode as {encoding}: {exc.reason}", *byte_position(data, exc.start))
    return SourceFile(path=path, text=text, bom=bom, encoding=encoding)


def byte_position(data: bytes, index: int) -> tuple[int, int]:
    """1-based (line, column) of byte `index`, as `SourceFile.position` counts them: CR, CRLF and LF end a
    line; the column counts the characters before it (bytes that do not decode count one each)."""
    head = data[:index]
    line_start = max(head.rfind(b"\n"), head.rfind(b"\r")) + 1
    line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
    column = len(head[line_start:].decode("utf-8", "replace")) + 1
    return line, column


def read_source(path: Path, display_path: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceFile | ParseProblem:
    """Read and decode a file, never reading more than `max_bytes`, never blocking.

    See `read_regular`: a huge file costs one `stat`; a FIFO, socket or device is refused, before `open`
    when the type check sees it and by the opened descriptor when it was swapped in after that check.
    """
    try:
        data = read_regular(path, max_bytes)
    except FileTooLarge:
        return _too_large(max_bytes)
    except IsADirectoryError:
        return ParseProblem("is a directory")
    except NotRegularFile as exc:
        return ParseProblem(f"{exc.strerror}; not read")
    except RuntimeError:  # Python 3.11 reports some symlink loops this way
        return ParseProblem("cannot read file: symlink loop")
    except OSError as exc:
        return ParseProblem(f"cannot read file: {exc.strerror or exc}")
    return decode(display_path, data, python=path.suffix in (".py", ".pyi"))


class NotRegularFile(OSError):
    """A FIFO, socket or device where a file was expected (`strerror` says so)."""


class FileTooLarge(OSError):
    """A file over the size cap; nothing of it was read."""


#: Flags of every read of a user's file: a FIFO swapped in cannot block `open` (O_NONBLOCK; regular files
#: ignore it), a terminal never becomes ours (O_NOCTTY), the descriptor is not inherited (O_CLOEXEC).
_READ = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
         | getattr(os, "O_BINARY", 0))


def read_regular(path: str | os.PathLike[str], max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file; raises OSError (`NotRegularFile`, `FileTooLarge`, `IsADirectoryError`, ...).

    The type and size are checked with `stat` before opening, so a FIFO's writer is never woken and a huge
    file is never opened; then checked again on the opened descriptor, since the path may have been swapped
    between the two (opened non-blocking, a FIFO returns at once instead of waiting for a writer).
    """
    _check_kind(os.stat(path), max_bytes)
    fd = os.open(path, _READ)
    try:
        _check_kind(os.fstat(fd), max_bytes)
        chunks = []
        size = 0
        limit = -1 if max_bytes is None else max_bytes + 1
        while limit < 0 or size < limit:
            chunk = os.read(fd, (1 << 20) if limit < 0 else min(1 << 20, limit - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if max_bytes is not None and size > max_bytes:  # grew since the stat
        raise FileTooLarge(errno.EFBIG, f"file larger than {max_bytes} bytes")
    return b"".join(chunks)


def _check_kind(info: os.stat_result, max_bytes: int | None) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise NotRegularFile(errno.EINVAL, "not a regular file (FIFO, socket or device)")
    if max_bytes is not None and info.st_size > max_bytes:
        raise FileTooLarge(errno.EFBIG, f"file larger than {max_bytes} bytes")


def _too_large(max_bytes: int) -> ParseProblem:
    return ParseProblem(f"file larger than {max_bytes} bytes; skipped (raise `max-file-size` to lint it)")
