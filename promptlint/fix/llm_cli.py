"""`promptlint fix --llm [--verify]`: settings, client, and the report (a before/after table for --verify).

Exit status: 2 bad settings or no API key (then nothing is sent); 1 a request failed, `--diff` found
changes, or findings at or above `fail-on` remain; else 0 (like `fix`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from promptlint.live.cli_shared import fail, percent, positive_int, price_arg, span_text

if TYPE_CHECKING:  # pragma: no cover
    from promptlint.config import Config
    from promptlint.fix.llm import LLMFixSettings

DEFAULT_SAMPLES = 20


class _Providers:
    """`live.client.PROVIDERS` as argparse `choices`, imported when argparse first looks at them."""

    def _names(self) -> tuple[str, ...]:
        from promptlint.live.client import PROVIDERS

        return PROVIDERS

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __iter__(self) -> Any:
        return iter(self._names())


PROVIDERS = _Providers()


def add_llm_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of `fix --llm`; each overrides `[tool.promptlint.llm]`."""
    g = parser.add_argument_group("LLM rewrites")
    g.add_argument("--llm", action="store_true", help="ask a model to rewrite prompts with PL1xx/PL2xx/PL3xx findings")
    g.add_argument("--verify", action="store_true",
                   help="probe original and rewrite; apply only if the rewrite refuses significantly less")
    g.add_argument("--suite", metavar="SUITE.yaml", help="--verify: cases from this probe suite (default: generated)")
    g.add_argument("--model", help="model id (default: [tool.promptlint.llm] model)")
    g.add_argument("--provider", choices=PROVIDERS, help="API: anthropic (default) or an OpenAI-compatible one")
    g.add_argument("--base-url", help="API base URL")
    g.add_argument("--samples", type=positive_int, help=f"--verify: samples per variant (default {DEFAULT_SAMPLES})")
    g.add_argument("--cases", type=positive_int, default=8, help="--verify: requests to generate without --suite")
    g.add_argument("--max-cost-usd", type=float, help="stop before spending more than this")
    g.add_argument("--price-per-mtok", metavar="IN,OUT", type=price_arg,
                   help="USD per million input,output tokens for a model missing from the price table")
    g.add_argument("--cache-dir", help="cache directory (default ~/.cache/promptlint)")
    g.add_argument("--no-cache", action="store_true",
                   help="neither read nor write the result cache (nor, with --llm, cached replies)")
    g.add_argument("--concurrency", type=positive_int, help="requests in flight at once (default 4)")
    g.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    g.add_argument("--max-retries", type=int, default=3, help="retries per request (429/529/5xx/timeouts)")
    g.add_argument("--format", choices=("text", "json"), default="text", help="--llm: report format")


def run_llm(args: argparse.Namespace) -> int:
    """Build settings and the client (no key: exit 2, nothing sent), rewrite, report."""
    from promptlint.config import ConfigError
    from promptlint.errors import print_warnings
    from promptlint.fix.llm import rewrite_paths
    from promptlint.live.client import MissingKeyError
    from promptlint.live.probe import ProbeError
    from promptlint.run_config import load_all_rules, load_run_config, require_paths

    paths = args.paths or ["."]
    require_paths(paths)
    try:
        config = load_run_config(args, paths)
        settings = _settings(args, config)
    except (ConfigError, ProbeError, MissingKeyError) as exc:
        return fail(str(exc))
    rules = load_all_rules(config)
    warnings: list[str] = []
    results = rewrite_paths(paths, config, rules, settings, force_exclude=args.force_exclude, warnings=warnings)
    print_warnings(warnings)
    if args.format == "json":
        payload = [r.to_json() for f in results for r in f.results]
        import json

        print(json.dumps({"rewrites": payload, **_spend(settings)}, indent=2))
    else:
        _report(results, args, settings, sys.stdout, sys.stderr)
    if any(r.status == "error" for f in results for r in f.results):
        return 1
    if args.diff:
        return 1 if any(f.changed for f in results) else 0
    if args.exit_zero:
        return 0
    return 1 if any(f.severity.rank >= config.fail_on.rank for r in results for f in r.remaining) else 0


