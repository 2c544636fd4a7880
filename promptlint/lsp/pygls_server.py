"""The pygls language server behind `promptlint lsp` (stdio); the only module importing pygls.

Diagnostics are published on open and save at once, and on change after a
short quiet period (`--debounce`, default 0.3 s) so typing does not lint
every keystroke; each publish carries the document version it was computed
for. Code actions: a finding's safe fix (preferred), its unsafe fix (marked),
a display-only suggestion (shown disabled), "Disable PLxxx for this line"
(adds the `noqa` comment `check --add-noqa` would), and
`source.fixAll.promptlint` for every safe fix at once. A broken config or
rule file becomes one diagnostic at the top of the document plus one window
message (not repeated until it changes); the server keeps running. It never
calls a model.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

import promptlint
from promptlint.lsp.capabilities import DEFAULT_DEBOUNCE
from promptlint.lsp.engine import FIX_ALL_KIND, Action, Linter, LintOutcome, finding_span, fix_all, quick_fixes
from promptlint.lsp.positions import UTF8, UTF16, UTF32, offset_to_position, position_to_offset
from promptlint.project_urls import rule_docs_url

_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}
_FIX_ALL = FIX_ALL_KIND
log = logging.getLogger("promptlint.lsp")


class PromptlintServer(LanguageServer):
    """A LanguageServer holding the linter, the last lint per document and the pending debounced lints."""

    def __init__(self, linter: Linter, debounce: float = DEFAULT_DEBOUNCE) -> None:
        super().__init__("promptlint", promptlint.__version__)
        self.linter = linter
        self.debounce = debounce
        self.outcomes: dict[str, tuple[int | None, LintOutcome]] = {}
        #: The last lint of each document that parsed (its findings stay while the buffer does not parse).
        self.last_good: dict[str, LintOutcome] = {}
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.shown_error: str | None = None

    # -- linting --------------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        value = str(getattr(self.workspace, "position_encoding", None) or UTF16).lower()
        return UTF8 if "8" in value else UTF32 if "32" in value else UTF16

    def outcome(self, uri: str) -> LintOutcome | None:
        """The lint of the document as it is now (re-linted if it changed since)."""
        document = self.workspace.get_text_document(uri)
        cached = self.outcomes.get(uri)
        if cached is not None and cached[0] == document.version and cached[1].source.text == document.source:
            return cached[1]
        return self.lint(uri)

    def lint(self, uri: str) -> LintOutcome | None:
        document = self.workspace.get_text_document(uri)
        path = to_fs_path(uri) if uri.startswith("file:") else None
        target = self.linter.document_path(path, document.language_id, uri)
        if target is None:
            return None
        outcome = self.linter.lint(target, document.source, self.last_good.get(uri))
        self.outcomes[uri] = (document.version, outcome)
        if outcome.parses:
            self.last_good[uri] = outcome
        return outcome

    def lint_and_publish(self, uri: str) -> None:
        self.pending.pop(uri, None)
        if uri not in self.workspace.text_documents:
            return
        outcome = self.lint(uri)
        version = self.workspace.get_text_document(uri).version
        diagnostics = [] if outcome is None else self.diagnostics(outcome)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    def schedule(self, uri: str) -> None:
        """Lint after `debounce` seconds without further changes to the document."""
        handle = self.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        loop = asyncio.get_running_loop()
        self.pending[uri] = loop.call_later(self.debounce, self.lint_and_publish, uri)

    # -- conversions ----------------------------------------------------------------------

    def range_of(self, outcome: LintOutcome, start: int, end: int) -> types.Range:
        source = outcome.source
        a = offset_to_position(source, start, self.encoding)
        b = offset_to_position(source, end, self.encoding)
        return types.Range(types.Position(*a), types.Position(*b))

    def diagnostics(self, outcome: LintOutcome) -> list[types.Diagnostic]:
        if outcome.error is not None:
            self.report_error(outcome)
            zero = types.Range(types.Position(0, 0), types.Position(0, 0))
            return [types.Diagnostic(range=zero, message=outcome.error, severity=types.DiagnosticSeverity.Error,
                                     source="promptlint", code=outcome.error_kind)]  # fmt: skip
        self.shown_error = None
        out = []
        for finding in [*outcome.findings, *outcome.carried]:
            start, end = finding_span(outcome.source, finding)
            if end == start:  # a point (a parse error): underline the rest of its line
                line_end = outcome.source.text.find("\n", start)
                end = len(outcome.source.text) if line_end == -1 else line_end
                end = max(start, end - (1 if outcome.source.text[start:end].endswith("\r") else 0))
            message = finding.message + (f"\n{finding.hint}" if finding.hint else "")
            href = rule_docs_url(finding.code, finding.name, outcome.docs_url)
            out.append(types.Diagnostic(
                range=self.range_of(outcome, start, end), message=message,
                severity=_SEVERITY.get(str(finding.severity), types.DiagnosticSeverity.Warning),
                code=finding.code, source="promptlint",
                code_description=types.CodeDescription(href=href) if href else None,
                data={"name": finding.name, "fixable": finding.fix is not None},
            ))  # fmt: skip
        return out

    def report_error(self, outcome: LintOutcome) -> None:
        """Show a config / rule error once (until it changes); log an internal error's traceback."""
        if outcome.details:
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=outcome.details))
        if outcome.error != self.shown_error:
            self.shown_error = outcome.error
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=outcome.error or ""))

    def to_code_action(self, uri: str, outcome: LintOutcome, action: Action,
                       diagnostics: list[types.Diagnostic]) -> types.CodeAction:  # fmt: skip
        edits = [types.TextEdit(range=self.range_of(outcome, e.start, e.end), new_text=e.content) for e in action.edits]
        codes = {f.code for f in action.findings}
        related = [d for d in diagnostics if d.code in codes]
        return types.CodeAction(
            title=action.title,
            kind=types.CodeActionKind.QuickFix if action.kind == "quickfix" else _FIX_ALL,
            diagnostics=related or None,
            is_preferred=action.preferred or None,
            edit=types.WorkspaceEdit(changes={uri: edits}) if edits else None,
            disabled=types.CodeActionDisabled(reason=action.disabled_reason) if action.disabled_reason else None,
        )


