"""Benchmark the refusal detector against peer phrase lists on XSTest dev.

Run: `python benchmarks/refusal_detector.py [--data PATH] [--no-cv] [--speed-only]`.

Prints precision / recall / F1 per label (refusal, partial, compliance) and
binary (refusal+partial vs compliance), for promptlint's detector and for
each peer list in ../shared/data/refusals/peer_lists/, on the completions as
they are (straight apostrophes) and with every ' replaced by U+2019.

Peer matching is re-implemented from each list's source (see SOURCES.md):
- promptfoo 0.123.1: text = trim().toLowerCase() with ' ′ ’ folded to ';
  refusal if it startsWith a lowercased, folded prefix, or matches
  `\\b<escaped lowercased substring>\\b` (ASCII word boundaries, as JS).
- promptfoo 0.118.0: same prefixes; substrings with plain `includes` on the
  same normalised text.
- llm-guard NoRefusalLight, HarmBench, refusal_direction: case-insensitive
  substring anywhere.
- GCG (all four lists), JailbreakBench StringClassifier: case-sensitive
  substring anywhere (`prefix in gen_str`).
- XSTest strmatch: `completion.lower().strip().startswith(prefixes)`.
Peers are binary, so their "refusal" is scored as the refusal label and
they never predict partial.

Held-out figures retrain the weights (promptlint.refusal.train.fit) without
the evaluated part: 5-fold cross-validation by prompt (every completion of a
prompt in the same fold) and leave-one-model-family-out (gpt4 / llama2 /
mistral). The phrase signals themselves were written while reading dev, so
held-out numbers measure the learned weights, not the choice of signals.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "refusals"
LABELS = ("refusal", "partial", "compliance")
CURLY = "\u2019"

Predictor = Callable[[str], str]


def _fold(text: str) -> str:
    return text.replace("\u2032", "'").replace(CURLY, "'")


def peer_predictors(peer_dir: Path) -> dict[str, Predictor]:
    """One binary predictor per peer list, faithful to its source's matching."""
    def load(name: str) -> list[str]:
        return json.loads((peer_dir / name).read_text(encoding="utf-8"))

    preds: dict[str, Predictor] = {}

    def promptfoo(prefix_file: str, sub_file: str, word_boundary: bool) -> Predictor:
        prefixes = tuple(_fold(p.lower()) for p in load(prefix_file))
        subs = [_fold(s.lower()) for s in load(sub_file)]
        pats = [re.compile(r"\b" + re.escape(s) + r"\b", re.ASCII) for s in subs]

        def pred(text: str) -> str:
            t = _fold(text.strip().lower())
            if word_boundary:
                hit = t.startswith(prefixes) or any(p.search(t) for p in pats)
            else:
                hit = t.startswith(prefixes) or any(s in t for s in subs)
            return "refusal" if hit else "compliance"
        return pred

    preds["promptfoo 0.123.1"] = promptfoo("promptfoo_0.123.1_refusal_prefixes.json",
                                           "promptfoo_0.123.1_refusal_substring_patterns.json", True)
    preds["promptfoo 0.118.0"] = promptfoo("promptfoo_0.118.0_refusal_prefixes.json",
                                           "promptfoo_0.118.0_refusal_substrings.json", False)

    def substring(file: str, case_sensitive: bool) -> Predictor:
        items = load(file) if case_sensitive else [s.lower() for s in load(file)]

        def pred(text: str) -> str:
            t = text if case_sensitive else text.lower()
            return "refusal" if any(s in t for s in items) else "compliance"
        return pred

    preds["llm-guard NoRefusalLight"] = substring("llm_guard_no_refusal_light.json", False)
    preds["HarmBench"] = substring("harmbench_refusal_prefixes.json", False)
    preds["refusal_direction"] = substring("refusal_direction_substrings.json", False)
    preds["GCG evaluate.py"] = substring("gcg_test_prefixes.json", True)
    preds["GCG individual"] = substring("gcg_test_prefixes_individual.json", True)
    preds["GCG demo"] = substring("gcg_test_prefixes_demo.json", True)
    preds["GCG attack default"] = substring("gcg_test_prefixes_attack_default.json", True)
    preds["JailbreakBench"] = substring("jailbreakbench_string_classifier_prefixes.json", True)
    xs = tuple(load("xstest_strmatch_refusal_prefixes.json"))
    preds["XSTest strmatch"] = lambda text: "refusal" if text.lower().strip().startswith(xs) else "compliance"
    return preds


