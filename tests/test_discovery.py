"""File discovery: .gitignore (nested), skipped folders, include / exclude, explicit files, symlink loops."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from promptlint.config import Config, load_config
from promptlint.discovery import iter_files


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n", encoding="utf-8")


def found(paths: list[str | Path], config: Config, **kw: bool) -> list[str]:
    return [item.display for item in iter_files(paths, config, **kw)]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    touch(
        tmp_path,
        "app.py", "prompts/a.yaml", "prompts/b.yml", "prompts/c.prompty", "prompts/d.prompt", "notes.txt",
        "build/gen.py", "src/pkg/secret.py", "src/pkg/keep.py", "src/pkg/data/x.yaml",
        ".venv/lib/site.py", "node_modules/m/index.py", "src/__pycache__/c.py", ".git/hooks/h.py",
        "myenv/pyvenv.cfg", "myenv/lib/thing.py", "debug.log",
    )  # fmt: skip
    (tmp_path / ".gitignore").write_text("build/\n*.log\n", encoding="utf-8")
    (tmp_path / "src" / "pkg" / ".gitignore").write_text("secret.py\ndata/\n", encoding="utf-8")
    return tmp_path


def test_walk_honours_gitignore_and_skips_tool_folders(tree: Path) -> None:
    assert found(["."], Config(root=tree)) == [
        "app.py", "prompts/a.yaml", "prompts/b.yml", "prompts/c.prompty", "prompts/d.prompt", "src/pkg/keep.py",
    ]  # fmt: skip


def test_default_path_is_cwd_and_order_is_stable(tree: Path) -> None:
    assert found([], Config(root=tree)) == found(["."], Config(root=tree))


def test_gitignore_of_repo_root_applies_when_walking_a_subfolder(tree: Path) -> None:
    touch(tree, "src/pkg/out.log", "src/pkg/good.py")
    assert found(["src"], Config(root=tree)) == ["src/pkg/good.py", "src/pkg/keep.py"]


def test_negation_in_nested_gitignore(tree: Path) -> None:
    (tree / "prompts" / ".gitignore").write_text("*.yaml\n!a.yaml\n*.yml\n", encoding="utf-8")
    assert [p for p in found(["."], Config(root=tree)) if p.startswith("prompts/")] == [
        "prompts/a.yaml", "prompts/c.prompty", "prompts/d.prompt",
    ]  # fmt: skip


def test_include_and_exclude_globs(tree: Path) -> None:
    (tree / "promptlint.toml").write_text('include = ["*.txt"]\nexclude = ["prompts/*.y*ml", "app.py"]\n')
    config = load_config([tree])
    assert found(["."], config) == [  # TOML files are linted too (prompt-named keys), the config among them
        "notes.txt", "promptlint.toml", "prompts/c.prompty", "prompts/d.prompt", "src/pkg/keep.py"]


def test_explicit_files_are_linted_unless_force_exclude(tree: Path) -> None:
    (tree / "promptlint.toml").write_text('exclude = ["prompts/**"]\n')
    config = load_config([tree])
    # named explicitly: linted even if excluded, ignored by git, or of another suffix
    assert found(["prompts/a.yaml", "build/gen.py", "notes.txt"], config) == [
        "prompts/a.yaml", "build/gen.py", "notes.txt",
    ]  # fmt: skip
    assert found(["prompts/a.yaml", "app.py"], config, force_exclude=True) == ["app.py"]


def test_each_file_once(tree: Path) -> None:
    assert found(["app.py", ".", "app.py"], Config(root=tree)).count("app.py") == 1


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks on this platform")
def test_symlink_loop_does_not_hang(tree: Path) -> None:
    os.symlink(tree, tree / "prompts" / "loop")
    os.symlink(tree / "prompts" / "loop", tree / "src" / "loop2")
    os.symlink(tree / "app.py", tree / "link.py")
    result = found(["."], Config(root=tree))
    assert "link.py" not in result or result.count("app.py") == 1
    assert not any("loop" in p for p in result)
