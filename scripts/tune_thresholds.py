"""Show how a rule's `{fact:...}` thresholds trade recall for false positives, on dev data only.

  python scripts/tune_thresholds.py PL201 [--models A=/tmp/model_noA.json B=/tmp/model_noB.json]

For each `{fact:NAME:T}` entry of the rule (in patterns, trigger, unless, groups, exceptions), every candidate
threshold is tried with the others held at their current values. Items of each dev batch are measured with a
facts model trained WITHOUT that batch (scripts/train_facts.py --exclude-batch A- --out ...), so the figures
are what an unseen writer's text would get. Printed per candidate: recall on the rule's `pos` items, false
positives on its `neg` items, CLEAN prompts flagged by the rule, and (PL1xx) real non-sensitive corpus prompts
(dev half) flagged. The test split is never read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "scripts"))

CANDIDATES = (0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def concept_slots(compiled: Any) -> Iterator[tuple[list[Any], int]]:
    """(list, index) of every ConceptRef in a compiled rule, wherever it sits."""
    from promptlint.rules_engine.concepts import ConceptRef
    from promptlint.rules_engine.patterns import Exception_

    def walk(value: Any) -> Iterator[tuple[list[Any], int]]:
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ConceptRef):
                    yield value, i
                elif isinstance(item, Exception_):
                    if isinstance(item.pattern, ConceptRef):
                        yield value, i
                else:
                    yield from walk(item)
        elif isinstance(value, tuple):
            for item in value:
                yield from walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                yield from walk(item)

    yield from walk(dict(compiled))


def _ref(slot: tuple[list[Any], int]) -> Any:
    from promptlint.rules_engine.patterns import Exception_

    item = slot[0][slot[1]]
    return item.pattern if isinstance(item, Exception_) else item


def _set(slot: tuple[list[Any], int], threshold: float) -> None:
    from promptlint.rules_engine.patterns import Exception_

    seq, i = slot
    item = seq[i]
    if isinstance(item, Exception_):
        seq[i] = item._replace(pattern=replace(item.pattern, threshold=threshold))
    else:
        seq[i] = replace(item, threshold=threshold)


def main(argv: list[str] | None = None) -> int:
    import rule_accuracy as ra
    from facts_data import corpus_split

    from promptlint.facts import model as facts_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rule")
    parser.add_argument("--models", nargs="+", default=["A-=/tmp/model_noA.json", "B-=/tmp/model_noB.json"],
                        help="BATCHPREFIX=MODEL pairs")
    args = parser.parse_args(argv)
    linter = ra.Linter()
    rule = next(r for r in linter.rules if r.code == args.rule)
    compiled = rule.spec["compiled"]
    items = [i for i in ra.load_items("dev") if i["rule"] in (args.rule, "CLEAN")]
    corpus: list[dict] = []
    if args.rule.startswith("PL1") and (ra.SHARED / "corpus" / "prompts.jsonl").is_file():
        text = (ra.SHARED / "corpus" / "prompts.jsonl").read_text(encoding="utf-8")
        rows = [json.loads(x) for x in text.splitlines()]
        corpus = [{"text": r["text"], "role": r["role"], "id": r["id"]} for r in rows
                  if not r["sensitive"] and r["repo"] not in ra.SKIPPED_REPOS and corpus_split(r["repo"]) == "dev"]
    models = dict(pair.split("=", 1) for pair in args.models)

    def measure() -> tuple[int, int, int, int, int, int, int]:
        tp = pos = fp = neg = clean = n_clean = hit_corpus = 0
        for prefix, path in models.items():
            facts_model.MODEL_PATH = Path(path)
            facts_model.load_model.cache_clear()
            for item in items:
                if not item["id"].startswith(prefix):
                    continue
                fired = args.rule in linter.codes(item)
                if item["rule"] == "CLEAN":
                    n_clean += 1
                    clean += fired
                elif item["label"] == "pos":
                    pos += 1
                    tp += fired
                else:
                    neg += 1
                    fp += fired
            if prefix == next(iter(models)):
                hit_corpus = sum(args.rule in linter.codes(c) for c in corpus)
        return tp, pos, fp, neg, clean, n_clean, hit_corpus

    slots = list(concept_slots(compiled))
    base = measure()
    print(f"{args.rule} now: recall {base[0]}/{base[1]}, FP {base[2]}/{base[3]}, CLEAN {base[4]}/{base[5]}, "
          f"corpus {base[6]}/{len(corpus)}")
    for slot in slots:
        ref = _ref(slot)
        current = ref.threshold
        print(f"\n{{fact:{ref.concept}:{current}{'x' + str(ref.at_least) if ref.at_least > 1 else ''}}}")
        for t in CANDIDATES:
            _set(slot, t)
            tp, pos, fp, neg, clean, n_clean, hc = measure()
            mark = " <- now" if abs(t - current) < 1e-9 else ""
            print(f"  {t:.2f}: recall {tp:3}/{pos}  FP {fp:3}/{neg}  CLEAN {clean:2}/{n_clean}  "
                  f"corpus {hc:3}/{len(corpus)}{mark}")
        _set(slot, current)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
