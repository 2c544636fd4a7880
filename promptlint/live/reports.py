"""Report files of a probe run: every response with its verdict (JSONL), a readable report (Markdown or
HTML) and JUnit XML for CI.

All of them are written from the same `RunReport` (per model: the ProbeResult; the gates; the run's
settings) and atomically: a report is either complete or absent. Sample counts are counted from what
came back, never copied from the settings, so a header says what really ran.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from promptlint.atomic import replace_file


@dataclass(slots=True)
class RunReport:
    """What a probe run produced: results per model (name -> ProbeResult), gates, and the settings shown."""

    results: dict[str, Any]
    gates: list[Any] = field(default_factory=list)  # promptlint.live.gates.GateResult
    meta: dict[str, Any] = field(default_factory=dict)  # suite, requested samples, batch, judge, ...
    providers: dict[str, str] = field(default_factory=dict)  # model name -> provider

    def samples_line(self, result: Any) -> str:
        """What ran, per variant: "12 samples per variant (3 per case x 4 cases)", or how many came back."""
        cases = max((len(v.by_case) for v in result.variants), default=0)
        wanted = self.meta.get("samples")
        got = sorted({v.samples for v in result.variants})
        if wanted and cases and got == [wanted * cases]:
            return f"{wanted * cases} samples per variant ({wanted} per case x {cases} cases)"
        planned = f" of {wanted * cases} planned" if wanted and cases else ""
        shown = "/".join(str(n) for n in got) or "0"
        return f"{shown} samples per variant came back{planned} ({cases} cases)"


def write_all(report: RunReport, *, jsonl: str | None = None, markdown: str | None = None, html_path: str | None = None,
              junit: str | None = None) -> list[str]:  # fmt: skip
    """Write the requested files; return the paths written."""
    written = []
    for path, render in ((jsonl, render_jsonl), (markdown, render_markdown), (html_path, render_html),
                         (junit, render_junit)):  # fmt: skip
        if path:
            replace_file(Path(path), render(report).encode("utf-8"), mode=0o644)
            written.append(path)
    return written


def _rate(value: float | None) -> str:
    return "no data" if value is None else f"{value:.0%}"


def _interval(value: tuple[float, float] | None) -> str:
    return "-" if value is None else f"{value[0]:.0%}-{value[1]:.0%}"


def render_jsonl(report: RunReport) -> str:
    """One JSON object per line: "run", then per model "variant" and "case" figures, every "response" with its
    verdict and evidence, and each "gate"."""
    lines = [{"type": "run", **report.meta, "models": list(report.results)}]
    for model, result in report.results.items():
        for stats in result.variants:
            lines.append({"type": "variant", "model": model, "provider": report.providers.get(model),
                          **stats.to_json()})  # fmt: skip
            lines.extend({"type": "case", **row} for row in stats.case_rows())
        for o in result.outcomes:
            response = o.response
            lines.append({
                "type": "response", "model": model, "variant": o.variant, "case": o.case, "sample": o.sample,
                "verdict": o.label, "evidence": o.evidence or None, "uncertain": o.uncertain, "judged": o.judged,
                "text": response.text if response is not None else None,
                "stop_reason": response.stop_reason if response is not None else None,
                "cached": bool(response.cached) if response is not None else None,
                "cost_usd": round(o.cost, 6) if result.price_known else None,
                "error": o.error, "message": o.message,
            })  # fmt: skip
    lines.extend({"type": "gate", **g.to_json()} for g in report.gates)
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def _summary_rows(report: RunReport) -> list[list[str]]:
    rows = []
    for model, result in report.results.items():
        for v in result.variants:
            errors = ", ".join(f"{kind}: {n}" for kind, n in sorted(v.errors.items())) or "-"
            rows.append([model, v.name, str(v.samples), _rate(v.refusal_rate), _interval(v.interval),
                         _rate(v.partial_rate), f"{v.design_effect:.2f}", errors])  # fmt: skip
    return rows


_SUMMARY_HEAD = ["model", "variant", "n", "refusal", "95% CI (clustered)", "partial", "design effect", "errors"]


def _examples(result: Any, limit: int = 3) -> list[tuple[str, str, str, str, str]]:
    """A few refused responses per variant, with the evidence, for a reader to check the verdicts."""
    out = []
    for v in result.variants:
        shown = 0
        for o in result.outcomes:
            if o.variant == v.name and o.label in ("refusal", "partial") and o.response is not None and shown < limit:
                text = " ".join(o.response.text.split())
                out.append((v.name, o.case, o.label or "", o.evidence, text[:300] + ("..." if len(text) > 300 else "")))
                shown += 1
    return out


def render_markdown(report: RunReport) -> str:
    out = [f"# Refusal probe: {report.meta.get('suite', '')}", ""]
    for model, result in report.results.items():
        out.append(f"- **{model}**: {report.samples_line(result)}; {result.requests_sent} requests sent, "
                   f"{result.cache_hits} from cache; " + (f"spent ${result.spent:.4f}" if result.price_known
                                                          else "spent unknown (no price for this model)"))  # fmt: skip
    out += ["", "| " + " | ".join(_SUMMARY_HEAD) + " |", "|" + "---|" * len(_SUMMARY_HEAD)]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in _summary_rows(report)]
    if report.gates:
        out += ["", "## Expectations", ""]
        for g in report.gates:
            out.append(f"- {'PASS' if g.passed else 'FAIL'} `{g.expectation.text}` ({g.target}): {g.detail}")
    out += ["", "## Per case", "", "| model | variant | case | n | refusal | partial |", "|---|---|---|---|---|---|"]
    for model, result in report.results.items():
        for v in result.variants:
            for row in v.case_rows():
                out.append(f"| {model} | {v.name} | {row['case']} | {row['samples']} | {_rate(row['refusal_rate'])} | "
                           f"{_rate(row['partial_rate'])} |")  # fmt: skip
    for model, result in report.results.items():
        examples = _examples(result)
        if examples:
            out += ["", f"## Refused responses ({model})", ""]
            for variant, case, label, evidence, text in examples:
                out.append(f"- {variant} / {case}: **{label}** ({evidence}): {text}")
    return "\n".join(out) + "\n"


def render_html(report: RunReport) -> str:
    e = html.escape
    parts = ["<!doctype html>", "<html><head><meta charset='utf-8'>",
             f"<title>Refusal probe: {e(str(report.meta.get('suite', '')))}</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.fail{color:#b00}.pass{color:#070}</style>",
             "</head><body>", f"<h1>Refusal probe: {e(str(report.meta.get('suite', '')))}</h1><ul>"]  # fmt: skip
    for model, result in report.results.items():
        spent = f"spent ${result.spent:.4f}" if result.price_known else "spent unknown (no price for this model)"
        parts.append(f"<li><b>{e(model)}</b>: {e(report.samples_line(result))}; {result.requests_sent} requests "
                     f"sent, {result.cache_hits} from cache; {e(spent)}</li>")  # fmt: skip
    parts.append("</ul><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in _SUMMARY_HEAD) + "</tr>")
    for row in _summary_rows(report):
        parts.append("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>")
    parts.append("</table>")
    if report.gates:
        parts.append("<h2>Expectations</h2><ul>")
        for g in report.gates:
            cls, word = ("pass", "PASS") if g.passed else ("fail", "FAIL")
            parts.append(f"<li class='{cls}'>{word} <code>{e(g.expectation.text)}</code> ({e(g.target)}): "
                         f"{e(g.detail)}</li>")  # fmt: skip
        parts.append("</ul>")
    for model, result in report.results.items():
        examples = _examples(result)
        if examples:
            parts.append(f"<h2>Refused responses ({e(model)})</h2><ul>")
            for variant, case, label, evidence, text in examples:
                parts.append(f"<li>{e(variant)} / {e(case)}: <b>{e(label)}</b> ({e(evidence)}): {e(text)}</li>")
            parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def render_junit(report: RunReport) -> str:
    """A test case per expectation (a failure when it fails), and per model and variant one that errors when
    the variant has no data (every request failed) and fails when some of its samples failed."""
    cases: list[str] = []
    failures = errors = 0
    for g in report.gates:
        name = quoteattr(f"{g.expectation.text} [{g.target}]")
        if g.passed:
            cases.append(f'  <testcase classname="promptlint.probe.expect" name={name}/>')
        else:
            failures += 1
            cases.append(f'  <testcase classname="promptlint.probe.expect" name={name}>\n'
                         f"    <failure message={quoteattr(g.detail)}/>\n  </testcase>")  # fmt: skip
    for model, result in report.results.items():
        for v in result.variants:
            name = quoteattr(f"{v.name} [{model}]")
            summary = f"refusal {_rate(v.refusal_rate)} ({_interval(v.interval)}), partial {_rate(v.partial_rate)}"
            if not v.samples:
                errors += 1
                body = f'    <error message={quoteattr("no data: every request failed")}/>\n'
            elif v.errors:
                failures += 1
                lost = ", ".join(f"{k}: {n}" for k, n in sorted(v.errors.items()))
                body = f"    <failure message={quoteattr(f'some samples failed ({lost})')}/>\n"
            else:
                body = ""
            out = f"    <system-out>{html.escape(summary)}</system-out>\n"
            cases.append(f'  <testcase classname="promptlint.probe.variant" name={name}>\n{body}{out}  </testcase>')
    head = (f'<testsuite name="promptlint probe" tests="{len(cases)}" failures="{failures}" errors="{errors}">')
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + head + "\n" + "\n".join(cases) + "\n</testsuite>\n"
