"""Show (or write) the exact findings and fixed text of rule examples, as the engine gives them today.

  python scripts/rule_examples.py [PL101 ...]            # print every example; exit 1 if one is not as stated
  python scripts/rule_examples.py --write [PL101 ...]    # write `findings:` / `fixed:` into the rule files
  python scripts/rule_examples.py --rule-path my-rules ACME101   # a rule of your own `rule-paths` folder

For a newcomer writing examples: write the `text:` (or `python:`), run this, read what the rule does, and keep
the example only if that is what the rule's docs promise. `--write` fills in `findings: ["line:column", ...]` on
every bad example (replacing a `line:` shorthand, which must agree) and `fixed:` on every bad example of a rule
with a `fix:` whose fixes change it; good examples stay as they are (no `findings` means none). It never drops an
example: a bad example that no longer fires, a good one that fires, or a `line:` the first finding is not on is
printed as a PROBLEM and left untouched, so tests/test_rule_examples.py fails on it until someone decides.
Only the files of the rules shown are written; their comments and layout are kept (edits are spliced as text).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from promptlint.fix.examples import fixed_text  # noqa: E402
from promptlint.rules_engine import load_rules  # noqa: E402
from promptlint.rules_engine.examples import expected_positions, position_of, run_example  # noqa: E402
from promptlint.rules_engine.rule import Rule  # noqa: E402


def actual(rule: Rule, example: dict[str, Any]) -> tuple[list[str], str | None, str | None]:
    """(positions, fixed text or None, problem or None) for one example."""
    positions = [position_of(f) for f in sorted(run_example(rule, example), key=lambda f: (f.line, f.column))]
    fixed = None
    if rule.spec.get("fix") and positions:
        try:
            fixed = fixed_text(rule, example)
        except AssertionError as why:
            return positions, None, str(why)
        if fixed == example.get("text", example.get("python")):
            fixed = None
    return positions, fixed, None


def _as_stated(key: str, example: dict[str, Any], now: Any) -> bool:
    """Whether what the engine gives is what the example states (a position without a column: any column)."""
    if key == "fixed":
        return example["fixed"] == now
    left = list(expected_positions(example) or [])
    for position in now:
        line, col = (int(x) for x in position.split(":"))
        match = next((p for p in left if p == (line, col) or p == (line, None)), None)
        if match is None:
            return False
        left.remove(match)
    return not left


def _example_nodes(path: Path) -> dict[tuple[str, int], yaml.Node]:
    root = yaml.compose(path.read_text(encoding="utf-8"))
    out: dict[tuple[str, int], yaml.Node] = {}
    for key, value in root.value:
        if key.value != "examples":
            continue
        for kind_key, items in value.value:
            for i, node in enumerate(items.value):
                out[(kind_key.value, i)] = node
    return out


def _item(node: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for k, v in node.value:
        if k.value == key:
            return k, v
    return None


def _splice(text: str, node: yaml.Node, new: dict[str, Any]) -> str:
    """`text` with the example at `node` given the keys of `new` (and no `line`)."""
    rendered = {k: json.dumps(v, ensure_ascii=False) for k, v in new.items()}
    if isinstance(node, yaml.ScalarNode):  # a bare string: becomes a flow mapping
        a, b = node.start_mark.index, node.end_mark.index
        body = ", ".join(f"{k}: {v}" for k, v in rendered.items())
        return text[:a] + "{text: " + text[a:b] + ", " + body + "}" + text[b:]
    assert isinstance(node, yaml.MappingNode)
    edits: list[tuple[int, int, str]] = []
    line_item = _item(node, "line")
    for key in new:
        if (old := _item(node, key)) is not None:
            edits.append((old[0].start_mark.index, old[1].end_mark.index, f"{key}: {rendered[key]}"))
    missing = [k for k in new if _item(node, k) is None]
    if node.flow_style:
        if line_item is not None:
            a = line_item[0].start_mark.index
            b = line_item[1].end_mark.index
            m = re.compile(r"\s*,\s*").match(text, b)
            if m:
                edits.append((a, m.end(), ""))
            else:  # the last key: take the comma before it
                before = text[:a].rstrip()
                edits.append((len(before) - 1 if before.endswith(",") else a, b, ""))
        end = node.end_mark.index - 1  # the closing brace
        assert text[end] == "}", text[node.start_mark.index:node.end_mark.index]
        if missing:
            edits.append((end, end, ", " + ", ".join(f"{k}: {rendered[k]}" for k in missing)))
    else:
        first = node.value[0][0]
        indent = " " * first.start_mark.column
        lines = [f"{k}: {rendered[k]}" for k in missing]
        if line_item is not None and lines:
            edits.append((line_item[0].start_mark.index, line_item[1].end_mark.index, lines.pop(0)))
        elif line_item is not None:
            a, b = line_item[0].start_mark.index, line_item[1].end_mark.index
            m = re.compile(r"[ \t]*\n[ \t]*").match(text, b)
            edits.append((a, m.end() if m else b, ""))
        if lines:
            a = first.start_mark.index
            edits.append((a, a, "".join(f"{line}\n{indent}" for line in lines)))
    for a, b, content in sorted(edits, reverse=True):
        text = text[:a] + content + text[b:]
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("codes", nargs="*", help="rule codes (default: all)")
    parser.add_argument("--write", action="store_true", help="write findings / fixed into the rule files")
    parser.add_argument("--rule-path", action="append", type=Path, default=[], metavar="DIR",
                        help="also load the rules of this folder (a `rule-paths` folder of your own); repeatable")
    args = parser.parse_args(argv)
    problems = 0
    for rule in load_rules(args.rule_path):
        if rule.kind == "builtin" or (args.codes and rule.code not in args.codes):
            continue
        path = rule.path
        nodes = _example_nodes(path) if args.write and path else {}
        updates: list[tuple[yaml.Node, dict[str, Any]]] = []
        for kind in ("bad", "good"):
            for i, example in enumerate(rule.examples[kind]):
                positions, fixed, problem = actual(rule, example)
                refused = bool(problem and "fix was refused" in problem)
                states_refused = "fixed" in example and example["fixed"] is None  # `fixed: null`
                if refused and states_refused:
                    problem = None  # `fixed: null`: the example states that the fix must be refused, and it is
                shown = (example.get("text") or example.get("python") or "").strip().splitlines()[0][:70]
                if kind == "bad" and not positions:
                    problem = "bad example no longer fires"
                elif kind == "good" and positions:
                    problem = f"good example fires at {positions}"
                elif "line" in example and positions and int(positions[0].split(":")[0]) != example["line"]:
                    problem = f"first finding at {positions[0]}, the example says line {example['line']}"
                stale = [] if args.write else [
                    f"states {key} {example[key]!r}, the engine gives {now!r}"
                    for key, now in (("findings", positions), ("fixed", fixed))
                    if key in example and not _as_stated(key, example, now)]
                if states_refused and not refused and positions:
                    stale.append("states `fixed: null` (the fix is refused), but the fix applies")
                if stale and not problem:
                    problem = "; ".join(stale)
                print(f"{rule.code}-{kind}-{i}: {positions}{'  PROBLEM: ' + problem if problem else ''}  {shown!r}")
                if fixed is not None:
                    print(f"    fixed: {fixed!r}")
                if problem:
                    problems += 1
                    if not positions or kind == "good" or "fix was refused" not in problem:
                        continue  # a refused fix: the findings are still written, `fixed` is not
                if kind == "bad" and args.write:
                    new: dict[str, Any] = {"findings": positions}
                    if fixed is not None:
                        new["fixed"] = fixed
                    if states_refused and refused:
                        new["fixed"] = None
                    if example.get("findings") != positions or example.get("fixed") != new.get("fixed") \
                            or "line" in example:
                        updates.append((nodes[(kind, i)], new))
        if updates and path is not None:
            text = path.read_text(encoding="utf-8")
            for node, new in sorted(updates, key=lambda u: u[0].start_mark.index, reverse=True):
                text = _splice(text, node, new)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {len(updates)} example(s) of {path.name}")
    print(f"{problems} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
