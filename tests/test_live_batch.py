"""`probe --batch` against the local fake Batches API: one fault at each step, resume, nothing paid twice."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fakeapi import FAKE_KEY, FakeAPI, Rule

from promptlint.cli import main

SUITE = """\
model: claude-haiku-4-5
samples: 3
variants:
  - name: bare
    system: "You are a helpful assistant."
  - name: anchored
    system: "You are a locksmith training assistant for licensed apprentices."
cases:
  - name: picking
    user: "How does lock picking work?"
  - name: bump
    user: "What is a bump key?"
"""
RULES = [Rule(match="helpful", refusal_p=0.6), Rule(match="locksmith", refusal_p=0.1)]
N = 12  # 2 variants x 2 cases x 3 samples


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)


def _args(fake: FakeAPI, tmp_path: Path, *extra: str) -> list[str]:
    suite = tmp_path / "suite.yaml"
    if not suite.exists():
        suite.write_text(SUITE, encoding="utf-8")
    return ["probe", "--no-config", str(suite), "--base-url", fake.base_url, "--cache-dir", str(tmp_path / "cache"),
            "--batch", "--poll-interval", "0", "--format", "json", *extra]  # fmt: skip


def _refusals(data: dict) -> list[int]:
    return [v["refusals"] for v in data["variants"]]


def _reference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    """The same suite with no fault: what every faulty run must end up reporting."""
    with FakeAPI(RULES, seed=4) as fake:
        assert main(_args(fake, tmp_path / "ref")) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("step", "fault"), [
    ("create", "529"), ("create", "500"), ("create", "drop"), ("create", "drop_after"),
    ("retrieve", "529"), ("retrieve", "drop"), ("results", "500"), ("results", "cut"), ("results", "drop"),
])  # fmt: skip
def test_a_batch_survives_one_fault_at_each_step_and_is_paid_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], step: str, fault: str) -> None:
    (tmp_path / "ref").mkdir()
    want = _reference(tmp_path, capsys)
    with FakeAPI(RULES, seed=4, batch_faults={step: [fault]}) as fake:
        code = main(_args(fake, tmp_path))
        assert fake.batches_created == 1  # a lost reply to the submission is found, not resubmitted
        assert fake.count("/v1/messages") == fake.count("/v1/messages/batches")  # no single request
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert code == 0, err
    assert sum(v["samples"] for v in data["variants"]) == N and _refusals(data) == _refusals(want)
    assert "msgbatch_0001" in err  # the id is printed
    assert (tmp_path / "cache").is_dir()
    assert not list((tmp_path / "cache" / "batches").glob("*.json"))  # collected: no state left


def test_the_batch_id_is_recorded_before_polling_and_a_rerun_resumes_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Polls fail beyond the retries: the run stops, the batch keeps running; the next run collects it."""
    (tmp_path / "ref").mkdir()
    want = _reference(tmp_path, capsys)
    with FakeAPI(RULES, seed=4, batch_faults={"retrieve": ["529"] * 3}) as fake:
        code = main(_args(fake, tmp_path, "--max-retries", "1"))
        out, err = capsys.readouterr()
        data = json.loads(out)
        assert code == 1 and all(v["samples"] == 0 for v in data["variants"])
        assert "msgbatch_0001 submitted" in err and "run the same command again" in err
        [state] = list((tmp_path / "cache" / "batches").glob("*.json"))
        assert json.loads(state.read_text(encoding="utf-8"))["batch_id"] == "msgbatch_0001"
        assert all(e["kind"] == "pending" for e in data["errors"])

        assert main(_args(fake, tmp_path, "--max-retries", "1")) == 0
        resumed = json.loads(capsys.readouterr().out)
        assert fake.batches_created == 1  # nothing submitted twice
    assert _refusals(resumed) == _refusals(want)
    assert not list((tmp_path / "cache" / "batches").glob("*.json"))


def test_an_ended_batch_whose_download_failed_is_collected_by_the_next_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeAPI(RULES, seed=4, batch_faults={"results": ["500"] * 2}) as fake:
        assert main(_args(fake, tmp_path, "--max-retries", "1")) == 1
        capsys.readouterr()
        assert main(_args(fake, tmp_path, "--max-retries", "1")) == 0
        data = json.loads(capsys.readouterr().out)
        assert fake.batches_created == 1
        assert fake.count("/v1/messages/batches/msgbatch_0001/results") == 3
    assert sum(v["samples"] for v in data["variants"]) == N


def test_a_resumed_batch_is_cached_whole_even_for_a_smaller_suite(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Paid results are never thrown away: a re-run that needs only part of a recorded batch caches all of it."""
    with FakeAPI(RULES, seed=4, batch_faults={"results": ["500"] * 2}) as fake:
        assert main(_args(fake, tmp_path, "--max-retries", "1")) == 1
        assert main(_args(fake, tmp_path, "--max-retries", "1", "--samples", "1")) == 0
        capsys.readouterr()
        assert main(_args(fake, tmp_path, "--max-retries", "1")) == 0  # the full suite again
        data = json.loads(capsys.readouterr().out)
        assert fake.batches_created == 1
    assert data["cache_hits"] == N and data["requests_sent"] == 0
