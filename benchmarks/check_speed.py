"""How fast is `promptlint check`? One table: cold, warm (cache), one small file, peers and ruff.

Run it from the repository root (it is not part of the test suite, and it needs the network):

    python benchmarks/check_speed.py            # full run, medians of 3 (7 for the small file)
    python benchmarks/check_speed.py --quick    # langchain-core only, fewer repeats, no peers

What it does, all under one temporary folder that is deleted at the end (`--workdir DIR` keeps and
reuses it; nothing is ever written into the repository):

1. Downloads the source distributions of a few LLM-app packages with `pip download` (langchain-core,
   llama-index-core, openai, anthropic by default) and unpacks them next to a copy of
   ../shared/corpus/templates when that folder exists: the "large real code base".
2. Installs this checkout into a fresh venv of its own (as pre-commit installs a hook; later runs
   reinstall only its code) and the peer prompt linters from the package index into one fresh venv
   each (some of them install a module or script of the same name, so they cannot share one), and
   says, in the table, whether each peer extracts prompts from Python at all.
3. Times, as separate processes, from start to exit: `promptlint check` cold (empty cache), warm
   (cache filled by the cold run), with `--no-cache`, each peer over the same tree, and
   `ruff check --no-cache --isolated` as the floor of what reading and parsing the tree costs; then
   `promptlint check FILE` on one small file the way pre-commit calls it (a new file content every run,
   so the cache cannot help, and again unchanged) next to `python -c pass` of the same venv. Wall time
   is the median of several runs; peak RSS is the largest sum of the resident memory of the process and
   all its children (pool workers included), sampled from /proc every 5 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import venv
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_TEMPLATES = REPO.parent / "shared" / "corpus" / "templates"
PACKAGES = ["langchain-core", "llama-index-core", "openai", "anthropic"]
LINTED_SUFFIXES = {".py", ".pyi", ".yaml", ".yml", ".prompty", ".prompt"}
SMALL_FILE = '''"""A support bot."""
import anthropic

client = anthropic.Anthropic()


def answer(question: str) -> str:
    reply = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=512,
        system="You answer questions about our billing API for logged-in customers.",
        messages=[{"role": "user", "content": question}],
    )
    return reply.content[0].text
'''

#: aiproof ships only a Python API (`aiproof.check(source, path)`): this driver walks the tree like a CLI would.
AIPROOF_DRIVER = r"""
import os, sys, aiproof
n = 0
for root, dirs, files in os.walk(sys.argv[1]):
    dirs.sort()
    for name in sorted(files):
        if name.endswith((".py", ".md", ".txt", ".yaml", ".yml", ".prompt")):
            path = os.path.join(root, name)
            try:
                text = open(path, encoding="utf-8").read()
            except (UnicodeDecodeError, OSError):
                continue
            n += len(aiproof.check(text, path=path))