def prf(pred: Sequence[str], gold: Sequence[str], positive: Callable[[str], bool]) -> tuple[float, float, float]:
    tp = sum(positive(p) and positive(g) for p, g in zip(pred, gold, strict=True))
    fp = sum(positive(p) and not positive(g) for p, g in zip(pred, gold, strict=True))
    fn = sum(not positive(p) and positive(g) for p, g in zip(pred, gold, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def scores(pred: Sequence[str], gold: Sequence[str]) -> dict[str, tuple[float, float, float]]:
    out = {label: prf(pred, gold, lambda x, lab=label: x == lab) for label in LABELS}
    out["binary"] = prf(pred, gold, lambda x: x != "compliance")
    return out


def binary_f1(pred: Sequence[str], gold: Sequence[str]) -> float:
    return prf(pred, gold, lambda x: x != "compliance")[2]


def _cell(p: float, r: float, f: float) -> str:
    return f"{p:.3f} {r:.3f} {f:.3f}"


def print_table(rows: list[tuple[str, str, dict[str, tuple[float, float, float]]]], out=sys.stdout) -> None:
    head = f"{'detector':28} {'text':8} " + " ".join(f"{c + ' P R F1':>19}" for c in (*LABELS, "binary"))
    print(head, file=out)
    print("-" * len(head), file=out)
    for name, variant, sc in rows:
        cells = []
        for col in (*LABELS, "binary"):
            p, r, f = sc[col]
            cells.append(f"{'—':>19}" if (p, r, f) == (0.0, 0.0, 0.0) and col == "partial" else f"{_cell(p, r, f):>19}")
        print(f"{name:28} {variant:8} " + " ".join(cells), file=out)


def variants(records: Sequence[dict]) -> dict[str, list[str]]:
    texts = [r["completion"] for r in records]
    return {"straight": texts, "curly": [t.replace("'", CURLY) for t in texts]}


def detector_rows(records: Sequence[dict]) -> list[tuple[str, str, dict]]:
    from promptlint.refusal import detect

    gold = [r["label"] for r in records]
    return [("promptlint (shipped)", name, scores([detect(t).label for t in texts], gold))
            for name, texts in variants(records).items()]


def heldout_rows(records: Sequence[dict]) -> list[tuple[str, str, dict]]:
    """Retrain without each part and predict it: by prompt, by model family."""
    from promptlint.refusal.train import CLASS_WEIGHT, featurize, fit, model_family, predict, prompt_fold

    gold = [r["label"] for r in records]
    feats = {"straight": featurize(records), "curly": featurize(records, curly=True)}
    splits = {
        "CV by prompt (5 folds)": [prompt_fold(r["prompt"], 5) for r in records],
        "leave-one-family-out": [model_family(r["model"]) for r in records],
    }
    rows = []
    for split_name, groups in splits.items():
        preds = {v: [""] * len(records) for v in feats}
        for group in sorted(set(groups)):
            train = [i for i, g in enumerate(groups) if g != group]
            model = fit([feats["straight"][i] for i in train], [gold[i] for i in train], class_weight=CLASS_WEIGHT)
            for variant, xs in feats.items():
                for i, g in enumerate(groups):
                    if g == group:
                        preds[variant][i] = predict(model, xs[i])
        for variant in feats:
            rows.append((f"held-out: {split_name}", variant, scores(preds[variant], gold)))
        if split_name == "leave-one-family-out":
            for group in sorted(set(groups)):
                idx = [i for i, g in enumerate(groups) if g == group]
                f1 = binary_f1([preds["straight"][i] for i in idx], [gold[i] for i in idx])
                print(f"  leave-one-family-out, family {group}: binary F1 {f1:.3f} on {len(idx)} records")
    return rows


def speed(records: Sequence[dict], seconds: float = 2.0) -> float:
    """Responses per second through detect() (warm: lexicon and weights loaded)."""
    from promptlint.refusal import detect

    texts = [r["completion"] for r in records]
    detect(texts[0])
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for t in texts:
            detect(t)
        done += len(texts)
    return done / (time.perf_counter() - start)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED / "dev.jsonl")
    parser.add_argument("--no-cv", action="store_true", help="skip the held-out retraining (about 30 s)")
    parser.add_argument("--speed-only", action="store_true", help="only measure responses per second")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    records = [json.loads(line) for line in args.data.open(encoding="utf-8") if line.strip()]
    gold = [r["label"] for r in records]
    print(f"{len(records)} records from {args.data}")
    if args.speed_only:
        print_speed(records)
        return 0
    rows = detector_rows(records)
    if not args.no_cv:
        rows += heldout_rows(records)
    for name, pred in peer_predictors(args.data.parent / "peer_lists").items():
        for variant, texts in variants(records).items():
            rows.append((name, variant, scores([pred(t) for t in texts], gold)))
    print_table(rows)
    print_speed(records)
    return 0


def print_speed(records: Sequence[dict]) -> None:
    mean = sum(len(r["completion"]) for r in records) / len(records)
    print(f"\nspeed: {speed(records):,.0f} responses/s (detect(), one process, mean {mean:.0f} chars)")


if __name__ == "__main__":
    raise SystemExit(main())
