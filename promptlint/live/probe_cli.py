"""`promptlint probe SUITE.yaml`: refusal rates per prompt variant against one or more live models.

Exit status: 0 every sample collected and every expectation met; 1 an expectation failed, some samples
failed or the budget stopped the run (the figures are still printed and the reports written); 2 bad
suite, config or command line, or no API key (then nothing is sent); 130 interrupted (Ctrl-C; what
came back is reported and cached).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from promptlint.live.cli_shared import fail, percent, positive_int, price_arg, span_text
from promptlint.live.client import PROVIDERS, describe_kind

#: Exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of `probe`; each overrides `[tool.promptlint.llm]`."""
    parser.add_argument("suite", metavar="SUITE.yaml", help="variants and test cases (see docs/probe.md)")
    parser.add_argument("--provider", choices=PROVIDERS, help="API: anthropic (default) or an OpenAI-compatible one")
    parser.add_argument("--model", action="append", metavar="MODEL",
                        help="model id; repeat to compare models (default: [tool.promptlint.llm] model, then the "
                             "suite's models / model)")
    parser.add_argument("--base-url", help="API base URL (a local server for provider openai)")
    parser.add_argument("--param", action="append", metavar="NAME=VALUE",
                        help="sampling parameter for every request (temperature, top_p, seed, stop_sequences, ...)")
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
    parser.add_argument("--alpha", type=float, default=0.05,
                        help="compare and expectations: overall false-difference rate (default 0.05)")
    parser.add_argument("--margin", type=float, default=0.15, help="compare: differences below this are 'equivalent'")
    parser.add_argument("--expect", action="append", metavar="EXPR",
                        help="CI gate, such as 'anchored <= 10%%' or 'anchored < bare' (repeatable; adds to the "
                             "suite's expect:); a failed one exits 1")
    parser.add_argument("--judge", action="store_true",
                        help="ask a cheap model about the responses the offline detector is unsure of")
    parser.add_argument("--judge-model", metavar="MODEL", help="--judge: model id (default: claude-haiku-4-5)")
    parser.add_argument("--jsonl", metavar="FILE", help="write every response with its verdict and evidence")
    parser.add_argument("--markdown", metavar="FILE", help="write a readable report in Markdown")
    parser.add_argument("--html", metavar="FILE", help="write a readable report in HTML")
    parser.add_argument("--junit", metavar="FILE", help="write JUnit XML (one test per expectation and variant)")
    parser.add_argument("--log", metavar="FILE", help="also append status lines (retries, batch ids) to FILE")
    parser.add_argument("--config", metavar="FILE", help="config file (default: found walking up from the suite)")
    parser.add_argument("--no-config", action="store_true", help="ignore every config file")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument("--max-retries", type=int, default=3, help="retries per request (429/529/5xx/timeouts)")
    parser.add_argument("--max-retry-after", type=float, default=30.0, metavar="SECONDS",
                        help="longest wait a server's retry-after is obeyed for (default 30)")


def run(args: argparse.Namespace) -> int:
    """Load suite and settings, build every client (no key: exit 2, nothing sent), probe, report."""
    from promptlint.config import ConfigError, load_config
    from promptlint.live.client import MissingKeyError
    from promptlint.live.probe import ProbeError

    try:
        settings = _settings(args, load_config([args.suite], getattr(args, "config", None),
                                               isolated=getattr(args, "no_config", False)))  # fmt: skip
        runners, judge = _runners(args, settings)
    except (ConfigError, ProbeError, MissingKeyError) as exc:
        return fail(str(exc))
    return _probe(args, settings, runners, judge)


def _param_arg(text: str) -> tuple[str, Any]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        from promptlint.live.probe import ProbeError

        raise ProbeError(f"--param: expected NAME=VALUE, got {text!r}")
    raw = value.strip()
    try:
        parsed: Any = json.loads(raw)
    except ValueError:
        parsed = raw
    if isinstance(parsed, list):
        parsed = [str(x) for x in parsed]
    return name.strip(), parsed


