"""Measure the template extractors (YAML, Prompty, Dotprompt) against the shared corpus.

For every record of /work/shared/corpus/prompts.jsonl in a template format,
a prompt counts as *found* when the extractors produce, for the same file, a
prompt starting on the recorded line whose text equals the record's after
whitespace normalisation; *line-only* when only the line agrees. Records
whose file was not copied into the corpus are reported apart (they cannot be
found).

The corpus stores files flattened (`a/b/c.yaml` -> `a__b__c.yaml`), so a
promptfoo `file://prompt.yaml` would not resolve there: we rebuild the
original tree in a temporary directory (from the tables in SOURCES.md) and
run the extractors on it, with display paths equal to the repository paths.

    python scripts/measure_extraction.py [--shared PATH] [--misses]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATE_FORMATS = ("crewai_yaml", "promptfoo", "dotprompt", "nemo", "smol", "sk_yaml", "swe", "prompty", "lc_yaml")
EXTRACTED_SUFFIXES = (".yaml", ".yml", ".prompty", ".prompt")
DEFAULT_SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def normalise(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Outcome:
    """Counts per corpus format, and the records we missed."""

    found: Counter[str] = field(default_factory=Counter)
    line_only: Counter[str] = field(default_factory=Counter)
    missed: Counter[str] = field(default_factory=Counter)
    absent: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    files: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def total(self, counter: Counter[str]) -> int:
        return sum(counter.values())

    @property
    def measurable(self) -> int:
        return self.total(self.found) + self.total(self.line_only) + self.total(self.missed)

    @property
    def found_ratio(self) -> float:
        return self.total(self.found) / self.measurable if self.measurable else 0.0


def original_paths(sources_md: Path) -> dict[tuple[str, str], str]:
    """(repo folder, flattened name) -> path in the repository, from SOURCES.md's tables."""
    mapping: dict[tuple[str, str], str] = {}
    repo = None
    for line in sources_md.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^### (\S+/\S+)", line)
        if heading:
            repo = heading.group(1)
            continue
        row = re.match(r"^\| `([^`]+)`", line)
        if row and repo:
            path = row.group(1)
            mapping[(repo.replace("/", "__"), path.replace("/", "__"))] = path
    return mapping


def rebuild_tree(corpus: Path, target: Path) -> dict[str, list[str]]:
    """Copy corpus templates to target/<repo folder>/<original path>; repo folder -> paths."""
    mapping = original_paths(corpus / "SOURCES.md")
    layout: dict[str, list[str]] = defaultdict(list)
    for folder in sorted((corpus / "templates").iterdir()):
        for flat in sorted(folder.iterdir()):
            original = mapping.get((folder.name, flat.name), flat.name.replace("__", "/"))
            dest = target / folder.name / original
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(flat, dest)
            layout[folder.name].append(original)
    return layout


def run_extractors(root: Path, layout: dict[str, list[str]], outcome: Outcome, repeat: int = 1):
    """Extract every template file; returns {(repo, path): [(line, normalised text)]}."""
    from promptlint.extractors import extractor_for
    from promptlint.source import read_source

    found: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    cwd = os.getcwd()
    started = time.perf_counter()
    try:
        for n in range(repeat):
            for folder, paths in layout.items():
                os.chdir(root / folder)
                repo = folder.replace("__", "/", 1)
                for path in paths:
                    if not path.endswith(EXTRACTED_SUFFIXES):
                        continue
                    source = read_source(Path(path), path)
                    if not hasattr(source, "text"):
                        continue
                    extraction = extractor_for(path)(source)
                    if n:
                        continue
                    outcome.files += 1
                    if extraction.problem:
                        p = extraction.problem
                        outcome.problems.append(f"{repo}/{path}:{p.line}:{p.column}: {p.message}")
                    for prompt in extraction.prompts:
                        src = prompt.source_file or source
                        line = src.position(prompt.positions.file_offset(0))[0] if prompt.text else 0
                        found[(repo, prompt.path)].append((line, normalise(prompt.text)))
    finally:
        os.chdir(cwd)
    outcome.seconds = (time.perf_counter() - started) / repeat
    return found


def measure(shared: Path = DEFAULT_SHARED, repeat: int = 1) -> Outcome:
    """Run the extractors over the corpus and score them against prompts.jsonl."""
    corpus = shared / "corpus"
    outcome = Outcome()
    with tempfile.TemporaryDirectory(prefix="promptlint-corpus-") as tmp:
        layout = rebuild_tree(corpus, Path(tmp))
        present = {(folder.replace("__", "/", 1), p) for folder, paths in layout.items() for p in paths}
        found = run_extractors(Path(tmp), layout, outcome, repeat)
    for raw in (corpus / "prompts.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(raw)
        fmt = record["format"]
        if fmt not in TEMPLATE_FORMATS:
            continue
        key = (record["repo"], record["path"])
        candidates = found.get(key, [])
        text = normalise(record["text"])
        label = f"{record['id']} {fmt} {record['repo']}/{record['path']}:{record['line']} {text[:60]!r}"
        if key not in present and not candidates:
            outcome.absent[fmt] += 1
        elif (record["line"], text) in candidates:
            outcome.found[fmt] += 1
        elif any(line == record["line"] for line, _ in candidates):
            outcome.line_only[fmt] += 1
            outcome.misses.append("line only  " + label)
        else:
            outcome.missed[fmt] += 1
            near = [line for line, t in candidates if t == text]
            outcome.misses.append(f"missed     {label}" + (f" (text found at line {near})" if near else ""))
    return outcome


def report(outcome: Outcome, show_misses: bool = True) -> str:
    lines = [f"{'format':<12} {'found':>6} {'line-only':>10} {'missed':>7} {'absent':>7} {'found %':>8}"]
    for fmt in TEMPLATE_FORMATS:
        f, lo, m, a = outcome.found[fmt], outcome.line_only[fmt], outcome.missed[fmt], outcome.absent[fmt]
        pct = 100 * f / (f + lo + m) if f + lo + m else 0.0
        lines.append(f"{fmt:<12} {f:>6} {lo:>10} {m:>7} {a:>7} {pct:>7.1f}%")
    total_f = outcome.total(outcome.found)
    all_records = outcome.measurable + outcome.total(outcome.absent)
    lines.append(
        f"{'overall':<12} {total_f:>6} {outcome.total(outcome.line_only):>10} {outcome.total(outcome.missed):>7} "
        f"{outcome.total(outcome.absent):>7} {100 * outcome.found_ratio:>7.1f}%"
    )
    lines.append(f"found {total_f}/{outcome.measurable} measurable records "
                 f"({total_f}/{all_records} counting records whose file is not in the corpus)")
    rate = outcome.files / outcome.seconds if outcome.seconds else float("inf")
    lines.append(f"speed: {outcome.files} files in {outcome.seconds * 1000:.1f} ms ({rate:.0f} files/s)")
    if outcome.problems:
        lines.append("parse problems reported:")
        lines.extend("  " + p for p in outcome.problems)
    if show_misses and outcome.misses:
        lines.append("misses:")
        lines.extend("  " + m for m in outcome.misses)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared folder (holds corpus/)")
    parser.add_argument("--repeat", type=int, default=5, help="passes over the files when timing")
    parser.add_argument("--no-misses", action="store_true", help="do not list the missed records")
    args = parser.parse_args(argv)
    if not (args.shared / "corpus" / "prompts.jsonl").is_file():
        print(f"no corpus under {args.shared}", file=sys.stderr)
        return 2
    print(report(measure(args.shared, args.repeat), show_misses=not args.no_misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
