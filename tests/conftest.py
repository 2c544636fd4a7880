"""The fast default loop: `python -m pytest` leaves out the slow end-to-end tests; `--slow` runs them too.

`.ci/run` runs `python -m pytest --slow`, so CI runs everything. A test is slow when it is marked
`@pytest.mark.slow` in its module, or listed in `SLOW` below: tests of other areas measured to take
several seconds each (pre-commit building a hook environment, whole-corpus equivalence runs), kept
here so their modules need no edit. A renamed test simply falls back into the fast loop.
"""

from __future__ import annotations

import pytest

#: node ids (without parameters) of slow tests in modules that do not mark them themselves.
SLOW = {
    "tests/test_refusal_detector.py::test_scanned_features_equal_plain_search_on_dev",
    "tests/test_refusal_detector.py::test_scanned_features_equal_plain_search_on_generated_text",
    "tests/test_rules_speed_equivalence.py::test_corpus_unchanged",
    "tests/test_rules_speed_equivalence.py::test_corrupt_cache_file_is_ignored",
    "tests/test_rules_speed_equivalence.py::test_second_process_uses_the_cache_and_finds_the_same",
    "tests/test_corpus_report.py::test_counts_the_whole_corpus",
    "tests/test_rules_catalogue.py::test_corpus_rates",
    "tests/test_ecosystem.py::test_shared_template_corpus",
    "tests/test_ecosystem.py::test_examples_tree",
    "tests/test_no_network.py::test_commands_in_subprocesses",
    "tests/test_classify_judge.py::test_only_uncertain_responses_are_judged",
    "tests/test_properties.py::test_python_extraction_never_raises_on_arbitrary_text",
    "tests/test_fix.py::test_diff_over_corpus_and_examples_writes_nothing_and_results_parse",
    "tests/test_extract_templates.py::test_deep_nesting_is_a_problem_not_a_crash",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", default=False,
                     help="also run the slow end-to-end tests (what .ci/run does)")  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: a slow end-to-end test, run only with --slow (and by .ci/run)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.split("[", 1)[0] in SLOW:
            item.add_marker(pytest.mark.slow)
    if config.getoption("--slow"):
        return
    slow = [item for item in items if item.get_closest_marker("slow") is not None]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item.get_closest_marker("slow") is None]
