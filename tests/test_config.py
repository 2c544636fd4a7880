"""Config files: discovery, validation (one-line errors naming file and key), ruff-like rule selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptlint.config import Config, ConfigError, find_config_file, load_config
from promptlint.model import Severity
from promptlint.rules_engine.rule import Rule, RuleDoc

DOC = RuleDoc("what", "why", "example", "use instead", "fix safety")


def rule(code: str, default_enabled: bool = True) -> Rule:
    return Rule(code, f"rule-{code.lower()}", Severity.WARNING, "pattern", "m", "h", DOC, frozenset({"system"}),
                default_enabled=default_enabled)  # fmt: skip


RULES = [rule(c) for c in ("PL000", "PL001", "PL101", "PL102", "PL103", "PL201", "PL301", "PL401", "PL402", "PL404")]
RULES.append(rule("PL403", default_enabled=False))


def codes(config: Config) -> list[str]:
    return sorted(r.code for r in config.select_rules(RULES))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_enable_every_default_rule_but_not_pl403(tmp_path: Path) -> None:
    config = load_config([tmp_path], isolated=True)
    assert "PL403" not in codes(config)
    assert "PL101" in codes(config) and "PL404" in codes(config)
    assert config.fail_on is Severity.WARNING


def test_pyproject_found_walking_up_from_first_path(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname="x"\n[tool.promptlint]\nselect = ["PL1"]\nfail-on = "error"\n')
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    config = load_config([nested])
    assert config.path == (tmp_path / "pyproject.toml").resolve()
    assert codes(config) == ["PL101", "PL102", "PL103"]
    assert config.fail_on is Severity.ERROR


def test_pyproject_without_section_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "promptlint.toml", 'ignore = ["PL2"]\n')
    write(tmp_path / "sub" / "pyproject.toml", '[project]\nname = "promptlint-user"\n')
    assert find_config_file(tmp_path / "sub") == (tmp_path / "promptlint.toml").resolve()


def test_dot_promptlint_toml_wins_over_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.promptlint]\nselect = ["PL1"]\n')
    write(tmp_path / ".promptlint.toml", 'select = ["PL3"]\n')
    assert codes(load_config([tmp_path])) == ["PL301"]


def test_selection_like_ruff(tmp_path: Path) -> None:
    base = load_config([tmp_path], isolated=True)
    assert codes(base.with_overrides(select=["PL1"], ignore=["PL102"])) == ["PL101", "PL103"]
    # the more specific selector wins over a broader ignore
    assert codes(base.with_overrides(select=["PL101"], ignore=["PL1"])) == ["PL101"]
    assert codes(base.with_overrides(select=["pl40"])) == ["PL401", "PL402", "PL403", "PL404"]
    assert "PL403" in codes(base.with_overrides(extend_select=["PL403"]))
    assert codes(base.with_overrides(select=["PL1,PL2"])) == ["PL101", "PL102", "PL103", "PL201"]


def test_extend_select_and_ignore_from_file(tmp_path: Path) -> None:
    write(tmp_path / "promptlint.toml", 'extend-select = ["PL403"]\nignore = ["PL4"]\n')
    # ignore PL4 (length 3) loses against extend-select PL403 (length 5)
    assert [c for c in codes(load_config([tmp_path])) if c.startswith("PL4")] == ["PL403"]


def test_per_file_ignores(tmp_path: Path) -> None:
    write(tmp_path / "promptlint.toml", '[per-file-ignores]\n"tests/**" = ["PL1"]\n"*.yaml" = ["PL301"]\n')
    config = load_config([tmp_path])
    assert config.ignored_for("tests/test_x.py", tmp_path / "tests" / "test_x.py") == ["PL1"]
    assert config.ignored_for("src/a.yaml", tmp_path / "src" / "a.yaml") == ["PL301"]
    assert config.ignored_for("src/a.py", tmp_path / "src" / "a.py") == []
    assert not config.enabled_for_file(rule("PL101"), ["PL1"])
    assert config.enabled_for_file(rule("PL201"), ["PL1"])


def test_llm_table_and_rule_paths(tmp_path: Path) -> None:
    (tmp_path / "my_rules").mkdir()
    write(
        tmp_path / "pyproject.toml",
        '[tool.promptlint]\nrule-paths = ["my_rules"]\nmax-file-size = 1000\n'
        '[tool.promptlint.llm]\nmodel = "claude-x"\nsamples = 5\nmax-cost-usd = 2\ncache-dir = ".cache"\n'
        'operator-context = "We run a SOC for banks."\nprovider = "anthropic"\nconcurrency = 4\n',
    )
    config = load_config([tmp_path])
    assert config.rule_paths == [(tmp_path / "my_rules").resolve()]
    assert config.max_file_size == 1000
    llm = config.llm
    assert (llm.model, llm.samples, llm.max_cost_usd, llm.provider, llm.concurrency) == (
        "claude-x", 5, 2.0, "anthropic", 4,
    )  # fmt: skip
    assert llm.cache_dir == (tmp_path / ".cache").resolve()
    assert llm.operator_context == "We run a SOC for banks."


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("[tool.promptlint]\nselet = []\n", "tool.promptlint.selet: unknown key"),
        ('[tool.promptlint]\nselect = "PL1"\n', "tool.promptlint.select: expected a list of strings"),
        ('[tool.promptlint]\nfail-on = "fatal"\n', "tool.promptlint.fail-on: invalid severity 'fatal'"),
        ('[tool.promptlint]\nrule-paths = ["nope"]\n', "tool.promptlint.rule-paths: rule folder 'nope' not found"),
        ("[tool.promptlint]\nmax-file-size = -1\n", "tool.promptlint.max-file-size"),
        ("[tool.promptlint.llm]\nsamples = 0\n", "tool.promptlint.llm.samples: expected a positive integer"),
        ("[tool.promptlint.llm]\nmodl = 'x'\n", "tool.promptlint.llm.modl: unknown key"),
        ("[tool.promptlint.llm]\nmax-cost-usd = 'lots'\n", "tool.promptlint.llm.max-cost-usd"),
        ('[tool.promptlint]\nselect = ["PL-1"]\n', "invalid rule selector 'PL-1'"),
        ("[tool.promptlint]\nselect = [\n", "invalid TOML"),
    ],
)
def test_config_errors_are_one_line_naming_file_and_key(tmp_path: Path, body: str, needle: str) -> None:
    write(tmp_path / "pyproject.toml", body)
    with pytest.raises(ConfigError) as info:
        load_config([tmp_path])
    message = str(info.value)
    assert "\n" not in message
    assert str(tmp_path / "pyproject.toml") in message
    assert needle in message


def test_unknown_selector_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "promptlint.toml", 'select = ["PL9"]\n')
    with pytest.raises(ConfigError, match=r"promptlint.toml:1: select: unknown rule selector 'PL9'"):
        load_config([tmp_path]).select_rules(RULES)


def test_explicit_config_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config([tmp_path], tmp_path / "nope.toml")


def test_cli_overrides_validate(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--fail-on"):
        Config(root=tmp_path).with_overrides(fail_on="loud")
