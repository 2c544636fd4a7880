"""`promptlint lsp`: a Language Server (pygls, stdio) for editors.

`server` is the only module that imports pygls; `engine` (linting open
documents, code actions as plain offsets) and `positions` (code points to
UTF-16 / UTF-8 / UTF-32 columns) are pygls-free, so they can be tested
and reused without it. pygls is an optional dependency: `pip install
promptlint-refusal[lsp]`.
"""
