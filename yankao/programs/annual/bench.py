"""Benchmarks of the yearly cycle (`make bench ONLY=programs_annual`).

plan_compile: compiling the approved annual plan for the whole city, as PDF and DOCX, must take
under 10 s (issue 6). The city's plan is the report's 119 items (施政計畫 119件) spread over the
first-level agencies, with realistic text lengths. plan_compile_4x: a stress figure without a
goal, every first-level agency, district office and municipal enterprise with six items (444).
Measured in a scratch SQLite database (migrated and seeded by a child process, so the bench never
touches another database). The baseline in the same run is the naive compiler: one query per
agency and one more per item for its agency (N+1), then the same renderers, as a first
implementation would do it; WeasyPrint's layout dominates both (see the parts in `extra`).
"""

import json
import os
import time
from pathlib import Path
from typing import Any

from yankao.core.bench_framework import Figure, benchmark
from yankao.core.bench_runner import child_environment, manage_in_child, python_in_child

CITY_ITEMS = 119
STRESS_ITEMS_PER_AGENCY = 6
GOAL_S = 10.0
_CHILD = "import yankao.programs.annual.bench as b; b.measure_in_child()"


@benchmark(module="programs_annual", name="plan_compile")
def plan_compile(ctx: Any) -> list[Figure]:
    workdir = Path(ctx.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "programs-annual-plan.sqlite3"
    for stale in (
        database,
        database.with_name(database.name + "-wal"),
        database.with_name(database.name + "-shm"),
    ):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{database}"
    ctx.status("programs_annual: migrating a scratch database for the plan")
    manage_in_child(url, "migrate", "--no-input", "--skip-checks", "-v0")
    manage_in_child(url, "seed", "--skip-checks", "-v0")
    figures = []
    for size, repeat in (("city", "2" if ctx.quick else "5"), ("stress", "1")):
        ctx.status(f"programs_annual: compiling the {size} plan (ours and naive, interleaved)")
        environment = child_environment(url, YANKAO_BENCH_REPEAT=repeat, YANKAO_BENCH_SIZE=size)
        output = python_in_child(url, "-c", _CHILD, environment=environment)
        result = json.loads(output.strip().splitlines()[-1])
        ours, naive = result["ours"], result["naive"]
        city = size == "city"
        figures.append(
            Figure(
                name="programs_annual.plan_compile" if city else "programs_annual.plan_compile_4x",
                value=ours["median_s"],
                unit="s",
                baseline_name="naive compiler (N+1 reads, same renderers)",
                baseline_value=naive["median_s"],
                goal=f"under {GOAL_S:.0f} s for the whole city's {CITY_ITEMS} items (PDF and DOCX), median of the repeats"
                if city
                else "none: 444 items, for scale",
                # The median: on this shared 2-core machine single repeats swing 3x with the load
                # (extra keeps min and max, and docs/benchmarks.md the load of the run).
                goal_met=ours["median_s"] < GOAL_S if city else None,
                extra=result,
            )
        )
    database.unlink(missing_ok=True)
    return figures


def measure_in_child() -> None:
    """Runs in the child process against the scratch database; prints one JSON line."""
    import django

    django.setup()
    from yankao.core.bench_runner import time_interleaved

    plan_round = _plan_make(stress=os.environ.get("YANKAO_BENCH_SIZE") == "stress")
    repeat = int(os.environ.get("YANKAO_BENCH_REPEAT", "5"))
    # Wall-clock parts, and the process's CPU seconds per compile: on a shared machine the wall clock
    # swings with the other processes' load, the CPU time much less.
    parts: dict[str, list[float]] = {
        "content_s": [],
        "pdf_s": [],
        "docx_s": [],
        "cpu_s": [],
        "naive_cpu_s": [],
    }
    sizes: dict[str, int] = {}

    def ours() -> None:
        from yankao.programs.annual.plan_document import plan_docx, plan_pdf
        from yankao.programs.annual.selectors.plan import plan_content

        cpu = time.process_time()
        started = time.perf_counter()
        content = plan_content(plan_round=plan_round)
        read = time.perf_counter()
        pdf = plan_pdf(content=content)
        printed = time.perf_counter()
        docx = plan_docx(content=content)
        done = time.perf_counter()
        parts["content_s"].append(read - started)
        parts["pdf_s"].append(printed - read)
        parts["docx_s"].append(done - printed)
        parts["cpu_s"].append(time.process_time() - cpu)
        sizes.update(
            items=content.item_count, agencies=len(content.sections), pdf_bytes=len(pdf), docx_bytes=len(docx)
        )

    def naive() -> None:
        from yankao.programs.annual.plan_document import plan_docx, plan_pdf

        cpu = time.process_time()
        content = _naive_content(plan_round)
        plan_pdf(content=content)
        plan_docx(content=content)
        parts["naive_cpu_s"].append(time.process_time() - cpu)

    timing = time_interleaved(ours, naive, repeat=repeat, warmup=1)
    result: dict[str, Any] = {
        "ours": timing.a.as_dict(),
        "naive": timing.b.as_dict(),
        "ratio": round(timing.ratio, 3),
        **sizes,
        **{name: round(sorted(values)[len(values) // 2], 4) for name, values in parts.items()},
    }
    print(json.dumps(result))


def _plan_make(*, stress: bool) -> Any:
    import random
    from datetime import date
    from decimal import Decimal

    from yankao.core.models import Agency, Role, User
    from yankao.programs.annual.models import PlanItem, PlanRound

    user, _ = User.objects.get_or_create(
        username="bench.liaison",
        defaults={"role": Role.LIAISON, "agency": Agency.objects.get(code="397027000A")},
    )
    PlanItem.objects.all().delete()  # the city plan's run came first in the same scratch database
    PlanRound.objects.all().delete()
    plan_round = PlanRound.objects.create(
        year=2025,
        title="114年度施政計畫先期作業",
        opens_on=date(2024, 2, 15),
        deadline=date(2024, 3, 18),
        status=PlanRound.Status.APPROVED,
        approved_on=date(2024, 12, 20),
    )
    if stress:
        kinds = (Agency.Kind.FIRST_LEVEL, Agency.Kind.DISTRICT_OFFICE, Agency.Kind.MUNICIPAL_ENTERPRISE)
        agencies = list(Agency.objects.filter(kind__in=kinds).order_by("sort_order"))
        counts = [STRESS_ITEMS_PER_AGENCY] * len(agencies)
    else:
        agencies = list(Agency.objects.filter(kind=Agency.Kind.FIRST_LEVEL).order_by("sort_order"))
        counts = [1] * len(agencies)
        for index in random.Random(2023).choices(range(len(agencies)), k=CITY_ITEMS - len(agencies)):
            counts[index] += 1
    goal = "提升市民生活品質與公共服務效能，回應市民需求，落實市政願景與永續發展目標。"
    content = "\n".join(
        f"{n}. 盤點現行作業流程與設施現況，規劃分年分期執行項目，結合中央補助與民間資源，定期檢討執行成效並滾動修正。"
        for n in range(1, 5)
    )
    items = [
        PlanItem(
            plan_round=plan_round,
            agency=agency,
            sequence=sequence,
            title=f"{agency.display_short_name}重點施政計畫之{sequence}",
            goal=goal,
            content=content,
            indicators="年度執行率達95%；市民滿意度達80%以上",
            budget_thousands=Decimal(12_000 * sequence),
            status=PlanItem.Status.ACCEPTED,
            created_by=user,
        )
        for agency, count in zip(agencies, counts, strict=True)
        for sequence in range(1, count + 1)
    ]
    PlanItem.objects.bulk_create(items)
    return plan_round


def _naive_content(plan_round: Any) -> Any:
    from yankao.core.models import Agency
    from yankao.programs.annual.models import PlanItem
    from yankao.programs.annual.selectors.plan import PlanContent, PlanSection, PlanSectionItem

    sections = []
    for agency in Agency.objects.order_by("sort_order", "path"):
        items = []
        for item in PlanItem.objects.filter(
            plan_round=plan_round, agency=agency, status=PlanItem.Status.ACCEPTED
        ).order_by("sequence"):
            items.append(
                PlanSectionItem(
                    title=item.title,
                    goal=item.goal,
                    content=item.content,
                    indicators=item.indicators,
                    budget_thousands=item.budget_thousands,
                )
            )
            name = item.agency.name  # one query per item: the N+1 of a first implementation
        if items:
            sections.append(PlanSection(agency_name=name, items=tuple(items)))
    return PlanContent(plan_round=plan_round, sections=tuple(sections), is_approved=True)
