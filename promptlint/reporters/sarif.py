"""`sarif`: SARIF 2.1.0 as GitHub code scanning accepts it.

`partialFingerprints` hash the rule, the path, the normalised prompt text and
the flagged text, never line numbers: an alert keeps its identity when code
above it moves, and GitHub does not reopen it as new.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import IO, Any

import promptlint
from promptlint.reporters import flagged_text

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: Used when the installed package metadata names no project URL (`[project.urls]` in pyproject.toml).
FALLBACK_INFORMATION_URI = "https://pypi.org/project/promptlint/"
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
_WS_RE = re.compile(r"\s+")
FINGERPRINT_KEY = "promptlintFingerprint/v1"


def information_uri() -> str:
    """The project's home page from the package metadata, else its PyPI page."""
    try:
        from importlib.metadata import metadata

        meta = metadata("promptlint")
    except Exception:  # not installed, or broken metadata: the fallback is still a valid URI
        return FALLBACK_INFORMATION_URI
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "repository", "source") and url.strip():
            return url.strip()
    return meta.get("Home-page") or FALLBACK_INFORMATION_URI


def _normalise(text: str) -> str:
    return _WS_RE.sub(" ", text).strip().lower()


def fingerprint(finding: Any, source: Any, occurrence: int = 0) -> str:
    parts = [finding.code, finding.path, _normalise(finding.prompt_text), _normalise(flagged_text(finding, source))]
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]
    return f"{digest}:{occurrence + 1}"


def _rule_markdown(rule: Any) -> str:
    docs = rule.docs
    sections = [
        ("What it does", docs.what),
        ("Why is this bad?", docs.why),
        ("Example", docs.example),
        ("Use instead", docs.use_instead),
        ("Fix safety", docs.fix_safety),
    ]
    out = []
    for title, body in sections:
        if body and body.strip():
            if title in ("Example", "Use instead") and "```" not in body:
                body = f"```\n{body.strip()}\n```"
            out.append(f"## {title}\n{body.strip()}")
    return "\n\n".join(out)


def _rule_text(rule: Any) -> str:
    docs = rule.docs
    return "\n\n".join(p.strip() for p in (docs.what, docs.why, docs.fix_safety) if p and p.strip()) or rule.message


def rule_descriptor(rule: Any) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.message or rule.name},
        "fullDescription": {"text": (rule.docs.what or rule.message or rule.name).strip()},
        "help": {"text": _rule_text(rule), "markdown": _rule_markdown(rule)},
        "defaultConfiguration": {"level": _LEVELS.get(str(rule.severity), "warning")},
        "properties": {"tags": ["prompt", "refusal-risk"]},
    }


def _minimal_descriptor(finding: Any) -> dict[str, Any]:
    return {
        "id": finding.code,
        "name": finding.name,
        "shortDescription": {"text": finding.name},
        "fullDescription": {"text": finding.name},
        "help": {"text": finding.hint or finding.name, "markdown": finding.hint or finding.name},
        "defaultConfiguration": {"level": _LEVELS.get(str(finding.severity), "warning")},
    }


def build_log(report: Any) -> dict[str, Any]:
    """The SARIF log as a dict."""
    descriptors = [rule_descriptor(r) for r in sorted(report.rules, key=lambda r: r.code)]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    for finding in report.findings:
        if finding.code not in index:
            index[finding.code] = len(descriptors)
            descriptors.append(_minimal_descriptor(finding))
    results = []
    seen: dict[str, int] = {}
    for finding in report.findings:
        source = report.sources.get(finding.path)
        base = fingerprint(finding, source)
        occurrence = seen.get(base, 0)
        seen[base] = occurrence + 1
        message = finding.message + (f"\n{finding.hint}" if finding.hint else "")
        results.append({
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": _LEVELS.get(str(finding.severity), "warning"),
            "message": {"text": message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.path.replace("\\", "/")},
                    "region": {
                        "startLine": finding.line,
                        "startColumn": finding.column,
                        "endLine": finding.end_line,
                        "endColumn": max(finding.end_column, finding.column if finding.end_line == finding.line else 1),
                    },
                }
            }],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding, source, occurrence)},
            "properties": {"role": finding.role},
        })  # fmt: skip
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "promptlint",
                "version": promptlint.__version__,
                "semanticVersion": promptlint.__version__,
                "informationUri": information_uri(),
                "rules": descriptors,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }  # fmt: skip


def render(report: Any, config: Any, stream: IO[str], *, quiet: bool = False) -> None:
    json.dump(build_log(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
