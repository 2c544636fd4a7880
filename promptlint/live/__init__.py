"""Live model checks: send prompts to a model, measure how often it refuses (`promptlint probe`).

Nothing here is imported on the `check` path: the SDKs load only when a
client is built. The library API, reused by `fix --llm --verify`:

- `client.make_client(...)` / `ModelClient.send(Request) -> Response`
- `probe.Variant`, `probe.Case`, `probe.load_suite(path)`
- `probe.probe_variants(variants, cases, runner) -> ProbeResult`
- `probe.compare(a, b, cases, runner) -> Comparison` (group-sequential test)
- `stats.wilson(k, n)`, `stats.fisher_exact(a, b, c, d)`
"""
