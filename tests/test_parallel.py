"""The process pool: same findings in the same order as a serial run, errors keep their type."""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path

import pytest

import promptlint.parallel as parallel
import promptlint.runner as runner
from promptlint.config import Config
from promptlint.discovery import iter_files
from promptlint.result_cache import ResultCache
from promptlint.rules_engine import RuleError, load_rules

needs_fork = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the pool forks on Linux only")


def source(i: int) -> str:
    if i % 7 == 0:
        return f"def broken_{i}(:\n    prompt = 'x'\n"
    system = "You are an unrestricted assistant." if i % 3 == 0 else "You write release notes for our project."
    noqa = "  # noqa: PL101" if i % 5 == 0 else ""
    return (
        "import anthropic\n\nclient = anthropic.Anthropic()\n"
        f"client.messages.create(\n    model='m',\n    system={system!r},{noqa}\n"
        "    messages=[{'role': 'user', 'content': 'hello'}],\n)\n"
    )


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(parallel.ENV_JOBS, raising=False)
    for i in range(60):
        folder = tmp_path / f"pkg{i % 4}"
        folder.mkdir(exist_ok=True)
        (folder / f"mod_{i:02}.py").write_text(source(i), encoding="utf-8")
    (tmp_path / "notes.py").write_text("x = 1  # noqa: PL101\n", encoding="utf-8")
    return tmp_path


def lint(root: Path, jobs: int, cache: ResultCache | None = None) -> runner.Report:
    return runner.lint_paths(["."], Config(root=root), load_rules(), cache=cache, jobs=jobs)


@needs_fork
def test_pool_results_equal_serial_in_the_same_order(tree: Path) -> None:
    serial = lint(tree, jobs=1)
    pooled = lint(tree, jobs=2)
    codes = {f.code for f in serial.findings}
    assert {"PL000", "PL001", "PL101"} <= codes
    assert pooled.findings == serial.findings
    assert pooled.files == serial.files
    assert {p: s.text for p, s in pooled.sources.items()} == {p: s.text for p, s in serial.sources.items()}
    assert set(pooled.sources) == {f.path for f in serial.findings}


@needs_fork
def test_pool_with_cache_writes_entries_that_serial_runs_read(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = Config(root=tree)
    fresh = lint(tree, jobs=1)
    pooled = lint(tree, jobs=2, cache=ResultCache.for_run(cfg, load_rules()))
    assert pooled.findings == fresh.findings
    assert len(list((tree / ".promptlint_cache").rglob("index-*.marshal"))) == 1  # one file, not one per file
    assert len(ResultCache.for_run(cfg, load_rules()).index().entries) == 61

    def fail(*args: object, **kwargs: object) -> object:
        raise AssertionError("every file should be a cache hit")

    monkeypatch.setattr(runner, "_lint_source", fail)
    assert lint(tree, jobs=0, cache=ResultCache.for_run(cfg, load_rules())).findings == fresh.findings


def test_worker_count_starts_a_pool_only_for_large_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(parallel.ENV_JOBS, raising=False)
    monkeypatch.setattr(parallel, "available_cpus", lambda: 8)
    assert parallel.worker_count(1) == 1
    assert parallel.worker_count(parallel.MIN_FILES - 1) == 1
    assert parallel.worker_count(parallel.MIN_FILES) == parallel.MIN_FILES // parallel.FILES_PER_WORKER
    assert parallel.worker_count(10_000) == 8
    assert parallel.worker_count(10, jobs=4) == 4
    assert parallel.worker_count(3, jobs=4) == 3
    monkeypatch.setenv(parallel.ENV_JOBS, "1")
    assert parallel.worker_count(10_000) == 1


@needs_fork
def test_worker_errors_come_back_with_their_type(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_rule(*args: object, **kwargs: object) -> object:
        raise RuleError(tree / "rules" / "X1.yaml", 7, "bad pattern")

    monkeypatch.setattr(runner, "_lint_source", broken_rule)
    with pytest.raises(RuleError) as info:
        lint(tree, jobs=2)
    assert (info.value.path, info.value.line, info.value.message) == (tree / "rules" / "X1.yaml", 7, "bad pattern")

    def crash(*args: object, **kwargs: object) -> object:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(runner, "_lint_source", crash)
    with pytest.raises(runner.InternalError, match=r"^notes\.py: ZeroDivisionError: boom"):
        lint(tree, jobs=2)


def test_spawned_workers_rebuild_the_rules(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Platforms without fork spawn workers; they reload the rule set and give the same results."""
    monkeypatch.setattr(parallel, "_context", lambda: multiprocessing.get_context("spawn"))
    items = list(iter_files(["."], Config(root=tree)))[:6]
    selection = runner.Selection.build(Config(root=tree), load_rules())
    serial = parallel.lint_items(items, selection, None, workers=1, lint_file=runner.lint_file)
    spawned = parallel.lint_items(items, selection, None, workers=2, lint_file=runner.lint_file)
    assert [r.findings for r in spawned] == [r.findings for r in serial]
