"""The old name of `promptlint.live.reply_cache` (the model replies cache), kept while
`promptlint.refusal.judge` still imports it from here; new code imports `reply_cache`."""

from promptlint.live.reply_cache import CACHE_VERSION, NullCache, ResponseCache, cache_key, default_cache_dir

__all__ = ["CACHE_VERSION", "NullCache", "ResponseCache", "cache_key", "default_cache_dir"]
