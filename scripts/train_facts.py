"""Train the facts model (promptlint/facts/model.json) from dev data only.

  python scripts/train_facts.py [--cv 5] [--l2 1.0] [--out promptlint/facts/model.json]

Needs numpy and scipy (a training-time tool; promptlint itself reads the model in pure Python).

Training sentences, all from the dev side of the data:
- benchmarks/data/facts/annotated/*.jsonl: sentences labelled with every concept by annotators who saw only
  the concept definitions (docs/facts.md);
- benchmarks/data/rule_eval/dev/*.jsonl: a rule's `pos` item makes the sentences holding its evidence positive
  for the rule's concept; its `neg` items (near misses) make every sentence negative for that concept where the
  rule's near misses cannot hold the concept at all (see WEAK);
- benchmarks/data/facts/bank/*.jsonl: sentences written for one concept by writers who saw only its definition,
  positive or a near miss;
- benchmarks/data/facts/real/*.jsonl: prompts of real packages (scripts/harvest_real_prompts.py), and
  ../shared/corpus/prompts.jsonl, the repositories of its dev half (scripts/facts_data.py corpus_split), and the
  dev CLEAN items: real and well-written prompts, negative for the concepts no ordinary prompt holds (BACKGROUND).
Test items (benchmarks/data/rule_eval/test) are never read here.

With --cv, prints per concept precision and recall of 5-fold cross-validation grouped by prompt.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from facts_data import corpus_split, prompts_of_item  # noqa: E402

from promptlint.facts.features import WordClasses, sentence_features  # noqa: E402
from promptlint.rules_engine.concepts import CONCEPTS  # noqa: E402
from promptlint.rules_engine.text import normalise  # noqa: E402

ANNOTATED = ROOT / "benchmarks" / "data" / "facts" / "annotated"
BANK = ROOT / "benchmarks" / "data" / "facts" / "bank"
REAL = ROOT / "benchmarks" / "data" / "facts" / "real"
DEV_ITEMS = ROOT / "benchmarks" / "data" / "rule_eval" / "dev"
CORPUS = ROOT.parent / "shared" / "corpus" / "prompts.jsonl"
SKIPPED_REPOS = {"anthropics/courses", "crewAIInc/crewAI-examples"}
#: rule -> (concept its evidence shows, whether its near misses are all negative for that concept)
WEAK = {"PL101": ("override", True), "PL102": ("jailbreak", True), "PL103": ("hard_limit", True),
        "PL202": ("grant", False), "PL301": ("dual_use", False), "PL302": ("manipulation", True),
        "PL303": ("evasive", False)}
#: Concepts no ordinary real prompt holds: real and clean prompts are negatives for them.
BACKGROUND = ("override", "jailbreak", "hard_limit", "manipulation", "evasive")
#: What a real prompt its reviewer marked non-sensitive does not hold either (../shared/corpus `sensitive`).
PLAIN = ("sensitive", "dual_use")


class Bank:
    """Sentences with partial labels: key -> {concept: 0/1}; groups keep a prompt's sentences in one fold."""

    def __init__(self) -> None:
        self.labels: dict[str, dict[str, int]] = {}
        self.text: dict[str, str] = {}
        self.group: dict[str, str] = {}

    def add(self, sentence: str, group: str, labels: dict[str, int]) -> None:
        key = " ".join(sentence.split()).lower()
        if key not in self.text:
            self.text[key] = sentence
            self.group[key] = group
            self.labels[key] = {}
        known = self.labels[key]
        for concept, value in labels.items():
            # a positive from any source wins over a weak negative
            known[concept] = max(known.get(concept, 0), value) if concept in known else value


def _sentences(text: str, placeholders: list[tuple[int, int]]) -> list[tuple[int, int, str, Any]]:
    nt = normalise(text, placeholders)
    out = []
    for a, b in nt.sentences:
        if nt.text[a:b].strip():
            out.append((a, b, nt.text[a:b], nt))
    return out


def _rows(folder: Path) -> Iterator[tuple[Path, int, dict[str, Any]]]:
    """(file, line index, record) of every non-blank JSON line of the folder's *.jsonl files, in name order."""
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if line.strip():
                yield path, number, json.loads(line)


