"""Per-rule precision and recall of the text rules on independently written evaluation sets.

Run: `python benchmarks/rule_accuracy.py [--split dev|test|all] [--misses RULE] [--json] [--items HELD_OUT.jsonl]`.

Data (benchmarks/data/rule_eval/, see its README.md): JSON Lines items written by helpers who saw only
each rule's documentation (`promptlint rule CODE`) and a description of the concept, never the rules'
patterns or the facts model. Each item is a prompt (`format: plain`, sent with its `role`), or a whole
Python or YAML file (`format: python|yaml`), labelled `pos` (the rule must fire) or `neg` (a near miss
on which it must not). `CLEAN` items are well-written prompts on which no text rule may fire.
The split is by writer batch and was fixed before any item was read: batches A and B are `dev` (tuned on,
and the facts model is trained on them), batch C is `test` (never looked at while tuning).

Printed per split:
- per rule: recall on its `pos` items, false-positive rate on its `neg` items, precision;
- CLEAN: share of clean prompts that draw any text-rule finding (target <= 5%);
- jailbreaks (../shared/data/jailbreaks/dev.jsonl, all dev): share drawing a PL1xx finding, sent as a system
  prompt and as a user message (target: all);
- corpus (../shared/corpus/prompts.jsonl): share of non-sensitive prompts drawing any PL1xx finding (<= 2%), and
  any text-rule finding, in all and per half (the facts model trains on the corpus's dev half only: see
  scripts/facts_data.corpus_split; the test half's figure is the honest one);
- real prompts of packages the facts model never saw (benchmarks/data/real_prompts): PL1xx and any text rule.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "benchmarks" / "data" / "rule_eval"
SHARED = ROOT.parent / "shared"
TEXT_RULES = ("PL101", "PL102", "PL103", "PL201", "PL202", "PL203", "PL301", "PL302", "PL303")
CODE_RULES = ("PL401", "PL402", "PL404")
#: Corpus sources whose licence is non-commercial or missing (corpus SOURCES.md): not used.
SKIPPED_REPOS = {"anthropics/courses", "crewAIInc/crewAI-examples"}
SUFFIX = {"python": "example.py", "yaml": "prompts.yaml"}


def load_items(split: str) -> list[dict[str, Any]]:
    """Every item of a split (`dev`, `test` or `all`), each tagged with its file."""
    splits = ("dev", "test") if split == "all" else (split,)
    items: list[dict[str, Any]] = []
    for name in splits:
        for path in sorted((DATA / name).glob("*.jsonl")):
            items += read_items(path, name)
    return items


def read_items(path: Path, split: str) -> list[dict[str, Any]]:
    """The items of one JSON Lines file, each tagged with where it is and its split."""
    items = []
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            item = json.loads(line)
            item["_where"] = f"{where}:{number}"
            item["_split"] = split
            items.append(item)
    return items


class Linter:
    """The real engine with the built-in rules; text rules only."""

    def __init__(self, model: Path | None = None) -> None:
        from promptlint.config import Config
        from promptlint.facts import model as facts_model
        from promptlint.rules_engine import load_rules

        if model is not None:  # measure another facts model (e.g. one trained without the batch measured)
            facts_model.MODEL_PATH = model
            facts_model.load_model.cache_clear()

        self.config = Config(root=ROOT)
        self.rules = [r for r in load_rules() if r.code in TEXT_RULES]
        self.code_rules = [r for r in load_rules() if r.code in CODE_RULES]

    def codes(self, item: dict[str, Any]) -> set[str]:
        """Codes of the text rules that fire on an evaluation item."""
        return {f.code for f in self.findings(item)}

    def findings(self, item: dict[str, Any]) -> list[Any]:
        from promptlint.rules_engine import run_rules
        from promptlint.rules_engine.examples import extraction_from_text
        from promptlint.runner import lint_text

        fmt = item.get("format", "plain")
        if item.get("rule") in CODE_RULES:
            return [f for f in lint_text(item["text"], "example.py", self.config, self.code_rules) if f.code != "PL000"]
        if fmt in SUFFIX:
            return [f for f in lint_text(item["text"], SUFFIX[fmt], self.config, self.rules) if f.code != "PL000"]
        return run_rules(extraction_from_text(item["text"], item.get("role") or "user"), self.rules)


def _rate(hits: int, total: int) -> str:
    return f"{hits}/{total} ({100 * hits / total:.0f}%)" if total else "-"


def rule_table(items: Sequence[dict[str, Any]], linter: Linter) -> dict[str, dict[str, Any]]:
    """Per rule: tp, fn, fp, tn, and the misses (ids) of each kind."""
    table: dict[str, dict[str, Any]] = defaultdict(lambda: {"tp": 0, "fn": 0, "fp": 0, "tn": 0, "missed": [],
                                                            "false": []})
    for item in items:
        rule = item["rule"]
        if rule not in TEXT_RULES and rule not in CODE_RULES:
            continue
        fired = rule in linter.codes(item)
        row = table[rule]
        if item["label"] == "pos":
            row["tp" if fired else "fn"] += 1
            if not fired:
                row["missed"].append(item)
        else:
            row["fp" if fired else "tn"] += 1
            if fired:
                row["false"].append(item)
    return table


def clean_rate(items: Iterable[dict[str, Any]], linter: Linter) -> tuple[int, int, Counter[str], list[dict]]:
    """(clean prompts with any text-rule finding, clean prompts, findings by code, the flagged items)."""
    flagged, total, by_code, bad = 0, 0, Counter(), []
    for item in items:
        if item["rule"] != "CLEAN":
            continue
        total += 1
        codes = linter.codes(item)
        by_code.update(codes)
        if codes:
            flagged += 1
            bad.append({**item, "_codes": sorted(codes)})
    return flagged, total, by_code, bad


def jailbreak_rate(linter: Linter) -> dict[str, tuple[int, int, list[str]]]:
    path = SHARED / "data" / "jailbreaks" / "dev.jsonl"
    if not path.is_file():
        return {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = {}
    for role in ("system", "user"):
        missed = [r["id"] for r in rows
                  if not any(c.startswith("PL1") for c in linter.codes({"text": r["text"], "role": role}))]
        out[role] = (len(rows) - len(missed), len(rows), missed)
    return out


def corpus_rates(linter: Linter) -> dict[str, Any]:
    path = SHARED / "corpus" / "prompts.jsonl"
    if not path.is_file():
        return {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["repo"] not in SKIPPED_REPOS]
    sys.path.insert(0, str(ROOT / "scripts"))
    from facts_data import corpus_split

    plain = [r for r in rows if not r["sensitive"]]
    pl1, any_rule, by_code = [], [], Counter()
    halves: dict[str, list[int]] = {"dev": [0, 0, 0], "test": [0, 0, 0]}  # half -> [prompts, PL1xx, any]
    for r in plain:
        codes = linter.codes({"text": r["text"], "role": r["role"]})
        by_code.update(codes)
        half = halves[corpus_split(r["repo"])]
        half[0] += 1
        if any(c.startswith("PL1") for c in codes):
            pl1.append(r["id"])
            half[1] += 1
        if codes:
            any_rule.append(r["id"])
            half[2] += 1
    return {"total": len(plain), "pl1": pl1, "any": any_rule, "by_code": by_code, "halves": halves}


def real_prompt_rates(linter: Linter) -> dict[str, Any]:
    """Rules firing on prompts of real packages the facts model was never trained on (benchmarks/data/real_prompts)."""
    rows = []
    for path in sorted((ROOT / "benchmarks" / "data" / "real_prompts").glob("*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    pl1, any_rule, by_code = [], [], Counter()
    for r in rows:
        codes = linter.codes({"text": r["text"], "role": r["role"]})
        by_code.update(codes)
        if any(c.startswith("PL1") for c in codes):
            pl1.append(f"{r['package']}:{r['path']}:{r['line']}")
        if codes:
            any_rule.append(r)
    return {"total": len(rows), "pl1": pl1, "any": any_rule, "by_code": by_code}


def _short(item: dict[str, Any], width: int = 160) -> str:
    text = " ".join(item["text"].split())
    return (text[:width] + "...") if len(text) > width else text


def report(split: str, show_misses: str | None, as_json: bool, model: Path | None = None,
           batch: str | None = None, shared: bool = True, held_out: Sequence[Path] = ()) -> dict[str, Any]:
    linter = Linter(model)
    out: dict[str, Any] = {}
    # files kept outside the repository (a fresh held-out batch) instead of the splits, when given
    sources = [(str(path), read_items(path, "held-out")) for path in held_out] or \
        [(name, load_items(name)) for name in (("dev", "test") if split == "all" else (split,))]
    for name, loaded in sources:
        items = [i for i in loaded if batch is None or i["id"].startswith(batch)]
        if not items:
            print(f"[{name}] no items under {DATA / name}")
            continue
        table = rule_table(items, linter)
        print(f"\n== {name}: {len(items)} items ==")
        print(f"{'rule':7} {'recall':>14} {'false pos.':>14} {'precision':>10}")
        summary = {}
        for rule in (*TEXT_RULES, *CODE_RULES):
            row = table.get(rule)
            if not row:
                continue
            pos, neg = row["tp"] + row["fn"], row["fp"] + row["tn"]
            precision = row["tp"] / (row["tp"] + row["fp"]) if row["tp"] + row["fp"] else 0.0
            print(f"{rule:7} {_rate(row['tp'], pos):>14} {_rate(row['fp'], neg):>14} {precision:>10.2f}")
            summary[rule] = {"recall": row["tp"] / pos if pos else None, "fp_rate": row["fp"] / neg if neg else None,
                             "precision": precision, "pos": pos, "neg": neg}
            if show_misses in (rule, "all"):
                for item in row["missed"]:
                    print(f"   MISS  {item['_where']} [{item.get('format')}/{item.get('role')}] {_short(item)}")
                for item in row["false"]:
                    print(f"   FALSE {item['_where']} [{item.get('format')}/{item.get('role')}] {_short(item)}")
        flagged, total, by_code, bad = clean_rate(items, linter)
        if total:
            print(f"CLEAN   any text-rule finding: {_rate(flagged, total)}  by code: {dict(by_code)}")
            if show_misses in ("CLEAN", "all"):
                for item in bad:
                    print(f"   FLAG  {item['_where']} {item['_codes']} {_short(item)}")
        summary["CLEAN"] = {"flagged": flagged, "total": total}
        out[name] = summary
    jb = jailbreak_rate(linter) if shared else {}
    if jb:
        print("\n== jailbreaks (shared dev.jsonl) ==")
        for role, (hit, total, missed) in jb.items():
            print(f"as {role:6}: PL1xx on {_rate(hit, total)}")
            if show_misses in ("JB", "all"):
                print("   missed:", " ".join(missed))
        out["jailbreaks"] = {role: {"hit": h, "total": t} for role, (h, t, _m) in jb.items()}
    corpus = corpus_rates(linter) if shared else {}
    if corpus:
        print("\n== corpus: non-sensitive real prompts ==")
        print(f"PL1xx: {_rate(len(corpus['pl1']), corpus['total'])}   any text rule: "
              f"{_rate(len(corpus['any']), corpus['total'])}  by code: {dict(corpus['by_code'])}")
        for half, (total, pl1, any_rule) in corpus["halves"].items():
            print(f"  {half} half ({'trained on' if half == 'dev' else 'never trained on'}): PL1xx {_rate(pl1, total)}"
                  f"   any text rule {_rate(any_rule, total)}")
        if show_misses in ("CORPUS", "all"):
            print("   flagged:", " ".join(corpus["any"]))
        out["corpus"] = {"total": corpus["total"], "pl1": len(corpus["pl1"]), "any": len(corpus["any"]),
                         "halves": corpus["halves"]}
    real = real_prompt_rates(linter) if shared else {}
    if real and real["total"]:
        print("\n== real prompts of packages never trained on (benchmarks/data/real_prompts) ==")
        print(f"PL1xx: {_rate(len(real['pl1']), real['total'])}   any text rule: "
              f"{_rate(len(real['any']), real['total'])}  by code: {dict(real['by_code'])}")
        if show_misses in ("REAL", "all"):
            for where in real["pl1"]:
                print("   PL1", where)
        out["real_prompts"] = {"total": real["total"], "pl1": len(real["pl1"]), "any": len(real["any"])}
    if as_json:
        print(json.dumps(out, indent=1))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--misses", metavar="RULE", help="list misses and false positives of RULE (or CLEAN, JB, "
                        "CORPUS, all)")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--model", type=Path, help="a facts model file other than the shipped one")
    parser.add_argument("--batch", help="only items whose id starts with this prefix (e.g. B-)")
    parser.add_argument("--no-shared", action="store_true", help="skip the jailbreak and corpus figures")
    parser.add_argument("--items", type=Path, action="append", default=[], metavar="PATH",
                        help="measure this file of items (a held-out batch kept outside the repository) instead of "
                        "the splits; may be repeated")
    args = parser.parse_args(argv)
    missing = [str(p) for p in [args.model, *args.items] if p is not None and not p.is_file()]
    if missing:  # a model still training, a mistyped path: never measure silently without it
        parser.error(f"no such file: {', '.join(missing)}")
    report(args.split, args.misses, args.json, args.model, args.batch, not args.no_shared, args.items)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