print(n, "findings")
"""


@dataclass
class Peer:
    """A peer linter: what to install, how to run it over a tree, and whether it reads prompts in Python."""

    name: str
    package: str
    reads_python: str  # "yes: ..." / "no: ..."
    command: Callable[[Path, Path], list[str]]  # (venv bin dir, tree) -> argv
    bin_dir: Path | None = None
    error: str | None = None


PEERS = [
    Peer("aiproof", "aiproof", "yes: prompts at SDK call sites (Rust; Python API, driven by a 12-line walker)",
         lambda b, t: [str(b / "python"), "-c", AIPROOF_DRIVER, str(t)]),
    Peer("lintlang", "lintlang", "yes: AST extraction of embedded prompts (skips test code by default)",
         lambda b, t: [str(b / "lintlang"), "scan", "--format", "json", "--allow-empty", str(t)]),
    Peer("llm-promptlint", "llm-promptlint", "yes: regex over source lines (interpolation near prompt words)",
         lambda b, t: [str(b / "promptlint"), "--no-color", str(t)]),
    Peer("promptlint-cli", "promptlint-cli", "no: reads each file named as one whole prompt (given **/*.py here)",
         lambda b, t: [str(b / "promptlint"), "--quiet", "--fail-level", "none", f"{t}/**/*.py"]),
    Peer("promptlint-ai", "promptlint-ai", "no: prompt files only (.md/.txt/.yaml/.json); finds no Python",
         lambda b, t: [str(b / "promptlint"), "check", "--quiet", "--no-color", str(t)]),
]  # fmt: skip


# -- measuring -----------------------------------------------------------------------


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc), in KiB."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii", errors="replace") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as handle:
                    stack.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError):
            continue
    return total


@dataclass
class Sample:
    seconds: float
    peak_mb: float
    returncode: int
    stderr: str = ""


def measure(argv: Sequence[str], env: dict[str, str] | None = None, timeout: float | None = None) -> Sample:
    """Wall time from process start to exit, and the peak RSS of its process tree (killed after `timeout` s)."""
    peak = [0]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            done.wait(0.005)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        err += f"\ntimed out after {timeout:.0f} s".encode()
    elapsed = time.perf_counter() - start
    done.set()
    watcher.join()
    return Sample(elapsed, peak[0] / 1024, proc.returncode, err.decode(errors="replace")[-400:])


@dataclass
class Result:
    name: str
    samples: list[Sample] = field(default_factory=list)
    note: str = ""

    @property
    def seconds(self) -> float:
        return statistics.median(s.seconds for s in self.samples) if self.samples else float("nan")

    @property
    def peak_mb(self) -> float:
        return max((s.peak_mb for s in self.samples), default=float("nan"))


@dataclass
class Job:
    """One measured command, with what to do before each run."""

    key: str
    name: str
    argv: Sequence[str]
    env: dict[str, str] | None = None
    note: str = ""
    before: Callable[[int], None] | None = None
    timeout: float | None = None


def rounds(jobs: Sequence[Job], runs: int) -> dict[str, Result]:
    """Run every job once per round, `runs` rounds: the median of each job is taken over the same stretch
    of time, so a machine whose speed drifts (shared cores) shifts every figure alike, not one of them."""
    results = {job.key: Result(job.name, note=job.note) for job in jobs}
    for i in range(runs):
        for job in jobs:
            if job.before is not None:
                job.before(i)
            sample = measure(job.argv, job.env, job.timeout)
            result = results[job.key]
            if sample.returncode not in (0, 1):
                last = sample.stderr.strip().splitlines()[-1] if sample.stderr.strip() else ""
                result.note = f"exit {sample.returncode}: {last}"
            result.samples.append(sample)
        print(f"  round {i + 1}/{runs}: " + ", ".join(f"{job.key} {results[job.key].samples[-1].seconds:.3f} s"
                                                     for job in jobs), file=sys.stderr)  # fmt: skip
    return results


# -- setting up -----------------------------------------------------------------------


def download_tree(work: Path, packages: Sequence[str]) -> tuple[Path, list[str]]:
    """Unpacked sdists (+ the shared templates): the large tree. Returns it and the versions got."""
    tree, downloads = work / "tree", work / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    if not tree.is_dir():
        for package in packages:
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                            "-d", str(downloads), package], check=True)  # fmt: skip
        tree.mkdir()
        for archive in sorted(downloads.iterdir()):
            if archive.name.endswith(".tar.gz"):
                with tarfile.open(archive) as tar:
                    tar.extractall(tree, filter="data")
            elif archive.suffix == ".zip":
                with zipfile.ZipFile(archive) as zf:
                    zf.extractall(tree)
        if SHARED_TEMPLATES.is_dir():
            shutil.copytree(SHARED_TEMPLATES, tree / "shared-templates")
    versions = sorted(p.name for p in tree.iterdir())
    return tree, versions


def tree_size(tree: Path) -> tuple[int, int]:
    """Files promptlint lints by default, and their bytes."""
    files = size = 0
    for root, _dirs, names in os.walk(tree):
        for name in names:
            if Path(name).suffix.lower() in LINTED_SUFFIXES:
                files += 1
                size += os.path.getsize(os.path.join(root, name))
    return files, size


def install_peer(peer: Peer, work: Path) -> None:
    target = work / "venvs" / peer.name
    if not (target / "bin" / "python").exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(target)
    done = subprocess.run([str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", peer.package],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        peer.error = f"did not install: {(done.stderr.strip().splitlines() or ['?'])[-1][:80]}"
    peer.bin_dir = target / "bin"


def promptlint_argv(bin_dir: Path) -> list[str]:
    """The console script of the benchmark's own install (what pre-commit runs)."""
    return [str(bin_dir / "promptlint")]


