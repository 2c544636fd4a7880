"""promptlint: a linter for LLM prompts that finds what makes models refuse."""

__version__ = "0.1.0"
