"""`junit`: JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines, CircleCI).

One `<testsuite>` per file that was linted; each finding is a `<testcase>`
with a `<failure>` (type = rule code, message = the finding's message, body
= position, message and hint), so the report lists exactly what `check`
prints. Paths are relative to the project root (see promptlint.project_root).
A test case's name is the rule and the words it flags, never the line or
column: CI systems track a test by its name (flaky / fixed / new), so a
finding keeps its identity when code above it moves; the position is
in the `file` / `line` attributes and the failure text. Two findings of one
rule on the same words in one file are told apart by " (2)", " (3)"….
A file without findings is a suite with one passing test case, so the
report also shows what was checked; a run that read no file at all is
one passing case, because an empty report reads as "no tests" to some tools.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import IO, Any

from promptlint.reporters import flagged_text, project_path

#: Characters XML 1.0 does not allow, even escaped.
_INVALID_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML_RE.sub("\ufffd", text)


def _classname(path: str) -> str:
    """`app/prompts.py` -> `app.prompts` (how JUnit viewers group test cases)."""
    stem = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    return _clean(stem.replace("\\", "/").strip("/").replace("/", "."))


_NAME_TEXT = 80


def case_name(finding: Any, source: Any) -> str:
    """`PL101 (unrestricted-override): "unrestricted assistant"`: the rule and the flagged words."""
    words = " ".join(flagged_text(finding, source).split())
    if len(words) > _NAME_TEXT:
        words = words[: _NAME_TEXT - 1].rstrip() + "…"
    return f"{finding.code} ({finding.name}): \"{words}\"" if words else f"{finding.code} ({finding.name})"


def _testcase(suite: ET.Element, finding: Any, name: str, path: str) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        name=_clean(name),
        classname=_classname(path),
        file=_clean(path),
        line=str(finding.line),
    )
    failure = ET.SubElement(case, "failure", message=_clean(finding.message), type=finding.code)
    body = f"{path}:{finding.line}:{finding.column}: {finding.code} [{finding.severity}] {finding.message}"
    if finding.hint:
        body += f"\nhint: {finding.hint}"
    failure.text = _clean(body)


def build_tree(report: Any) -> ET.Element:
    """The `<testsuites>` element for a report."""
    by_path: dict[str, list[Any]] = {path: [] for path in report.files}
    for finding in report.findings:
        by_path.setdefault(finding.path, []).append(finding)
    total = sum(max(len(found), 1) for found in by_path.values()) or 1
    root = ET.Element("testsuites", name="promptlint", tests=str(total), failures=str(len(report.findings)),
                      errors="0")  # fmt: skip
    if not by_path:
        suite = ET.SubElement(root, "testsuite", name="promptlint", tests="1", failures="0", errors="0", skipped="0")
        ET.SubElement(suite, "testcase", name="no files linted", classname="promptlint")
    for display, found in by_path.items():
        path = project_path(report, display)
        suite = ET.SubElement(root, "testsuite", name=_clean(path), tests=str(max(len(found), 1)),
                              failures=str(len(found)), errors="0", skipped="0")  # fmt: skip
        if not found:
            ET.SubElement(suite, "testcase", name="no findings", classname=_classname(path), file=_clean(path))
        seen: dict[str, int] = {}
        for finding in found:
            name = case_name(finding, report.sources.get(finding.path))
            seen[name] = seen.get(name, 0) + 1
            _testcase(suite, finding, name if seen[name] == 1 else f"{name} ({seen[name]})", path)
    return root


def render(report: Any, config: Any, stream: IO[str], *, quiet: bool = False) -> None:
    root = build_tree(report)
    ET.indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")
