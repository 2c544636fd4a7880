"""`promptlint probe SUITE.yaml`: refusal rates per prompt variant against a live model.

Exit status: 0 every sample collected; 1 some samples failed or the budget
stopped the run (the figures are still printed); 2 bad suite, config or
command line, or no API key (then nothing is sent).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from promptlint.live.client import PROVIDERS, describe_kind


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of `probe`; each overrides `[tool.promptlint.llm]`."""
    parser.add_argument("suite", metavar="SUITE.yaml", help="variants and test cases (see docs/probe.md)")
    parser.add_argument("--provider", choices=PROVIDERS, help="API: anthropic (default) or an OpenAI-compatible one")
    parser.add_argument("--model", help="model id (default: [tool.promptlint.llm] model, then the suite's)")
    parser.add_argument("--base-url", help="API base URL (a local server for provider openai)")
    parser.add_argument("--samples", type=positive_int, help="samples per variant and case (default 10)")
    parser.add_argument("--concurrency", type=positive_int, help="requests in flight at once (default 4)")
    parser.add_argument("--max-cost-usd", type=float, help="stop before spending more than this")
    parser.add_argument("--price-per-mtok", metavar="IN,OUT", type=price_arg,
                        help="USD per million input,output tokens for a model missing from the price table")
    parser.add_argument("--max-tokens", type=positive_int, help="max_tokens per reply (default: suite's, else 512)")
    parser.add_argument("--cache-dir", help="response cache directory (default ~/.cache/promptlint/responses)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write cached responses")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--batch", action="store_true", help="send through the Message Batches API (half price)")
    parser.add_argument("--poll-interval", type=float, default=10.0, help=argparse.SUPPRESS)
    parser.add_argument("--compare", nargs=2, metavar=("A", "B"), help="sequential test between two variants")
    parser.add_argument("--max-samples", type=positive_int, help="compare: samples per variant of the fixed design")
    parser.add_argument("--step", type=positive_int, default=10, help="compare: samples per variant between looks")
    parser.add_argument("--alpha", type=float, default=0.05, help="compare: overall false-difference rate")
    parser.add_argument("--margin", type=float, default=0.15, help="compare: differences below this are 'equivalent'")
    parser.add_argument("--config", metavar="FILE", help="config file (default: found walking up from the suite)")
    parser.add_argument("--no-config", action="store_true", help="ignore every config file")
    parser.add_argument("--log", metavar="FILE", help="also append status lines (retries, batch ids) to FILE")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument("--max-retries", type=int, default=3, help="retries per request (429/529/5xx/timeouts)")
    parser.add_argument("--max-retry-after", type=float, default=30.0, metavar="SECONDS",
                        help="longest wait a server's retry-after is obeyed for (default 30)")


