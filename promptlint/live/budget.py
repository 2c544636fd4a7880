"""A spending cap shared by the runners of one command (probe, fix --llm --verify, batch)."""

from __future__ import annotations

import threading


class Budget:
    """A spending cap: a request is sent only if its worst-case cost still fits (thread-safe).

    The first request that does not fit ends the run's sending: later ones are refused too, even if
    settled requests cost less than reserved and freed room. Otherwise how many get sent would depend
    on thread timing, and a stop would no longer leave every variant and case evenly sampled.
    """

    def __init__(self, max_usd: float | None) -> None:
        self.max_usd = max_usd
        self.spent = 0.0
        self._reserved = 0.0
        self._lock = threading.Lock()
        self.exhausted = False

    def reserve(self, worst_case: float) -> bool:
        with self._lock:
            if self.exhausted:
                return False
            if self.max_usd is not None and self.spent + self._reserved + worst_case > self.max_usd + 1e-12:
                self.exhausted = True
                return False
            self._reserved += worst_case
            return True

    def settle(self, reserved: float, actual: float) -> None:
        with self._lock:
            self._reserved -= reserved
            self.spent += actual
