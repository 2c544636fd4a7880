"""The result cache: one index file per run key, a warm run answers unchanged files without opening them.

Per file (path and display path) it holds the findings, the `stat` fingerprint seen when they were
computed and the file's content key (`result_cache.ResultCache.file_key`: content, path, enabled codes, run).
Like git's index and ruff's cache: when size, mtime, ctime, inode and device are unchanged, the stored
findings are returned as they are; when the stat changed but the content key is the same (a touched
file, a fresh checkout, a CI clone with the cache folder restored) they are returned too, after one read.
One file for the whole tree, written once per run: a cold run over thousands of files does not write
thousands of entries.

Correctness rests on the fingerprint changing whenever the content can have changed. Two guards:

- "racy" entries (git's term): a file modified within `RACY_NS` of the moment its stat was taken
  could change again within the file system's timestamp granularity without its mtime moving, so
  such an entry is never trusted; the file goes through the content cache and is recorded again;
- the stat is taken before the file is read, so a write between the two gives a fingerprint that
  the next run does not match.

A promptfoo config's findings also depend on the prompt files it names (`Extraction.depends_on`), and a
Python file's on the files that use its texts as prompts or hold the texts it uses (the project join,
`promptlint.project`): their fingerprints are stored with the entry (None for a file that did not exist)
and must match too. The entry also keeps the file's facts for the join (so a warm run joins without
reading any file) and the part of the join's result its findings were computed with (its "digest"): when
another file's change changes how this file's texts are used, the digests differ and the file is linted
again, even though neither its stat nor its dependencies' changed (a new file that uses its texts).

One index per run key (rules, config, promptlint's own code: see `result_cache.run_key`), so a changed rule
or setting starts from an empty index; the newest few are kept. The file is written atomically, once,
at the end of a run that changed it; a corrupt or foreign index is an empty one.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from promptlint.model import Edit, Finding, Fix, Severity

#: A file whose mtime is this close to when its stat was taken is not trusted by stat alone.
RACY_NS = 2_000_000_000
#: Index files kept per cache folder (one per run key: other rule sets, configs, versions).
KEEP = 4
#: Bumped when the layout of an entry changes.
FORMAT = 4

#: (size, mtime_ns, ctime_ns, inode, device)
Fingerprint = tuple[int, int, int, int, int]


def fingerprint(path: Path | str) -> Fingerprint | None:
    """The stat fingerprint of a file, or None when it cannot be stat'ed (then it is read as usual)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


class StatIndex:
    """Findings of files by (path, display path) and stat fingerprint.

    The codes enabled for a file are not part of the key: they follow from the config and the rules
    (per-file-ignores included), which the run key, and so the index file, already stands for.
    """

    def __init__(self, folder: Path, run_key: str) -> None:
        self.path = Path(folder) / f"index-{run_key[:32]}.marshal"
        #: key -> (fingerprint, when it was taken, finding rows, [(dependency, its fingerprint)], content key,
        #: facts for the project join, digest of the join's result for this file)
        self.entries: dict[str, tuple[Any, ...]] = {}
        self.changed = False
        with contextlib.suppress(Exception):  # missing, unreadable, corrupt or foreign: empty
            data = marshal.loads(self.path.read_bytes())
            if isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("entries"), dict):
                self.entries = data["entries"]

    @staticmethod
    def key(path: Path | str, display: str) -> str:
        return f"{path}\0{display}"

    def lookup(self, key: str, stat: Fingerprint | None) -> list[Finding] | None:
        """The stored findings when the file's stat is unchanged and was not racy, else None."""
        if stat is None:
            return None
        entry = self.entries.get(key)
        if entry is None:
            return None
        try:
            seen, taken_ns, rows, deps, _content, _facts, _digest = entry
            if tuple(seen) != stat or stat[1] >= taken_ns - RACY_NS or not _deps_unchanged(deps, taken_ns):
                return None
            return _findings(rows)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            return None

    def has_content(self, key: str) -> bool:
        """Could `lookup_content` answer for this file (an entry with a content key, and no dependencies)?

        When not, reading the file to compute its content key would be wasted: it is linted anyway."""
        entry = self.entries.get(key)
        try:
            return entry is not None and entry[4] is not None and not entry[3]
        except (TypeError, IndexError, KeyError):
            return False

    def lookup_content(self, key: str, content_key: str) -> list[Finding] | None:
        """The stored findings when the file's content key is the one they were computed for.

        Only for files that depend on nothing else: a promptfoo config's prompt files are followed by stat.
        """
        entry = self.entries.get(key)
        if entry is None:
            return None
        try:
            _seen, _taken, rows, deps, content, _facts, _digest = entry
            return _findings(rows) if content == content_key and not deps else None
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            return None

    def facts(self, key: str) -> Any:
        """The facts stored for a file (None when unknown)."""
        entry = self.entries.get(key)
        try:
            return entry[5] if entry is not None else None
        except (TypeError, IndexError):
            return None

    def digest(self, key: str) -> Any:
        """The part of the project join the stored findings were computed with ([] when none)."""
        entry = self.entries.get(key)
        try:
            return (entry[6] if entry is not None else None) or []
        except (TypeError, IndexError):
            return []

    def unchanged_facts(self, skip: set[str]) -> dict[str, Any]:
        """Display path -> facts of the files with facts not in `skip` whose stat is unchanged."""
        out: dict[str, Any] = {}
        for key, entry in self.entries.items():
            try:
                facts = entry[5]
                if not facts:
                    continue
                path, _, display = key.partition("\0")
                if display in skip or display in out:
                    continue
                if fingerprint(path) == tuple(entry[0]):
                    out[display] = facts
            except (TypeError, IndexError, ValueError):
                continue
        return out

    def record(self, key: str, stat: Fingerprint | None, taken_ns: int, findings: Sequence[Finding],
               deps: Sequence[str] = (), content_key: str | None = None, facts: Any = None,
               digest: Any = None) -> None:
        """Remember the findings of a file whose stat, taken at `taken_ns` before reading it, was `stat`.

        Called only for files whose entry `lookup` did not trust, so the entry is always rewritten.
        `deps` (absolute paths) are stat'ed now, after the file was linted: a dependency written in
        between is seen as racy or changed next time, never as unchanged.
        """
        if stat is None:
            return
        rows = [finding_to_dict(f) for f in findings]
        dep_rows = [(dep, fingerprint(dep)) for dep in dict.fromkeys(deps)]
        self.entries[key] = (stat, taken_ns, rows, dep_rows, content_key, facts or None, digest or None)
        self.changed = True

    def save(self, write: Any) -> None:
        """Write the index (through `write(path, bytes)`) if it changed, and drop old indexes."""
        if not self.changed:
            return
        self.changed = False
        with contextlib.suppress(Exception):
            write(self.path, marshal.dumps({"format": FORMAT, "entries": self.entries}))
            _prune(self.path.parent)


