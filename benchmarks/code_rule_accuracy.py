"""Accuracy of the code rules (PL401, PL402, PL404) on independently written Python files.

Run: `python benchmarks/code_rule_accuracy.py [--misses] [--split dev|test]`.

Data: `benchmarks/data/rule_eval/<split>/*_CODE.jsonl`, one JSON object per line with `id`, `rule`,
`label` (`pos`: the rule must fire on the file; `neg`: it must not), `text` (the whole file) and
`evidence` (the code a positive is about). The files were written by writers who saw only each rule's
documentation (`promptlint rule CODE`), never its checks. `dev` (batches A and B) is what the checks were
tuned on; `test` (batch C) was copied in and measured once, after the work was final, and not looked at:
tuning on it would make its figure worthless, so treat `--misses --split test` as spending the set.

Figures (dev A+B / test C), recall and false-positive rate: PL401 24/24, 0/24 / 12/12, 0/12; PL402 24/24,
0/24 / 6/12, 0/12; PL404 24/24, 0/24 / 11/12, 0/12. Batch B, measured before it was looked at (with the
code of 1bd4ee9): PL401 11/12, PL402 9/12, PL404 12/12, no false positives. Batch D (dev, 72 files by
another independent writer), measured before it was looked at (with the code of cd07882): PL401 10/12,
PL402 6/12, PL404 10/12 and 1/12 false positives; after tuning on it (branch pl402), dev A+B+D: PL401 36/36,
PL402 36/36, PL404 36/36, no false positives (on evidence 35, 31, 31 of 36). The test figures above are
from before that tuning; the test split was not run for it.

Each file is linted with promptlint's own runner (`lint_text`, every rule enabled) as `example.py`.
Printed per rule and split: recall (positives with at least one finding of the rule), false-positive
rate (negatives with any finding of the rule), and how many positives' findings sit on the line of the
evidence (`on evidence`: a finding elsewhere still counts for recall).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from promptlint.config import Config  # noqa: E402
from promptlint.rules_engine import load_rules  # noqa: E402
from promptlint.runner import lint_text  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "rule_eval"
RULES = ("PL401", "PL402", "PL404")


def load_split(split: str) -> list[dict]:
    rows = []
    for path in sorted((DATA / split).glob("*_CODE.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def _evidence_lines(text: str, evidence: str) -> set[int]:
    """1-based lines the evidence covers, where it occurs in the file (matched on its first line)."""
    first = evidence.strip().splitlines()[0].strip() if evidence.strip() else ""
    lines = set()
    if first:
        for number, line in enumerate(text.splitlines(), 1):
            if first in line:
                lines.add(number)
    return lines


def evaluate(rows: list[dict], show_misses: bool) -> tuple[dict[str, dict[str, int]], float]:
    rules = [r for r in load_rules() if r.code.startswith("PL4")]
    stats = {code: {"pos": 0, "tp": 0, "neg": 0, "fp": 0, "on_evidence": 0} for code in RULES}
    seconds = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(root=Path(tmp))
        for row in rows:
            code = row["rule"]
            if code not in stats:
                continue
            started = time.perf_counter()
            findings = [f for f in lint_text(row["text"], "example.py", config, rules) if f.code == code]
            seconds += time.perf_counter() - started
            s = stats[code]
            if row["label"] == "pos":
                s["pos"] += 1
                s["tp"] += bool(findings)
                lines = _evidence_lines(row["text"], row.get("evidence", ""))
                s["on_evidence"] += any(f.line in lines for f in findings)
                if not findings and show_misses:
                    print(f"  MISS {row['id']}: {row.get('note', '')} | evidence: {row.get('evidence', '')}")
            else:
                s["neg"] += 1
                s["fp"] += bool(findings)
                if findings and show_misses:
                    where = ", ".join(f"line {f.line}" for f in findings)
                    print(f"  FALSE POSITIVE {row['id']} ({where}): {row.get('note', '')}")
    return stats, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", action="append", choices=("dev", "test"),
                        help="only this split (repeatable); default: every split present")
    parser.add_argument("--misses", action="store_true", help="list missed positives and flagged negatives")
    args = parser.parse_args(argv)
    splits = args.split or [s for s in ("dev", "test") if (DATA / s).is_dir()]
    for split in splits:
        rows = load_split(split)
        if not rows:
            print(f"{split}: no data in {DATA / split}")
            continue
        print(f"== {split} ({len(rows)} files: {', '.join(sorted({r['id'].split('-')[0] for r in rows}))})")
        stats, seconds = evaluate(rows, args.misses)
        print(f"{'rule':6} {'recall':>14} {'on evidence':>12} {'false pos.':>14}")
        for code in RULES:
            s = stats[code]
            if not s["pos"] and not s["neg"]:
                continue
            recall = s["tp"] / s["pos"] if s["pos"] else float("nan")
            fpr = s["fp"] / s["neg"] if s["neg"] else float("nan")
            print(f"{code:6} {s['tp']:>3}/{s['pos']:<3} {recall:6.1%} {s['on_evidence']:>8}/{s['pos']:<3}"
                  f" {s['fp']:>3}/{s['neg']:<3} {fpr:6.1%}")
        print(f"lint time: {seconds * 1000 / len(rows):.1f} ms per file")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
