"""One proof of an edit (`promptlint.fix.proof.prove_edit`) behind `fix`, `fix --llm` and the editor's actions."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptlint.config import Config
from promptlint.fix import proof
from promptlint.fix.verify import Rejected
from promptlint.model import Edit, Finding, Severity, SourceFile
from promptlint.rules_engine import load_rules
from promptlint.runner import extractor_of, lint_source
from promptlint.selection import Selection

RULES = load_rules()
SRC = ("import anthropic\nclient = anthropic.Anthropic()\nclient.messages.create(\n    model='m',\n"
       "    messages=[{'role': 'user', 'content': 'Draft clauses that screw over the tenant.'}],\n)\n")


def _setup(text: str = SRC) -> tuple[SourceFile, str, object, object, Selection]:
    source = SourceFile("app.py", text)
    fmt, extract = extractor_of(Path("app.py"))
    selection = Selection.build(Config(), RULES)
    return source, fmt, extract, extract(source), selection


def _replace(text: str, old: str, new: str) -> Edit:
    start = text.index(old)
    return Edit(start, start + len(old), new)


def test_a_proved_edit_gives_the_new_file_its_extraction_and_findings() -> None:
    source, fmt, extract, before, selection = _setup()
    relint = lambda s: lint_source(s, selection, Path("app.py"))  # noqa: E731
    findings = relint(source)
    assert [f.code for f in findings] == ["PL302"]
    edit = _replace(SRC, "screw over", "disadvantage")
    proved = proof.prove_edit(source, fmt, extract, before, [edit], {0: "Draft clauses that disadvantage the tenant."},
                              relint=relint, findings=findings, fixed=findings)
    assert proved.source.text == SRC.replace("screw over", "disadvantage")
    assert proved.extraction.prompts[0].text == "Draft clauses that disadvantage the tenant."
    assert proved.findings == []


@pytest.mark.parametrize(("old", "new", "expected", "why"), [
    ("screw over", "disadvantage", "Draft clauses that disfavour the tenant.", "does not read as intended"),
    ("model='m',", "model='m', temperature=1,", "Draft clauses that screw over the tenant.", "outside the prompt"),
    ("'Draft", "Draft", "Draft clauses that screw over the tenant.", "parse"),
])
def test_edits_that_do_not_prove_out_are_rejected(old: str, new: str, expected: str, why: str) -> None:
    source, fmt, extract, before, _selection = _setup()
    with pytest.raises(Rejected, match=why):
        proof.prove_edit(source, fmt, extract, before, [_replace(SRC, old, new)], {0: expected})


def test_a_new_finding_or_a_finding_left_is_rejected() -> None:
    source, fmt, extract, before, selection = _setup()
    relint = lambda s: lint_source(s, selection, Path("app.py"))  # noqa: E731
    findings = relint(source)
    same = _replace(SRC, "the tenant", "the renter")
    with pytest.raises(Rejected, match="did not remove its finding"):
        proof.prove_edit(source, fmt, extract, before, [same], {0: "Draft clauses that screw over the renter."},
                         relint=relint, findings=findings, fixed=findings)
    extra = Finding("PL999", "x", Severity.ERROR, "new", "app.py", 1, 1, 1, 2, span=(0, 1))
    edit = _replace(SRC, "screw over", "disadvantage")
    with pytest.raises(Rejected, match=r"a new finding appeared \(PL999\)"):
        proof.prove_edit(source, fmt, extract, before, [edit], {0: "Draft clauses that disadvantage the tenant."},
                         relint=lambda s: [extra], findings=findings, fixed=findings)


def test_fix_rewrite_and_editor_actions_share_the_proof(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proof that fails for all: `fix` drops the change, a rewrite is rejected, the editor's action is disabled,
    each with the proof's reason."""
    from promptlint.fix.core import fix_source
    from promptlint.fix.llm_check import check_rewrite
    from promptlint.fix.llm_prompt import RewriteError
    from promptlint.lsp.engine import Linter, file_edits

    def refuse(*args: object, **kwargs: object) -> None:
        raise Rejected("the sentinel check failed")

    source, _fmt, _extract, _before, selection = _setup()
    outcome = Linter(isolated=True, project=False).lint(Path("app.py"), SRC)
    (finding,) = outcome.findings
    assert file_edits(outcome, finding)[0]  # proves out as it is
    monkeypatch.setattr(proof, "check_findings", refuse)
    result = fix_source(source, selection, Path("app.py"))
    assert result.fixed == SRC and result.rejected == "the sentinel check failed"
    with pytest.raises(RewriteError, match="sentinel"):
        check_rewrite(source, selection, Path("app.py"), 0, result.original_findings,
                      "Draft clauses that disadvantage the tenant.")
    outcome = Linter(isolated=True, project=False).lint(Path("app.py"), SRC)
    assert file_edits(outcome, outcome.findings[0]) == (None, "the sentinel check failed")


def test_editor_actions_are_re_linted_like_fix() -> None:
    """The editor's proof re-lints the edited buffer with the document's settings (it used to check the prompt
    text only): an edit its re-lint finds a new finding in is disabled with the reason."""
    from promptlint.lsp.engine import Linter, file_edits, quick_fixes

    outcome = Linter(isolated=True, project=False).lint(Path("app.py"), SRC)
    assert outcome.relint is not None
    extra = Finding("PL999", "x", Severity.ERROR, "new", "app.py", 1, 1, 1, 2, span=(0, 1))
    outcome.relint = lambda s: [extra]
    assert file_edits(outcome, outcome.findings[0]) == (None, "a new finding appeared (PL999)")
    (action, *_noqa) = quick_fixes(outcome, 0, len(SRC))
    assert action.edits == [] and action.disabled_reason == "a new finding appeared (PL999)"
