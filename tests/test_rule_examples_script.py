"""scripts/rule_examples.py on a rule folder of one's own: it states exact findings and fixed text in the YAML
(comments, layout and the other keys kept), never drops an example, and checks the examples as stated."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

RULE = """\
code: ACME101
name: obey
severity: warning
kind: pattern
roles: [system]
message: Pressure words read as coercion.
hint: Say why.
patterns:
  - you must {gap:2}obey
fix:
  kind: substitute
  substitutions:
    - match: must (?P<hit>obey)
      replace: follow
      applicability: safe
docs: {what: w, why: y, example: e, use_instead: u, fix_safety: f}
examples:
  bad:
    - "You must obey."   # a bare string keeps its comment
    - text: "Be kind.\\nYou must always obey."
      role: system
    - {text: "You must obey. And you must obey.", role: system, line: 1}
  good:
    - {text: "Obey the style guide.", role: system}
"""


def _script():
    spec = importlib.util.spec_from_file_location("rule_examples", ROOT / "scripts" / "rule_examples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _examples(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["examples"]


def test_write_states_exact_findings_and_fixed_text_and_check_passes(tmp_path: Path, capsys) -> None:
    path = tmp_path / "ACME101-obey.yaml"
    path.write_text(RULE, encoding="utf-8")
    script = _script()
    assert script.main(["--rule-path", str(tmp_path), "--write", "ACME101"]) == 0
    text = path.read_text(encoding="utf-8")
    assert "# a bare string keeps its comment" in text
    bad = _examples(path)["bad"]
    assert bad[0] == {"text": "You must obey.", "findings": ["1:1"], "fixed": "You must follow."}
    assert bad[1] == {"text": "Be kind.\nYou must always obey.", "role": "system", "findings": ["2:1"]}
    assert bad[2] == {"text": "You must obey. And you must obey.", "role": "system", "findings": ["1:1", "1:20"],
                      "fixed": "You must follow. And you must follow."}  # `line` replaced by the exact positions
    assert _examples(path)["good"] == [{"text": "Obey the style guide.", "role": "system"}]
    assert script.main(["--rule-path", str(tmp_path), "ACME101"]) == 0  # as stated
    assert script.main(["--rule-path", str(tmp_path), "--write", "ACME101"]) == 0
    assert path.read_text(encoding="utf-8") == text  # nothing left to write
    capsys.readouterr()


def test_a_wrong_statement_fails_and_a_silent_bad_example_is_kept(tmp_path: Path, capsys) -> None:
    path = tmp_path / "ACME101-obey.yaml"
    path.write_text(RULE.replace('    - "You must obey."', '    - {text: "You must obey.", findings: ["1:2"]}')
                    .replace('"Be kind.\\nYou must always obey."', '"Be kind."'), encoding="utf-8")
    script = _script()
    assert script.main(["--rule-path", str(tmp_path), "ACME101"]) == 1
    out = capsys.readouterr().out
    assert "states findings ['1:2'], the engine gives ['1:1']" in out
    assert "bad example no longer fires" in out
    assert script.main(["--rule-path", str(tmp_path), "--write", "ACME101"]) == 1
    bad = _examples(path)["bad"]
    assert bad[1] == {"text": "Be kind.", "role": "system"}  # reported, never dropped nor given findings
    assert bad[0]["findings"] == ["1:1"]


REFUSED = """\
code: ACME102
name: obey-or-comply
severity: warning
kind: pattern
roles: [system]
message: Pressure words read as coercion.
hint: Say why.
patterns:
  - you must {gap:2}(?:obey|comply)
fix:
  kind: substitute
  substitutions:
    - match: must (?P<hit>obey)
      replace: comply
      applicability: unsafe
docs: {what: w, why: y, example: e, use_instead: u, fix_safety: f}
examples:
  bad:
    - {text: "You must obey.", role: system, findings: ["1:1"], fixed: null}
  good:
    - {text: "Obey the style guide.", role: system}
"""


def test_fixed_null_states_that_the_fix_is_refused(tmp_path: Path, capsys) -> None:
    # the fix (obey -> comply) leaves the finding in place, so `fix` refuses it: `fixed: null` says exactly that
    path = tmp_path / "ACME102-obey-or-comply.yaml"
    path.write_text(REFUSED, encoding="utf-8")
    script = _script()
    assert script.main(["--rule-path", str(tmp_path), "ACME102"]) == 0
    assert script.main(["--rule-path", str(tmp_path), "--write", "ACME102"]) == 0
    assert _examples(path)["bad"][0]["fixed"] is None  # --write keeps the statement
    # the same statement on a rule whose fix does apply is a problem
    path.write_text(REFUSED.replace("(?:obey|comply)", "obey"), encoding="utf-8")
    assert script.main(["--rule-path", str(tmp_path), "ACME102"]) == 1
    assert "fix applies" in capsys.readouterr().out
