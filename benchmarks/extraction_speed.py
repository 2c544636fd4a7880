"""Python extraction time on a literal list of N chat messages passed to `messages.create` (issue 16).

    python benchmarks/extraction_speed.py [N ...]      # default: 1000 5000 20000

Prints, per N, the extraction time (best of 3) and the time per message: linear extraction keeps the time
per message flat as N grows. Was quadratic (every message looked at every other one): 5k 3.8 s, 20k 40 s.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def source(n: int) -> str:
    messages = "".join(f"    {{'role': '{'user' if i % 2 == 0 else 'assistant'}', "
                       f"'content': 'Message {i} about the billing plan.'}},\n" for i in range(n))
    return ("import anthropic\nclient = anthropic.Anthropic()\nclient.messages.create(model='m', "
            f"max_tokens=10, messages=[\n{messages}])\n")


def main(argv: list[str]) -> int:
    from promptlint.extractors.python import extract
    from promptlint.model import SourceFile

    sizes = [int(a) for a in argv] or [1000, 5000, 20000]
    print("| messages | extraction (best of 3) | per message |")
    print("|---|---|---|")
    for n in sizes:
        text = source(n)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            extraction = extract(SourceFile(path="msgs.py", text=text))
            best = min(best, time.perf_counter() - start)
        assert len(extraction.prompts) == n
        print(f"| {n} | {best:.2f} s | {1e6 * best / n:.0f} µs |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
