"""Which statements of a function run only after a refusal was detected, and which loops go round again after one.

A small abstract interpretation of one function body (or of module-level code): every statement gets
the set of refusal states it can run in, `AFTER` (the last refusal test said the model refused),
`NONE` (it said the model did not) or `UNKNOWN` (no test yet, or paths that disagree). A refusal test
splits the state by its polarity (`pycalls.refusal_polarity`), and the state follows the code's shape:

    r = ask()                      # UNKNOWN
    if not is_refusal(r):          # the test: true -> NONE, false -> AFTER
        return r                   # NONE
    r = ask(model="small")         # AFTER: the `if` body left, so only the refused path gets here

Loops carry the state round: `loop_next` holds the states the next iteration can start in (so a loop
that goes round again after a refusal is a retry or a fallback), `loop_exits` the states in which the
loop is left by `return` / `break` (a fallback stops at the first answer that is not a refusal); a
`while` whose test is a refusal test (`while refused and i < n:`) goes round in the states its test lets
through and is left, too, when the test says otherwise.
An `except` clause for a refusal exception (`except RefusalError:`) runs only after a refusal. Nested
functions and classes are separate scopes, not entered.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from promptlint.extractors import pycalls

AFTER, NONE, UNKNOWN = "after", "none", "unknown"
States = frozenset[str]
_EMPTY: States = frozenset()
_START: States = frozenset({UNKNOWN})
_ONLY_AFTER: States = frozenset({AFTER})


class RefusalFlow:
    """The refusal states of the statements of one scope (see the module docstring)."""

    def __init__(self, body: list[ast.stmt], predicates: Mapping[str, int] | None = None,
                 flags: Mapping[str, int] | None = None) -> None:
        self.predicates = predicates or {}
        self.flags = flags or {}
        self.states: dict[int, States] = {}
        self.loop_next: dict[int, States] = {}
        self.loop_exits: dict[int, States] = {}
        self._loops: list[int] = []
        self._block(body, _START)

    # ------------------------------------------------------------------ queries

    def after_refusal(self, stmt: ast.stmt | None) -> bool:
        """Does `stmt` run only after a refusal was detected?"""
        return stmt is not None and self.states.get(id(stmt)) == _ONLY_AFTER

    def runs_without_refusal_only(self, stmt: ast.stmt) -> bool:
        """Does `stmt` run only when the last refusal test said there was none (the success path)?"""
        return self.states.get(id(stmt)) == frozenset({NONE})

    def goes_round_after_refusal(self, loop: ast.For | ast.AsyncFor | ast.While) -> bool:
        """Can the loop start another iteration after a refusal was detected?"""
        return AFTER in self.loop_next.get(id(loop), _EMPTY)

    def stops_on_success(self, loop: ast.For | ast.AsyncFor | ast.While) -> bool:
        """Is the loop left (`return` / `break`) on a path where no refusal was detected?"""
        return bool(self.loop_exits.get(id(loop), _EMPTY) - _ONLY_AFTER)

    # ------------------------------------------------------------------ the walk

    def _split(self, test: ast.expr, state: States) -> tuple[States, States]:
        """States when `test` is true, and when it is false."""
        if isinstance(test, ast.Constant):
            return (state, _EMPTY) if test.value else (_EMPTY, state)
        polarity = pycalls.refusal_polarity(test, self.predicates, self.flags)
        if not state or polarity == 0:
            return state, state
        after, none = frozenset({AFTER}), frozenset({NONE})
        return (after, none) if polarity > 0 else (none, after)

    def _block(self, body: list[ast.stmt], state: States) -> tuple[States, States, States]:
        """(state falling out of the block, states reaching a `continue`, states reaching a `break`)."""
        continues = breaks = _EMPTY
        for stmt in body:
            if not state:
                break  # unreachable: after a return / raise / break / continue
            self.states[id(stmt)] = self.states.get(id(stmt), _EMPTY) | state
            state, cont, brk = self._stmt(stmt, state)
            continues |= cont
            breaks |= brk
        return state, continues, breaks

    def _stmt(self, stmt: ast.stmt, state: States) -> tuple[States, States, States]:
        if isinstance(stmt, ast.If):
            when_true, when_false = self._split(stmt.test, state)
            fall1, cont1, brk1 = self._block(stmt.body, when_true)
            fall2, cont2, brk2 = self._block(stmt.orelse, when_false) if stmt.orelse else (when_false, _EMPTY, _EMPTY)
            return fall1 | fall2, cont1 | cont2, brk1 | brk2
        if isinstance(stmt, ast.While | ast.For | ast.AsyncFor):
            return self._loop(stmt, state), _EMPTY, _EMPTY
        if isinstance(stmt, ast.Return | ast.Raise):
            for loop in self._loops:
                self.loop_exits[loop] = self.loop_exits.get(loop, _EMPTY) | state
            return _EMPTY, _EMPTY, _EMPTY
        if isinstance(stmt, ast.Break):
            if self._loops:
                self.loop_exits[self._loops[-1]] = self.loop_exits.get(self._loops[-1], _EMPTY) | state
            return _EMPTY, _EMPTY, state
        if isinstance(stmt, ast.Continue):
            return _EMPTY, state, _EMPTY
        if isinstance(stmt, ast.Try | ast.TryStar):
            fall, cont, brk = self._block(stmt.body, state)
            handler_entry = state | fall
            falls = _EMPTY
            if stmt.orelse:
                fall, c, b = self._block(stmt.orelse, fall)
                cont, brk = cont | c, brk | b
            falls |= fall
            for handler in stmt.handlers:  # `except RefusalError:` runs only after a refusal
                entry = _ONLY_AFTER if handler.type is not None and pycalls.is_refusal_test(
                    handler.type, self.predicates, self.flags) else handler_entry
                f, c, b = self._block(handler.body, entry)
                falls, cont, brk = falls | f, cont | c, brk | b
            if stmt.finalbody:
                falls, c, b = self._block(stmt.finalbody, falls or handler_entry)
                cont, brk = cont | c, brk | b
            return falls, cont, brk
        if isinstance(stmt, ast.With | ast.AsyncWith):
            return self._block(stmt.body, state)
        if isinstance(stmt, ast.Match):
            falls, cont, brk = state, _EMPTY, _EMPTY  # no case matched
            for case in stmt.cases:
                entry = _ONLY_AFTER if _refusal_pattern(case.pattern) else state
                if case.guard is not None:
                    entry = self._split(case.guard, entry)[0]
                f, c, b = self._block(case.body, entry)
                falls, cont, brk = falls | f, cont | c, brk | b
            return falls, cont, brk
        return state, _EMPTY, _EMPTY  # simple statements, nested functions and classes

    def _loop(self, loop: ast.While | ast.For | ast.AsyncFor, state: States) -> States:
        """Walk a loop to a fixed point; return the states after it."""
        is_while = isinstance(loop, ast.While)
        entry, skipped = self._split(loop.test, state) if is_while else (state, state)  # type: ignore[union-attr]
        self._loops.append(id(loop))
        nxt = _EMPTY
        breaks = _EMPTY
        went_round = left = _EMPTY
        for _pass in range(4):  # three states: a fixed point within a few passes
            fall, cont, breaks = self._block(loop.body, entry)
            nxt = fall | cont
            again, ended = self._split(loop.test, nxt) if is_while else (nxt, nxt)  # type: ignore[union-attr]
            skipped |= ended
            went_round |= again
            left |= ended
            if again <= entry:
                break
            entry |= again
        self._loops.pop()
        # `while refused and i < n:` goes round only after a refusal, and is left when there was none
        self.loop_next[id(loop)] = self.loop_next.get(id(loop), _EMPTY) | (went_round if is_while else nxt)
        if is_while and pycalls.refusal_polarity(loop.test, self.predicates, self.flags):  # type: ignore[union-attr]
            self.loop_exits[id(loop)] = self.loop_exits.get(id(loop), _EMPTY) | left
        after = (skipped if is_while else entry | nxt)
        if loop.orelse:
            after, _c, _b = self._block(loop.orelse, after)
        return after | breaks


def _refusal_pattern(pattern: ast.pattern) -> bool:
    """`case "refusal":` / `case "content_filter" | "refusal":` in a `match` on a stop / finish reason."""
    for node in ast.walk(pattern):
        if isinstance(node, ast.MatchValue) and isinstance(node.value, ast.Constant) \
                and node.value.value in pycalls.REFUSAL_REASONS:
            return True
    return False
