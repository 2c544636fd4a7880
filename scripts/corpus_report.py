"""Per-rule hit counts of promptlint's rules on the shared corpus of real prompts.

Every prompt of `corpus/prompts.jsonl` is linted in its own role (as a one-prompt file, exactly like a
rule's examples) by every prompt rule that exists at run time (`load_rules()`: new rules are picked up
without editing this script), and the template files under `corpus/templates` are run through
`promptlint check` (all rules selected) for file-level counts. The point is to read the hits: a rule
that fires on prompts tagged `sensitive: false` is probably wrong there.

    python scripts/corpus_report.py                 # table on stdout
    python scripts/corpus_report.py --json          # machine-readable
    python scripts/corpus_report.py --markdown      # rewrite docs/rules.md (rule list + corpus tables)

Quotes never come from sources whose licence the corpus marks non-commercial or missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from promptlint.config import Config
from promptlint.model import Finding
from promptlint.rules_engine import load_rules, run_rules
from promptlint.rules_engine.examples import extraction_from_text
from promptlint.rules_engine.rule import Rule
from promptlint.runner import lint_paths

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DOCS = REPO / "docs" / "rules.md"
#: Licence non-commercial (anthropics/courses) or missing (crewAIInc/crewAI-examples): counted, never quoted.
UNQUOTABLE_REPOS = frozenset({"anthropics/courses", "crewAIInc/crewAI-examples"})
#: A rule may fire on at most this share of the prompts tagged `sensitive: false`.
MAX_NON_SENSITIVE_SHARE = 0.05
SNIPPET_CHARS = 90


@dataclass(slots=True)
class Sample:
    id: str
    repo: str
    path: str
    sensitive: bool
    quote: str | None  # the flagged phrase; None when the source may not be quoted


@dataclass(slots=True)
class RuleRow:
    code: str
    name: str
    severity: str
    default_enabled: bool
    kind: str
    what: str
    hits_sensitive: int = 0
    hits_non_sensitive: int = 0
    non_sensitive_total: int = 0
    template_findings: int = 0
    samples: list[Sample] = field(default_factory=list)
    hit_ids: list[str] = field(default_factory=list)

    @property
    def non_sensitive_share(self) -> float:
        return self.hits_non_sensitive / self.non_sensitive_total if self.non_sensitive_total else 0.0

    @property
    def prompt_rule(self) -> bool:
        return self.kind in ("pattern", "condition")


@dataclass(slots=True)
class CorpusReport:
    prompts: int
    sensitive: int
    non_sensitive: int
    template_files: int
    rows: list[RuleRow]
    #: Non-sensitive prompt ids per rule code (for thresholds and allow-lists).
    non_sensitive_hits: dict[str, list[str]] = field(default_factory=dict)

    def row(self, code: str) -> RuleRow | None:
        return next((r for r in self.rows if r.code == code), None)


def load_corpus(corpus: Path) -> list[dict[str, Any]]:
    """The prompts of `prompts.jsonl`, one dict per line."""
    lines = (corpus / "prompts.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def lint_prompt(record: dict[str, Any], rules: Sequence[Rule]) -> list[Finding]:
    """Findings of the prompt rules on one corpus prompt, linted alone in its own role."""
    extraction = extraction_from_text(record["text"], record.get("role") or "unknown", fmt="text",
                                      path=f"{record['id']}.txt")
    return run_rules(extraction, rules)


def _quote(text: str, finding: Finding) -> str:
    """The flagged phrase with a little context, on one line."""
    start, end = finding.span
    if end - start < 20:  # a rule about something missing points at the start: show the opening
        end = min(len(text), start + SNIPPET_CHARS - 25)
    lead = max(0, start - 25)
    snippet = text[lead:max(end, start + 1)][: SNIPPET_CHARS]
    snippet = " ".join(snippet.split())
    return ("…" if lead else "") + snippet + ("…" if end - lead > SNIPPET_CHARS or end < len(text) else "")


def _row(rule: Rule) -> RuleRow:
    return RuleRow(rule.code, rule.name, str(rule.severity), rule.default_enabled, rule.kind,
                   " ".join(rule.docs.what.split()))


def build_report(corpus: Path, rules: Sequence[Rule] | None = None, *, samples: int = 3,
                 templates: bool = True) -> CorpusReport:
    """Lint every corpus prompt (and, with `templates`, the template files) and count hits per rule."""
    all_rules = list(rules) if rules is not None else load_rules()
    prompt_rules = [r for r in all_rules if r.kind in ("pattern", "condition")]
    rows = {r.code: _row(r) for r in all_rules if r.kind != "builtin" or r.code == "PL000"}
    records = load_corpus(corpus)
    non_sensitive = sum(1 for r in records if not r.get("sensitive"))
    hits: dict[str, list[str]] = {r.code: [] for r in prompt_rules}
    for record in records:
        first: dict[str, Finding] = {}
        for finding in lint_prompt(record, prompt_rules):
            first.setdefault(finding.code, finding)
        for code, finding in first.items():
            row = rows[code]
            sensitive = bool(record.get("sensitive"))
            row.hit_ids.append(record["id"])
            if sensitive:
                row.hits_sensitive += 1
            else:
                row.hits_non_sensitive += 1
                hits[code].append(record["id"])
            quotable = record["repo"] not in UNQUOTABLE_REPOS
            if len(row.samples) < samples and (quotable or not sensitive):
                row.samples.append(Sample(record["id"], record["repo"], record["path"], sensitive,
                                          _quote(record["text"], finding) if quotable else None))
    for row in rows.values():
        row.non_sensitive_total = non_sensitive
    files = 0
    if templates and (corpus / "templates").is_dir():
        files, counts = template_findings(corpus / "templates", all_rules)
        for code, n in counts.items():
            if code in rows:
                rows[code].template_findings = n
    ordered = sorted(rows.values(), key=lambda r: r.code)
    return CorpusReport(len(records), len(records) - non_sensitive, non_sensitive, files, ordered, hits)


def template_findings(folder: Path, rules: Sequence[Rule]) -> tuple[int, dict[str, int]]:
    """`promptlint check` over the template files, every rule selected: files read, findings per code."""
    config = Config(root=folder.resolve(), select=["ALL"])
    report = lint_paths([folder], config, rules)
    counts: dict[str, int] = {}
    for finding in report.findings:
        counts[finding.code] = counts.get(finding.code, 0) + 1
    return len(report.files), counts


# --------------------------------------------------------------------------- rendering


def _default(row: RuleRow) -> str:
    return "on" if row.default_enabled else "off (opt-in)"


def render_text(report: CorpusReport) -> str:
    out = [f"{report.prompts} corpus prompts ({report.sensitive} sensitive, {report.non_sensitive} not); "
           f"{report.template_files} template files", ""]
    head = f"{'rule':<40} {'sens':>5} {'non-sens':>8} {'% non-sens':>10} {'templates':>9}"
    out += [head, "-" * len(head)]
    for row in report.rows:
        counts = (f"{row.hits_sensitive:>5} {row.hits_non_sensitive:>8} {row.non_sensitive_share:>9.1%}"
                  if row.prompt_rule else f"{'-':>5} {'-':>8} {'-':>10}")
        flag = "  OVER" if row.prompt_rule and row.non_sensitive_share > MAX_NON_SENSITIVE_SHARE else ""
        out.append(f"{row.code + ' ' + row.name:<40} {counts} {row.template_findings:>9}{flag}")
    out.append("")
    for row in report.rows:
        for sample in row.samples:
            tag = "sensitive" if sample.sensitive else "NOT sensitive"
            quote = sample.quote if sample.quote is not None else "(not quoted: licence)"
            out.append(f"  {row.code} {sample.id} [{tag}] {sample.repo}:{sample.path}\n      {quote}")
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: CorpusReport) -> str:
    lines = [
        "# Rules",
        "",
        "<!-- Generated by `python scripts/corpus_report.py --markdown`; do not edit by hand. -->",
        "",
        "Every rule promptlint ships, then how often each fires on the shared corpus of real prompts from public",
        "projects. `promptlint rule CODE` prints a rule's full documentation.",
        "",
        "## Rule list",
        "",
        "| code | name | severity | default | detects |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {r.code} | {r.name} | {r.severity} | {_default(r)} | {_md(r.what)} |" for r in report.rows]
    lines += [
        "",
        "## Corpus",
        "",
        f"{report.prompts} prompts ({report.sensitive} tagged `sensitive: true`, {report.non_sensitive} "
        "`sensitive: false`), each linted alone in its own role by every prompt rule; and `promptlint check` "
        f"(all rules selected) over the {report.template_files} template files they came from. Target: every rule "
        f"fires on at most {MAX_NON_SENSITIVE_SHARE:.0%} of the non-sensitive prompts, PL1xx on none that is not a "
        "real override or jailbreak.",
        "",
        "| rule | hits, sensitive | hits, non-sensitive | % of non-sensitive | template-file findings "
        "| sample prompts |",
        "|---|---|---|---|---|---|",
    ]
    for row in report.rows:
        samples = ", ".join(s.id for s in row.samples) or "-"
        if row.prompt_rule:
            lines.append(f"| {row.code} {row.name} | {row.hits_sensitive} | {row.hits_non_sensitive} | "
                         f"{row.non_sensitive_share:.1%} | {row.template_findings} | {samples} |")
        else:
            lines.append(f"| {row.code} {row.name} | - | - | - | {row.template_findings} | - |")
    lines += ["", "Code rules (PL4xx) read Python source, not prompt texts: their prompt columns are empty.", ""]
    return "\n".join(lines)


def to_json(report: CorpusReport) -> str:
    data = asdict(report)
    for row, out in zip(report.rows, data["rows"], strict=True):
        out["non_sensitive_share"] = round(row.non_sensitive_share, 4)
    return json.dumps(data, indent=2, ensure_ascii=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus", help="folder with prompts.jsonl")
    parser.add_argument("--samples", type=int, default=3, help="sample prompts per rule (default 3)")
    parser.add_argument("--no-templates", action="store_true", help="skip the template files")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print JSON")
    mode.add_argument("--markdown", nargs="?", const=DOCS, type=Path, metavar="FILE",
                      help=f"write the rule list and corpus tables (default {DOCS.relative_to(REPO)})")
    args = parser.parse_args(argv)
    if not (args.corpus / "prompts.jsonl").is_file():
        print(f"corpus_report: no prompts.jsonl in {args.corpus}", file=sys.stderr)
        return 2
    report = build_report(args.corpus, samples=args.samples, templates=not args.no_templates)
    if args.json:
        print(to_json(report))
    elif args.markdown:
        args.markdown.write_text(render_markdown(report), encoding="utf-8")
        print(f"wrote {args.markdown}")
    else:
        print(render_text(report), end="")
    over = [r.code for r in report.rows if r.prompt_rule and r.non_sensitive_share > MAX_NON_SENSITIVE_SHARE]
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
