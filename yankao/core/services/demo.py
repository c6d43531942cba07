"""Builds the demo city: plans the generators, resets and builds them, records the demo state.

`yankao demo` is a thin layer over `demo_city_build`; the framework (generators, context,
plan, state file) is yankao.core.demo_framework.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from yankao.core.demo_framework import (
    DEFAULT_SEED,
    DEFAULT_TARGETS,
    DemoContext,
    DemoGenerator,
    DemoTargets,
    DemoTargetsError,
    PlanMode,
    demo_plan,
    demo_registry,
    demo_state_load,
    demo_state_path_default,
    demo_state_save,
    demo_targets_display,
    demo_targets_load,
)
from yankao.core.exceptions import ApplicationError
from yankao.core.models import AuditAction, User
from yankao.core.registries import autodiscover
from yankao.core.services.audit import audit_record


class DemoDatabaseNotEmptyError(ApplicationError):
    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, code=kwargs.pop("code", "demo_database_not_empty"), **kwargs)


@dataclass
class DemoRunResult:
    state_path: Path
    targets_path: Path
    seed: int
    built: list[str] = field(default_factory=list)
    reset: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def demo_database_contents() -> list[str]:
    """What already makes the database non-empty for a fresh build: users and any module's demo data."""
    found = []
    users = User.objects.count()
    if users:
        found.append(f"{users} 位使用者")
    found.extend(f"{generator.name} 模組的示範資料" for generator in demo_registry if generator.has_data())
    return found


def demo_city_build(
    *,
    mode: PlanMode = "build",
    targets_path: Path | None = None,
    seed: int | None = None,
    only: Sequence[str] = (),
    state_path: Path | None = None,
    build_date: date | None = None,
    show_progress: bool = True,
    write: Callable[[str], None] = lambda message: None,
) -> DemoRunResult:
    """Build the demo city (or the part of it the mode selects) into the current database.

    build refuses a database that already holds users or demo data; reset removes the chosen
    modules' demo data (and their dependents') and rebuilds it; update builds only generators
    missing from the demo state or changed since. Without --targets/--seed, update reuses the
    ones recorded for this database, so `make run` keeps a city built from another file.
    """
    autodiscover("demo")
    state_path = state_path or demo_state_path_default()
    state = demo_state_load(path=state_path)
    recorded: dict[str, Any] = state.get("generators", {})

    if mode == "update":
        # A record whose data is gone (a deleted database, a manual flush) does not count as built.
        recorded = {
            name: record
            for name, record in recorded.items()
            if name in demo_registry and demo_registry.get(name).has_data()
        }
        if targets_path is None and state.get("targets") and _project_path(state["targets"]).exists():
            targets_path = _project_path(state["targets"])
        if seed is None and isinstance(state.get("seed"), int):
            seed = state["seed"]
    targets_path = targets_path or DEFAULT_TARGETS
    seed = DEFAULT_SEED if seed is None else seed
    targets = demo_targets_load(path=targets_path)

    if mode == "build":
        contents = demo_database_contents()
        if contents:
            raise DemoDatabaseNotEmptyError(
                f"資料庫不是空的（已有 {'、'.join(contents)}），示範城市不會寫入既有資料。"
                "若要清除全部示範資料後重建，請加上 --reset；若只要補建缺少或已變更的模組，請用 --update。"
            )
        recorded = {}

    plan = demo_plan(
        generators=list(demo_registry),
        mode=mode,
        built=recorded,
        only=only,
        seed=seed,
        targets=targets,
    )
    for generator in plan.build:
        if not isinstance(targets.tables.get(generator.name), dict):
            raise DemoTargetsError(
                f"示範城市目標檔 {targets.path} 沒有 [{generator.name}] 表，"
                f"{generator.name} 模組的示範資料需要它（格式見 docs/demo-targets.md）。"
            )

    result = DemoRunResult(state_path=state_path, targets_path=targets.path, seed=seed)
    result.skipped = [generator.name for generator in plan.skipped]
    build_date = build_date or timezone.localdate()

    def context_for(generator: DemoGenerator) -> DemoContext:
        return DemoContext(
            name=generator.name,
            targets=targets.tables.get(generator.name, {}),
            all_targets=targets,
            seed=seed,
            build_date=build_date,
            show_progress=show_progress,
            write=write,
        )

    if plan.reset:
        write(f"移除示範資料：{'、'.join(generator.name for generator in plan.reset)}")
        with transaction.atomic():
            for generator in plan.reset:
                generator.reset(context_for(generator))
                recorded.pop(generator.name, None)
                audit_record(
                    action=AuditAction.DELETE,
                    target_type="demo",
                    target_id=generator.name,
                    detail={"event": "demo_reset"},
                )
                result.reset.append(generator.name)
        _state_write(state_path=state_path, recorded=recorded, targets=targets, seed=seed)

    for position, generator in enumerate(plan.build, start=1):
        write(f"[{position}/{len(plan.build)}] 建置 {generator.name}（版本 {generator.version}）")
        started = time.perf_counter()
        with transaction.atomic():
            generator.build(context_for(generator))
            audit_record(
                action=AuditAction.IMPORT,
                target_type="demo",
                target_id=generator.name,
                detail={"event": "demo_build", "version": generator.version, "seed": seed},
            )
        seconds = round(time.perf_counter() - started, 3)
        recorded[generator.name] = {
            "version": generator.version,
            "seed": seed,
            "targets": demo_targets_display(path=targets.path),
            "targets_sha256": targets.sha256,
            "targets_table_sha256": targets.table_sha256(generator.name),
            "build_date": build_date.isoformat(),
            "built_at": timezone.now().isoformat(timespec="seconds"),
            "seconds": seconds,
        }
        # Written after each module: an interrupted build keeps what finished, --update resumes.
        _state_write(state_path=state_path, recorded=recorded, targets=targets, seed=seed)
        result.built.append(generator.name)
        result.seconds[generator.name] = seconds
        write(f"      {generator.name} 完成，{seconds:.1f} 秒")
    return result


def _project_path(recorded: str) -> Path:
    path = Path(recorded)
    return path if path.is_absolute() else Path(settings.BASE_DIR) / path


def _state_write(*, state_path: Path, recorded: dict[str, Any], targets: DemoTargets, seed: int) -> None:
    demo_state_save(
        path=state_path,
        state={
            "database": {
                "engine": connection.settings_dict.get("ENGINE", ""),
                "name": str(connection.settings_dict.get("NAME", "")),
            },
            "seed": seed,
            "targets": demo_targets_display(path=targets.path),
            "targets_sha256": targets.sha256,
            "generators": recorded,
            "updated_at": timezone.now().isoformat(timespec="seconds"),
        },
    )
