"""Build promptlint/rules_engine/gram_counts.json: how common each 3-character run is in ordinary prompt text.

  python scripts/build_gram_counts.py

A rule gate (promptlint/rules_engine/gates.py) files each of its literals under one 3-character run of the
literal and looks a literal up in full only when a text holds its run; filed under a run ordinary text rarely
holds ("ndar" of "boundaries" rather than "bou", which every "about" has), most texts look up none. The
counts are the number of sentences holding each run, read (normalised and folded as the gates read a
prompt) from the facts model's background sentences (benchmarks/data/facts/bank/background*.jsonl: ordinary
system and user sentences that state no concept). Which run a literal is filed under changes speed only,
never what a gate answers: every run of a literal is in every text that holds the literal.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from promptlint.rules_engine.gates import folded, grams  # noqa: E402
from promptlint.rules_engine.text import normalise  # noqa: E402

SOURCES = sorted((ROOT / "benchmarks" / "data" / "facts" / "bank").glob("background*.jsonl"))
OUT = ROOT / "promptlint" / "rules_engine" / "gram_counts.json"
#: Runs seen in fewer sentences are left out (read as 0: rare).
MIN_COUNT = 2


def main() -> int:
    counts: Counter[str] = Counter()
    sentences = 0
    for path in SOURCES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                counts.update(grams(folded(normalise(json.loads(line)["sentence"]).text)))
                sentences += 1
    kept = {gram: n for gram, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= MIN_COUNT}
    OUT.write_text(json.dumps({"sentences": sentences, "sources": [p.name for p in SOURCES], "counts": kept},
                              ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(kept)} runs from {sentences} sentences")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