def _wants(only: list[Any] | None, kind: str) -> bool:
    """Whether `kind` is asked for by `context.only` (a kind matches its parents: `source` covers ours)."""
    if not only:
        return kind == "quickfix"  # fix-all is offered only when asked for, as editors run it on save
    return any(kind == str(k) or kind.startswith(f"{k}.") for k in (getattr(k, "value", k) for k in only))


def create_server(linter: Linter | None = None, debounce: float = DEFAULT_DEBOUNCE) -> PromptlintServer:
    """The server with its features registered (not started)."""
    server = PromptlintServer(linter or Linter(), debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PromptlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.lint_and_publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PromptlintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PromptlintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.rsplit("/", 1)[-1] in ("pyproject.toml", ".promptlint.toml", "promptlint.toml"):
            for other in list(ls.workspace.text_documents):
                ls.lint_and_publish(other)
            return
        handle = ls.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        ls.lint_and_publish(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PromptlintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        handle = ls.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        ls.outcomes.pop(uri, None)
        ls.last_good.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, _FIX_ALL], resolve_provider=False),
    )
    def code_action(ls: PromptlintServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        outcome = ls.outcome(uri)
        if outcome is None or outcome.error is not None:
            return None
        only = params.context.only
        diagnostics = list(params.context.diagnostics or [])
        actions: list[types.CodeAction] = []
        if _wants(only, "quickfix"):
            source = outcome.source
            start = position_to_offset(source, params.range.start.line, params.range.start.character, ls.encoding)
            end = position_to_offset(source, params.range.end.line, params.range.end.character, ls.encoding)
            for action in quick_fixes(outcome, start, end):
                actions.append(ls.to_code_action(uri, outcome, action, diagnostics))
        if _wants(only, FIX_ALL_KIND):
            action = fix_all(outcome)
            if action is not None:
                actions.append(ls.to_code_action(uri, outcome, action, diagnostics))
        return actions or None

    return server
