"""Collect real prompts from pinned LLM packages as background negatives for the facts model.

  python scripts/harvest_real_prompts.py [--out benchmarks/data/facts/real]

Downloads each wheel below from the package index (no dependencies), runs promptlint's own
extractor over it and stores every extracted prompt text (JSON Lines: package, path, line, role,
text). These are ordinary prompts written by others: the trainer (scripts/train_facts.py) uses
their sentences as negatives for the concepts no ordinary prompt holds (override, jailbreak,
hard-limit requests, manipulation, evasive intent). Packages and licences (MIT / Apache-2.0) are
listed in benchmarks/data/facts/real/SOURCES.md. None of them is a red-teaming or jailbreak package.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "langchain==0.1.20": "MIT",
    "llama-index-core==0.10.68": "MIT",
    "metagpt==0.8.1": "MIT",
    "camel-ai==0.1.5": "Apache-2.0",
}


def harvest(spec: str, work: Path) -> list[dict]:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", spec, "-d", str(work)], check=True)
    name = spec.split("==")[0].replace("-", "_")
    wheel = next(p for p in work.glob("*.whl") if p.name.lower().startswith(name.lower()))
    folder = work / wheel.stem
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(folder)
    out = subprocess.run([sys.executable, "-m", "promptlint", "extract", str(folder), "--format", "json",
                          "--no-config"], capture_output=True, text=True, check=False)
    rows = json.loads(out.stdout or "[]")
    return [{"package": spec, "path": str(Path(r["path"]).relative_to(folder)) if r["path"].startswith(str(folder))
             else r["path"], "line": r["line"], "role": r["role"], "text": r["text"]} for r in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "data" / "facts" / "real")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for spec in PACKAGES:
            rows = harvest(spec, Path(tmp))
            target = args.out / (spec.split("==")[0] + ".jsonl")
            with target.open("w", encoding="utf-8") as fh:
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            print(f"{spec}: {len(rows)} prompts -> {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
