"""Train the refusal detector's weights: `python -m promptlint.refusal.train`.

Pure Python (no numpy) so anyone can re-run it: multinomial logistic
regression with L2, full-batch gradient descent with Adam steps over the
sparse features from `features.py`. Writes `weights.json` next to this file.
The benchmark (benchmarks/refusal_detector.py) imports `fit` to measure
held-out accuracy with cross-validation by prompt and by model family.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from promptlint.refusal.detector import LABELS, WEIGHTS_PATH, Model, probabilities

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "refusals" / "dev.jsonl"


def load_records(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def prompt_fold(prompt: str, folds: int) -> int:
    """Stable fold of a prompt (every completion of a prompt stays together)."""
    key = " ".join(prompt.lower().split()).encode()
    return int(hashlib.sha256(key).hexdigest(), 16) % folds


def model_family(model: str) -> str:
    return "llama2" if model.startswith("llama2") else "mistral" if model.startswith("mistral") else model


def fit(samples: Sequence[dict[str, float]], labels: Sequence[str], l2: float = 0.01, steps: int = 400,
        rate: float = 0.1, class_weight: dict[str, float] | None = None,
        sample_weight: Sequence[float] | None = None) -> Model:
    """Fit weights by full-batch Adam on the (weighted) mean cross-entropy + L2."""
    names = sorted({k for s in samples for k in s})
    index = {n: i for i, n in enumerate(names)}
    rows = [[(index[k], v) for k, v in s.items()] for s in samples]
    ys = [LABELS.index(y) for y in labels]
    cw = [(class_weight or {}).get(lab, 1.0) for lab in LABELS]
    sw = list(sample_weight) if sample_weight is not None else [1.0] * len(rows)
    mean_w = sum(sw) / len(sw) if sw else 1.0
    sw = [x / mean_w for x in sw]
    n_lab, n_feat, n = len(LABELS), len(names), len(rows)
    w = [[0.0] * n_feat for _ in LABELS]
    b = [0.0] * n_lab
    m_w = [[0.0] * n_feat for _ in LABELS]
    v_w = [[0.0] * n_feat for _ in LABELS]
    m_b, v_b = [0.0] * n_lab, [0.0] * n_lab
    for step in range(1, steps + 1):
        g_w = [[l2 * x for x in row] for row in w]
        g_b = [0.0] * n_lab
        for row, y, weight in zip(rows, ys, sw, strict=True):
            logits = [b[c] + sum(w[c][i] * v for i, v in row) for c in range(n_lab)]
            top = max(logits)
            exp = [math.exp(z - top) for z in logits]
            tot = sum(exp)
            for c in range(n_lab):
                err = weight * cw[y] * (exp[c] / tot - (1.0 if c == y else 0.0)) / n
                if err:
                    g_b[c] += err
                    gw = g_w[c]
                    for i, v in row:
                        gw[i] += err * v
        _adam(w, g_w, m_w, v_w, b, g_b, m_b, v_b, rate, step)
    weights = {lab: {names[i]: round(w[c][i], 4) for i in range(n_feat) if abs(w[c][i]) > 1e-4}
               for c, lab in enumerate(LABELS)}
    return Model(weights, {lab: round(b[c], 4) for c, lab in enumerate(LABELS)})


def _adam(w, g_w, m_w, v_w, b, g_b, m_b, v_b, rate, step, beta1=0.9, beta2=0.999, eps=1e-8) -> None:
    c1, c2 = 1 - beta1**step, 1 - beta2**step
    for c in range(len(b)):
        for i in range(len(w[c])):
            g = g_w[c][i]
            m_w[c][i] = beta1 * m_w[c][i] + (1 - beta1) * g
            v_w[c][i] = beta2 * v_w[c][i] + (1 - beta2) * g * g
            w[c][i] -= rate * (m_w[c][i] / c1) / (math.sqrt(v_w[c][i] / c2) + eps)
        g = g_b[c]
        m_b[c] = beta1 * m_b[c] + (1 - beta1) * g
        v_b[c] = beta2 * v_b[c] + (1 - beta2) * g * g
        b[c] -= rate * (m_b[c] / c1) / (math.sqrt(v_b[c] / c2) + eps)


def predict(model: Model, feats: dict[str, float]) -> str:
    """The label from features alone (`predict_record` adds the rules `detect` applies before the model)."""
    from promptlint.refusal.detector import decide

    return decide(probabilities(model, feats))


def predict_record(model: Model, feats: dict[str, float], record: dict) -> str:
    """What `detect` would say with these weights: an empty response is a refusal, a bare "No." answering a
    yes/no question compliance, anything else the model's label."""
    from promptlint.refusal.detector import answers_yes_no

    text = text_of(record)
    if not text.strip():
        return "refusal"
    if answers_yes_no(text, record.get("prompt")):
        return "compliance"
    return predict(model, feats)


