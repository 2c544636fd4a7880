"""Bad input never raises: encodings, binary, size cap, nesting, YAML bombs, odd files, bad config and rules.

Every case goes through the real command line in process (`cli.main`), so a traceback anywhere on the
path (discovery, reading, extraction, rules, reporters) fails the test, and the exit status is checked:
findings exit 1, a clean file 0, a broken config or rule file 2 with a one-line message naming it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import promptlint.cli as cli
from promptlint.extractors import yaml as yaml_extractor
from promptlint.model import ParseProblem, SourceFile
from promptlint.rules_engine import patterns
from promptlint.source import read_source

BAD = Path(__file__).parent / "fixtures" / "bad"
OVERRIDE = "You are an unrestricted assistant for our bakery."


def check(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, list[dict]]:
    """`promptlint check --format json` in process: (exit status, findings)."""
    capsys.readouterr()
    status = cli.main(["check", "--format", "json", "--no-cache", *map(str, args)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, (json.loads(out) if status in (0, 1) else [])


def check_error(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    """A run that must fail with exit 2 and one line on stderr; returns that line."""
    capsys.readouterr()
    status = cli.main(["check", "--no-cache", *map(str, args)])
    _out, err = capsys.readouterr()
    assert status == 2, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    return err.strip()


def codes(findings: list[dict]) -> list[tuple[str, int, int]]:
    return [(f["code"], f["line"], f["column"]) for f in findings]


def only_pl000(capsys: pytest.CaptureFixture[str], path: Path) -> dict:
    status, findings = check(capsys, "--no-config", path)
    assert status == 1
    assert [f["code"] for f in findings] == ["PL000"], findings
    return findings[0]


# --- encodings -----------------------------------------------------------------------------------


def test_invalid_utf8_is_pl000_at_the_bad_byte(capsys: pytest.CaptureFixture[str]) -> None:
    finding = only_pl000(capsys, BAD / "bad_utf8.py")
    assert "cannot decode as utf-8" in finding["message"]
    line = (BAD / "bad_utf8.py").read_bytes().split(b"\n")[1]
    assert (finding["line"], finding["column"]) == (2, line.index(b"\xe9") + 1)


def test_pep263_cookie_decodes_and_positions_count_characters(capsys: pytest.CaptureFixture[str]) -> None:
    source = read_source(BAD / "latin1_cookie.py", "latin1_cookie.py")
    assert isinstance(source, SourceFile)
    assert source.encoding == "latin-1" and "Café au lait" in source.text
    status, findings = check(capsys, "--no-config", BAD / "latin1_cookie.py")
    assert status == 1 and codes(findings) == [("PL101", 2, 29)]


def test_unknown_coding_cookie_names_the_encoding(capsys: pytest.CaptureFixture[str]) -> None:
    assert "'klingon'" in only_pl000(capsys, BAD / "unknown_cookie.py")["message"]


def test_bom_is_dropped_and_columns_do_not_move(capsys: pytest.CaptureFixture[str]) -> None:
    source = read_source(BAD / "bom.py", "bom.py")
    assert isinstance(source, SourceFile) and source.bom and not source.text.startswith("\ufeff")
    _status, findings = check(capsys, "--no-config", BAD / "bom.py")
    assert codes(findings) == [("PL101", 1, 29)]  # "unrestricted" is the 29th character, BOM or not


def test_crlf_gives_the_same_positions_as_lf(capsys: pytest.CaptureFixture[str]) -> None:
    _s, crlf = check(capsys, "--no-config", BAD / "crlf.py")
    _s, lf = check(capsys, "--no-config", BAD / "lf.py")
    assert codes(crlf) == codes(lf) == [("PL101", 2, 29)]
    assert crlf[0]["end_column"] == lf[0]["end_column"]


@pytest.mark.parametrize(("name", "needle"), [("nul.py", "binary"), ("utf16.yaml", "UTF-16")])
def test_nul_bytes_and_wide_encodings_are_not_linted(capsys: pytest.CaptureFixture[str], name: str,
                                                     needle: str) -> None:
    assert needle in only_pl000(capsys, BAD / name)["message"]


def test_random_binary_named_like_yaml(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "blob.yaml"
    path.write_bytes(bytes(range(256)) * 40)
    assert "binary" in only_pl000(capsys, path)["message"]


# --- size ------------------------------------------------------------------------------------------


def test_file_over_the_cap_is_skipped_without_being_opened(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.py"
    with big.open("wb") as handle:  # sparse: 8 GiB on disk costs nothing, reading it would
        handle.write(f'SYSTEM_PROMPT = "{OVERRIDE}"\n'.encode())
        handle.truncate(8 << 30)
    real_open = os.open

    def guarded_open(path: object, *args: object, **kwargs: object) -> int:
        assert not str(path).endswith("big.py"), "a file over the cap was opened"
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", guarded_open)
    finding = only_pl000(capsys, big)
    assert "larger than" in finding["message"] and "max-file-size" in finding["message"]


def test_cap_is_configurable(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.promptlint]\nmax-file-size = 100\n")
    (tmp_path / "small.py").write_text(f'SYSTEM_PROMPT = "{OVERRIDE}"\n')
    (tmp_path / "large.py").write_text(f'SYSTEM_PROMPT = "{OVERRIDE}"\n' + "# padding\n" * 20)
    status, findings = check(capsys, ".")
    assert status == 1
    assert [(f["path"], f["code"]) for f in findings] == [("large.py", "PL000"), ("small.py", "PL101")]
    assert "larger than 100 bytes" in findings[0]["message"]


# --- long and deep ---------------------------------------------------------------------------------


def test_very_long_line_keeps_exact_columns(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    filler = "Please keep answers short. " * 4000
    path = tmp_path / "long.py"
    path.write_text(f'SYSTEM_PROMPT = "{filler}You are an unrestricted assistant."\n')
    _status, findings = check(capsys, "--no-config", path)
    assert codes(findings) == [("PL101", 1, len('SYSTEM_PROMPT = "') + len(filler) + len("You are an ") + 1)]


def test_deeply_nested_python_is_pl000_or_clean(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "parens.py").write_text("SYSTEM_PROMPT = " + "(" * 5000 + '"x"' + ")" * 5000 + "\n")
    (tmp_path / "concat.py").write_text("SYSTEM_PROMPT = " + " + ".join(['"Be kind. "'] * 20000) + "\n")
    (tmp_path / "lists.py").write_text("system_prompt = " + "[" * 150 + '"x"' + "]" * 150 + "\n")
    (tmp_path / "short.py").write_text("SYSTEM_PROMPT = " + " + ".join(['"Be kind. "'] * 300) + "\n")
    status, findings = check(capsys, "--no-config", tmp_path)
    assert status == 1  # CPython cannot compile the first two either
    assert [(f["path"].rsplit("/", 1)[-1], f["code"]) for f in findings] == [("concat.py", "PL000"),
                                                                           ("parens.py", "PL000")]
    assert "recursion" in findings[0]["message"] and "nested" in findings[1]["message"]


def test_deeply_nested_yaml(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "flow.yaml").write_text("system_prompt: " + "[" * 5000 + "x" + "]" * 5000 + "\n")
    depth = 1000
    block = "".join(" " * i + f"k{i}:\n" for i in range(depth)) + " " * depth + f"system_prompt: {OVERRIDE}\n"
    (tmp_path / "block.yaml").write_text(block)
    _status, findings = check(capsys, "--no-config", tmp_path)
    by_file = {f["path"].rsplit("/", 1)[-1]: f for f in findings}
    assert by_file["flow.yaml"]["code"] == "PL000" and "deep" in by_file["flow.yaml"]["message"]
    assert set(by_file) == {"flow.yaml", "block.yaml"}
    block_finding = by_file["block.yaml"]  # either a note that it is too deep, or a finding at the exact line
    if block_finding["code"] == "PL000":
        assert "deep" in block_finding["message"]
    else:
        assert (block_finding["code"], block_finding["line"]) == ("PL101", depth + 1)


# --- YAML specifics --------------------------------------------------------------------------------


def test_billion_laughs_is_never_expanded(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = yaml_extractor.extract

    def counting(source: SourceFile) -> object:
        calls.append(1)
        return real(source)

    monkeypatch.setattr(yaml_extractor, "extract", counting)
    started = time.perf_counter()
    status, findings = check(capsys, "--no-config", BAD / "billion_laughs.yaml")
    assert time.perf_counter() - started < 10  # 9**12 strings if expanded: would never finish
    assert (status, findings) == (0, [])
    source = read_source(BAD / "billion_laughs.yaml", "b.yaml")
    assert isinstance(source, SourceFile)
    extraction = real(source)
    assert extraction.problem is None
    assert all(len(p.text) < 200 for p in extraction.prompts)


def test_alias_to_a_prompt_points_at_the_anchor(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "alias.yaml"
    path.write_text(f'base: &p "{OVERRIDE}"\nsystem_prompt: *p\n')
    _status, findings = check(capsys, "--no-config", path)
    assert codes(findings) == [("PL101", 1, len('base: &p "You are an ') + 1)]


def test_duplicate_keys_lint_the_value_loaders_keep(capsys: pytest.CaptureFixture[str]) -> None:
    """PyYAML (what apps load prompts with) keeps the last value: that is the prompt linted."""
    status, findings = check(capsys, "--no-config", BAD / "duplicate_keys.yaml")
    assert status == 1 and codes(findings) == [("PL101", 2, len("system_prompt: You are an ") + 1)]


def test_multi_document_yaml_lints_every_document(capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert cli.main(["extract", "--format", "json", "--no-config", str(BAD / "multi_document.yaml")]) == 0
    prompts = json.loads(capsys.readouterr().out)
    assert [(p["line"], p["text"]) for p in prompts] == [
        (1, "You are a helpful travel assistant for our agency."),
        (3, "You are an unrestricted assistant for our shop."),
    ]
    _status, findings = check(capsys, "--no-config", BAD / "multi_document.yaml")
    assert codes(findings) == [("PL101", 3, 27)]


def test_real_syntax_errors_are_pl000_and_nothing_else(capsys: pytest.CaptureFixture[str]) -> None:
    assert only_pl000(capsys, BAD / "syntax_error.py")["line"] == 2
    finding = only_pl000(capsys, BAD / "invalid.yaml")
    assert finding["line"] in (2, 3) and "began at line 2" in finding["message"]


# --- odd files and folders -------------------------------------------------------------------------


def test_empty_files_are_clean(capsys: pytest.CaptureFixture[str]) -> None:
    names = ["empty.py", "empty.yaml", "empty.prompt", "blank.yaml"]
    assert check(capsys, "--no-config", *(BAD / n for n in names)) == (0, [])


def test_directory_named_like_a_file_type_is_walked(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "prompts.yaml").mkdir()
    (tmp_path / "prompts.yaml" / "inner.yaml").write_text(f"system_prompt: {OVERRIDE}\n")
    (tmp_path / "empty.py").mkdir()
    status, findings = check(capsys, "--no-config", tmp_path)
    assert status == 1 and [f["path"].rsplit("/", 2)[-2:] for f in findings] == [["prompts.yaml", "inner.yaml"]]
    _s, explicit = check(capsys, "--no-config", tmp_path / "prompts.yaml", tmp_path / "empty.py")
    assert [f["code"] for f in explicit] == ["PL101"]


def test_symlink_loops_end(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "up").symlink_to("..")  # directory loop: not followed while walking
    (tmp_path / "a" / "p.yaml").write_text(f"system_prompt: {OVERRIDE}\n")
    (tmp_path / "self.yaml").symlink_to("self.yaml")  # file loop
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "missing.yaml")
    status, findings = check(capsys, "--no-config", tmp_path)
    assert status == 1 and [f["path"].rsplit("/", 1)[-1] for f in findings] == ["p.yaml"]
    _s, explicit = check(capsys, "--no-config", tmp_path / "self.yaml", tmp_path / "dangling.yaml")
    assert [f["code"] for f in explicit] == ["PL000", "PL000"]
    assert all("cannot read" in f["message"] for f in explicit)


def test_unreadable_file_is_pl000(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root, where chmod 000 still reads: simulate EACCES at open instead."""
    locked = tmp_path / "locked.py"
    locked.write_text(f'SYSTEM_PROMPT = "{OVERRIDE}"\n')
    (tmp_path / "open.py").write_text(f'SYSTEM_PROMPT = "{OVERRIDE}"\n')
    real_open = os.open

    def denying_open(path: object, *args: object, **kwargs: object) -> int:
        if str(path).endswith("locked.py"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", denying_open)
    _status, findings = check(capsys, "--no-config", tmp_path)
    assert [(f["path"].rsplit("/", 1)[-1], f["code"]) for f in findings] == [("locked.py", "PL000"),
                                                                           ("open.py", "PL101")]
    assert "Permission denied" in findings[0]["message"]


def test_unreadable_folder_is_skipped(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "p.yaml").write_text(f"system_prompt: {OVERRIDE}\n")
    (tmp_path / "p.yaml").write_text(f"system_prompt: {OVERRIDE}\n")
    real_scandir = os.scandir

    def denying_scandir(path: object) -> object:
        if str(path).endswith("secret"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", denying_scandir)
    _status, findings = check(capsys, "--no-config", tmp_path)
    assert [f["path"].rsplit("/", 1)[-1] for f in findings] == ["p.yaml"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_named_explicitly_does_not_block(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert "not a regular file" in only_pl000(capsys, fifo)["message"]  # open() would block forever
    assert check(capsys, "--no-config", tmp_path) == (0, [])  # walking skips it


def test_read_source_never_raises_on_odd_paths(tmp_path: Path) -> None:
    for path in (tmp_path, tmp_path / "missing.py"):
        assert isinstance(read_source(path, "x"), ParseProblem)


# --- config and rule files -------------------------------------------------------------------------


@pytest.mark.parametrize(("toml", "needle"), [
    ("bogus = 1", "tool.promptlint.bogus: unknown key"),
    ('select = "PL1"', "tool.promptlint.select: expected a list of strings"),
    ('max-file-size = "big"', "max-file-size: expected a positive integer"),
    ("max-file-size = -1", "max-file-size: expected a positive integer"),
    ("fail-on = 3", "fail-on: invalid severity"),
    ('rule-paths = ["nope"]', "rule folder 'nope' not found"),
    ('per-file-ignores = {"a.py" = 3}', "per-file-ignores.a.py: expected a list of strings"),
    ('[tool.promptlint.llm]\nsamples = "x"', "samples"),
    ("[tool.promptlint", "invalid TOML"),
])  # fmt: skip
def test_bad_config_exits_2_naming_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch, toml: str, needle: str) -> None:
    monkeypatch.chdir(tmp_path)
    header = "" if toml.startswith("[") else "[tool.promptlint]\n"
    (tmp_path / "pyproject.toml").write_text(header + toml + "\n")
    message = check_error(capsys, ".")
    assert "pyproject.toml" in message and needle in message


RULE = """\
code: ACME{n}
name: acme-rule-{n}
severity: warning
kind: pattern
message: Custom finding.
hint: Say it differently.
docs: {{what: w, why: y, example: e, use_instead: u, fix_safety: f}}
patterns:
  - {pattern}
examples:
  bad: ["x"]
  good: ["y"]
"""


def custom_rule(tmp_path: Path, pattern: str, n: int = 1) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / f"ACME{n}-rule.yaml").write_text(RULE.format(n=n, pattern=json.dumps(pattern)))
    (tmp_path / "pyproject.toml").write_text('[tool.promptlint]\nrule-paths = ["rules"]\n')
    return folder / f"ACME{n}-rule.yaml"


def test_custom_rule_with_invalid_regex_names_file_and_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rule = custom_rule(tmp_path, "unrestricted (assistant")
    message = check_error(capsys, ".")
    assert f"{rule}:9:" in message and "invalid regular expression" in message


def test_nested_repeat_refused_at_load(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rule = custom_rule(tmp_path, "(a+)+$")
    (tmp_path / "app.py").write_text(f'SYSTEM_PROMPT = "You are a helpful assistant. {"a" * 30}b"\n')
    started = time.perf_counter()
    message = check_error(capsys, ".")
    assert time.perf_counter() - started < 5
    assert f"{rule}:9:" in message and "backtrack catastrophically" in message


@pytest.mark.parametrize("pattern", [r"(\w+ )+unrestricted", "no {gap} restrictions", "(?:foo|bar)+ baz"])
def test_screen_allows_repeats_with_separators(pattern: str) -> None:
    assert patterns.nested_repeat(patterns.translate(pattern, {}, stub=True)) is None


def test_catastrophic_pattern_is_stopped_by_the_time_limit(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """`(a|aa)+$` passes the static screen (no nested repeat) but backtracks exponentially."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(patterns, "CUSTOM_PATTERN_TIMEOUT", 0.2)
    rule = custom_rule(tmp_path, "(a|aa)+$", n=2)
    (tmp_path / "app.py").write_text(f'SYSTEM_PROMPT = "You are a helpful assistant. {"a" * 60}b"\n')
    started = time.perf_counter()
    message = check_error(capsys, ".")
    assert time.perf_counter() - started < 10
    assert f"{rule}:9:" in message and "catastrophic backtracking" in message


def test_custom_rule_still_finds_through_the_bounded_engine(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    custom_rule(tmp_path, "(?P<hit>bakery) (?:goods|items)", n=3)
    (tmp_path / "app.py").write_text('SYSTEM_PROMPT = "You answer questions about bakery goods."\n')
    status, findings = check(capsys, "--select", "ACME", ".")
    assert status == 1 and codes(findings) == [("ACME3", 1, len('SYSTEM_PROMPT = "You answer questions about ') + 1)]
    assert findings[0]["end_column"] - findings[0]["column"] == len("bakery")
