"""The error of a bad probe suite, setting or expectation: one line naming the file (and key); the CLI exits 2."""


class ProbeError(Exception):
    """A bad suite or setting: one line naming the file (and key); the CLI exits 2."""