def _deps_unchanged(deps: Sequence[Any], taken_ns: int) -> bool:
    for dep, dep_seen in deps:
        now = fingerprint(dep)
        if now != (tuple(dep_seen) if dep_seen is not None else None):
            return False
        if now is not None and now[1] >= taken_ns - RACY_NS:
            return False
    return True


def _findings(rows: list[dict[str, Any]]) -> list[Finding]:
    return [finding_from_dict(row) for row in rows]


def now_ns() -> int:
    return time.time_ns()


def _prune(folder: Path) -> None:
    """Keep the `KEEP` most recently written index files."""
    with contextlib.suppress(OSError):
        indexes = sorted(folder.glob("index-*.marshal"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for stale in indexes[KEEP:]:
            with contextlib.suppress(OSError):
                stale.unlink()


# -- findings as plain data -----------------------------------------------------------


def finding_to_dict(f: Finding) -> dict[str, Any]:
    """A JSON-safe dict holding every field of a Finding (its Fix included)."""
    fix = None
    if f.fix is not None:
        fix = {
            "message": f.fix.message, "applicability": f.fix.applicability,
            "edits": [[e.start, e.end, e.content] for e in f.fix.edits],
            "text_edits": [list(t) for t in f.fix.text_edits],
        }  # fmt: skip
    return {
        "code": f.code, "name": f.name, "severity": str(f.severity), "message": f.message, "path": f.path,
        "line": f.line, "column": f.column, "end_line": f.end_line, "end_column": f.end_column, "role": f.role,
        "fix": fix, "hint": f.hint, "span": list(f.span),
        "statement_span": list(f.statement_span) if f.statement_span is not None else None,
        "prompt_text": f.prompt_text, "never_fix": f.never_fix,
    }  # fmt: skip


def finding_from_dict(d: dict[str, Any]) -> Finding:
    """Inverse of `finding_to_dict`; raises KeyError / TypeError / ValueError on a malformed dict."""
    fix = None
    if d["fix"] is not None:
        raw = d["fix"]
        fix = Fix(raw["message"], raw["applicability"], [Edit(int(s), int(e), str(c)) for s, e, c in raw["edits"]],
                  [(int(s), int(e), str(c)) for s, e, c in raw["text_edits"]])  # fmt: skip
    span = d["statement_span"]
    return Finding(
        code=str(d["code"]), name=str(d["name"]), severity=Severity(d["severity"]), message=str(d["message"]),
        path=str(d["path"]), line=int(d["line"]), column=int(d["column"]), end_line=int(d["end_line"]),
        end_column=int(d["end_column"]), role=d["role"], fix=fix, hint=str(d["hint"]),
        span=(int(d["span"][0]), int(d["span"][1])),
        statement_span=(int(span[0]), int(span[1])) if span is not None else None,
        prompt_text=str(d["prompt_text"]), never_fix=bool(d["never_fix"]),
    )  # fmt: skip