def _settings(args: argparse.Namespace, config: Any) -> dict[str, Any]:
    from promptlint.live.gates import parse_expectation
    from promptlint.live.suite import ModelSpec, ProbeError, check_params, load_suite, params_of

    llm = config.llm
    suite = load_suite(args.suite)
    provider = args.provider or llm.provider or "anthropic"
    if provider not in PROVIDERS:
        raise ProbeError(f"unknown provider {provider!r} (expected one of {', '.join(PROVIDERS)})")
    if args.model:
        models = [ModelSpec(m) for m in args.model]
    elif suite.models:
        models = list(suite.models)
    elif llm.model or suite.model:
        models = [ModelSpec(llm.model or suite.model)]
    else:
        raise ProbeError("no model: pass --model, or set model in [tool.promptlint.llm] or the suite")
    cli_params = params_of(dict(_param_arg(p) for p in args.param or ()), "--param") if args.param else ()
    resolved = []
    for spec in models:
        spec_provider = spec.provider or provider
        params = dict(suite.params)
        params.update(dict(spec.params))
        params.update(dict(cli_params))
        merged = tuple(sorted(params.items()))
        check_params(merged, spec_provider, f"{args.suite}: params for {spec.name}")
        resolved.append(ModelSpec(spec.model, spec_provider, spec.base_url or args.base_url, merged, spec.label))
    names = [m.name for m in resolved]
    if len(set(names)) != len(names):
        raise ProbeError("the same model is given twice: give distinct names in the suite's models:")
    expectations = list(suite.expect)
    expectations += [parse_expectation(text, "--expect") for text in args.expect or ()]
    variants = {v.name for v in suite.variants}
    for expectation in expectations:
        for name in expectation.variants:
            if name not in variants:
                raise ProbeError(f"{args.suite}: expectation {expectation.text!r}: no variant named {name!r}")
        if expectation.model is not None and expectation.model not in names:
            raise ProbeError(f"{args.suite}: expectation {expectation.text!r}: no model named {expectation.model!r}")
    if args.compare:
        for name in args.compare:
            if name not in variants:
                raise ProbeError(f"{args.suite}: --compare: no variant named {name!r}")
        if args.batch:
            raise ProbeError("--compare samples in rounds and cannot use --batch")
        if args.judge:
            raise ProbeError("--judge cannot be combined with --compare (each look decides on the offline labels)")
    if args.batch and any(m.provider != "anthropic" for m in resolved):
        raise ProbeError("--batch needs provider 'anthropic' (the Message Batches API) for every model")
    max_cost = args.max_cost_usd if args.max_cost_usd is not None else llm.max_cost_usd
    if max_cost is not None and max_cost < 0:
        raise ProbeError("--max-cost-usd: expected a non-negative number")
    return {
        "suite": suite, "models": resolved, "provider": provider, "expect": expectations,
        "samples": args.samples or suite.samples or llm.samples or 10,
        "concurrency": args.concurrency or llm.concurrency or 4, "max_cost": max_cost,
        "cache_dir": Path(args.cache_dir) if args.cache_dir else llm.cache_dir,
        "max_tokens": args.max_tokens or suite.max_tokens,
    }  # fmt: skip


def _runners(args: argparse.Namespace, s: dict[str, Any]) -> tuple[list[Any], Any]:
    """One runner per model (a shared budget and cache), and the judge's; every client is built, so a
    missing key or price stops the run before anything is sent."""
    from promptlint.live.client import RetryPolicy, make_client
    from promptlint.live.probe import Budget, Runner
    from promptlint.live.reply_cache import NullCache, ResponseCache, default_cache_dir
    from promptlint.live.status import StatusLog

    s["status"] = StatusLog("promptlint probe", log_path=Path(args.log) if getattr(args, "log", None) else None)
    # The configured cache-dir is promptlint's one cache folder (check's results live under v1/): replies go in
    # their own subfolder, unfinished batches in another (kept even with --no-cache: they are paid for).
    folder = s["cache_dir"] / "responses" if s["cache_dir"] else default_cache_dir()
    cache = NullCache() if args.no_cache else ResponseCache(folder)
    s["batch_dir"] = folder.parent / "batches"
    budget = Budget(s["max_cost"])
    runners = []
    for spec in s["models"]:
        policy = RetryPolicy(max_retries=max(0, args.max_retries), max_retry_after=args.max_retry_after,
                             notify=s["status"])  # fmt: skip
        client = make_client(spec.provider, spec.model, base_url=spec.base_url, timeout=args.timeout, policy=policy)
        runner = Runner(client, cache=cache, budget=budget, concurrency=s["concurrency"], max_tokens=s["max_tokens"],
                        price=args.price_per_mtok, params=spec.params, defaults=s["suite"].vars,
                        label=spec.name)  # fmt: skip
        runner.status = s["status"]
        runners.append(runner)
    judge = None
    if args.judge:
        from promptlint.live.judge import DEFAULT_JUDGE_MODEL, JUDGE_MAX_TOKENS

        first = s["models"][0]
        policy = RetryPolicy(max_retries=max(0, args.max_retries), max_retry_after=args.max_retry_after,
                             notify=s["status"])  # fmt: skip
        client = make_client(first.provider, args.judge_model or DEFAULT_JUDGE_MODEL, base_url=first.base_url,
                             timeout=args.timeout, policy=policy)  # fmt: skip
        judge = Runner(client, cache=cache, budget=budget, concurrency=s["concurrency"], max_tokens=JUDGE_MAX_TOKENS,
                       price=args.price_per_mtok)  # fmt: skip
        judge.status = s["status"]
    return runners, judge


