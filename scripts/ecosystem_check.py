"""Ecosystem check: run `check`, `extract` and `fix --diff` over real trees and demand robustness.

Trees: ../shared/corpus/templates, examples/, and the source distributions of a few real packages
downloaded at run time into a temporary folder (never committed). For each tree it runs the real
command line in a subprocess and requires zero tracebacks and zero exit-2 results; every PL000 must
be a real syntax error (the file fails `compile()` / `yaml.safe_load_all`) and the file's only finding.
It then applies `fix` to a scratch copy and checks that every file it changed still parses.

    python scripts/ecosystem_check.py              # templates, examples and downloaded sdists
    python scripts/ecosystem_check.py --offline    # templates and examples only (what CI runs)

`check_trees(paths)` is the core, used by tests/test_ecosystem.py on the offline trees.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PACKAGES = ("langchain-core", "openai", "anthropic", "llama-index-core")
PY_SUFFIXES = (".py", ".pyi")
YAML_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class TreeResult:
    """What one tree gave; `problems` lists everything that breaks the robustness contract."""

    name: str
    files: int = 0
    prompts: int = 0
    findings: Counter[str] = field(default_factory=Counter)
    syntax_errors: int = 0
    fix_status: str = "not run"
    fix_diff_files: int = 0
    fix_changed: int = 0
    fix_still_parse: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def _cli(args: list[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PROMPTLINT_NO_CACHE": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "promptlint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env, check=False)  # fmt: skip


def _crashed(name: str, proc: subprocess.CompletedProcess[str], allowed: tuple[int, ...]) -> list[str]:
    problems = []
    if "Traceback (most recent call last)" in proc.stderr or "internal error" in proc.stderr:
        problems.append(f"{name}: traceback / internal error: {proc.stderr.strip().splitlines()[-1][:300]}")
    if proc.returncode not in allowed:
        problems.append(f"{name}: exit {proc.returncode}: {proc.stderr.strip()[:300]}")
    return problems


def really_broken(path: Path) -> bool:
    """Does the file fail to parse by the reference parser (so a PL000 on it is right)?"""
    try:
        data = path.read_bytes()
    except OSError:
        return True
    if b"\x00" in data[:8192]:
        return True
    try:
        if path.suffix in PY_SUFFIXES:
            compile(data, str(path), "exec", dont_inherit=True)
        elif path.suffix in YAML_SUFFIXES:
            list(yaml.safe_load_all(data.decode("utf-8-sig")))
        else:  # a template: its front matter (if any) is YAML
            text = data.decode("utf-8-sig")
            body = text.lstrip()
            while body.startswith("#"):  # licence headers before the front matter
                body = body.partition("\n")[2].lstrip()
            if body.startswith("---"):
                head, sep, _rest = body[3:].partition("\n---")
                list(yaml.safe_load_all(head if sep else ""))
    except (SyntaxError, ValueError, UnicodeDecodeError, yaml.YAMLError, RecursionError, MemoryError):
        return True
    return False


def _count_files(tree: Path) -> int:
    from promptlint.config import Config
    from promptlint.discovery import iter_files

    return sum(1 for _ in iter_files([tree], Config(root=tree)))


def _check(tree: Path, result: TreeResult) -> None:
    proc = _cli(["check", "--no-config", "--no-cache", "--format", "json", "--exit-zero", "."], tree)
    result.problems += _crashed("check", proc, (0,))
    findings = json.loads(proc.stdout) if proc.returncode == 0 and proc.stdout.strip() else []
    result.findings.update(f["code"] for f in findings)
    by_file: dict[str, list[str]] = {}
    for f in findings:
        by_file.setdefault(f["path"], []).append(f["code"])
    for path, file_codes in sorted(by_file.items()):
        if "PL000" not in file_codes:
            continue
        result.syntax_errors += 1
        if set(file_codes) != {"PL000"}:
            result.problems.append(f"check: {path}: PL000 with other findings {sorted(set(file_codes))}")
        if not really_broken(tree / path):
            message = next(f["message"] for f in findings if f["path"] == path and f["code"] == "PL000")
            result.problems.append(f"check: {path}: PL000 on a file that parses: {message}")


def _extract(tree: Path, result: TreeResult) -> None:
    proc = _cli(["extract", "--no-config", "--format", "json", "."], tree)
    result.problems += _crashed("extract", proc, (0, 1))
    if proc.stdout.strip():
        result.prompts = len(json.loads(proc.stdout))


def _fix(tree: Path, result: TreeResult) -> None:
    """`fix --diff` on the tree, then `fix --unsafe-fixes` on a scratch copy: every changed file must still parse."""
    probe = _cli(["fix", "--help"], tree)
    if probe.returncode != 0 or "--diff" not in probe.stdout:
        result.fix_status = "skipped (promptlint fix --diff not available)"
        return
    diff = _cli(["fix", "--diff", "--no-config", "--no-cache", "."], tree)  # no cache folder left in the tree
    result.problems += _crashed("fix --diff", diff, (0, 1))
    result.fix_diff_files = sum(1 for line in diff.stdout.splitlines() if line.startswith("+++ "))
    with tempfile.TemporaryDirectory(prefix="promptlint-eco-fix-") as scratch:
        copy = Path(scratch) / "tree"
        shutil.copytree(tree, copy, symlinks=True)
        before = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file() and not p.is_symlink()}
        applied = _cli(["fix", "--unsafe-fixes", "--no-config", "--no-cache", "."], copy)  # the most edits
        result.problems += _crashed("fix", applied, (0, 1))
        changed = [p for p, data in before.items() if p.exists() and p.read_bytes() != data]
        result.fix_changed = len(changed)
        result.fix_status = "ran"
        for path in changed:
            if really_broken(path):
                result.problems.append(f"fix: {path.relative_to(copy)} no longer parses")
            else:
                result.fix_still_parse += 1


def check_tree(tree: Path, name: str | None = None, *, fix: bool = True) -> TreeResult:
    """Run check / extract / fix over one tree and collect figures and contract violations."""
    result = TreeResult(name or tree.name)
    started = time.perf_counter()
    result.files = _count_files(tree)
    _check(tree, result)
    _extract(tree, result)
    if fix:
        _fix(tree, result)
    result.seconds = time.perf_counter() - started
    return result


def check_trees(trees: list[tuple[str, Path]], *, fix: bool = True) -> list[TreeResult]:
    return [check_tree(path, name, fix=fix) for name, path in trees]


def download_sdists(target: Path, packages: tuple[str, ...] = PACKAGES) -> list[tuple[str, Path]]:
    """`pip download` the sdists into `target` and unpack them; returns (name, folder) pairs."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q",
                    "-d", str(target), *packages], check=True, timeout=600)  # fmt: skip
    trees = []
    for archive in sorted(target.glob("*.tar.gz")):
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
        folder = target / archive.name.removesuffix(".tar.gz")
        trees.append((folder.name, folder))
    return trees


