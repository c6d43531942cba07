"""`yankao demo` and `yankao demo_logins`: refusing, resetting, updating, recording, reporting errors."""

import json
import tempfile
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from yankao.core.demo_framework import DemoContext, DemoGenerator, demo_registry
from yankao.core.models import User
from yankao.core.registries import autodiscover
from yankao.core.working_days import calendar_cache
from yankao.testing.tiny_city import tiny_city_targets

DATA = Path(__file__).parent / "data"
# The whole tiny city (every module's table), written once for this module's tests.
TINY = tiny_city_targets(Path(tempfile.mkdtemp(prefix="yankao-tiny-city-")))

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Iterator[None]:
    """The typhoon days the builds add are rolled back: the process's calendar must forget them."""
    yield
    calendar_cache.clear()


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "var" / "demo.json"


def demo(state: Path, *args: str, **options: Any) -> str:
    out = StringIO()
    call_command(
        "demo",
        "--targets",
        str(TINY),
        "--state",
        str(state),
        *args,
        stdout=out,
        verbosity=1,
        no_progress=True,
        **options,
    )
    return out.getvalue()


class SampleGenerator:
    """A stand-in for a module that lands later: counts its builds and resets."""

    def __init__(self) -> None:
        self.builds: list[dict[str, Any]] = []
        self.resets = 0
        self.present = False

    def build(self, ctx: DemoContext) -> None:
        self.builds.append({"items": ctx.target("items", int), "first_draw": ctx.random.random()})
        self.present = True

    def reset(self, ctx: DemoContext) -> None:
        self.resets += 1
        self.present = False


@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch) -> SampleGenerator:
    autodiscover("demo")
    recorder = SampleGenerator()
    generator = DemoGenerator(
        name="sample",
        version="1",
        build=recorder.build,
        reset=recorder.reset,
        has_data=lambda: recorder.present,
        depends_on=("core",),
    )
    monkeypatch.setitem(demo_registry._entries, "sample", generator)
    return recorder


def test_builds_and_records_each_generator(state: Path) -> None:
    output = demo(state, "--seed", "5")

    assert "示範城市完成：core" in output
    recorded = json.loads(state.read_text(encoding="utf-8"))
    core = recorded["generators"]["core"]
    assert core["version"] == demo_registry.get("core").version
    assert core["seed"] == 5
    assert core["targets"].endswith("tiny-city.toml")
    assert len(core["targets_sha256"]) == 64
    assert core["built_at"]
    assert User.objects.filter(username="officer").exists()


def test_refuses_a_database_with_users_and_says_so_in_chinese(state: Path) -> None:
    User.objects.create(username="someone")

    with pytest.raises(CommandError) as caught:
        demo(state)

    assert "資料庫不是空的" in str(caught.value)
    assert "--reset" in str(caught.value)
    assert not User.objects.filter(username="officer").exists()


def test_refuses_a_second_build_without_reset(state: Path) -> None:
    demo(state)
    with pytest.raises(CommandError, match="core 模組的示範資料"):
        demo(state)


def test_reset_removes_the_demo_data_and_rebuilds_it(state: Path) -> None:
    demo(state)
    before = dict(User.objects.values_list("username", "pk"))
    kept = User.objects.create(username="real_person")

    output = demo(state, "--reset")

    after = dict(User.objects.exclude(pk=kept.pk).values_list("username", "pk"))
    # Other modules' generators may be registered too: only core's presence in the list matters.
    removed = next(line for line in output.splitlines() if line.startswith("移除示範資料："))
    assert "core" in removed.removeprefix("移除示範資料：").split("、")
    assert set(after) == set(before)
    assert not set(after.values()) & set(before.values())  # every demo account was recreated
    assert User.objects.filter(pk=kept.pk).exists()  # and nobody else was touched


def test_update_skips_a_generator_whose_version_is_recorded(state: Path, sample: SampleGenerator) -> None:
    demo(state)
    core_ids = set(User.objects.values_list("pk", flat=True))

    output = demo(state, "--update")

    skipped = next(line for line in output.splitlines() if "略過：" in line)
    assert {"core", "sample"} <= set(skipped.split("略過：")[1].split("、"))
    assert len(sample.builds) == 1
    assert set(User.objects.values_list("pk", flat=True)) == core_ids


