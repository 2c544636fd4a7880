"""`sarif`: SARIF 2.1.0 as GitHub code scanning accepts it.

`partialFingerprints` hash the rule, the path, the normalised prompt text and
the flagged text, never line numbers: an alert keeps its identity when code
above it moves, and GitHub does not reopen it as new.

Locations are relative to the project root (the git work tree's root, else
the config's folder: promptlint.project_root) with `uriBaseId` `%SRCROOT%`,
and `originalUriBaseIds` gives that root as a `file://` URI, so a log made in
a subfolder still resolves from the repository root; a file outside the root
is an absolute `file://` URI. Each rule has a `helpUri` (the config's
`docs-url`, else the rule's file in promptlint's repository).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import promptlint
from promptlint.project_urls import REPOSITORY_URL, rule_docs_url
from promptlint.reporters import flagged_text

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
_WS_RE = re.compile(r"\s+")
FINGERPRINT_KEY = "promptlintFingerprint/v1"


def information_uri() -> str:
    return REPOSITORY_URL


def artifact_location(report: Any, display: str) -> dict[str, str]:
    """`{"uri": "app/prompts.py", "uriBaseId": "%SRCROOT%"}`, or an absolute `file://` URI outside the root."""
    from promptlint.project_root import relative_to_root

    root = getattr(report, "root", None)
    if root is None:
        return {"uri": quote(display.replace("\\", "/"))}
    rel = relative_to_root(display, root)
    if rel is None:
        return {"uri": Path(os.path.abspath(display)).as_uri()}
    return {"uri": quote(rel), "uriBaseId": SRCROOT}


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


def _with_help_uri(descriptor: dict[str, Any], docs_url: str | None) -> dict[str, Any]:
    uri = rule_docs_url(descriptor["id"], descriptor["name"], docs_url)
    if uri:
        descriptor["helpUri"] = uri
    return descriptor


def rule_descriptor(rule: Any, docs_url: str | None = None) -> dict[str, Any]:
    return _with_help_uri({
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.message or rule.name},
        "fullDescription": {"text": (rule.docs.what or rule.message or rule.name).strip()},
        "help": {"text": _rule_text(rule), "markdown": _rule_markdown(rule)},
        "defaultConfiguration": {"level": _LEVELS.get(str(rule.severity), "warning")},
        "properties": {"tags": ["prompt", "refusal-risk"]},
    }, docs_url)  # fmt: skip


def _minimal_descriptor(finding: Any, docs_url: str | None = None) -> dict[str, Any]:
    return _with_help_uri({
        "id": finding.code,
        "name": finding.name,
        "shortDescription": {"text": finding.name},
        "fullDescription": {"text": finding.name},
        "help": {"text": finding.hint or finding.name, "markdown": finding.hint or finding.name},
        "defaultConfiguration": {"level": _LEVELS.get(str(finding.severity), "warning")},
    }, docs_url)  # fmt: skip


def build_log(report: Any, config: Any = None) -> dict[str, Any]:
    """The SARIF log as a dict."""
    docs_url = getattr(config, "docs_url", None)
    descriptors = [rule_descriptor(r, docs_url) for r in sorted(report.rules, key=lambda r: r.code)]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    for finding in report.findings:
        if finding.code not in index:
            index[finding.code] = len(descriptors)
            descriptors.append(_minimal_descriptor(finding, docs_url))
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
                    "artifactLocation": artifact_location(report, finding.path),
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
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "promptlint",
            "version": promptlint.__version__,
            "semanticVersion": promptlint.__version__,
            "informationUri": information_uri(),
            "rules": descriptors,
        }},
    }  # fmt: skip
    root = getattr(report, "root", None)
    if root is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": Path(os.path.abspath(root)).as_uri().rstrip("/") + "/"}}
    run["columnKind"] = "unicodeCodePoints"
    run["results"] = results
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Any, config: Any, stream: IO[str], *, quiet: bool = False) -> None:
    json.dump(build_log(report, config), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