def load_bank(exclude: tuple[str, ...] = ()) -> Bank:
    """Every training sentence; items (and their annotated sentences) whose id starts with an `exclude` prefix
    are left out, to measure the rules on a batch the model has not seen (`--exclude-batch`)."""
    bank = Bank()
    for _path, _number, row in _rows(ANNOTATED):
        if exclude and row["sid"].startswith(exclude):
            continue
        labels = {c: int(c in row["labels"]) for c in CONCEPTS}
        bank.add(row["sentence"].replace("{x}", "\ue000"), row["sid"].split("/")[0], labels)
    from promptlint.extractors.placeholders import find_placeholders

    for path, number, row in _rows(BANK):  # sentences written for one concept: pos, or a near miss
        if row.get("concept") == "background":  # ordinary instructions and requests: nothing harmful
            labels = {c: 0 for c in (*BACKGROUND, "dual_use")}
        elif row.get("concept") in CONCEPTS:
            labels = {row["concept"]: int(row["label"] == "pos")}
        else:
            continue
        for _a, _b, sentence, _nt in _sentences(row["sentence"], find_placeholders(row["sentence"])):
            bank.add(sentence, f"bank:{path.stem}:{number}", labels)
    for _path, _number, item in _rows(DEV_ITEMS):
        if exclude and item["id"].startswith(exclude):
            continue
        rule = item["rule"]
        prompts = prompts_of_item(item)
        if rule == "CLEAN":
            for _role, text, placeholders in prompts:
                for _a, _b, sentence, _nt in _sentences(text, placeholders):
                    bank.add(sentence, item["id"], {c: 0 for c in BACKGROUND})
            continue
        if rule not in WEAK:
            continue
        concept, neg_is_negative = WEAK[rule]
        evidence = " ".join((item.get("evidence") or "").split()).lower()
        for _role, text, placeholders in prompts:
            for a, b, sentence, nt in _sentences(text, placeholders):
                if item["label"] == "pos":
                    raw = " ".join(text[nt.starts[a]:nt.ends[b - 1]].split()).lower()
                    if evidence and (evidence in raw or raw in evidence or _overlap(evidence, raw)):
                        bank.add(sentence, item["id"], {concept: 1})
                elif neg_is_negative:
                    bank.add(sentence, item["id"], {concept: 0})
    for path, number, row in _rows(REAL):  # prompts of real packages (scripts/harvest_real_prompts.py)
        for _a, _b, sentence, _nt in _sentences(row["text"], find_placeholders(row["text"])):
            bank.add(sentence, f"real:{path.stem}:{number}", {c: 0 for c in BACKGROUND})
    if CORPUS.is_file():
        for line in CORPUS.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["repo"] in SKIPPED_REPOS or corpus_split(row["repo"]) != "dev":
                continue
            # a prompt the corpus's reviewer read as touching nothing sensitive or dual-use holds no sentence that does
            labels = {c: 0 for c in (*BACKGROUND, *(PLAIN if not row["sensitive"] else ()))}
            for _a, _b, sentence, _nt in _sentences(row["text"], find_placeholders(row["text"])):
                bank.add(sentence, row["id"], labels)
    return bank


def _overlap(evidence: str, sentence: str) -> bool:
    """Evidence spanning several sentences: this sentence is one of its pieces (at least 4 words shared in order)."""
    words = sentence.split()
    return len(words) >= 4 and " ".join(words[:4]) in evidence


def featurise(bank: Bank, classes: WordClasses) -> tuple[list[str], list[dict[str, float]]]:
    keys = sorted(bank.text)
    return keys, [sentence_features(bank.text[k], classes) for k in keys]


def fit_one(x: np.ndarray, y: np.ndarray, l2: float, steps: int = 300, rate: float = 0.1) -> tuple[np.ndarray, float]:
    """Logistic regression, classes balanced, L2 (not on the bias), full-batch Adam."""
    n, d = x.shape
    pos = max(y.sum(), 1.0)
    neg = max(n - y.sum(), 1.0)
    sample_w = np.where(y > 0, n / (2 * pos), n / (2 * neg))
    w = np.zeros(d)
    b = 0.0
    m_w, v_w, m_b, v_b = np.zeros(d), np.zeros(d), 0.0, 0.0
    for step in range(1, steps + 1):
        z = x @ w + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        g = (p - y) * sample_w / n
        g_w = x.T @ g + l2 * w / n
        g_b = g.sum()
        m_w = 0.9 * m_w + 0.1 * g_w
        v_w = 0.999 * v_w + 0.001 * g_w * g_w
        m_b = 0.9 * m_b + 0.1 * g_b
        v_b = 0.999 * v_b + 0.001 * g_b * g_b
        corr1, corr2 = 1 - 0.9 ** step, 1 - 0.999 ** step
        w -= rate * (m_w / corr1) / (np.sqrt(v_w / corr2) + 1e-8)
        b -= rate * (m_b / corr1) / (np.sqrt(v_b / corr2) + 1e-8)
    return w, b


def design(feats: list[dict[str, float]], index: dict[str, int]) -> sparse.csr_matrix:
    rows, cols, vals = [], [], []
    for i, f in enumerate(feats):
        for k, v in f.items():
            j = index.get(k)
            if j is not None:
                rows.append(i)
                cols.append(j)
                vals.append(v)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(feats), len(index)), dtype=np.float64)


def vocabulary(feats: list[dict[str, float]], min_count: int) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for f in feats:
        for k in f:
            counts[k] += 1
    names = sorted(k for k, c in counts.items() if c >= min_count)
    return {k: i for i, k in enumerate(names)}


