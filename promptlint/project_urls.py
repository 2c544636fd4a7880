"""Where promptlint lives: its distribution name on the package index, its repository, its rule docs.

The command and the import name are `promptlint`; the distribution is `promptlint-refusal`, because
`promptlint` and its near names on the package index belong to other projects (`pip install
promptlint` installs someone else's tool). `REPOSITORY_URL` must match `[project.urls]` in
pyproject.toml (a test holds them equal).
"""

from __future__ import annotations

import re

DISTRIBUTION = "promptlint-refusal"
REPOSITORY_URL = "https://github.com/your-org/promptlint"
PACKAGE_INDEX_URL = f"https://pypi.org/project/{DISTRIBUTION}/"
#: A shipped rule's documentation: its YAML file in the repository (what `promptlint rule CODE` prints).
DEFAULT_DOCS_URL = REPOSITORY_URL + "/blob/main/rules/{code}-{name}.yaml"
_BUILTIN_CODE_RE = re.compile(r"PL\d{3}")


def rule_docs_url(code: str, name: str, docs_url: str | None = None) -> str | None:
    """The documentation URL of a rule.

    `docs_url` is the config's `docs-url`: a template with `{code}` / `{name}`, or a base URL that
    the code is appended to. Without it, shipped rules link to their file in the repository and a
    project's own rules (`rule-paths`) have no link.
    """
    if docs_url:
        if "{code}" in docs_url or "{name}" in docs_url:
            return docs_url.replace("{code}", code).replace("{name}", name)
        return f"{docs_url.rstrip('/')}/{code}"
    if _BUILTIN_CODE_RE.fullmatch(code):
        return DEFAULT_DOCS_URL.replace("{code}", code).replace("{name}", name)
    return None