def text_of(record: dict) -> str:
    """The response of a labelled record: XSTest's `completion` or the evaluation sets' `response`."""
    return record["completion"] if "completion" in record else record["response"]


def featurize(records: Sequence[dict], curly: bool = False, blind: bool = False) -> list[dict[str, float]]:
    """Features of each record's response; `blind`: of its blind reading (the doubt model's input)."""
    from promptlint.refusal.detector import all_signals, normal_text

    out = []
    for rec in records:
        text = text_of(rec).replace("'", "\u2019") if curly else text_of(rec)
        signals = all_signals(normal_text(text))
        out.append(signals[2] if blind else signals[0])
    return out


# Partial is rare (121 of 1,585) and ambiguous; a mild up-weight keeps the
# model from never predicting it without trading away binary precision.
CLASS_WEIGHT = {"compliance": 1.0, "refusal": 1.0, "partial": 1.5}


#: The evaluation set written for promptlint (benchmarks/data/refusal_eval/dev.jsonl: varied refusal styles of
#: many model families, hard negatives, partial answers) counts this many times an XSTest record: it is smaller
#: (545 records against 1,585) and closer to what users' models say today. 1.5 keeps its total weight where it
#: was with 260 records at 3.0; at 3.0 the XSTest dev figure fell (binary F1 0.922 -> 0.919) while the
#: evaluation set's 5-fold CV figure did not move (0.993).
EVAL_WEIGHT = 1.5
DATA_DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "data"
DEFAULT_EVAL = DATA_DIR / "refusal_eval" / "dev.jsonl"
#: Responses written by promptlint's developer to teach the model shapes the other sets have few of (short
#: partial answers, refusals that list alternatives, hard negatives); training only, never measured on.
DEFAULT_EXTRA = DATA_DIR / "refusal_train" / "extra.jsonl"
EXTRA_WEIGHT = 2.0


def training_set(xstest: Path = DEFAULT_DATA, evaluation: Path | None = DEFAULT_EVAL,
                 eval_weight: float = EVAL_WEIGHT, extra: Path | None = DEFAULT_EXTRA,
                 extra_weight: float = EXTRA_WEIGHT) -> tuple[list[dict], list[float]]:
    """The records the shipped weights are fitted on, and each record's weight."""
    records = load_records(xstest)
    weights = [1.0] * len(records)
    for path, weight in ((evaluation, eval_weight), (extra, extra_weight)):
        if path is not None and path.exists():
            more = load_records(path)
            records += more
            weights += [weight] * len(more)
    return records, weights


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="XSTest-format records (field completion)")
    parser.add_argument("--eval-data", type=Path, default=DEFAULT_EVAL,
                        help="evaluation-set dev records (field response); never the test split")
    parser.add_argument("--eval-weight", type=float, default=EVAL_WEIGHT)
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    args = parser.parse_args(argv)
    records, weights = training_set(args.data, args.eval_data, args.eval_weight)
    labels = [r["label"] for r in records]
    model = fit(featurize(records), labels, class_weight=CLASS_WEIGHT, sample_weight=weights)
    doubt = fit(featurize(records, blind=True), labels, class_weight=CLASS_WEIGHT, sample_weight=weights)
    payload = {"_doc": "Trained by promptlint/refusal/train.py on XSTest dev.jsonl (see ../shared/data/refusals/"
                       "SOURCES.md), benchmarks/data/refusal_eval/dev.jsonl (see its README) and "
                       "benchmarks/data/refusal_train/extra.jsonl; `doubt` is the same fit on blind readings "
                       "(promptlint/refusal/clauses.py: blind_reading); do not edit.",
               "labels": list(LABELS), "bias": model.bias, "weights": model.weights,
               "doubt": {"bias": doubt.bias, "weights": doubt.weights}}
    args.out.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {args.out} from {len(records)} records", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
