"""The offline part of scripts/ecosystem_check.py: the shared template corpus and examples/ survive check,
extract and fix with no traceback, no exit 2, PL000 only on files that really do not parse, and fixed files
that still parse. The sdist part downloads packages and is run by hand (see the script)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("ecosystem_check", REPO / "scripts" / "ecosystem_check.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


eco = _script()


def test_examples_tree() -> None:
    (result,) = eco.check_trees([("examples", REPO / "examples")])
    assert result.problems == []
    assert result.files >= 5 and result.prompts >= 10 and result.findings
    assert result.syntax_errors == 1  # examples/support_desk/prompts/broken.yaml, on purpose
    assert result.fix_status.startswith("skipped") or result.fix_still_parse == result.fix_changed


@pytest.mark.skipif(not (SHARED / "corpus" / "templates").is_dir(), reason="../shared/corpus/templates absent")
def test_shared_template_corpus() -> None:
    (result,) = eco.check_trees([("templates", SHARED / "corpus" / "templates")])
    assert result.problems == []
    assert result.files > 20 and result.prompts > 50


def test_really_broken_tells_real_syntax_errors(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.py", tmp_path / "bad.py"
    good.write_text("x = 1\n")
    bad.write_text("def (:\n")
    front = tmp_path / "t.prompt"
    front.write_text("# licence\n---\nmodel: [x\n---\nHello\n")
    assert not eco.really_broken(good) and eco.really_broken(bad) and eco.really_broken(front)
