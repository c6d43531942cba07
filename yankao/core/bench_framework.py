"""What a benchmark is and how modules register theirs (`<app>/bench.py`); `yankao bench` runs them.

A benchmark measures one figure of yankao and, in the same run, a baseline (a bare Django view,
numpy, the naive approach), and reports their ratio and the goal. Never a timed test.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from yankao.core.registries import Registry


@dataclass
class Figure:
    name: str  # e.g. "calendar.add_working_days_1m"
    value: float
    unit: str  # "ms", "µs", "req/s", "ns/pair", "count"
    baseline_name: str
    baseline_value: float
    goal: str  # human-readable, e.g. "within 2x of the rank table"
    # True when the goal is met; None when the figure has no pass/fail goal.
    goal_met: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # percentiles, sample sizes, mismatches

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline_value if self.baseline_value else None

    def as_record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "baseline": {"name": self.baseline_name, "value": self.baseline_value},
            "ratio": self.ratio,
            "goal": self.goal,
            "goal_met": self.goal_met,
            **({"extra": self.extra} if self.extra else {}),
        }


@dataclass(frozen=True)
class Benchmark:
    module: str  # the app label, what `make bench ONLY=<module>` selects
    name: str
    run: Callable[["Any"], list[Figure]]  # receives a BenchContext (see yankao.core.bench_runner)


bench_registry: Registry[Benchmark] = Registry("benchmark")


def benchmark(
    *, module: str, name: str
) -> Callable[[Callable[[Any], list[Figure]]], Callable[[Any], list[Figure]]]:
    """Register a function `run(ctx) -> list[Figure]` as a benchmark of `module`."""

    def decorator(run: Callable[[Any], list[Figure]]) -> Callable[[Any], list[Figure]]:
        bench_registry.register(f"{module}.{name}", Benchmark(module=module, name=name, run=run))
        return run

    return decorator
