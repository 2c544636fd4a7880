"""`promptlint classify`: JSONL and text-block I/O, stdin, bad input."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from promptlint import classify_cli as cli

REFUSAL = "I'm sorry, but I can\u2019t help with that."
ANSWER = "Here are three tips:\n1. Sleep.\n2. Eat.\n3. Walk."


def run(args: argparse.Namespace | object, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(args, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_jsonl_round_trip_keeps_objects_and_order(tmp_path: Path) -> None:
    src = tmp_path / "log.jsonl"
    records = [{"id": 1, "response": REFUSAL, "meta": {"k": [1, 2]}}, {"id": 2, "response": ANSWER}]
    src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    code, out, err = run(argparse.Namespace(file=str(src), field=None))
    assert code == 0 and err == ""
    got = lines(out)
    assert [g["id"] for g in got] == [1, 2]
    assert got[0]["meta"] == {"k": [1, 2]} and got[0]["response"] == REFUSAL
    assert (got[0]["refusal"], got[0]["refusal_kind"]) == (True, "refusal")
    assert "can't help" in got[0]["refusal_evidence"]
    assert (got[1]["refusal"], got[1]["refusal_kind"]) == (False, "compliance")


def test_custom_field_and_stop_reason() -> None:
    data = json.dumps({"text": "Sure, the answer is 42.", "stop_reason": "refusal"}) + "\n"
    code, out, _ = run(argparse.Namespace(file="-", field="text"), data)
    assert code == 0
    (rec,) = lines(out)
    assert rec["refusal"] is True and rec["refusal_kind"] == "refusal"
    assert "stop_reason" in rec["refusal_evidence"]


def test_text_blocks_from_stdin_without_field() -> None:
    code, out, _ = run(argparse.Namespace(file=None, field=None), f"{REFUSAL}\n\n\n{ANSWER}\n")
    assert code == 0
    got = lines(out)
    assert [g["response"] for g in got] == [REFUSAL, ANSWER]
    assert [g["refusal_kind"] for g in got] == ["refusal", "compliance"]


def test_run_tolerates_missing_attributes() -> None:
    code, out, _ = run(object(), json.dumps({"response": REFUSAL}) + "\n")
    assert code == 0 and lines(out)[0]["refusal"] is True


@pytest.mark.parametrize(
    ("data", "field", "needle"),
    [
        ('{"response": "ok"}\n{"response": \n', None, "<stdin>:2: invalid JSON"),
        ('{"response": "ok"}\n\n{"other": "x"}\n', None, "<stdin>:3: missing field 'response'"),
        ('{"text": 3}\n', "text", "<stdin>:1: field 'text' is int"),
        ("[1, 2]\n", "response", "<stdin>:1: expected a JSON object"),
    ],
)
def test_bad_input_exits_2_naming_the_line_and_writes_nothing(data: str, field: str | None, needle: str) -> None:
    code, out, err = run(argparse.Namespace(file="-", field=field), data)
    assert code == 2
    assert out == ""
    assert needle in err


def test_missing_file_exits_2(tmp_path: Path) -> None:
    code, out, err = run(argparse.Namespace(file=str(tmp_path / "nope.jsonl"), field=None))
    assert (code, out) == (2, "") and "no such file" in err


def test_text_format_summarises() -> None:
    code, out, _ = run(argparse.Namespace(file="-", field=None, format="text"), f"{REFUSAL}\n\n{ANSWER}\n")
    assert code == 0
    assert out.splitlines()[0].startswith("1: refusal (")
    assert out.splitlines()[1].startswith("2: compliance")


def test_main_in_a_subprocess_reads_stdin_and_reports_bad_line() -> None:
    good = subprocess.run([sys.executable, "-m", "promptlint.classify_cli", "-"], input=json.dumps(
        {"response": REFUSAL}) + "\n", capture_output=True, text=True, encoding="utf-8", check=False)
    assert good.returncode == 0 and json.loads(good.stdout)["refusal_kind"] == "refusal"
    bad = subprocess.run([sys.executable, "-m", "promptlint.classify_cli", "--field", "response"],
                         input='{"response": "x"}\nnot json\n', capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and bad.stdout == "" and ":2:" in bad.stderr
    assert "Traceback" not in bad.stderr