def _probe(args: argparse.Namespace, s: dict[str, Any], runners: list[Any], judge: Any) -> int:
    from promptlint.live.gates import evaluate
    from promptlint.live.probe import compare, jobs_for, summarise
    from promptlint.live.reports import RunReport, write_all

    suite, status = s["suite"], s["status"]
    jobs = jobs_for(suite.variants, suite.cases, s["samples"])
    results: dict[str, Any] = {}
    comparisons: dict[str, Any] = {}
    interrupted = False
    with _Progress(args.format == "text", status) as progress:
        if args.compare:
            by_name = {v.name: v for v in suite.variants}
            a, b = (by_name[name] for name in args.compare)
            max_samples = args.max_samples or s["samples"] * len(suite.cases)
            progress.start(2 * max_samples * len(runners), f"comparing {a.name} vs {b.name}")
        else:
            progress.start(len(jobs) * len(runners), f"probing {', '.join(r.label for r in runners)}")
        for runner in runners:
            runner.on_outcome = progress.advance
            if interrupted:
                runner.interrupted = True
            if args.compare:
                comparison = compare(a, b, suite.cases, runner, max_samples=max_samples, step=args.step,
                                     alpha=args.alpha, margin=args.margin)  # fmt: skip
                comparisons[runner.label] = comparison
                results[runner.label] = comparison.result
            elif args.batch:
                from promptlint.live.batch import BatchStore, run_batch

                outcomes = run_batch(runner, jobs, store=BatchStore(s["batch_dir"]), poll_interval=args.poll_interval,
                                     on_poll=progress.set, status=status)  # fmt: skip
                results[runner.label] = summarise(suite.variants, outcomes, runner)
            else:
                results[runner.label] = summarise(suite.variants, runner.run(jobs), runner)
            interrupted = interrupted or runner.interrupted
        judge_failures = 0
        if judge is not None and not interrupted:
            from promptlint.live.judge import judge_outcomes

            outcomes = [o for result in results.values() for o in result.outcomes]
            judge_failures = judge_outcomes(outcomes, judge, status)
            interrupted = judge.interrupted
            for runner in runners:  # labels changed: the figures are counted again
                results[runner.label] = summarise(suite.variants, results[runner.label].outcomes, runner)
    gates = evaluate(s["expect"], results, args.alpha) if s["expect"] else []
    report = RunReport(results, gates, {"suite": str(args.suite), "samples": s["samples"], "batch": bool(args.batch),
                                        "judge": bool(judge), "compare": args.compare},
                       {m.name: m.provider for m in s["models"]})  # fmt: skip
    _output(args, s, report, comparisons, judge)
    try:
        written = write_all(report, jsonl=args.jsonl, markdown=args.markdown, html_path=args.html, junit=args.junit)
    except OSError as exc:
        print(f"promptlint probe: cannot write a report: {exc.strerror or exc}", file=sys.stderr)
        return 2
    for path in written:
        status(f"wrote {path}")
    return _exit_status(report, runners, judge, judge_failures, interrupted, status)


