"""The prompt model: what extractors produce and what rules read.

Everything here is plain data with no heavy imports, so that the `check`
path stays fast. Positions are kept as *character offsets into the decoded
file text*; `SourceFile.position()` turns one into a 1-based (line, column)
pair, columns counted in code points (reporters convert to UTF-16 for LSP).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "template", "unknown"]
ROLES: tuple[Role, ...] = ("system", "user", "assistant", "template", "unknown")


class Severity(StrEnum):
    """Severity of a rule; ordered so that `fail-on` can compare them."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_LINE_BREAK_RE = re.compile(r"\r\n?|\n")
_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(slots=True)
class SourceFile:
    """A decoded file and its line table.

    `text` is the decoded content with a BOM removed (`bom` remembers it) and
    line endings untouched, so offsets match what an editor shows.
    """

    path: str
    text: str
    bom: bool = False
    encoding: str = "utf-8"
    _line_starts: list[int] | None = field(default=None, repr=False)

    @property
    def line_starts(self) -> list[int]:
        """Offsets where lines start. CR, CRLF and LF each end a line, as in Python's tokenizer (whose `ast`
        line numbers the Python extractor maps through this table), YAML, editors and the LSP."""
        if self._line_starts is None:
            text = self.text
            if "\r" in text:
                starts = [0, *(m.end() for m in _LINE_BREAK_RE.finditer(text))]
            else:
                starts = [0]
                find = text.find
                i = find("\n")
                while i != -1:
                    starts.append(i + 1)
                    i = find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        starts = self.line_starts
        index = bisect.bisect_right(starts, offset) - 1
        return index + 1, offset - starts[index] + 1

    def offset(self, line: int, column: int) -> int:
        """Character offset of a 1-based (line, column)."""
        return self.line_starts[line - 1] + column - 1

    def line_text(self, line: int) -> str:
        starts = self.line_starts
        start = starts[line - 1]
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[start:end].rstrip("\r")


@dataclass(slots=True)
class PositionMap:
    """Maps each character of a prompt's text back to a file offset.

    Stored as runs `(text_start, file_offset, length)`: inside a run,
    character `text_start + k` sits at file offset `file_offset + k`. A run
    whose source is shorter or longer than its text (an escape sequence such
    as ``\\n``, a placeholder standing for an f-string expression) is a run
    of its own; all of its characters map to the run's `file_offset` plus
    the in-run index clamped to `source_length - 1`.
    Runs are sorted by `text_start` and cover the text without gaps.
    """

    runs: list[tuple[int, int, int]] = field(default_factory=list)
    source_lengths: list[int] = field(default_factory=list)

    def add(self, text_start: int, file_offset: int, length: int, source_length: int | None = None) -> None:
        """Append a run; merges with the previous run when contiguous 1:1."""
        if length <= 0:
            return
        source_length = length if source_length is None else source_length
        if self.runs and source_length == length:
            t0, f0, n0 = self.runs[-1]
            if self.source_lengths[-1] == n0 and t0 + n0 == text_start and f0 + n0 == file_offset:
                self.runs[-1] = (t0, f0, n0 + length)
                self.source_lengths[-1] = n0 + length
                return
        self.runs.append((text_start, file_offset, length))
        self.source_lengths.append(source_length)

    def extend(self, other: PositionMap, text_shift: int) -> None:
        for (t, f, n), s in zip(other.runs, other.source_lengths, strict=True):
            self.add(t + text_shift, f, n, s)

    def file_offset(self, text_index: int) -> int:
        """File offset of the character at `text_index` (clamped to the text)."""
        runs = self.runs
        if not runs:
            return 0
        i = bisect.bisect_right(runs, (text_index, float("inf"), 0)) - 1
        if i < 0:
            i = 0
        t, f, n = runs[i]
        k = min(max(text_index - t, 0), n - 1)
        src = self.source_lengths[i]
        if src != n:
            k = min(k, max(src - 1, 0))
        return f + k

    def file_end_offset(self, text_end: int) -> int:
        """File offset just past the character before `text_end` (exclusive end)."""
        if text_end <= 0:
            return self.file_offset(0)
        i = bisect.bisect_right(self.runs, (text_end - 1, float("inf"), 0)) - 1
        _t, f, n = self.runs[max(i, 0)]
        src = self.source_lengths[max(i, 0)]
        if src != n:  # an escape or placeholder: cover all of its source
            return f + src
        return self.file_offset(text_end - 1) + 1