def fold_of(group: str, folds: int) -> int:
    return int(hashlib.sha256(group.encode()).hexdigest(), 16) % folds


def train(bank: Bank, keys: list[str], feats: list[dict[str, float]], l2: float, min_count: int,
          only: list[int] | None = None) -> dict[str, Any]:
    rows = range(len(keys)) if only is None else only
    rows = list(rows)
    index = vocabulary([feats[i] for i in rows], min_count)
    x_all = design([feats[i] for i in rows], index)
    names = sorted(index, key=index.get)
    weights = np.zeros((len(names), len(CONCEPTS)))
    bias = []
    for c, concept in enumerate(CONCEPTS):
        known = [r for r, i in enumerate(rows) if concept in bank.labels[keys[i]]]
        if not known:
            bias.append(-10.0)
            continue
        y = np.array([bank.labels[keys[rows[r]]][concept] for r in known], dtype=np.float64)
        if y.sum() == 0:
            bias.append(-10.0)
            continue
        w, b = fit_one(x_all[known], y, l2)
        weights[:, c] = w
        bias.append(float(b))
    return {"concepts": list(CONCEPTS), "bias": bias, "names": names, "matrix": weights}


def to_json(model: dict[str, Any], prune: float = 0.1) -> dict[str, Any]:
    """The shipped form: per feature, the (concept index, weight) pairs with |weight| >= prune (sparse rows keep
    the file small and scoring cheap; the figures in the benchmark are measured on the pruned model)."""
    out = {}
    for name, row in zip(model["names"], model["matrix"], strict=True):
        pairs = [[i, round(float(v), 2)] for i, v in enumerate(row) if abs(v) >= prune]
        if pairs:
            out[name] = pairs
    return {"_doc": "Trained by scripts/train_facts.py on dev data (benchmarks/data/facts, rule_eval/dev); "
                    "do not edit.", "concepts": model["concepts"], "bias": [round(b, 3) for b in model["bias"]],
            "weights": out}


def predict(model: dict[str, Any], feats: list[dict[str, float]]) -> np.ndarray:
    index = {n: i for i, n in enumerate(model["names"])}
    x = design(feats, index)
    z = x @ model["matrix"] + np.array(model["bias"])
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def cross_validate(bank: Bank, keys: list[str], feats: list[dict[str, float]], l2: float, min_count: int,
                   folds: int) -> None:
    scores = np.zeros((len(keys), len(CONCEPTS)))
    fold = [fold_of(bank.group[k], folds) for k in keys]
    for f in range(folds):
        train_rows = [i for i in range(len(keys)) if fold[i] != f]
        test_rows = [i for i in range(len(keys)) if fold[i] == f]
        model = train(bank, keys, feats, l2, min_count, train_rows)
        scores[test_rows] = predict(model, [feats[i] for i in test_rows])
    print(f"{'concept':13} {'pos':>5} {'neg':>6}  " + "  ".join(f"P/R@{t:.1f}" for t in (0.5, 0.7, 0.9)))
    for c, concept in enumerate(CONCEPTS):
        known = [i for i, k in enumerate(keys) if concept in bank.labels[k]]
        y = np.array([bank.labels[keys[i]][concept] for i in known])
        s = scores[known, c]
        parts = []
        for t in (0.5, 0.7, 0.9):
            tp = int(((s >= t) & (y == 1)).sum())
            fp = int(((s >= t) & (y == 0)).sum())
            fn = int(((s < t) & (y == 1)).sum())
            parts.append(f"{tp / max(tp + fp, 1):.2f}/{tp / max(tp + fn, 1):.2f}")
        print(f"{concept:13} {int(y.sum()):5} {int((1 - y).sum()):6}  " + "   ".join(parts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", type=int, default=0)
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--min-count", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "promptlint" / "facts" / "model.json")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--prune", type=float, default=0.1, help="drop weights smaller than this")
    parser.add_argument("--exclude-batch", action="append", default=[], metavar="PREFIX",
                        help="leave out dev items (and their sentences) whose id starts with PREFIX, e.g. B-")
    args = parser.parse_args(argv)
    classes = WordClasses.load()
    bank = load_bank(tuple(args.exclude_batch))
    keys, feats = featurise(bank, classes)
    counts = {c: (sum(1 for k in keys if bank.labels[k].get(c) == 1),
                  sum(1 for k in keys if bank.labels[k].get(c) == 0)) for c in CONCEPTS}
    print(f"{len(keys)} sentences; labelled (pos, neg) per concept: {counts}")
    if args.cv:
        cross_validate(bank, keys, feats, args.l2, args.min_count, args.cv)
    if not args.no_write:
        model = to_json(train(bank, keys, feats, args.l2, args.min_count), args.prune)
        args.out.write_text(json.dumps(model, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB, {len(model['weights'])} features)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
