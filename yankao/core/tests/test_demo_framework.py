"""The demo framework: seeds, names, the targets file, the plan and the state file's location."""

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from yankao.core import demo_framework
from yankao.core.demo_framework import (
    DemoContext,
    DemoGenerator,
    DemoTargetsError,
    demo_generators_ordered,
    demo_person_name,
    demo_plan,
    demo_seed_derive,
    demo_state_load,
    demo_state_path_default,
    demo_state_save,
    demo_targets_load,
)
from yankao.core.exceptions import ApplicationError
from yankao.core.models import CalendarOverride

DATA = Path(__file__).parent / "data"


def _generator(name: str, *depends_on: str, version: str = "1") -> DemoGenerator:
    return DemoGenerator(
        name=name,
        version=version,
        build=lambda ctx: None,
        reset=lambda ctx: None,
        has_data=lambda: False,
        depends_on=depends_on,
    )


def _context(name: str = "core", seed: int = 7) -> DemoContext:
    targets = demo_targets_load(path=DATA / "tiny.toml")
    return DemoContext(
        name=name,
        targets=targets.tables.get(name, {}),
        all_targets=targets,
        seed=seed,
        build_date=demo_framework.date(2024, 3, 31),
        show_progress=False,
    )


def _recorded(targets: Any, *names: str, seed: int = 1, version: str = "1") -> dict[str, dict[str, Any]]:
    return {
        name: {"version": version, "seed": seed, "targets_table_sha256": targets.table_sha256(name)}
        for name in names
    }


# --- randomness ---------------------------------------------------------------------------------


def test_each_generator_gets_its_own_stable_seed() -> None:
    assert demo_seed_derive(seed=1, name="core") == demo_seed_derive(seed=1, name="core")
    assert demo_seed_derive(seed=1, name="core") != demo_seed_derive(seed=1, name="servicedesk")
    assert demo_seed_derive(seed=1, name="core") != demo_seed_derive(seed=2, name="core")
    assert demo_seed_derive(seed=1, name="core", label="a") != demo_seed_derive(
        seed=1, name="core", label="b"
    )


def test_context_streams_are_deterministic_for_a_seed() -> None:
    first, second = _context(), _context()
    assert [first.random.random() for _ in range(5)] == [second.random.random() for _ in range(5)]
    assert list(first.numpy.integers(0, 1000, 5)) == list(second.numpy.integers(0, 1000, 5))
    assert _context(name="other").random.random() != _context().random.random()


def test_person_names_are_plausible_and_deterministic() -> None:
    rng_a, rng_b = demo_framework.Random(5), demo_framework.Random(5)
    batch_a = [demo_person_name(rng=rng_a) for _ in range(50)]
    batch_b = [demo_person_name(rng=rng_b) for _ in range(50)]
    assert batch_a == batch_b
    assert all(len(person.name) == 3 for person in batch_a)
    assert {person.sex for person in batch_a} == {"F", "M"}
    assert sum(person.name.startswith("陳") for person in batch_a) >= 1  # the commonest surname shows up


# --- the targets file ---------------------------------------------------------------------------


def test_missing_targets_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DemoTargetsError, match="找不到示範城市目標檔") as caught:
        demo_targets_load(path=tmp_path / "nowhere.toml")
    assert "nowhere.toml" in caught.value.message


def test_malformed_targets_file_names_the_line() -> None:
    with pytest.raises(DemoTargetsError, match="第 4 行第 37 欄的 TOML 格式錯誤"):
        demo_targets_load(path=DATA / "malformed.toml")


def test_a_missing_key_is_named_with_its_table() -> None:
    ctx = _context()
    with pytest.raises(DemoTargetsError, match=r"\[core\] 表「nonexistent」：缺少此項"):
        ctx.target("nonexistent", int)


def test_a_value_of_the_wrong_type_names_the_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "wrong.toml"
    path.write_text(
        '[core]\ncity = "kaohsiung"\n\n[core.staff_per_agency]\nfirst_level = "four"\n', encoding="utf-8"
    )
    targets = demo_targets_load(path=path)
    ctx = DemoContext(
        name="core",
        targets=targets.tables["core"],
        all_targets=targets,
        seed=1,
        build_date=demo_framework.date.today(),
    )
    with pytest.raises(DemoTargetsError) as caught:
        ctx.target("staff_per_agency.first_level", int)
    assert "「staff_per_agency.first_level」（第 5 行）：應為整數，實際是 'four'" in caught.value.message


def test_booleans_do_not_pass_for_numbers() -> None:
    ctx = _context()
    with pytest.raises(DemoTargetsError, match="應為整數"):
        ctx.target("flag", int, table={"flag": True})


def test_the_default_targets_file_parses_and_has_the_seed_report_figures() -> None:
    targets = demo_targets_load(path=demo_framework.DEFAULT_TARGETS)
    assert targets.tables["core"]["city"] == "kaohsiung"
    assert targets.tables["servicedesk"]["calls_1999"] == 860696
    assert targets.tables["servicedesk"]["petitions"] == 202880
    assert sum(targets.tables["bullying"]["reports_by_source"].values()) == 148
    programs = targets.tables["programs"]
    assert (
        programs["policy_programs"]
        + programs["infrastructure_subsidy_programs"]
        + programs["forward_looking_programs"]
        == 1338
    )
    assert all(row["verified"] is False for row in targets.tables["core"]["typhoon_closures"])


