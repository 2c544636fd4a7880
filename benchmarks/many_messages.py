"""Whole `promptlint check` on a literal list of N chat messages passed to `messages.create` (issue 16 point 7).

    python benchmarks/many_messages.py [N ...]      # default: 5000 20000

Per N, two files: every message distinct ("Message 17 about the billing plan.": the text rules read 20k
prompts), and messages drawn from 40 texts a conversation log repeats (the work per distinct text is shared).
Prints the wall and CPU time of the whole command (a fresh process, --no-cache, the run of least CPU of 3)
and the extraction time alone (benchmarks/extraction_speed.py has the per-message figure). Was quadratic: 20k 46.6 s.
Then linear, 20k distinct 2.6 s, 100 µs a message in the text rules' regexes. Now the rules' patterns sit behind
gates (rules_engine/gates.py: a short message without a trigger word runs none of them), what a condition rule
reads of a call's other messages is decided once per call, and a file's lint runs with the garbage collector
paused. Measured on a shared 2-core machine under load (CPU, least of 3), main's build against this one at the
same time: 5k distinct 0.73 -> 0.44 s, 5k from 40 texts 0.38 -> 0.33 s, 20k distinct 2.76 -> 1.38 s, 20k from 40
texts 1.73 -> 0.91 s; left, in that order: parsing (~0.25 s at 20k), extraction (~15 µs a message), the per-text
facts and normalised text (~20 µs a distinct text), start-up (~0.1 s).

Round 3 (issue 16 point 7, speed3): each rule reads each distinct text once and walks the prompts only where it had
hits; a rule's pattern list is ruled out per text in one loop (its gate shut, no sentence at its concepts'
thresholds: engine._may_hit), gates file each literal under the run of it ordinary text holds least
(gram_counts.json), PL103's case-sensitive group is gated too, normalise skips the passes a plain text does not
need, the code checks' walk does not enter the items of a long literal list that hold no candidate line, and three
whole-file regex scans (suppression markers, the refusal-test gate twice) are gone. Paired with main's build
(medians of 9 pairs, CPU, shared 2-core machine, load ~3): 20k distinct 1.30 -> 1.01 s (least 1.28 -> 1.00; ratio
0.77), 20k from 40 texts 0.89 -> 0.79 s. In-process, 20k distinct: run_rules 0.57 -> 0.30 s; what is left is
parsing (~0.22 s), extraction (~0.27 s), ~28 µs a distinct text in the rules (normalising ~5, the gate runs ~6,
the facts ~7, ~9 for six rules' checks), start-up and the facts model's load (~0.1 s), freeing the tree (~0.04 s).
"""

from __future__ import annotations

import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

_TOPICS = ["the billing plan", "a refund", "my password", "the invoice", "shipping times", "the API limits",
           "a broken link", "the mobile app", "two-factor login", "the annual discount"]


def source(texts: list[str]) -> str:
    rows = "".join(f"    {{'role': '{'user' if i % 2 == 0 else 'assistant'}', 'content': {t!r}}},\n"
                   for i, t in enumerate(texts))
    return ("import anthropic\nclient = anthropic.Anthropic()\nclient.messages.create(model='m', "
            f"max_tokens=10, messages=[\n{rows}])\n")


def distinct(n: int) -> list[str]:
    return [f"Message {i} about {_TOPICS[i % len(_TOPICS)]}." for i in range(n)]


def repeated(n: int) -> list[str]:
    rng = random.Random(16)
    pool = [f"{verb} {topic}, please." for verb in ("Tell me about", "I have a question on", "Help me with", "Explain")
            for topic in _TOPICS]
    return [rng.choice(pool) for _ in range(n)]


def best_run(cmd: list[str], runs: int = 3) -> tuple[float, float]:
    """(wall, CPU) seconds of the fastest of `runs` runs; CPU (user + system) moves less on a shared machine."""
    best = (float("inf"), float("inf"))
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = min(best, (wall, cpu), key=lambda r: r[1])
    return best


def main(argv: list[str]) -> int:
    from promptlint.extractors.python import extract
    from promptlint.model import SourceFile

    sizes = [int(a) for a in argv] or [5000, 20000]
    exe = Path(sys.executable).with_name("promptlint")
    print("| messages | texts | whole check, wall | whole check, CPU | extraction alone |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            for label, texts in (("all distinct", distinct(n)), ("40 distinct", repeated(n))):
                path = Path(tmp) / "msgs.py"
                path.write_text(source(texts), encoding="utf-8")
                wall, cpu = best_run([str(exe), "check", "--no-cache", "--no-config", str(path)])
                start = time.perf_counter()
                extraction = extract(SourceFile("msgs.py", path.read_text(encoding="utf-8")))
                took = time.perf_counter() - start
                assert len(extraction.prompts) == n
                print(f"| {n} | {label} | {wall:.2f} s | {cpu:.2f} s | {took:.2f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
