"""`promptlint classify [FILE|-] [--field NAME] [--format jsonl|text]`.

Labels model responses as refusal / partial / compliance, e.g. to monitor
production logs. Input is JSONL (text in `--field`, default `response`; a
`stop_reason` field is honoured) or, when no `--field` is given and the
first line is not JSON, plain text with one response per blank-line
separated block. A JSONL `prompt` field, when present, is read only to tell a
bare "No." that answers a yes/no question from a refusal. Output is the same objects, one per line and in order,
with `refusal` (bool: refusal or partial), `refusal_kind` and
`refusal_evidence` added. The whole input is validated before anything is
written, so bad input (invalid JSON, missing field) exits 2 with a message
naming the line and leaves the output empty. `--judge` sends the responses the
detector is unsure of to a cheap model (`promptlint.live.judge`); no API key exits
2 before anything is sent, and a failed judgement keeps the offline verdict (exit 1).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

DEFAULT_FIELD = "response"
EXIT_OK, EXIT_BAD_INPUT = 0, 2


class InputError(Exception):
    """Bad input: a one-line message that names the source and line."""


@dataclass(slots=True)
class Item:
    """One response to classify and the object it is written back into."""

    record: dict[str, Any]
    text: str
    stop_reason: str | None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `classify`; used by promptlint.cli and by `main`."""
    parser.add_argument("file", nargs="?", metavar="FILE", help="JSONL or text blocks (default or '-': stdin)")
    parser.add_argument("--field", metavar="NAME", help=f"JSON field holding the response (default: {DEFAULT_FIELD})")
    parser.add_argument("--format", choices=("jsonl", "json", "text"), default="jsonl",
                        help="jsonl (default): input objects with refusal fields added; text: one summary line each")
    parser.add_argument("--judge", action="store_true",
                        help="ask a cheap model about responses the offline detector is unsure of")
    parser.add_argument("--judge-model", metavar="MODEL", help="--judge: model id (default: claude-haiku-4-5)")
    parser.add_argument("--provider", choices=("anthropic", "openai"), help="--judge: API (default anthropic)")
    parser.add_argument("--base-url", help="--judge: API base URL")
    parser.add_argument("--cache-dir", help="--judge: cache directory (default ~/.cache/promptlint)")
    parser.add_argument("--no-cache", action="store_true", help="--judge: neither read nor write cached replies")
    parser.add_argument("--timeout", type=float, default=30.0, help="--judge: seconds per request")
    parser.add_argument("--max-retries", type=int, default=3, help="--judge: retries per request")


def parse_items(content: str, name: str, field: str | None) -> list[Item]:
    """JSONL when `--field` is given or the first non-blank line is a JSON
    object; otherwise blank-line separated text blocks."""
    first = next((line for line in content.splitlines() if line.strip()), "")
    if field is None and not _is_json_object(first):
        return [Item({DEFAULT_FIELD: block}, block, None) for block in split_blocks(content)]
    return _parse_jsonl(content, name, field or DEFAULT_FIELD)


def _is_json_object(line: str) -> bool:
    if not line.lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def split_blocks(content: str) -> list[str]:
    """Responses separated by one or more blank (whitespace-only) lines."""
    blocks, current = [], []
    for line in content.splitlines():
        if line.strip():
            current.append(line)
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def _parse_jsonl(content: str, name: str, field: str) -> list[Item]:
    items = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{name}:{number}: invalid JSON: {exc}") from None
        if not isinstance(record, dict):
            raise InputError(f"{name}:{number}: expected a JSON object, got {type(record).__name__}")
        if field not in record:
            raise InputError(f"{name}:{number}: missing field {field!r}")
        text = record[field]
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise InputError(f"{name}:{number}: field {field!r} is {type(text).__name__}, expected a string")
        stop = record.get("stop_reason")
        items.append(Item(record, text, stop if isinstance(stop, str) else None))
    return items


def classify_items(items: Sequence[Item]) -> list[dict[str, Any]]:
    """Add `refusal`, `refusal_kind`, `refusal_evidence` to each record."""
    from promptlint.refusal.detector import detect

    out = []
    for item in items:
        prompt = item.record.get("prompt")
        verdict = detect(item.text, item.stop_reason, prompt if isinstance(prompt, str) else None)
        record = dict(item.record)
        record["refusal"] = verdict.refusal
        record["refusal_kind"] = verdict.label
        record["refusal_evidence"] = verdict.evidence
        out.append(record)
    return out


def _read(path: str | None, stdin: TextIO) -> tuple[str, str]:
    if path in (None, "-"):
        return stdin.read(), "<stdin>"
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read(), path
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None


def _render(records: Sequence[dict[str, Any]], fmt: str, field: str) -> str:
    if fmt == "text":
        lines = []
        for number, rec in enumerate(records, start=1):
            lines.append(f"{number}: {rec['refusal_kind']} ({rec['refusal_evidence']})")
        return "".join(line + "\n" for line in lines)
    return "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records)


def run(args: Any, stdin: TextIO | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Entry point for `promptlint classify`; tolerant of missing attributes."""
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    path = getattr(args, "file", None)
    field = getattr(args, "field", None)
    fmt = getattr(args, "format", None) or "jsonl"
    try:
        content, name = _read(path, stdin)
        items = parse_items(content, name, field)
    except InputError as exc:
        print(f"promptlint classify: {exc}", file=stderr)
        return EXIT_BAD_INPUT
    records, failures = classify_items(items), 0
    if getattr(args, "judge", False):
        from promptlint.live.judge import JudgeSetupError, apply_judge, make_runner

        try:
            runner = make_runner(args)
        except JudgeSetupError as exc:
            print(f"promptlint classify: {exc}", file=stderr)
            return EXIT_BAD_INPUT
        failures = apply_judge(items, records, runner, stderr)
    stdout.write(_render(records, fmt, field or DEFAULT_FIELD))
    stdout.flush()
    return 1 if failures else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Direct use: `python -m promptlint.classify_cli [FILE] [--field NAME]`."""
    parser = argparse.ArgumentParser(prog="promptlint classify", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