def _output(args: argparse.Namespace, s: dict[str, Any], report: Any, comparisons: dict[str, Any], judge: Any) -> None:
    results = report.results
    if args.format == "json":
        runs = []
        for spec in s["models"]:
            result = results[spec.name]
            entry = {"model": spec.name, "provider": spec.provider, **result.to_json()}
            if spec.name in comparisons:
                entry.update(comparisons[spec.name].to_json())
            runs.append(entry)
        first = runs[0]
        payload = {**first, "samples": s["samples"], "batch": bool(args.batch), "runs": runs,
                   "gates": [g.to_json() for g in report.gates], "price_checked": _price_date()}  # fmt: skip
        if judge is not None:
            payload["judge"] = {"model": judge.client.model, "requests_sent": judge.requests_sent,
                                "judged": sum(o.judged for r in results.values() for o in r.outcomes)}  # fmt: skip
        print(json.dumps(payload, indent=2))
        return
    _print_table(report, s, judge)
    for name, comparison in comparisons.items():
        prefix = f"{name}: " if len(comparisons) > 1 else ""
        print(prefix + _describe_comparison(comparison))
    for gate in report.gates:
        where = f" [{gate.target}]" if len(results) > 1 else ""
        print(f"{'PASS' if gate.passed else 'FAIL'} {gate.expectation.text}{where}: {gate.detail}")


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
        "equivalent": f"no difference larger than ±{max(abs(low), abs(high)):.2f}",
        "undecided": "undecided at the maximum sample size",
    }[d.outcome]
    return (f"{c.a.name} vs {c.b.name}: {verdict} (p={d.p_value:.4g}, difference {low:+.2f}..{high:+.2f}, clustered by "
            f"case) after {d.n_per_variant} samples per variant: {saved}")  # fmt: skip


def _exit_status(report: Any, runners: list[Any], judge: Any, judge_failures: int, interrupted: bool,
                 status: Any) -> int:  # fmt: skip
    outcomes = [o for result in report.results.values() for o in result.outcomes]
    if interrupted:
        done = sum(1 for o in outcomes if o.response is not None)
        status(f"interrupted after {done} of {len(outcomes)} samples; the replies received are cached: run the same "
               "command again to continue (only what is missing is sent)")  # fmt: skip
        return EXIT_INTERRUPTED
    failed_gates = [g for g in report.gates if not g.passed]
    if failed_gates:
        status(f"{len(failed_gates)} of {len(report.gates)} expectations failed")
    failed = any(o.error for o in outcomes) or judge_failures
    exhausted = any(r.budget_exhausted for r in report.results.values())
    return 1 if failed_gates or failed or exhausted else 0


def _price_date() -> str:
    from promptlint.live.pricing import checked_date

    return checked_date()


def _print_table(report: Any, s: dict[str, Any], judge: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 120)
    for name, result in report.results.items():
        table = Table(title=f"refusal rates: {name} ({report.samples_line(result)})")
        for column in ("variant", "n", "refusal", "95% CI", "partial", "in tok", "out tok", "cost $", "errors"):
            table.add_column(column, justify="left" if column in ("variant", "errors") else "right")
        for v in result.variants:
            errors = ", ".join(f"{describe_kind(k)}: {n}" for k, n in sorted(v.errors.items())) or "-"
            cost = f"{v.cost:.4f}" if result.price_known else "?"
            table.add_row(v.name, str(v.samples), percent(v.refusal_rate), span_text(v.interval),
                          percent(v.partial_rate), str(v.input_tokens), str(v.output_tokens), cost, errors)  # fmt: skip
        console.print(table)
        budget = f" of {result.budget:.4f}" if result.budget is not None else ""
        if result.price_known:
            spent = f"spent ${result.spent:.4f}{budget} (prices checked {_price_date()})"
        else:
            spent = (f"spent unknown: no price for {name} (give one with --price-per-mtok IN,OUT, 0,0 for a free "
                     "local model)")  # fmt: skip
        line = f"{result.requests_sent} requests sent, {result.cache_hits} from cache; {spent}"
        if result.budget_exhausted:
            line += "; budget reached: stopped before exceeding it"
        console.print(line, highlight=False)
    console.print("95% intervals are clustered by case: the samples of one case are not independent.",
                  highlight=False, style="dim")  # fmt: skip
    if judge is not None:
        judged = sum(o.judged for r in report.results.values() for o in r.outcomes)
        console.print(f"--judge ({judge.client.model}): {judged} uncertain responses relabelled, "
                      f"{judge.requests_sent} requests sent", highlight=False)  # fmt: skip


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
