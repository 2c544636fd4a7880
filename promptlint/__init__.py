"""promptlint: a linter for LLM prompts that finds what makes models refuse."""

__version__ = "0.1.0"

from promptlint.diskcache import install_dataclass_code_cache

install_dataclass_code_cache()
