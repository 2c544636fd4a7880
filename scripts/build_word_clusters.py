"""Build promptlint/facts/clusters.txt: English words grouped by meaning, for the facts model.

  python scripts/build_word_clusters.py [--k 1024] [--words 40000]

Needs (training time only): numpy, wordfreq (the word list), wordllama (its bundled static token
embeddings, MIT; loaded from the wheel's own files, no download). Each word's vector is wordllama's
pooled embedding of the word alone; k-means on the unit vectors groups near-synonyms ("disregard",
"ignore", "overlook"), so a weight the facts model learns for one word's cluster carries to words
the training sentences never used. At run time promptlint reads only the text file (word -> cluster).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "promptlint" / "facts" / "clusters.txt"
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")


def load_wordllama():
    import wordllama
    from safetensors import safe_open
    from tokenizers import Tokenizer
    from wordllama.inference import WordLlamaInference

    folder = os.path.dirname(wordllama.__file__)
    with safe_open(os.path.join(folder, "weights", "l2_supercat_256.safetensors"), framework="np", device="cpu") as f:
        embedding = f.get_tensor("embedding.weight")
    tokenizer = Tokenizer.from_file(os.path.join(folder, "tokenizers", "l2_supercat_tokenizer_config.json"))
    return WordLlamaInference(embedding, tokenizer, binary=False)


def vocabulary(n: int, extra_text: str) -> list[str]:
    import wordfreq

    words = [w for w in wordfreq.top_n_list("en", n) if _WORD.fullmatch(w)]
    words += _WORD.findall(extra_text.lower())
    return sorted(set(w for w in words if 2 <= len(w) <= 24))


def kmeans(x: np.ndarray, k: int, iterations: int = 25, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = x[rng.choice(len(x), k, replace=False)]
    for _ in range(iterations):
        labels = np.argmax(x @ centres.T, axis=1)
        for j in range(k):
            members = x[labels == j]
            if len(members):
                c = members.sum(0)
                centres[j] = c / (np.linalg.norm(c) + 1e-9)
    return np.argmax(x @ centres.T, axis=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=1024)
    parser.add_argument("--words", type=int, default=40000)
    parser.add_argument("--extra", nargs="*", type=Path, default=[], help="text files whose words join the vocabulary")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    extra = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in args.extra)
    words = vocabulary(args.words, extra)
    model = load_wordllama()
    vectors = np.concatenate([model.embed(words[i:i + 4096]) for i in range(0, len(words), 4096)])
    vectors = vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9)
    labels = kmeans(vectors.astype(np.float32), args.k)
    with args.out.open("w", encoding="utf-8") as fh:
        fh.write("# word cluster: built by scripts/build_word_clusters.py (wordllama l2_supercat_256 vectors, "
                 f"k-means k={args.k}); do not edit\n")
        for word, label in zip(words, labels, strict=True):
            fh.write(f"{word} {int(label)}\n")
    print(f"{len(words)} words in {args.k} clusters -> {args.out} ({args.out.stat().st_size // 1024} KB)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
