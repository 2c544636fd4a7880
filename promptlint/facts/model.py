"""The facts model: one logistic regression per concept over sentence features, shipped as data.

`model.json` is written by `scripts/train_facts.py` (offline, from the labelled sentences in
benchmarks/data/facts/); this module only reads it. Each feature stores the (concept, weight) pairs
that matter, so scoring a sentence is one dict lookup per feature and a few additions.

Reading the JSON, the word classes and the 43k-word cluster map costs ~60 ms; the parsed form is
kept in the per-user disk cache (`diskcache.get_blob("facts", ...)`, keyed by the three files' paths,
sizes and mtimes) and loads in ~20 ms. It is loaded only when a rule first asks for a prompt's facts.
"""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from promptlint import diskcache
from promptlint.facts.features import CLASSES_PATH, CLUSTERS_PATH, WordClasses, sentence_features
from promptlint.fingerprint import digest

MODEL_PATH = Path(__file__).with_name("model.json")
#: Version of the cached form below; bump when `FactsModel.to_plain` changes shape.
_CACHE_FORMAT = 2
#: One (concept index, weight x 1000) pair of a feature's row: rows are bytes, so the 30k-feature model unmarshals
#: in a few ms (a tuple of tuples of floats per feature took ~50 ms: every float an object).
_PAIR = struct.Struct("<Bh")


@dataclass(frozen=True, slots=True)
class FactsModel:
    concepts: tuple[str, ...]
    bias: tuple[float, ...]
    #: feature -> packed (concept index, weight x 1000) pairs (`_PAIR`): only the weights that matter are stored
    weights: dict[str, bytes]
    classes: WordClasses

    @classmethod
    def from_dict(cls, data: dict[str, Any], classes: WordClasses) -> FactsModel:
        weights = {k: b"".join(_PAIR.pack(int(i), round(float(w) * 1000)) for i, w in pairs)
                   for k, pairs in data["weights"].items()}
        return cls(tuple(data["concepts"]), tuple(data["bias"]), weights, classes)

    def to_plain(self) -> tuple[Any, ...]:
        """Plain data for marshal (the disk cache)."""
        c = self.classes
        return (_CACHE_FORMAT, self.concepts, self.bias, self.weights, c.single, c.multi, c.clusters)

    @classmethod
    def from_plain(cls, plain: tuple[Any, ...]) -> FactsModel | None:
        if not isinstance(plain, tuple) or len(plain) != 7 or plain[0] != _CACHE_FORMAT:
            return None
        _fmt, concepts, bias, weights, single, multi, clusters = plain
        return cls(concepts, bias, weights, WordClasses(single, multi, clusters))

    def scores(self, sentence: str) -> dict[str, float]:
        """Probability of each concept for one normalised sentence."""
        logits = [b * 1000 for b in self.bias]
        weights = self.weights
        unpack = _PAIR.iter_unpack
        for feature in sentence_features(sentence, self.classes):  # every feature's value is 1.0
            row = weights.get(feature)
            if row is not None:
                for i, w in unpack(row):
                    logits[i] += w
        return {c: _sigmoid(z / 1000) for c, z in zip(self.concepts, logits, strict=True)}


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _stat_key(paths: list[Path]) -> str:
    """The cache key: each file's path, size and mtime (an absent file is part of the key too)."""
    parts = []
    for path in paths:
        try:
            st = os.stat(path)
            parts.append(f"{path}:{st.st_size}:{st.st_mtime_ns}".encode())
        except OSError:
            parts.append(f"{path}:absent".encode())
    return digest(parts)


@cache
def load_model(path: Path | None = None) -> FactsModel | None:
    """The shipped model (or the one at `path`), read once per process; None when the file is absent."""
    model_path = path or MODEL_PATH
    key = _stat_key([model_path, CLASSES_PATH, CLUSTERS_PATH])
    cached = diskcache.get_blob("facts", key)
    if cached is not None:
        model = FactsModel.from_plain(cached)
        if model is not None:
            return model
    import json  # only when the disk cache misses (json costs start-up time)

    try:
        data = json.loads(model_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    model = FactsModel.from_dict(data, WordClasses.load())
    diskcache.put_blob("facts", key, model.to_plain())
    return model