@dataclass(slots=True)
class CallSite:
    """A model call (or prompt-template constructor) in code.

    `arguments` holds the literal value of every keyword argument that is a
    plain constant (temperature, model, max_tokens, ...); non-literal values
    are stored as the string of their source code under `argument_sources`.
    The loop / retry / refusal facts describe the code around the call and
    feed code rules (PL401, PL402, PL404).
    """

    id: int
    provider: str  # "anthropic" | "openai" | "langchain" | "unknown"
    method: str  # dotted attribute chain as written, e.g. "client.messages.create"
    line: int
    column: int
    end_line: int
    end_column: int
    model: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    argument_sources: dict[str, str] = field(default_factory=dict)
    in_loop: bool = False
    in_retry: bool = False
    after_refusal_check: bool = False
    function: str | None = None  # name of the enclosing function, if any


@dataclass(slots=True, frozen=True)
class Sink:
    """Where a prompt's text is used as a prompt: a call or class in code, maybe in another file.

    `kind` says as what ("system prompt", "user message", "prompt template", "tool description",
    "instructions", "DSPy signature instructions", ...); `method` is the call chain or class as
    written; `path` / `line` the place of the use (display path, 1-based line).
    """

    kind: str
    method: str
    path: str
    line: int

    def describe(self) -> str:
        """`used as the system prompt at agent.py:88`"""
        return f"used as the {self.kind} at {self.path}:{self.line}"


@dataclass(slots=True)
class Prompt:
    """One prompt text as the model will see it.

    `placeholders` are `(start, end)` spans of `text` standing for values
    filled in at run time (f-string expressions, `{x}`, `{{x}}`, Jinja
    blocks); rules never match words inside them.
    """

    text: str
    role: Role
    path: str
    format: str  # "python", "yaml", "promptfoo", "prompty", "dotprompt", ...
    positions: PositionMap
    placeholders: list[tuple[int, int]] = field(default_factory=list)
    call: CallSite | None = None
    name: str | None = None  # variable, keyword or YAML key the text came from
    #: For Python: the (start, end) file offsets of the whole statement holding
    #: the prompt, so `# noqa` on any of its lines applies.
    statement_span: tuple[int, int] | None = None
    #: Set when the text lives in another file than the one extracted (a
    #: promptfoo `file://` reference): `positions` then map into this file.
    source_file: SourceFile | None = None
    #: Where the text is used as a prompt, when a use was followed to it (None for a prompt that
    #: is one by its name, key or file alone).
    sink: Sink | None = None

    def file_span(self, start: int, end: int) -> tuple[int, int]:
        """File offsets (start inclusive, end exclusive) of a text span."""
        if not self.text:
            first = self.positions.file_offset(0)
            return first, first
        return self.positions.file_offset(start), self.positions.file_end_offset(max(end, start + 1))


@dataclass(slots=True)
class ParseProblem:
    """Why a file could not be read or parsed (becomes a PL000 finding)."""

    message: str
    line: int = 1
    column: int = 1


@dataclass(slots=True)
class Extraction:
    """What an extractor found in one file."""

    source: SourceFile
    prompts: list[Prompt] = field(default_factory=list)
    calls: list[CallSite] = field(default_factory=list)
    problem: ParseProblem | None = None
    #: Format-specific data for code rules: for Python, the `ast.Module`.
    tree: Any = None
    #: Other files the prompts were read from or looked for (promptfoo `file://`): the findings
    #: depend on them too, so caches must see them unchanged (a missing one included).
    depends_on: list[str] = field(default_factory=list)
    #: Python: what other files of the project need to know about this one (its imports, the texts it
    #: defines, its uses of imported names as prompts, the prompt files it loads): plain data, see
    #: `promptlint.project`. None for formats that define or use nothing across files.
    facts: Any = None
    #: Python: texts this file defines that another file may use as a prompt, ready to become `Prompt`s
    #: (key -> Prompt with role "unknown"); held for the project-level join, never cached.
    exports: dict[str, Prompt] = field(default_factory=dict)

    def prompts_of(self, call: CallSite) -> list[Prompt]:
        return [p for p in self.prompts if p.call is call]


Applicability = Literal["safe", "unsafe", "display"]


@dataclass(slots=True)
class Edit:
    """Replace file offsets [start, end) with `content`."""

    start: int
    end: int
    content: str


@dataclass(slots=True)
class Fix:
    """A suggested change, ruff style: safe, unsafe or display-only."""

    message: str
    applicability: Applicability
    edits: list[Edit] = field(default_factory=list)
    #: Edits in prompt-text coordinates, for writers that re-render the string.
    text_edits: list[tuple[int, int, str]] = field(default_factory=list)


@dataclass(slots=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    role: Role | Literal["unknown"] = "unknown"
    fix: Fix | None = None
    hint: str = ""
    #: File offsets of the flagged span, used by suppressions and fixes.
    span: tuple[int, int] = (0, 0)
    #: Offsets of the statement / key a suppression comment may sit on.
    statement_span: tuple[int, int] | None = None
    #: Normalised prompt text, for stable SARIF fingerprints.
    prompt_text: str = ""
    #: True when no fixer (rule or LLM) may ever touch this finding (PL103).
    never_fix: bool = False

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)