def _settings(args: argparse.Namespace, config: Config) -> LLMFixSettings:
    from promptlint.fix.llm import REWRITE_MAX_TOKENS, LLMFixSettings
    from promptlint.live.client import PROVIDERS, RetryPolicy, make_client
    from promptlint.live.probe import Budget, ProbeError, Runner, load_suite
    from promptlint.live.reply_cache import NullCache, ResponseCache, default_cache_dir

    llm = config.llm
    if args.suite and not args.verify:
        raise ProbeError("--suite needs --verify")
    model = args.model or llm.model
    if not model:
        raise ProbeError("no model: pass --model or set model in [tool.promptlint.llm]")
    provider = args.provider or llm.provider or "anthropic"
    if provider not in PROVIDERS:
        raise ProbeError(f"unknown provider {provider!r} (expected one of {', '.join(PROVIDERS)})")
    max_cost = args.max_cost_usd if args.max_cost_usd is not None else llm.max_cost_usd
    if max_cost is not None and max_cost < 0:
        raise ProbeError("--max-cost-usd: expected a non-negative number")
    suite = load_suite(args.suite) if args.suite else None
    client = make_client(provider, model, base_url=args.base_url, timeout=args.timeout,
                         policy=RetryPolicy(max_retries=max(0, args.max_retries)))  # fmt: skip
    cache_dir = Path(args.cache_dir) if args.cache_dir else llm.cache_dir
    folder = cache_dir / "responses" if cache_dir else default_cache_dir()
    cache = NullCache() if args.no_cache else ResponseCache(folder)
    budget = Budget(max_cost)
    concurrency = args.concurrency or llm.concurrency or 4
    price = args.price_per_mtok
    rewrite_runner = Runner(client, cache=cache, budget=budget, concurrency=1, max_tokens=REWRITE_MAX_TOKENS,
                            price=price)  # fmt: skip
    probe_runner = Runner(client, cache=cache, budget=budget, concurrency=concurrency,
                          max_tokens=suite.max_tokens if suite else 512, price=price,
                          defaults=suite.vars if suite else ())  # fmt: skip
    samples = args.samples or (suite.samples if suite else None) or llm.samples or DEFAULT_SAMPLES
    return LLMFixSettings(
        rewrite_runner=rewrite_runner, probe_runner=probe_runner, operator_context=llm.operator_context,
        verify=args.verify, cases=suite.cases if suite else None, generated_cases=args.cases, max_samples=samples,
        apply_unverified=args.unsafe_fixes, write=not args.diff,
    )  # fmt: skip


def _spend(settings: Any) -> dict[str, Any]:
    runners = (settings.rewrite_runner, settings.probe_runner)
    budget = settings.probe_runner.budget
    return {"requests_sent": sum(r.requests_sent for r in runners), "cache_hits": sum(r.cache_hits for r in runners),
            "spent_usd": round(budget.spent, 6), "budget_exhausted": budget.exhausted}  # fmt: skip


_VERB = {"applied": "rewrite applied", "would-apply": "rewrite would be applied", "suggested": "suggested rewrite",
         "rejected": "rewrite rejected", "not-better": "rewrite not applied", "error": "rewrite failed"}  # fmt: skip


def _report(results: list[Any], args: argparse.Namespace, settings: Any, out: IO[str], err: IO[str]) -> None:
    from promptlint.fix.result import unified_diff

    for f in results:
        for note in f.notes:
            err.write(f"{note}\n")
        for r in f.results:
            codes = ",".join(r.codes)
            err.write(f"{r.path}:{r.line}:{r.column}: {codes} {_VERB.get(r.status, r.status)}: {r.reason}\n")
            if r.status == "suggested" and r.rewrite is not None and not args.quiet:
                err.write("".join(f"    | {line}\n" for line in r.rewrite.splitlines()))
        if args.diff and f.changed:
            out.write(unified_diff(f))
    verified = [r for f in results for r in f.results if r.verdict is not None]
    if verified:
        _table(verified, out)
    if not args.quiet:
        spend = _spend(settings)
        applied = sum(r.status in ("applied", "would-apply") for f in results for r in f.results)
        verb = "Would apply" if args.diff else "Applied"
        err.write(f"{verb} {applied} rewrite{'s' if applied != 1 else ''}; {spend['requests_sent']} requests sent, "
                  f"{spend['cache_hits']} from cache, spent ${spend['spent_usd']:.4f}.\n")  # fmt: skip


def _table(verified: list[Any], out: IO[str]) -> None:
    """Before/after refusal rates per verified prompt (rich)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="fix --llm --verify: original vs rewrite")
    for column in ("prompt", "variant", "n", "refusal", "95% CI", "partial", "compliance", "decision"):
        table.add_column(column, justify="left" if column in ("prompt", "variant", "decision") else "right")
    from promptlint.fix.llm_verify import compliance_rate

    for r in verified:
        c = r.verdict.comparison
        for stats, label in ((c.a, "original"), (c.b, "rewrite")):
            table.add_row(f"{r.path}:{r.line}" if label == "original" else "", label, str(stats.samples),
                          percent(stats.refusal_rate), span_text(stats.interval), percent(stats.partial_rate),
                          f"{compliance_rate(stats):.0%}",
                          ("accepted" if r.verdict.accepted else "kept original") if label == "rewrite" else "")
    console = Console(file=out, soft_wrap=True, width=None if out.isatty() else 120)
    console.print(table)
