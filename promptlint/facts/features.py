"""Sparse features of one normalised sentence for the facts model.

Features generalise over wording in three layers:
- stems (`w:`), adjacent stem pairs (`b:`) and stems inside a negation scope (`n:`);
- word classes (`c:`, `nc:` when negated; promptlint/facts/classes.json): a weight learned
  for "disregard" carries to "ignore" and "set aside";
- pairs of classes in one sentence (`cc:`): the compositional cues, e.g. a remove-verb with a
  safety noun, a universal quantifier with a comply verb, a negated refusal verb;
- the sentence's nearest word-vector clusters (`v:`), when the vectors file is shipped.
Values are 1.0 (presence); the model is a logistic regression per concept (model.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from promptlint.facts.tokens import PLACEHOLDER_TOKEN, stem, stems_with_negation

CLASSES_PATH = Path(__file__).with_name("classes.json")
CLUSTERS_PATH = Path(__file__).with_name("clusters.txt")
#: Words too common to carry meaning on their own (they still take part in pairs).
_STOP = frozenset({"a", "an", "the", "of", "to", "and", "or", "in", "on", "at", "for", "with", "by", "from", "is",
                   "are", "be", "this", "that", "it", "as", "your", "you", "i", "we", "our", "my", "their", "its"})


@dataclass(frozen=True, slots=True)
class WordClasses:
    """Class membership by stem, and multi-word members as stem tuples."""

    single: dict[str, tuple[str, ...]]
    multi: tuple[tuple[tuple[str, ...], str], ...]
    #: word -> cluster of similar words (clusters.txt), empty when the file is not shipped
    clusters: dict[str, int]

    @classmethod
    def load(cls, path: Path = CLASSES_PATH, clusters: Path = CLUSTERS_PATH) -> WordClasses:
        import json  # only when the facts model's disk cache misses

        raw = json.loads(path.read_text(encoding="utf-8"))
        single: dict[str, list[str]] = {}
        multi: list[tuple[tuple[str, ...], str]] = []
        for name, members in raw.items():
            if name.startswith("_"):
                continue
            for member in members:
                parts = tuple(stem(w) for w in member.lower().replace("'", " ").split())
                if len(parts) == 1:
                    single.setdefault(parts[0], [])
                    if name not in single[parts[0]]:
                        single[parts[0]].append(name)
                else:
                    multi.append((parts, name))
        return cls({k: tuple(v) for k, v in single.items()}, tuple(multi), _read_clusters(clusters))


def _read_clusters(path: Path) -> dict[str, int]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    pairs = (line.split(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return {word: int(cluster) for word, cluster in pairs}


def sentence_features(sentence: str, classes: WordClasses) -> dict[str, float]:
    """Feature dict of one normalised sentence."""
    stems, raw, negated = stems_with_negation(sentence)
    # every number is one word: "4" in "4. Keep all emoji" says nothing about meaning, and a few training
    # sentences holding a given number must not teach the model that number
    stems = ["0" if s.isdigit() else s for s in stems]
    feats: dict[str, float] = {}
    found: dict[str, bool] = {}  # class -> seen outside a negation scope?
    clusters = classes.clusters
    for i, (s, neg) in enumerate(zip(stems, negated, strict=True)):
        if s not in _STOP:
            feats["w:" + s] = 1.0
            if neg:
                feats["n:" + s] = 1.0
            cluster = clusters.get(raw[i])
            if cluster is not None:
                feats[("nk:%d" if neg else "k:%d") % cluster] = 1.0
        if i + 1 < len(stems):
            feats["b:" + s + "_" + stems[i + 1]] = 1.0
        for name in classes.single.get(s, ()):
            found[name] = found.get(name, False) or not neg
            feats[("nc:" if neg else "c:") + name] = 1.0
    if classes.multi:
        joined = " " + " ".join(stems) + " "
        for parts, name in classes.multi:
            if " " + " ".join(parts) + " " in joined:
                found.setdefault(name, True)
                feats["c:" + name] = 1.0
    names = sorted(found)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            feats["cc:" + a + "+" + b] = 1.0
    if stems:
        feats["first:" + stems[0]] = 1.0
    if PLACEHOLDER_TOKEN in stems:
        feats["ph"] = 1.0
    if sentence.rstrip().endswith("?"):
        feats["question"] = 1.0
    feats["len:" + ("short" if len(stems) < 6 else "mid" if len(stems) < 20 else "long")] = 1.0
    return feats
