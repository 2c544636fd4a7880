"""Where rule sets live on disk: the built-in rules folder, and the rule and lexicon files of a folder.

Light on purpose (no yaml, no regex): the result cache keys a run by these files' content without
importing the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from promptlint.fingerprint import PACKAGE_DIR, digest
from promptlint.source import read_regular


def builtin_rules_dir() -> Path:
    """`promptlint/_builtin_rules` in an installed wheel, else `rules/` of the source checkout."""
    packaged = PACKAGE_DIR / "_builtin_rules"
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / "rules"


def rule_files(directory: Path) -> list[Path]:
    """The rule files of a folder (`*.yaml`, `*.yml`), sorted."""
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def lexicon_files(directory: Path) -> list[Path]:
    """The lexicon files of a rule folder (`lexicons/*.yaml`), sorted."""
    return sorted((directory / "lexicons").glob("*.yaml"))


def rule_set_files(dirs: Sequence[Path]) -> list[Path]:
    """Every rule and lexicon file the engine reads from these folders, in a stable order."""
    files: list[Path] = []
    for directory in dirs:
        files += rule_files(directory)
        files += lexicon_files(directory)
    return files


def content_parts(dirs: Sequence[Path], *, unreadable: bytes | None = None) -> list[bytes]:
    """Path and bytes of every rule and lexicon file, for a digest.

    A file that cannot be read (or a FIFO named like a rule: refused, never waited on) raises OSError, or,
    given `unreadable`, stands as those bytes."""
    parts: list[bytes] = []
    for path in rule_set_files(dirs):
        try:
            data = read_regular(path)
        except OSError:
            if unreadable is None:
                raise
            data = unreadable
        parts += [str(path).encode(), data]
    return parts


def rules_digest(rule_paths: Sequence[Path | str] = ()) -> str:
    """Digest of the content of every built-in and custom (`rule-paths`) rule and lexicon file."""
    return digest(content_parts([builtin_rules_dir(), *map(Path, rule_paths)], unreadable=b"<unreadable>"))