def offline_trees() -> list[tuple[str, Path]]:
    trees = [("examples", REPO / "examples")]
    templates = SHARED / "corpus" / "templates"
    if templates.is_dir():
        trees.insert(0, ("shared/corpus/templates", templates))
    return trees


def report(results: list[TreeResult]) -> str:
    lines = [f"{'tree':34} {'files':>6} {'prompts':>7} {'findings':>8} {'PL000':>5} {'diff':>4} "
             f"{'fix changed/parse':>17} {'s':>6}"]
    total: Counter[str] = Counter()
    for r in results:
        total.update(r.findings)
        ran = r.fix_status == "ran"
        fix = f"{r.fix_diff_files:>4} {f'{r.fix_changed}/{r.fix_still_parse}':>17}" if ran else r.fix_status
        lines.append(f"{r.name[:34]:34} {r.files:>6} {r.prompts:>7} {sum(r.findings.values()):>8} "
                     f"{r.syntax_errors:>5} {fix} {r.seconds:>6.1f}")  # fmt: skip
    lines.append("diff: files `fix --diff` (safe fixes) would change; fix changed/parse: files `fix --unsafe-fixes` "
                 "changed in a scratch copy / of those, files that still parse")
    lines.append("findings per rule: " + (", ".join(f"{c} {n}" for c, n in sorted(total.items())) or "none"))
    problems = [p for r in results for p in (f"{r.name}: {x}" for x in r.problems)]
    lines.append(f"contract violations: {len(problems)}")
    lines += [f"  {p}" for p in problems]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="templates and examples only (no download)")
    parser.add_argument("--no-fix", action="store_true", help="skip the fix pass")
    args = parser.parse_args(argv)
    trees = offline_trees()
    with tempfile.TemporaryDirectory(prefix="promptlint-eco-") as tmp:
        if not args.offline:
            trees += download_sdists(Path(tmp))
        results = check_trees(trees, fix=not args.no_fix)
    print(report(results))
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
