"""Does `promptlint fix` on a tree with nothing to fix cost no more than `check`? Wall, CPU and peak memory.

Run it from the repository root (not part of the test suite; it needs the package index):

    python benchmarks/fix_speed.py              # the large tree of check_speed.py, medians of 3
    python benchmarks/fix_speed.py --quick      # langchain-core only, 2 runs
    python benchmarks/fix_speed.py --tree DIR   # a copy of DIR instead of the downloaded sdists

The tree is the one `check_speed.py` builds (the sdists of a few LLM-app packages and ../shared's templates,
unpacked under a temporary folder that is deleted at the end; `--workdir DIR` keeps it), and this checkout is
installed into a fresh venv the same way. `fix` is run over it once first, so that nothing (safe) is left to
fix; the script checks that `fix --diff` then finds nothing. Then, in alternating rounds:

- `check --no-cache` and `fix --no-cache`: everything linted (in the process pool);
- `check` and `fix` with the result cache that the first warm-up filled: the everyday re-run.

Each figure: wall time from start to exit (median), CPU time of the process and its pool workers (user + sys,
median; from the rusage of waited-for children) and peak resident memory of the process tree (sampled every
5 ms). The target: `fix` / `check` at or below 1.0 for CPU and about 1.0 for wall and memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_speed  # the sibling benchmark: its tree, install and measuring


def measure(argv: Sequence[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """(wall s, CPU s of the process and its children, peak RSS MB of the tree, exit status) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    sample = check_speed.measure(argv, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return sample.seconds, cpu, sample.peak_mb, sample.returncode


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="keep downloads, venv and tree here (reused next time)")
    parser.add_argument("--tree", type=Path, help="lint a copy of this folder instead of the downloaded sdists")
    parser.add_argument("--runs", type=int, default=3, help="rounds (median)")
    parser.add_argument("--packages", nargs="+", default=check_speed.PACKAGES, help="sdists that make up the tree")
    parser.add_argument("--quick", action="store_true", help="langchain-core only, 2 runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.packages, args.runs = ["langchain-core"], 2
    return check_speed.in_workdir(args.workdir, "promptlint-fix-bench-", lambda work: run(args, work))


def run(args: argparse.Namespace, work: Path) -> int:
    print(f"setting up in {work} ...", file=sys.stderr)
    if args.tree is not None:
        tree = work / "tree-copy"
        if not tree.is_dir():
            shutil.copytree(args.tree, tree, symlinks=True)
        versions = [str(args.tree)]
    else:
        tree, versions = check_speed.download_tree(work, args.packages)
    files, size = check_speed.tree_size(tree)
    pl = check_speed.promptlint_argv(check_speed.install_self(work))
    cache_dir = work / "cache"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PROMPTLINT_CACHE_DIR"] = str(cache_dir)
    common = ["--no-config", "--quiet", str(tree)]
    # nothing left to fix: one real `fix` over the benchmark's own copy, then `fix --diff` must find nothing
    first = subprocess.run([*pl, "fix", "--no-config", str(tree)], env=env, capture_output=True, text=True)
    if first.returncode not in (0, 1):
        print(f"fix failed: {first.stderr.strip()[-400:]}", file=sys.stderr)
        return 2
    summary = next((line for line in first.stderr.splitlines() if line.startswith("Fixed")), "?")
    diff = subprocess.run([*pl, "fix", "--diff", *common], env=env, capture_output=True, text=True)
    if diff.returncode != 0:
        print(f"the tree still has something to fix (fix --diff exit {diff.returncode}); not measured",
              file=sys.stderr)
        return 2
    jobs = {
        "check --no-cache": [*pl, "check", "--exit-zero", "--format", "concise", "--no-cache", *common],
        "fix --no-cache": [*pl, "fix", "--exit-zero", "--no-cache", *common],
        "check (warm cache)": [*pl, "check", "--exit-zero", "--format", "concise", *common],
        "fix (warm cache)": [*pl, "fix", "--exit-zero", *common],
    }
    measure(jobs["check (warm cache)"], env)  # fill the cache
    samples: dict[str, list[tuple[float, float, float, int]]] = {name: [] for name in jobs}
    print("measuring ...", file=sys.stderr)
    for i in range(args.runs):
        for name, argv in jobs.items():
            samples[name].append(measure(argv, env))
        print(f"  round {i + 1}/{args.runs}: " + ", ".join(
            f"{name} {samples[name][-1][0]:.2f} s" for name in jobs), file=sys.stderr)  # fmt: skip
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"\nTree: {files:,} lintable files, {size / 1e6:.1f} MB ({', '.join(versions)})")
    print(f"Before measuring, one fix run: {summary!r}; then fix --diff finds nothing (exit 0)")
    print(f"Machine: {cpus} CPUs, Python {sys.version.split()[0]}; wall and CPU: medians of {args.runs} runs; "
          "RSS: peak of the process tree\n")
    print(f"| {'run':<20} | {'wall s':>7} | {'CPU s':>7} | {'peak RSS MB':>11} | {'fix/check wall':>14} | "
          f"{'fix/check CPU':>13} |")
    print(f"|{'-' * 22}|{'-' * 9}|{'-' * 9}|{'-' * 13}|{'-' * 16}|{'-' * 15}|")
    figures = {name: (statistics.median(s[0] for s in runs), statistics.median(s[1] for s in runs),
                      max(s[2] for s in runs), sorted({s[3] for s in runs})) for name, runs in samples.items()}
    for name, (wall, cpu, peak, codes) in figures.items():
        ratio_wall = ratio_cpu = ""
        if name.startswith("fix"):
            check_wall, check_cpu, _p, _c = figures[name.replace("fix", "check")]
            ratio_wall, ratio_cpu = f"{wall / check_wall:.2f}", f"{cpu / check_cpu:.2f}"
        note = "" if codes == [0] else f" (exit {codes})"
        print(f"| {name:<20} | {wall:>7.2f} | {cpu:>7.2f} | {peak:>11.0f} | {ratio_wall:>14} | {ratio_cpu:>13} |{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
