"""Reading files into `SourceFile`s: size cap, binary detection, encodings.

Reading never raises: a file that cannot be read becomes a `ParseProblem`
(reported as PL000) and the run goes on.
"""

from __future__ import annotations

import codecs
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
    """Decode bytes; a BOM is dropped from the text and remembered."""
    for bom_bytes, name in _WIDE_BOMS:
        if data.startswith(bom_bytes):
            return ParseProblem(f"{name} encoded file; only UTF-8 (or a PEP 263 coding cookie) is supported")
    if b"\x00" in data[:8192]:
        return ParseProblem("binary file (NUL byte); not linted")
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8):]
    encoding = python_encoding(data[:1024]) if python and not bom else "utf-8"
    try:
        text = data.decode(encoding)
    except LookupError:
        return ParseProblem(f"unknown encoding {encoding!r} in coding cookie")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return ParseProblem(f"cannot decode as {encoding}: {exc.reason}", line, column)
    return SourceFile(path=path, text=text, bom=bom, encoding=encoding)


def read_source(path: Path, display_path: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceFile | ParseProblem:
    """Read and decode a file, never reading more than `max_bytes`.

    The size is checked before anything is read, so a huge file costs one `stat`; a FIFO, socket or
    device named on the command line is refused before `open`, which would block on a FIFO forever.
    """
    try:
        info = path.stat()
    except RuntimeError:  # Python 3.11 reports some symlink loops this way
        return ParseProblem("cannot read file: symlink loop")
    except OSError as exc:
        return ParseProblem(f"cannot read file: {exc.strerror or exc}")
    if stat.S_ISDIR(info.st_mode):
        return ParseProblem("is a directory")
    if not stat.S_ISREG(info.st_mode):
        return ParseProblem("not a regular file (FIFO, socket or device); not read")
    if info.st_size > max_bytes:
        return _too_large(max_bytes)
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except IsADirectoryError:
        return ParseProblem("is a directory")
    except OSError as exc:
        return ParseProblem(f"cannot read file: {exc.strerror or exc}")
    if len(data) > max_bytes:  # grew since the stat
        return _too_large(max_bytes)
    return decode(display_path, data, python=path.suffix in (".py", ".pyi"))


def _too_large(max_bytes: int) -> ParseProblem:
    return ParseProblem(f"file larger than {max_bytes} bytes; skipped (raise `max-file-size` to lint it)")
