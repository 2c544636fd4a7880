"""`promptlint fix [PATH ...] [--unsafe-fixes] [--diff]`.

Safe fixes are applied; `--unsafe-fixes` adds the unsafe ones; display-only fixes are only
shown ("suggested rewrite"). `--diff` writes nothing, prints a unified diff and exits 1 if
anything would change. Otherwise the exit status is 1 when findings at or above `fail-on`
remain after fixing, like `check`.
"""

from __future__ import annotations

import argparse
import sys
from typing import IO, Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .)")
    parser.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes marked unsafe")
    parser.add_argument("--diff", action="store_true",
                        help="write nothing; print a unified diff and exit 1 if anything would change")
    parser.add_argument("--select", action="append", metavar="CODES", help="rules to enable (codes or prefixes)")
    parser.add_argument("--extend-select", action="append", metavar="CODES", help="rules to enable in addition")
    parser.add_argument("--ignore", action="append", metavar="CODES", help="rules to disable")
    parser.add_argument("--fail-on", choices=("info", "warning", "error"), help="lowest severity that fails")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings remain")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but the diff and errors")
    parser.add_argument("--config", metavar="FILE", help="config file (default: found walking up from the first path)")
    parser.add_argument("--no-config", action="store_true", help="ignore every config file")
    parser.add_argument("-v", "--verbose", action="store_true", help="say what is happening; tracebacks on errors")
    parser.add_argument("--force-exclude", action="store_true", help="apply exclude globs to files named explicitly")
    from promptlint.fix.llm_cli import add_llm_arguments

    add_llm_arguments(parser)


def unified_diff(result: Any) -> str:
    import difflib

    return "".join(difflib.unified_diff(
        result.original.splitlines(keepends=True), result.fixed.splitlines(keepends=True),
        fromfile=f"a/{result.path}", tofile=f"b/{result.path}",
    ))  # fmt: skip


def _suggestions(results: list[Any], unsafe: bool, out: IO[str]) -> tuple[int, int]:
    """Print display-only fixes as suggested rewrites; count hidden unsafe fixes."""
    shown = hidden = 0
    for result in results:
        for f in result.remaining:
            if f.fix is None:
                continue
            if f.fix.applicability == "display":
                rewrite = "".join(e.content for e in f.fix.edits) or "".join(t[2] for t in f.fix.text_edits)
                text = rewrite.strip() or f.fix.message
                out.write(f"{f.path}:{f.line}:{f.column}: {f.code} suggested rewrite: {text}\n")
                shown += 1
            elif f.fix.applicability == "unsafe" and not unsafe:
                hidden += 1
    return shown, hidden


def run(args: argparse.Namespace) -> int:
    from promptlint.cli import _cached_rules_and_cache, load_all_rules, load_run_config, print_warnings
    from promptlint.fix.files import fix_paths

    if getattr(args, "llm", False):
        from promptlint.fix.llm_cli import run_llm

        return run_llm(args)
    if getattr(args, "verify", False) or getattr(args, "suite", None):
        print("promptlint: error: --verify and --suite need --llm", file=sys.stderr)
        return 2
    paths = args.paths or ["."]
    config = load_run_config(args, paths)
    if args.no_cache:  # the flag is defined with the --llm options: it covers both caches
        rules, cache, load = load_all_rules(config), None, None
    else:  # check's result cache: a file whose findings are known and hold nothing to fix is not even read
        rules, cache, load = _cached_rules_and_cache(config)
    warnings: list[str] = []
    results = fix_paths(paths, config, rules, unsafe=args.unsafe_fixes, write=not args.diff,
                        force_exclude=args.force_exclude, cache=cache, load_rules=load, warnings=warnings)
    print_warnings(warnings)
    err = sys.stderr
    changed = [r for r in results if r.changed]
    if args.diff:
        for r in changed:
            sys.stdout.write(unified_diff(r))
    for r in results:
        if r.notes:
            for note in dict.fromkeys(r.notes):
                err.write(f"{note}\n")
        if r.rejected:
            err.write(f"{r.path}: changes dropped: {r.rejected}\n")
    if not args.quiet:
        _shown, hidden = _suggestions(results, args.unsafe_fixes, err)
        fixed = sum(len(r.fixed_findings) for r in results)
        remaining = sum(len(r.remaining) for r in results)
        verb = "Would fix" if args.diff else "Fixed"
        err.write(f"{verb} {fixed} finding{'s' if fixed != 1 else ''} in {len(changed)} "
                  f"file{'s' if len(changed) != 1 else ''} ({remaining} remaining).\n")
        if hidden:
            err.write(f"{hidden} more fix{'es' if hidden != 1 else ''} available with `--unsafe-fixes`.\n")
    if args.diff:
        return 1 if changed else 0
    if args.exit_zero:
        return 0
    fail_on = config.fail_on
    return 1 if any(f.severity.rank >= fail_on.rank for r in results for f in r.remaining) else 0