def positive_int(text: str) -> int:
    """argparse type for counts that must be at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def price_arg(text: str) -> Any:
    """argparse type of `--price-per-mtok`."""
    from promptlint.live.pricing import parse_price

    try:
        return parse_price(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def fail(message: str) -> int:
    """One line on stderr, exit status 2: the shape of every usage error of the LLM commands."""
    print(f"promptlint: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    """Load suite and settings, build the client (no key: exit 2, nothing sent), probe, report."""
    from promptlint.config import ConfigError, load_config
    from promptlint.live.client import MissingKeyError
    from promptlint.live.probe import ProbeError

    try:
        settings = _settings(args, load_config([args.suite], getattr(args, "config", None),
                                               isolated=getattr(args, "no_config", False)))  # fmt: skip
        return _probe(args, settings)
    except (ConfigError, ProbeError, MissingKeyError) as exc:
        return fail(str(exc))


def _settings(args: argparse.Namespace, config: Any) -> dict[str, Any]:
    from promptlint.live.probe import ProbeError, load_suite

    llm = config.llm
    suite = load_suite(args.suite)
    model = args.model or llm.model or suite.model
    if not model:
        raise ProbeError("no model: pass --model, or set model in [tool.promptlint.llm] or the suite")
    return {
        "suite": suite, "model": model, "provider": args.provider or llm.provider or "anthropic",
        "samples": args.samples or suite.samples or llm.samples or 10,
        "concurrency": args.concurrency or llm.concurrency or 4,
        "max_cost": args.max_cost_usd if args.max_cost_usd is not None else llm.max_cost_usd,
        "cache_dir": Path(args.cache_dir) if args.cache_dir else llm.cache_dir,
        "max_tokens": args.max_tokens or suite.max_tokens,
    }  # fmt: skip


def _probe(args: argparse.Namespace, s: dict[str, Any]) -> int:
    from promptlint.live.cache import NullCache, ResponseCache, default_cache_dir
    from promptlint.live.client import RetryPolicy, make_client
    from promptlint.live.probe import Budget, ProbeError, Runner
    from promptlint.live.status import StatusLog

    if s["provider"] not in PROVIDERS:
        raise ProbeError(f"unknown provider {s['provider']!r} (expected one of {', '.join(PROVIDERS)})")
    if s["max_cost"] is not None and s["max_cost"] < 0:
        raise ProbeError("--max-cost-usd: expected a non-negative number")
    suite = s["suite"]
    if args.compare and args.batch:
        raise ProbeError("--compare samples in rounds and cannot use --batch")
    if args.compare:
        names = {v.name for v in suite.variants}
        for name in args.compare:
            if name not in names:
                raise ProbeError(f"{args.suite}: --compare: no variant named {name!r}")
    s["status"] = StatusLog("promptlint probe", log_path=Path(args.log) if getattr(args, "log", None) else None)
    policy = RetryPolicy(max_retries=max(0, args.max_retries), max_retry_after=args.max_retry_after,
                         notify=s["status"])  # fmt: skip
    client = make_client(s["provider"], s["model"], base_url=args.base_url, timeout=args.timeout, policy=policy)
    # The configured cache-dir is promptlint's one cache folder (check's results live under v1/): replies
    # go in their own subfolder, unfinished batches in another (kept even with --no-cache: they are paid for).
    folder = s["cache_dir"] / "responses" if s["cache_dir"] else default_cache_dir()
    cache = NullCache() if args.no_cache else ResponseCache(folder)
    s["batch_dir"] = folder.parent / "batches"
    runner = Runner(client, cache=cache, budget=Budget(s["max_cost"]), concurrency=s["concurrency"],
                    max_tokens=s["max_tokens"], price=args.price_per_mtok)  # fmt: skip
    runner.status = s["status"]
    with _Progress(args.format == "text", s["status"]) as progress:
        runner.on_outcome = progress.advance
        if args.compare:
            return _run_compare(args, s, runner, progress)
        return _run_probe(args, s, runner, progress)


def _run_probe(args: argparse.Namespace, s: dict[str, Any], runner: Any, progress: _Progress) -> int:
    from promptlint.live.probe import jobs_for, summarise

    suite = s["suite"]
    jobs = jobs_for(suite.variants, suite.cases, s["samples"])
    progress.start(len(jobs), f"probing {s['model']}")
    if args.batch:
        from promptlint.live.batch import BatchStore, run_batch

        outcomes = run_batch(runner, jobs, store=BatchStore(s["batch_dir"]), poll_interval=args.poll_interval,
                             on_poll=progress.set, status=s["status"])  # fmt: skip
    else:
        outcomes = runner.run(jobs)
    progress.stop()
    result = summarise(suite.variants, outcomes, runner)
    if args.format == "json":
        payload = {"model": s["model"], "provider": s["provider"], "samples": s["samples"],
                   "batch": bool(args.batch), **result.to_json(), "price_checked": _price_date()}  # fmt: skip
        print(json.dumps(payload, indent=2))
    else:
        _print_table(result, s)
    return _status(result, runner, s["status"])


def _run_compare(args: argparse.Namespace, s: dict[str, Any], runner: Any, progress: _Progress) -> int:
    from promptlint.live.probe import compare

    suite = s["suite"]
    by_name = {v.name: v for v in suite.variants}
    a, b = (by_name[name] for name in args.compare)
    max_samples = args.max_samples or s["samples"] * len(suite.cases)
    progress.start(2 * max_samples, f"comparing {a.name} vs {b.name}")
    comparison = compare(a, b, suite.cases, runner, max_samples=max_samples, step=args.step, alpha=args.alpha,
                         margin=args.margin)  # fmt: skip
    progress.stop()
    if args.format == "json":
        print(json.dumps({"model": s["model"], **comparison.to_json(), "price_checked": _price_date()}, indent=2))
    else:
        _print_table(comparison.result, s)
        print(_describe_comparison(comparison))
    return _status(comparison.result, runner, s["status"])


def _describe_comparison(c: Any) -> str:
    d = c.decision
    saved = (f"{c.calls_used} calls; the fixed design with the same power ({c.calls_fixed // 2} per variant) would use "
             f"{c.calls_fixed}")  # fmt: skip
    if c.calls_saved >= 0:
        saved += f" (saved {c.calls_saved}, {c.calls_saved / c.calls_fixed:.0%})"
    else:
        saved += f" ({-c.calls_saved} more: a small difference takes the plan towards its maximum of {c.calls_max})"
    if d is None:
        return f"{c.a.name} vs {c.b.name}: stopped before a decision ({saved})"
    low, high = d.diff_interval
    verdict = {
        "a-higher": f"{c.a.name} refuses more than {c.b.name}",
        "b-higher": f"{c.b.name} refuses more than {c.a.name}",
        "equivalent": f"no difference larger than ±{_equivalence_bound(c)}",
        "undecided": "undecided at the maximum sample size",
    }[d.outcome]
    return (f"{c.a.name} vs {c.b.name}: {verdict} (p={d.p_value:.4g}, difference {low:+.2f}..{high:+.2f}) "
            f"after {d.n_per_variant} samples per variant: {saved}")  # fmt: skip


def _equivalence_bound(c: Any) -> str:
    low, high = c.decision.diff_interval
    return f"{max(abs(low), abs(high)):.2f}"


#: Exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


def _status(result: Any, runner: Any = None, status: Any = None) -> int:
    if runner is not None and runner.interrupted:
        done = sum(1 for o in result.outcomes if o.response is not None)
        if status is not None:
            status(f"interrupted after {done} of {len(result.outcomes)} samples; the replies received are cached: "
                   "run the same command again to continue (only what is missing is sent)")
        return EXIT_INTERRUPTED
    failed = any(o.error for o in result.outcomes)
    return 1 if failed or result.budget_exhausted else 0


def _price_date() -> str:
    from promptlint.live.pricing import checked_date

    return checked_date()


def _print_table(result: Any, s: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"refusal rates: {s['model']} ({s['samples']} samples per case)")
    for column in ("variant", "n", "refusal", "95% CI", "partial", "in tok", "out tok", "cost $", "errors"):
        table.add_column(column, justify="left" if column in ("variant", "errors") else "right")
    for v in result.variants:
        errors = ", ".join(f"{describe_kind(k)}: {n}" for k, n in sorted(v.errors.items())) or "-"
        rate, interval, partial = percent(v.refusal_rate), span_text(v.interval), percent(v.partial_rate)
        cost = f"{v.cost:.4f}" if result.price_known else "?"
        table.add_row(v.name, str(v.samples), rate, interval, partial, str(v.input_tokens), str(v.output_tokens),
                      cost, errors)  # fmt: skip
    console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 120)
    console.print(table)
    budget = f" of {result.budget:.4f}" if result.budget is not None else ""
    if result.price_known:
        spent = f"spent ${result.spent:.4f}{budget} (prices checked {_price_date()})"
    else:
        spent = (f"spent unknown: no price for {s['model']} (give one with --price-per-mtok IN,OUT, "
                 "0,0 for a free local model)")
    line = f"{result.requests_sent} requests sent, {result.cache_hits} from cache; {spent}"
    if result.budget_exhausted:
        line += "; budget reached: stopped before exceeding it"
    console.print(line, highlight=False)


def percent(rate: float | None) -> str:
    """A rate for a table; "no data" when no sample came back."""
    return "no data" if rate is None else f"{rate:.0%}"


def span_text(interval: tuple[float, float] | None) -> str:
    return "-" if interval is None else f"{interval[0]:.0%}-{interval[1]:.0%}"


class _Progress:
    """A rich progress bar on stderr for text output; silent for JSON."""

    def __init__(self, enabled: bool, status: Any = None) -> None:
        self.enabled = enabled
        self.status = status  # a StatusLog: its lines are printed above the bar while one is shown
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, total: int, label: str) -> None:
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), console=Console(stderr=True), transient=True)  # fmt: skip
        self._task = self._bar.add_task(label, total=total)
        self._bar.start()
        if self.status is not None:
            self.status.console = self._bar.console

    def advance(self, _outcome: Any = None) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)

    def set(self, done: int, total: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total)

    def stop(self) -> None:
        if self.status is not None:
            self.status.console = None
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
