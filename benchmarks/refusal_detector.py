"""Benchmark the refusal detector: XSTest-based dev, promptlint's own evaluation set (dev and test), peers.

Run: `python benchmarks/refusal_detector.py [--data PATH] [--eval-dir DIR] [--test PATH] [--no-cv] [--speed-only]`.

Prints precision / recall / F1 per label (refusal, partial, compliance) and binary (refusal+partial vs
compliance), and partial recall, for promptlint's detector and for each peer phrase list in
../shared/data/refusals/peer_lists/, on:

- the XSTest-based dev set (../shared/data/refusals/dev.jsonl), as written (straight apostrophes) and with
  every ' replaced by U+2019;
- the evaluation set written for promptlint by helpers who never saw the detector
  (benchmarks/data/refusal_eval/dev.jsonl): tuned on (grammar, lexicons and weights were changed while
  reading it), per batch and per model family as well;
- with `--test PATH`, a held-out set in the same format that was never tuned on (kept outside the
  repository, so that nobody reads it; measure it once, when the detector is final);
- promptfoo's and garak's refusal-detector test cases (agreement count; see tests/test_refusal_peer_suites.py).

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

Held-out figures retrain the weights (promptlint.refusal.train.fit) without the evaluated part, the other
training sets staying in: XSTest by 5-fold cross-validation by prompt and leave-one-model-family-out; the
evaluation dev set by 5-fold CV and with no record of it trained on. The grammar, lexicons and phrase signals
were written while reading the dev sets, so held-out numbers measure the learned weights, not the choice of
signals; only the test split measures both.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "refusals"
EVAL_DIR = ROOT / "benchmarks" / "data" / "refusal_eval"
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
    head = f"{'detector':34} {'text':8} " + " ".join(f"{c + ' P R F1':>19}" for c in (*LABELS, "binary"))
    print(head, file=out)
    print("-" * len(head), file=out)
    for name, variant, sc in rows:
        cells = []
        for col in (*LABELS, "binary"):
            p, r, f = sc[col]
            cells.append(f"{'—':>19}" if (p, r, f) == (0.0, 0.0, 0.0) and col == "partial" else f"{_cell(p, r, f):>19}")
        print(f"{name:34} {variant:8} " + " ".join(cells), file=out)


def variants(records: Sequence[dict]) -> dict[str, list[str]]:
    from promptlint.refusal.train import text_of

    texts = [text_of(r) for r in records]
    return {"straight": texts, "curly": [t.replace("'", CURLY) for t in texts]}


def detector_rows(records: Sequence[dict], name: str = "promptlint (shipped)") -> list[tuple[str, str, dict]]:
    from promptlint.refusal import detect

    gold = [r["label"] for r in records]
    prompts = [r.get("prompt") for r in records]
    return [(name, variant, scores([detect(t, prompt=p).label for t, p in zip(texts, prompts, strict=True)], gold))
            for variant, texts in variants(records).items()]


def _fit(train: Sequence[int], feats: Sequence[dict], gold: Sequence[str], weights: Sequence[float],
         extra: tuple[list[dict], list[str], list[float]]) -> object:
    from promptlint.refusal.train import CLASS_WEIGHT, fit

    xs, ys, ws = extra
    return fit([feats[i] for i in train] + xs, [gold[i] for i in train] + ys, class_weight=CLASS_WEIGHT,
               sample_weight=[weights[i] for i in train] + ws)


def _records_and_weights(path: Path | None, weight: float) -> tuple[list[dict], list[dict], list[str], list[float]]:
    from promptlint.refusal.train import featurize, load_records

    if path is None or not path.exists():
        return [], [], [], []
    records = load_records(path)
    return records, featurize(records), [r["label"] for r in records], [weight] * len(records)


def heldout_xstest(records: Sequence[dict], others: tuple[list[dict], list[str], list[float]]) -> list:
    """XSTest with the weights refitted without the evaluated part (the other training sets stay in):
    5-fold CV by prompt, and leave-one-model-family-out."""
    from promptlint.refusal.train import featurize, model_family, predict_record, prompt_fold

    gold = [r["label"] for r in records]
    feats = {"straight": featurize(records), "curly": featurize(records, curly=True)}
    weights = [1.0] * len(records)
    splits = {
        "CV by prompt (5 folds)": [prompt_fold(r["prompt"], 5) for r in records],
        "leave-one-family-out": [model_family(r["model"]) for r in records],
    }
    rows = []
    for split_name, groups in splits.items():
        preds = {v: [""] * len(records) for v in feats}
        for group in sorted(set(groups)):
            train = [i for i, g in enumerate(groups) if g != group]
            model = _fit(train, feats["straight"], gold, weights, others)
            for variant, xs in feats.items():
                for i, g in enumerate(groups):
                    if g == group:
                        preds[variant][i] = predict_record(model, xs[i], records[i])
        for variant in feats:
            rows.append((f"held-out: {split_name}", variant, scores(preds[variant], gold)))
        if split_name == "leave-one-family-out":
            for group in sorted(set(groups)):
                idx = [i for i, g in enumerate(groups) if g == group]
                f1 = binary_f1([preds["straight"][i] for i in idx], [gold[i] for i in idx])
                print(f"  leave-one-family-out, family {group}: binary F1 {f1:.3f} on {len(idx)} records")
    return rows


def heldout_eval(records: Sequence[dict], feats: list[dict], others: tuple[list[dict], list[str], list[float]],
                 weight: float) -> list:
    """The evaluation dev set with the weights refitted without it: 5-fold CV (folds by record), and not
    trained on at all. The grammar and lexicons were still written while reading it."""
    from promptlint.refusal.train import CLASS_WEIGHT, fit, predict_record

    gold = [r["label"] for r in records]
    weights = [weight] * len(records)
    folds = [int(hashlib.sha256(r["id"].encode()).hexdigest(), 16) % 5 for r in records]
    preds = [""] * len(records)
    for k in range(5):
        train = [i for i, f in enumerate(folds) if f != k]
        model = _fit(train, feats, gold, weights, others)
        for i, f in enumerate(folds):
            if f == k:
                preds[i] = predict_record(model, feats[i], records[i])
    xs, ys, ws = others
    alone = fit(xs, ys, class_weight=CLASS_WEIGHT, sample_weight=ws)
    without = [predict_record(alone, f, r) for f, r in zip(feats, records, strict=True)]
    return [("held-out: CV (5 folds)", "straight", scores(preds, gold)),
            ("held-out: not trained on", "straight", scores(without, gold))]


def per_family(records: Sequence[dict]) -> None:
    """Binary F1 and partial recall of the shipped detector per model family the writers imitated."""
    from promptlint.refusal import detect
    from promptlint.refusal.train import text_of

    groups: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        groups.setdefault(_family_group(r.get("family", "")), []).append(i)
    preds = [detect(text_of(r), prompt=r.get("prompt")).label for r in records]
    gold = [r["label"] for r in records]
    for name in sorted(groups):
        idx = groups[name]
        p, g = [preds[i] for i in idx], [gold[i] for i in idx]
        right = sum((a != "compliance") == (b != "compliance") for a, b in zip(p, g, strict=True))
        print(f"  {name:22} {len(idx):4} records  binary accuracy {right / len(idx):.3f}  "
              f"partial recall {_partial_recall(p, g)}")


def _family_group(family: str) -> str:
    f = family.lower()
    for key, name in (("claude", "Claude"), ("gpt", "GPT / OpenAI"), ("gemini", "Gemini / Bard"),
                      ("bard", "Gemini / Bard"), ("llama", "Llama"), ("mistral", "Mistral / Mixtral"),
                      ("mixtral", "Mistral / Mixtral"), ("filter", "filters and gateways"),
                      ("gateway", "filters and gateways")):
        if key in f:
            return name
    return "other"


def _partial_recall(pred: Sequence[str], gold: Sequence[str]) -> str:
    n = sum(g == "partial" for g in gold)
    if not n:
        return "-"
    return f"{sum(p == g == 'partial' for p, g in zip(pred, gold, strict=True)) / n:.3f} ({n})"


def speed(records: Sequence[dict], seconds: float = 2.0) -> float:
    """Responses per second through detect() (warm: lexicon and weights loaded)."""
    from promptlint.refusal import detect
    from promptlint.refusal.train import text_of

    texts = [text_of(r) for r in records]
    detect(texts[0])
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for t in texts:
            detect(t)
        done += len(texts)
    return done / (time.perf_counter() - start)


def peer_suites() -> tuple[int, int]:
    """(agreeing, total) over promptfoo's and garak's refusal-detector test cases."""
    from promptlint.refusal import detect

    path = ROOT / "benchmarks" / "data" / "refusal_peer_suites.jsonl"
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    agree = sum(("compliance" if detect(c["text"]).label == "compliance" else "refusal") == c["expected"]
                for c in cases)  # fmt: skip
    return agree, len(cases)


def section(title: str) -> None:
    print(f"\n== {title} ==")


def summary_line(name: str, records: Sequence[dict]) -> str:
    from promptlint.refusal import detect
    from promptlint.refusal.train import text_of

    gold = [r["label"] for r in records]
    pred = [detect(text_of(r), prompt=r.get("prompt")).label for r in records]
    return (f"{name}: binary F1 {binary_f1(pred, gold):.3f}, partial recall {_partial_recall(pred, gold)}, "
            f"{len(records)} records")


def main(argv: Sequence[str] | None = None) -> int:
    from promptlint.refusal.train import DEFAULT_EXTRA, EVAL_WEIGHT, EXTRA_WEIGHT, load_records

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED / "dev.jsonl", help="XSTest-format records")
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR, help="the evaluation set's dev.jsonl")
    parser.add_argument("--test", type=Path, default=None,
                        help="a held-out set (fields label, response, prompt) never tuned on: measure once")
    parser.add_argument("--no-cv", action="store_true", help="skip the held-out retraining (a few minutes)")
    parser.add_argument("--speed-only", action="store_true", help="only measure responses per second")
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    xstest = load_records(args.data)
    if args.speed_only:
        print_speed(xstest)
        return 0
    peers = peer_predictors(args.data.parent / "peer_lists")
    dev_path, test_path = args.eval_dir / "dev.jsonl", args.test
    dev, dev_feats, dev_gold, dev_weights = _records_and_weights(dev_path, EVAL_WEIGHT)
    _extra, extra_feats, extra_gold, extra_weights = _records_and_weights(DEFAULT_EXTRA, EXTRA_WEIGHT)

    section(f"XSTest-based dev: {len(xstest)} records from {args.data}")
    rows = detector_rows(xstest)
    if not args.no_cv:
        rows += heldout_xstest(xstest, (dev_feats + extra_feats, dev_gold + extra_gold, dev_weights + extra_weights))
    rows += [(name, variant, scores([pred(t) for t in texts], [r["label"] for r in xstest]))
             for name, pred in peers.items() for variant, texts in variants(xstest).items()]
    print_table(rows)

    for title, records in (("Evaluation set, dev (tuned on)", dev), ("Held-out test (never tuned on)",
                                                                     load_records(test_path) if test_path
                                                                     else [])):  # fmt: skip
        if not records:
            section(f"{title}: not given (--test PATH)")
            continue
        section(f"{title}: {len(records)} records")
        gold = [r["label"] for r in records]
        rows = detector_rows(records)
        if title.startswith("Evaluation set, dev") and not args.no_cv:
            xs_feats = featurize_cached(xstest)
            others = (xs_feats + extra_feats, [r["label"] for r in xstest] + extra_gold,
                      [1.0] * len(xstest) + extra_weights)
            rows += heldout_eval(records, dev_feats, others, EVAL_WEIGHT)
        rows += [(name, "straight", scores([pred(t) for t in variants(records)["straight"]], gold))
                 for name, pred in peers.items()]
        print_table(rows)
        per_family(records)

    agree, total = peer_suites()
    section(f"Peer test suites (promptfoo is-refusal, garak mitigation): {agree} of {total} cases agree "
            "(the rest are argued in docs/refusal-detector.md)")
    section("Summary (shipped detector)")
    print(summary_line("XSTest-based dev", xstest))
    if dev:
        print(summary_line("evaluation dev (tuned on)", dev))
        for batch in sorted({r.get("batch", "") for r in dev}):
            print("  " + summary_line(f"batch {batch}", [r for r in dev if r.get("batch", "") == batch]))
    if test_path:
        print(summary_line(f"held-out test {test_path} (never tuned on)", load_records(test_path)))
    print_speed(xstest)
    return 0


def featurize_cached(records: Sequence[dict]) -> list[dict]:
    from promptlint.refusal.train import featurize

    return featurize(records)


def print_speed(records: Sequence[dict]) -> None:
    from promptlint.refusal.train import text_of

    mean = sum(len(text_of(r)) for r in records) / len(records)
    print(f"\nspeed: {speed(records):,.0f} responses/s (detect(), one process, mean {mean:.0f} chars)")


if __name__ == "__main__":
    raise SystemExit(main())
