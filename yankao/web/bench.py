"""The web tier's figures: pages under gunicorn against the bare Django view of the same server.

Each figure's value is the page's median latency (p50) under wrk -t2 -c16, and its baseline the
bare view's p50 in the same run, interleaved; the ratio says how many bare requests one page
costs. Throughput and p95/p99 of both sides are in the figure's extras. Both sides pass through
yankao's whole middleware stack, so the ratio is the view's own work (query, template) alone.
"""

from typing import Any

from yankao.core.bench_framework import Figure, benchmark
from yankao.core.bench_runner import HttpComparison


def _figure(*, name: str, comparison: HttpComparison, goal_ratio: float, goal: str) -> Figure:
    # A page that answers errors has not met any goal, however fast it answered them.
    met = comparison.errors == 0 and comparison.p50_ratio <= goal_ratio
    return Figure(
        name=name,
        value=comparison.subject.p50_ms,
        unit="ms p50",
        baseline_name="bare view p50",
        baseline_value=comparison.baseline.p50_ms,
        goal=goal,
        goal_met=met,
        extra=comparison.as_extra(),
    )


@benchmark(module="web", name="healthz")
def healthz(ctx: Any) -> list[Figure]:
    # Within 1.5x: /healthz does one `SELECT 1` on a persistent connection (tens of µs) on top of
    # what the bare view does. Load balancers and `make run` poll it; more than half a bare request
    # extra would mean it creates a session, touches real tables or renders something.
    comparison = ctx.http_compare("/healthz")
    return [
        _figure(
            name="web.healthz",
            comparison=comparison,
            goal_ratio=1.5,
            goal="p50 within 1.5x of the bare view",
        )
    ]


@benchmark(module="web", name="home")
def home(ctx: Any) -> list[Figure]:
    # Within 3x: the public portal home is the page every citizen lands on, anonymous, and must
    # stay cheap as it grows. 3x is about what one indexed query plus 50 rows cost over bare
    # Django on this machine (reference/perf-anchors.md §2: 715 vs 2,078 req/s); a home page that
    # costs more than a staff inbox page needs caching or a lighter template, not more workers.
    comparison = ctx.http_compare("/")
    return [
        _figure(
            name="web.home",
            comparison=comparison,
            goal_ratio=3.0,
            goal="p50 within 3x of the bare view",
        )
    ]
