"""The test commands the README documents: a fast default loop, and `--slow` (what .ci/run runs) for everything."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def collect(*argv: str) -> list[str]:
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *argv],
                            cwd=REPO, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_default_run_leaves_slow_tests_out_and_slow_puts_them_back() -> None:
    modules = ("tests/test_precommit.py", "tests/test_ecosystem.py")
    fast, everything = collect(*modules), collect("--slow", *modules)
    assert "tests/test_precommit.py::test_hook_definition" in fast  # a quick test of the same module stays
    slow = set(everything) - set(fast)
    assert {"tests/test_precommit.py::test_hook_fails_on_a_bad_prompt_then_passes",
            "tests/test_precommit.py::test_fix_hook_rewrites_then_both_hooks_pass",
            "tests/test_ecosystem.py::test_examples_tree"} <= slow  # fmt: skip
    assert set(fast) <= set(everything)


def test_ci_runs_everything_and_the_readme_says_how() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r'pip install -e "\.\[test\]" && python -m pytest --slow$', ci, re.MULTILINE)
    readme = (REPO / "README.md").read_text()
    quickstart = readme.split("## Quickstart", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    assert quickstart.splitlines() == [
        "python -m pip install . && promptlint check examples/",
        'python -m pip install -e ".[test]" && python -m pytest',
    ]
    assert "`python -m pytest`" in readme and "`python -m pytest --slow`" in readme