def install_self(work: Path) -> Path:
    """promptlint installed from this checkout into a fresh venv, as pre-commit installs a hook: its bin dir.

    Why not the interpreter running the benchmark: its site-packages may hold other packages' `.pth`
    start-up hooks (seen here: one importing certifi, 30 ms on every start) and an editable install
    recompiles edited modules when byte-code writing is off; neither is in a user's hook environment.
    """
    target = work / "venvs" / "promptlint-self"
    if not (target / "bin" / "python").exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(target)
        subprocess.run([str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", str(REPO)], check=True)
    else:  # dependencies are there: reinstall just this checkout's code
        subprocess.run([str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps",
                        "--force-reinstall", str(REPO)], check=True)  # fmt: skip
    return target / "bin"


def ruff_argv() -> list[str] | None:
    found = shutil.which("ruff")
    if found:
        try:
            resolved = subprocess.run([found, "--version"], capture_output=True, text=True, check=True)
            return [found] if resolved.stdout.startswith("ruff") else None
        except (OSError, subprocess.CalledProcessError):
            return None
    return None


# -- the run -----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="keep downloads, venvs and the tree here (reused next time)")
    parser.add_argument("--runs", type=int, default=3, help="runs per large-tree measurement (median)")
    parser.add_argument("--small-runs", type=int, default=7, help="runs of the small-file measurement")
    parser.add_argument("--packages", nargs="+", default=PACKAGES, help="sdists that make up the large tree")
    parser.add_argument("--quick", action="store_true", help="langchain-core only, 2 runs, no peers")
    parser.add_argument("--serial", action="store_true", help="also time --no-cache in one process (no pool)")
    parser.add_argument("--peer-timeout", type=float, default=180, help="seconds before a peer's run is stopped")
    args = parser.parse_args(argv)
    if args.quick:
        args.packages, args.runs, args.small_runs = ["langchain-core"], 2, 5
    return in_workdir(args.workdir, "promptlint-bench-", lambda work: run(args, work))


def in_workdir(workdir: Path | None, prefix: str, job: Callable[[Path], int]) -> int:
    """`job(folder)` in `workdir` (kept for the next run) or in a temporary folder removed afterwards."""
    work = workdir or Path(tempfile.mkdtemp(prefix=prefix))
    work.mkdir(parents=True, exist_ok=True)
    try:
        return job(work.resolve())
    finally:
        if workdir is None:
            shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path) -> int:
    print(f"setting up in {work} ...", file=sys.stderr)
    tree, versions = download_tree(work, args.packages)
    files, size = tree_size(tree)
    peers = [] if args.quick else PEERS
    threads = [threading.Thread(target=install_peer, args=(peer, work)) for peer in peers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    self_bin = install_self(work)
    cache_dir = work / "cache"
    # every tool runs its own venv's copy: not the checkout (PYTHONPATH) nor this interpreter's (PYTHONHOME)
    peer_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env = {**peer_env, "PROMPTLINT_CACHE_DIR": str(cache_dir)}
    pl = promptlint_argv(self_bin)
    check = [*pl, "check", "--no-config", "--exit-zero", "--quiet", "--format", "concise", str(tree)]

    def clear_cache(_i: int) -> None:
        shutil.rmtree(cache_dir, ignore_errors=True)

    print("measuring ...", file=sys.stderr)
    jobs = [
        Job("cold", "promptlint cold", check, env, "empty cache, pool on", clear_cache),
        Job("warm", "promptlint warm", check, env, "cache filled by the cold run just before"),
        Job("nocache", "promptlint --no-cache", [*check, "--no-cache"], env),
    ]
    if args.serial:
        jobs.append(Job("serial", "promptlint --no-cache, 1 process", [*check, "--no-cache"],
                        {**env, "PROMPTLINT_JOBS": "1"}, "PROMPTLINT_JOBS=1"))  # fmt: skip
    ruff = ruff_argv()
    if ruff:
        ruff_check = [*ruff, "check", "--no-cache", "--isolated", "--exit-zero", "--quiet", str(tree)]
        jobs.append(Job("ruff", "ruff check", ruff_check, env, "parse floor"))
    unavailable: dict[str, Result] = {}
    for peer in peers:
        if peer.error or peer.bin_dir is None:
            unavailable[peer.name] = Result(peer.name, note=peer.error or "not installed")
        else:
            jobs.append(Job(peer.name, peer.name, peer.command(peer.bin_dir, tree), peer_env,
                            timeout=args.peer_timeout))  # fmt: skip
    results = {**rounds(jobs, args.runs), **unavailable}
    small = work / "small" / "support_bot.py"
    small.parent.mkdir(parents=True, exist_ok=True)

    def new_content(i: int) -> None:
        small.write_text(SMALL_FILE + f"# edit {time.time_ns()} {i}\n", encoding="utf-8")

    small_check = [*pl, "check", "--force-exclude", str(small)]
    results.update(rounds([
        Job("small", "small file, changed", small_check, env, "cache miss", new_content),
        Job("small_warm", "small file, unchanged", small_check, env, "cache hit"),
        Job("python", "python -c pass", [str(self_bin / "python"), "-c", "pass"], env, "the same venv's interpreter"),
    ], args.small_runs))  # fmt: skip
    print_table(results, peers, files, size, versions)
    return 0


def _rate(result: Result, files: int, size: int) -> tuple[str, str]:
    if not result.samples or result.seconds != result.seconds:
        return "-", "-"
    return f"{files / result.seconds:,.0f}", f"{size / 1e6 / result.seconds:.1f}"


def print_table(results: dict[str, Result], peers: Sequence[Peer], files: int, size: int,
                versions: Sequence[str]) -> None:  # fmt: skip
    """The one table, then the targets."""
    cold = results["cold"].seconds
    print(f"\nTree: {files:,} lintable files, {size / 1e6:.1f} MB ({', '.join(versions)})")
    print(f"Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; wall = median, RSS = peak of the "
          "process tree\n")  # fmt: skip
    header = f"| {'run':<34} | {'wall s':>7} | {'files/s':>8} | {'MB/s':>6} | {'peak RSS MB':>11} | {'cold/this':>9} |"
    print(header + " notes |")
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|-------|")
    peer_names = {p.name: p for p in peers}
    for key, result in results.items():
        if key in ("small", "small_warm", "python"):
            continue
        per_file, mb = _rate(result, files, size)
        ratio = f"{cold / result.seconds:.2f}" if result.samples else "-"
        note = result.note
        if key in peer_names:
            note = f"Python prompts: {peer_names[key].reads_python}" + (f"; {result.note}" if result.note else "")
        wall = f"{result.seconds:.3f}" if result.samples else "-"
        peak = f"{result.peak_mb:.0f}" if result.samples else "-"
        print(f"| {result.name:<34} | {wall:>7} | {per_file:>8} | {mb:>6} | {peak:>11} | {ratio:>9} | {note} |")
    for key in ("small", "small_warm", "python"):
        result = results[key]
        print(f"| {result.name:<34} | {result.seconds:>7.3f} | {'':>8} | {'':>6} | {result.peak_mb:>11.0f} | "
              f"{'':>9} | {result.note} |")  # fmt: skip
    print()
    _targets(results, peers)


def _targets(results: dict[str, Result], peers: Sequence[Peer]) -> None:
    cold, warm = results["cold"].seconds, results["warm"].seconds

    def verdict(ok: bool) -> str:
        return "MET" if ok else "MISSED"

    print(f"- warm is {cold / warm:.1f}x faster than cold (target >= 20x): {verdict(cold / warm >= 20)}")
    small = results["small"].seconds
    print(
        f"- one small file: {small * 1000:.0f} ms wall (target <= 150 ms): {verdict(small <= 0.150)}; "
        f"unchanged (cache hit) {results['small_warm'].seconds * 1000:.0f} ms; "
        f"bare `python -c pass` {results['python'].seconds * 1000:.0f} ms"
    )
    extracting = [results[p.name] for p in peers if p.reads_python.startswith("yes") and results[p.name].samples
                  and not results[p.name].note.startswith("exit")]  # fmt: skip
    if extracting:
        fastest = min(extracting, key=lambda r: r.seconds)
        speedup = fastest.seconds / cold
        print(f"- cold vs the fastest peer that extracts prompts from Python ({fastest.name}, {fastest.seconds:.3f} s):"
              f" {speedup:.2f}x faster (target >= 3x): {verdict(speedup >= 3)}")  # fmt: skip
    if "ruff" in results and results["ruff"].samples:
        ratio = cold / results["ruff"].seconds
        print(
            f"- cold vs ruff ({results['ruff'].seconds:.3f} s): {ratio:.1f}x ruff's time (target <= 5x): "
            f"{verdict(ratio <= 5)}"
        )
    peak = max(results["cold"].peak_mb, results["warm"].peak_mb)
    print(f"- peak RSS on the large tree: {peak:.0f} MB (target <= 300 MB): {verdict(peak <= 300)}")


if __name__ == "__main__":
    raise SystemExit(main())
