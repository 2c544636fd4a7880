"""Build the facts model's training sentences (dev data only).

  python scripts/facts_data.py export OUT_DIR [--per-file N] SOURCE...
      Split prompts into the sentences the facts model reads (exactly as at run time: the
      extractors, then normalisation and sentence splitting) and write annotation batches
      (JSON Lines: sid, role, prev, sentence) for annotators who label each sentence with the
      concepts of docs/facts.md. SOURCE is `items:PATH.jsonl` (evaluation items, dev split
      only), `jailbreaks:PATH.jsonl` or `corpus:PATH.jsonl[:dev]`.
  python scripts/facts_data.py sentences SOURCE...
      Print the sentences of SOURCE as JSON Lines (for inspection).

The annotated batches are stored in benchmarks/data/facts/ and read by scripts/train_facts.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SUFFIX = {"python": "example.py", "yaml": "prompts.yaml"}
#: Corpus sources whose licence is non-commercial or missing (corpus SOURCES.md): not used.
SKIPPED_REPOS = {"anthropics/courses", "crewAIInc/crewAI-examples"}


def corpus_split(repo: str) -> str:
    """The corpus is split by repository (stable hash): `dev` (may be trained on) or `test`."""
    return "dev" if int(hashlib.sha256(repo.encode()).hexdigest(), 16) % 2 == 0 else "test"


def prompts_of_item(item: dict[str, Any]) -> list[tuple[str, str, list[tuple[int, int]]]]:
    """(role, text, placeholder spans) of every prompt an evaluation item holds, as the linter extracts them."""
    from promptlint.extractors.placeholders import find_placeholders
    from promptlint.model import SourceFile
    from promptlint.runner import extractor_of

    fmt = item.get("format", "plain")
    if fmt in SUFFIX:
        path = Path(SUFFIX[fmt])
        _fmt, extract = extractor_of(path)
        extraction = extract(SourceFile(path=str(path), text=item["text"]))
        return [(p.role, p.text, list(p.placeholders)) for p in extraction.prompts]
    text = item["text"]
    return [(item.get("role") or "user", text, find_placeholders(text))]


def sentences_of(text: str, placeholders: list[tuple[int, int]]) -> list[str]:
    from promptlint.rules_engine.text import normalise

    nt = normalise(text, placeholders)
    return [nt.text[a:b] for a, b in nt.sentences if nt.text[a:b].strip()]


def iter_source(spec: str) -> Iterator[dict[str, Any]]:
    """Sentences of one SOURCE spec, each with its origin."""
    from promptlint.extractors.placeholders import find_placeholders

    kind, _, rest = spec.partition(":")
    path, _, only = rest.partition(":")
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        if kind == "items":
            prompts = prompts_of_item(row)
            origin = row["id"]
        elif kind == "jailbreaks":
            prompts = [("user", row["text"], find_placeholders(row["text"]))]
            origin = row["id"]
        elif kind == "corpus":
            if row["repo"] in SKIPPED_REPOS or (only and corpus_split(row["repo"]) != only):
                continue
            prompts = [(row["role"], row["text"], find_placeholders(row["text"]))]
            origin = row["id"]
        else:
            raise SystemExit(f"unknown source kind {kind!r} in {spec!r}")
        for p_index, (role, text, placeholders) in enumerate(prompts):
            prev = ""
            for s_index, sentence in enumerate(sentences_of(text, placeholders)):
                yield {"sid": f"{origin}/{p_index}/{s_index}", "origin": origin, "role": role, "prev": prev,
                       "sentence": sentence.replace("\ue000", "{x}")}
                prev = sentence.replace("\ue000", "{x}")


LABELS = frozenset({"override", "jailbreak", "hard_limit", "audience", "purpose", "limit", "clarify", "grant",
                    "sensitive", "dual_use", "anchor", "manipulation", "evasive", "pro_role", "meta"})


def merge_annotations(inputs: Path, outputs: Path, dest: Path) -> int:
    """For every annotated batch (same name in both folders, same sids in order), write input + labels to dest."""
    dest.mkdir(parents=True, exist_ok=True)
    for out in sorted(outputs.glob("*.jsonl")):
        source = inputs / out.name
        rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
        labels = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
        if [r["sid"] for r in rows] != [lab["sid"] for lab in labels]:
            print(f"{out}: sids differ from {source}; skipped", file=sys.stderr)
            continue
        bad = {x for lab in labels for x in lab["labels"]} - LABELS
        if bad:
            print(f"{out}: unknown labels {sorted(bad)}; skipped", file=sys.stderr)
            continue
        with (dest / out.name).open("w", encoding="utf-8") as fh:
            for row, lab in zip(rows, labels, strict=True):
                fh.write(json.dumps({**row, "labels": sorted(lab["labels"])}, ensure_ascii=False) + "\n")
        print(f"{out.name}: {len(rows)} sentences")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    exp = sub.add_parser("export")
    exp.add_argument("out", type=Path)
    exp.add_argument("--per-file", type=int, default=600)
    exp.add_argument("--max-per-origin", type=int, default=0, help="sample at most N sentences of one prompt")
    exp.add_argument("--prefix", default="batch")
    exp.add_argument("sources", nargs="+")
    merge = sub.add_parser("merge", help="join annotation input and output files into the training folder")
    merge.add_argument("inputs", type=Path)
    merge.add_argument("outputs", type=Path)
    merge.add_argument("dest", type=Path)
    show = sub.add_parser("sentences")
    show.add_argument("sources", nargs="+")
    args = parser.parse_args(argv)
    if args.cmd == "merge":
        return merge_annotations(args.inputs, args.outputs, args.dest)
    rows = [s for spec in args.sources for s in iter_source(spec)]
    if args.cmd == "sentences":
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    rng = random.Random(13)
    if args.max_per_origin:
        by_origin: dict[str, list[dict]] = {}
        for row in rows:
            by_origin.setdefault(row["origin"], []).append(row)
        rows = [r for group in by_origin.values()
                for r in (group if len(group) <= args.max_per_origin else
                          sorted(rng.sample(group, args.max_per_origin), key=group.index))]
    seen: set[str] = set()
    unique = []
    for row in rows:  # the same sentence text is annotated once
        key = " ".join(row["sentence"].lower().split())
        if key not in seen:
            seen.add(key)
            unique.append(row)
    args.out.mkdir(parents=True, exist_ok=True)
    for n, start in enumerate(range(0, len(unique), args.per_file), 1):
        chunk = unique[start:start + args.per_file]
        with (args.out / f"{args.prefix}{n:02d}.jsonl").open("w", encoding="utf-8") as fh:
            for row in chunk:
                fh.write(json.dumps({k: row[k] for k in ("sid", "role", "prev", "sentence")}, ensure_ascii=False)
                         + "\n")
    print(f"{len(unique)} sentences ({len(rows)} before removing duplicates) in "
          f"{(len(unique) + args.per_file - 1) // args.per_file} files under {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