def test_a_table_digest_ignores_other_tables(tmp_path: Path) -> None:
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_text("[core]\ncity = 'x'\n[other]\nn = 1\n", encoding="utf-8")
    second.write_text("[core]\ncity = 'x'\n[other]\nn = 2\n", encoding="utf-8")
    a, b = demo_targets_load(path=first), demo_targets_load(path=second)
    assert a.table_sha256("core") == b.table_sha256("core")
    assert a.table_sha256("other") != b.table_sha256("other")
    assert a.sha256 != b.sha256


# --- planning -----------------------------------------------------------------------------------


def test_generators_are_ordered_by_their_dependencies() -> None:
    ordered = demo_generators_ordered(
        generators=[_generator("b", "a"), _generator("c", "b"), _generator("a")]
    )
    assert [generator.name for generator in ordered] == ["a", "b", "c"]


def test_unknown_or_cyclic_dependencies_are_errors() -> None:
    with pytest.raises(ApplicationError, match="相依的「missing」不存在"):
        demo_generators_ordered(generators=[_generator("a", "missing")])
    with pytest.raises(ApplicationError, match="循環"):
        demo_generators_ordered(generators=[_generator("a", "b"), _generator("b", "a")])


def test_update_rebuilds_what_changed_and_its_dependents_only() -> None:
    targets = demo_targets_load(path=DATA / "tiny.toml")
    generators = [_generator("core"), _generator("cases", "core"), _generator("other", "core", version="2")]
    recorded = _recorded(targets, "core", "cases", "other")

    plan = demo_plan(generators=generators, mode="update", built=recorded, seed=1, targets=targets)

    assert [generator.name for generator in plan.build] == ["other"]
    assert [generator.name for generator in plan.skipped] == ["core", "cases"]
    core_changed = [_generator("core", version="9"), *generators[1:]]
    plan = demo_plan(generators=core_changed, mode="update", built=recorded, seed=1, targets=targets)
    assert [generator.name for generator in plan.build] == ["core", "cases", "other"]
    assert [generator.name for generator in plan.reset] == ["other", "cases", "core"]


def test_update_rebuilds_everything_for_another_seed() -> None:
    targets = demo_targets_load(path=DATA / "tiny.toml")
    recorded = _recorded(targets, "core", seed=1)
    plan = demo_plan(generators=[_generator("core")], mode="update", built=recorded, seed=2, targets=targets)
    assert [generator.name for generator in plan.build] == ["core"]


def test_only_adds_missing_dependencies_and_rebuilds_dependents_on_reset() -> None:
    targets = demo_targets_load(path=DATA / "tiny.toml")
    generators = [_generator("core"), _generator("cases", "core"), _generator("desk", "cases")]

    fresh = demo_plan(generators=generators, mode="build", built={}, only=["cases"], seed=1, targets=targets)
    assert [generator.name for generator in fresh.build] == ["core", "cases"]

    recorded = _recorded(targets, "core", "cases", "desk")
    reset = demo_plan(
        generators=generators, mode="reset", built=recorded, only=["cases"], seed=1, targets=targets
    )
    assert [generator.name for generator in reset.build] == ["cases", "desk"]
    assert [generator.name for generator in reset.reset] == ["desk", "cases"]


def test_only_an_unknown_module_is_an_error() -> None:
    targets = demo_targets_load(path=DATA / "tiny.toml")
    with pytest.raises(ApplicationError, match="沒有名為「nosuch」的示範資料產生器"):
        demo_plan(
            generators=[_generator("core")], mode="build", built={}, only=["nosuch"], seed=1, targets=targets
        )


# --- the state file -----------------------------------------------------------------------------


def test_the_default_database_keeps_its_state_in_var_demo_json(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    default = SimpleNamespace(
        settings_dict={
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(settings.VAR_DIR / "yankao.sqlite3"),
        }
    )
    monkeypatch.setattr(demo_framework, "connection", default)
    assert demo_state_path_default() == settings.VAR_DIR / "demo.json"


def test_another_database_gets_a_state_file_of_its_own(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    def path_for(name: str, host: str = "") -> Path:
        database = {"ENGINE": "django.db.backends.postgresql", "NAME": name, "HOST": host, "PORT": "5432"}
        monkeypatch.setattr(demo_framework, "connection", SimpleNamespace(settings_dict=database))
        return demo_state_path_default()

    assert path_for("yankao").name.startswith("demo-postgresql-yankao-")
    assert path_for("yankao").parent == settings.VAR_DIR
    assert path_for("yankao") != path_for("yankao", host="db.example")
    assert path_for("yankao") != path_for("other")


def test_state_round_trips_and_an_unreadable_file_counts_as_none(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "demo.json"
    demo_state_save(path=path, state={"generators": {"core": {"version": "1"}}})
    assert demo_state_load(path=path)["generators"] == {"core": {"version": "1"}}
    path.write_text("{not json", encoding="utf-8")
    assert demo_state_load(path=path) == {"generators": {}}


# --- helpers ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bulk_insert_inserts_in_batches_and_can_validate() -> None:
    ctx = _context()
    rows = (
        CalendarOverride(
            date=demo_framework.date(2030, 1, day),
            is_working_day=False,
            kind="correction",
            reason="測試",
            verified=False,
        )
        for day in range(1, 8)
    )
    assert ctx.bulk_insert(CalendarOverride, rows, batch_size=3, full_clean=True) == 7
    assert CalendarOverride.objects.filter(date__year=2030).count() == 7

    invalid = [
        CalendarOverride(
            date=demo_framework.date(2030, 2, 1), is_working_day=False, kind="nonsense", reason=""
        )
    ]
    with pytest.raises(ValidationError, match=r"kind|reason"):
        ctx.bulk_insert(CalendarOverride, invalid, full_clean=True)
