"""`promptlint fix [PATH ...] [--unsafe-fixes] [--diff]`.

Safe fixes are applied; `--unsafe-fixes` adds the unsafe ones; display-only fixes are only
shown ("suggested rewrite"). `--diff` writes nothing, prints a unified diff and exits 1 if
anything would change. Otherwise the exit status is 1 when findings at or above `fail-on`
remain after fixing, like `check`.

`fix -` (or `--stdin-filename PATH`) reads the text from standard input and writes the fixed
text to standard output (all of it, unchanged when nothing applies), messages to standard
error: what formatter integrations such as conform.nvim run on save.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

from promptlint.fix.result import FileResult, unified_diff

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.config import Config
    from promptlint.runner import Report


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
    parser.add_argument("--stdin-filename", metavar="PATH",
                        help="fix standard input as this file and write the result to standard output")
    from promptlint.fix.llm_cli import add_llm_arguments

    add_llm_arguments(parser)


def report_fix_notes(results: list[FileResult]) -> None:
    """Skipped fixes and dropped changes, on stderr."""
    for r in results:
        for note in dict.fromkeys(r.notes):
            sys.stderr.write(f"{note}\n")
        if r.rejected:
            sys.stderr.write(f"{r.path}: changes dropped: {r.rejected}\n")


def _suggestions(results: list[FileResult], unsafe: bool, out: IO[str]) -> tuple[int, int]:
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
    from promptlint.errors import print_warnings
    from promptlint.fix.files import fix_paths
    from promptlint.run_config import cached_rules_and_cache, load_all_rules, load_run_config, require_paths

    if getattr(args, "llm", False):
        from promptlint.fix.llm_cli import run_llm

        return run_llm(args)
    if getattr(args, "verify", False) or getattr(args, "suite", None):
        print("promptlint: error: --verify and --suite need --llm", file=sys.stderr)
        return 2
    from promptlint.stdin import wants_stdin

    if wants_stdin(args.paths, getattr(args, "stdin_filename", None)):
        return fix_stdin(args)
    paths = args.paths or ["."]
    require_paths(paths)
    config = load_run_config(args, paths)
    if args.no_cache:  # the flag is defined with the --llm options: it covers both caches
        rules, cache, load = load_all_rules(config), None, None
    else:  # check's result cache: a file whose findings are known and hold nothing to fix is not even read
        rules, cache, load = cached_rules_and_cache(config)
    warnings: list[str] = []
    results = fix_paths(paths, config, rules, unsafe=args.unsafe_fixes, write=not args.diff,
                        force_exclude=args.force_exclude, cache=cache, load_rules=load, warnings=warnings)
    print_warnings(warnings)
    err = sys.stderr
    changed = [r for r in results if r.changed]
    if args.diff:
        for r in results:  # nothing is written: report what is left where it is in the files now
            r.remaining = r.remaining_before_fix()
        for r in changed:
            sys.stdout.write(unified_diff(r))
    report_fix_notes(results)
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


def fix_stdin(args: argparse.Namespace, report_remaining: Callable[[Report, Config], int] | None = None) -> int:
    """Fix standard input as `--stdin-filename` (default Python); the text goes to stdout, all of it.

    `report_remaining(report, config)`, when given (`check --fix -`), reports the findings left and returns the
    exit status; otherwise the summary goes to stderr as for files.
    """
    from promptlint.fix.core import encode_text, fix_source
    from promptlint.model import ParseProblem
    from promptlint.run_config import load_all_rules, load_run_config
    from promptlint.runner import Report
    from promptlint.selection import Selection
    from promptlint.stdin import config_start, excluded, lint_stdin, read_stdin

    start = config_start(args.stdin_filename)
    config = load_run_config(args, start)
    rules = load_all_rules(config)
    text = read_stdin(args.stdin_filename, config.max_file_size)
    out = sys.stdout.buffer
    if isinstance(text.source, ParseProblem) or excluded(text.path, config):
        if not args.diff:
            out.write(text.data)  # never lose the text: what came in goes out
            out.flush()
        report = lint_stdin(text, config, rules)
        if report_remaining is not None:
            return int(report_remaining(report, config))
        for f in report.findings:
            sys.stderr.write(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}\n")
        return 0 if args.exit_zero or not report.failed(config.fail_on) else 1
    import os
    from pathlib import Path

    selection = Selection.build(config, rules)
    result = fix_source(text.source, selection, Path(os.path.abspath(text.path)), unsafe=args.unsafe_fixes,
                        operator_context=config.llm.operator_context)  # fmt: skip
    if args.diff:
        sys.stdout.write(unified_diff(result))
        sys.stdout.flush()
    else:
        out.write(encode_text(text.source, result.fixed) if result.changed else text.data)
        out.flush()
    err = sys.stderr
    report_fix_notes([result])
    if args.diff:
        result.remaining = result.remaining_before_fix()  # nothing was written: positions in the text as it is
    if report_remaining is not None:
        report = Report(findings=result.remaining, files=[text.display], rules=selection.rules,
                        sources={text.display: result.source if args.diff else result.fixed_source()})  # fmt: skip
        return int(report_remaining(report, config))
    if not args.quiet:
        for f in result.remaining:  # where they are in the text written out (or, under --diff, the text read)
            err.write(f"{f.path}:{f.line}:{f.column}: {f.code} [{f.severity}] {f.message}\n")
        _suggestions([result], args.unsafe_fixes, err)
        fixed = len(result.fixed_findings)
        verb = "Would fix" if args.diff else "Fixed"
        err.write(f"{verb} {fixed} finding{'s' if fixed != 1 else ''} ({len(result.remaining)} remaining).\n")
    if args.diff:
        return 1 if result.changed else 0
    if args.exit_zero:
        return 0
    return 1 if any(f.severity.rank >= config.fail_on.rank for f in result.remaining) else 0