def test_update_builds_a_generator_whose_version_changed(
    state: Path, sample: SampleGenerator, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo(state)
    core_ids = set(User.objects.values_list("pk", flat=True))
    monkeypatch.setattr(demo_registry.get("sample"), "version", "2")

    output = demo(state, "--update")

    assert "示範城市完成：sample" in output
    assert (len(sample.builds), sample.resets) == (2, 1)
    assert set(User.objects.values_list("pk", flat=True)) == core_ids  # core was left alone
    assert json.loads(state.read_text(encoding="utf-8"))["generators"]["sample"]["version"] == "2"


def test_update_rebuilds_the_dependents_of_a_changed_generator(
    state: Path, sample: SampleGenerator, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo(state)
    monkeypatch.setattr(demo_registry.get("core"), "version", "999")

    demo(state, "--update")

    assert len(sample.builds) == 2
    assert json.loads(state.read_text(encoding="utf-8"))["generators"]["core"]["version"] == "999"


def test_update_builds_a_module_that_landed_later(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    demo(state)
    recorder = SampleGenerator()
    monkeypatch.setitem(
        demo_registry._entries,
        "sample",
        DemoGenerator(
            name="sample",
            version="1",
            build=recorder.build,
            reset=recorder.reset,
            has_data=lambda: recorder.present,
        ),
    )

    output = demo(state, "--update")

    assert "示範城市完成：sample" in output
    assert "略過：core" in output


def test_update_reuses_the_recorded_seed_and_ignores_a_record_whose_data_is_gone(
    state: Path, sample: SampleGenerator
) -> None:
    demo(state, "--seed", "11")
    sample.present = False  # its data vanished although the state file still lists it

    demo(state, "--update")

    assert len(sample.builds) == 2
    assert sample.builds[0]["first_draw"] == sample.builds[1]["first_draw"]  # same seed: same data


def test_only_builds_one_module(state: Path, sample: SampleGenerator) -> None:
    demo(state)

    demo(state, "--reset", "--only", "sample")

    assert len(sample.builds) == 2
    # The first build recorded every registered generator; the second left the others' records alone.
    assert {"core", "sample"} <= set(json.loads(state.read_text(encoding="utf-8"))["generators"])


def test_a_malformed_targets_file_is_a_clear_error(state: Path) -> None:
    with pytest.raises(CommandError, match="第 4 行第 37 欄的 TOML 格式錯誤"):
        call_command("demo", "--targets", str(DATA / "malformed.toml"), "--state", str(state), verbosity=0)
    assert not User.objects.exists()


def test_a_missing_targets_file_is_a_clear_error(state: Path, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="找不到示範城市目標檔"):
        call_command("demo", "--targets", str(tmp_path / "nowhere.toml"), "--state", str(state), verbosity=0)


def test_a_missing_module_table_is_named(state: Path, tmp_path: Path, sample: SampleGenerator) -> None:
    targets = tmp_path / "no-sample.toml"
    targets.write_text(
        TINY.read_text(encoding="utf-8").replace("[sample]\nitems = 2\n", ""), encoding="utf-8"
    )

    with pytest.raises(CommandError, match=r"沒有 \[sample\] 表"):
        call_command("demo", "--targets", str(targets), "--state", str(state), verbosity=0)


def test_a_bad_value_names_the_key_and_line_and_builds_nothing(state: Path, tmp_path: Path) -> None:
    targets = tmp_path / "bad.toml"
    targets.write_text(
        TINY.read_text(encoding="utf-8").replace(
            'officer = { name = "張志明", agency = "397010000A" }',
            'officer = { name = "張志明", agency = "000" }',
        ),
        encoding="utf-8",
    )

    with pytest.raises(CommandError) as caught:
        call_command("demo", "--targets", str(targets), "--state", str(state), verbosity=0)

    assert "「personas.officer.agency」" in str(caught.value)
    assert "機關代碼 000 不在城市的機關資料中" in str(caught.value)
    assert not User.objects.exists()
    assert not state.exists()


def test_reset_and_update_together_are_refused(state: Path) -> None:
    with pytest.raises(CommandError):
        call_command("demo", "--reset", "--update", "--state", str(state), verbosity=0)


# --- demo_logins ----------------------------------------------------------------------------------


def test_demo_logins_prints_every_login_and_the_default_password(
    state: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("YANKAO_DEMO_PASSWORD", raising=False)
    demo(state)
    out = StringIO()

    call_command("demo_logins", stdout=out)

    text = out.getvalue()
    for username in ("citizen", "operator", "officer", "officer_of_other_agency", "liaison", "rdec_staff"):
        assert f" {username} " in text
    assert "機關承辦人" in text
    assert "高雄市政府工務局" in text
    assert settings.YANKAO_DEMO_PASSWORD in text


def test_demo_logins_hides_a_password_from_the_environment(
    state: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YANKAO_DEMO_PASSWORD", "a-secret-from-the-environment")
    settings.YANKAO_DEMO_PASSWORD = "a-secret-from-the-environment"
    out = StringIO()

    call_command("demo_logins", stdout=out)

    assert "取自環境變數 YANKAO_DEMO_PASSWORD" in out.getvalue()
    assert "a-secret-from-the-environment" not in out.getvalue()
    assert "尚未建立" in out.getvalue()
