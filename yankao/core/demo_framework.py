"""The demo city's framework: what a demo generator is, the context it builds in, and the plan.

Each app registers one generator in its own `demo.py` (found by `autodiscover("demo")`), named
by its app label. `yankao demo` reads the targets file (one table per module), plans which
generators to reset and build, runs each in its own transaction and records what it built in
the demo state file (`var/demo.json` for the default database). How to add a generator:
docs/demo-targets.md.
"""

import hashlib
import json
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from itertools import islice
from pathlib import Path
from random import Random
from typing import Any, Literal, TypeVar

import numpy as np
from django.conf import settings
from django.db import connection, models
from tqdm import tqdm

from yankao.core.exceptions import ApplicationError
from yankao.core.registries import Registry

DEFAULT_TARGETS = Path(settings.BASE_DIR) / "yankao" / "demo" / "targets" / "kaohsiung-2023.toml"
DEFAULT_SEED = 2023
NAMES_FILE = Path(__file__).resolve().parent / "data" / "names.toml"

ModelT = TypeVar("ModelT", bound=models.Model)
PlanMode = Literal["build", "reset", "update"]


class DemoTargetsError(ApplicationError):
    """The targets file is missing, malformed, or lacks a key a generator needs."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, code=kwargs.pop("code", "demo_targets"), **kwargs)


@dataclass
class DemoGenerator:
    """One module's demo data: how to build it, how to remove it, and whether it is there.

    `version` is compared with the one recorded in the demo state: change it whenever the
    generator's output changes, so that `yankao demo --update` rebuilds that module.
    """

    name: str  # the app label; also the name of the module's table in the targets file
    version: str
    build: Callable[["DemoContext"], None]
    # Removes this module's demo data and nothing else; must succeed when there is none.
    reset: Callable[["DemoContext"], None]
    # True when this module's demo data is in the database (a cheap EXISTS query).
    has_data: Callable[[], bool]
    depends_on: tuple[str, ...] = ()
    description: str = ""


demo_registry: Registry[DemoGenerator] = Registry("demo generator")


def demo_generator_register(
    *,
    name: str,
    version: str,
    build: Callable[["DemoContext"], None],
    reset: Callable[["DemoContext"], None],
    has_data: Callable[[], bool],
    depends_on: Sequence[str] = (),
    description: str = "",
) -> DemoGenerator:
    """Register a module's demo generator; called once at import of the module's `demo.py`."""
    if name in demo_registry:
        return demo_registry.get(name)
    generator = DemoGenerator(
        name=name,
        version=version,
        build=build,
        reset=reset,
        has_data=has_data,
        depends_on=tuple(depends_on),
        description=description,
    )
    return demo_registry.register(name, generator)


# --- the targets file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoTargets:
    """A parsed targets file: its tables, where it came from and its digest."""

    path: Path
    text: str
    tables: dict[str, Any]
    sha256: str

    def table_sha256(self, name: str) -> str:
        """A digest of one module's table, so an edit to another module's table changes nothing here."""
        canonical = json.dumps(self.tables.get(name, {}), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def line_of(self, table: str, key: str) -> int | None:
        """The line of `key` (its last dotted part) inside `[table...]`, best effort, for error messages."""
        leaf = key.split(".")[-1].split("[")[0]
        in_table = False
        header = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
        assignment = re.compile(rf"^\s*\"?{re.escape(leaf)}\"?\s*=")
        for number, line in enumerate(self.text.splitlines(), start=1):
            match = header.match(line)
            if match:
                in_table = match.group(1) == table or match.group(1).startswith(table + ".")
            elif in_table and assignment.match(line):
                return number
        return None


def demo_targets_load(*, path: Path) -> DemoTargets:
    """Read and parse a targets file; a missing or malformed file is a DemoTargetsError naming the line."""
    if not path.exists():
        raise DemoTargetsError(f"找不到示範城市目標檔：{path}")
    if not path.is_file():
        raise DemoTargetsError(f"示範城市目標檔不是一般檔案：{path}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DemoTargetsError(
            f"示範城市目標檔 {path} 不是 UTF-8 編碼（第 {error.start} 位元組）。"
        ) from error
    try:
        tables = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        where = re.search(r"line (\d+), column (\d+)", str(error))
        position = f"第 {where.group(1)} 行第 {where.group(2)} 欄" if where else "某處"
        raise DemoTargetsError(
            f"示範城市目標檔 {path} {position}的 TOML 格式錯誤：{error}。請對照 docs/demo-targets.md。"
        ) from error
    return DemoTargets(path=path, text=text, tables=tables, sha256=hashlib.sha256(raw).hexdigest())


_TYPE_LABELS: dict[type, str] = {
    int: "整數",
    float: "數字",
    str: "文字",
    bool: "是非值（true/false）",
    date: "日期（例如 2023-07-27）",
    dict: "表（table）",
    list: "陣列",
}


def _is_instance(value: Any, kind: type) -> bool:
    # TOML booleans are Python ints, and datetimes are dates: neither may pass for the other.
    if kind in (int, float) and isinstance(value, bool):
        return False
    if kind is float:
        return isinstance(value, int | float)
    if kind is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    return isinstance(value, kind)


# --- the build context --------------------------------------------------------------------------


def demo_seed_derive(*, seed: int, name: str, label: str = "") -> int:
    """A 64-bit seed for one generator (and one label within it), independent of every other's."""
    digest = hashlib.sha256(f"yankao-demo/{seed}/{name}/{label}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass(frozen=True)
class DemoPerson:
    name: str
    sex: Literal["F", "M"]


@cache
def _name_pools() -> dict[str, Any]:
    return tomllib.loads(NAMES_FILE.read_text(encoding="utf-8"))


def demo_person_name(*, rng: Random) -> DemoPerson:
    """A plausible Taiwanese full name, surname drawn by its frequency; deterministic for the rng."""
    pools = _name_pools()
    surnames = pools["surnames"]
    surname = rng.choices([row[0] for row in surnames], weights=[row[1] for row in surnames])[0]
    sex: Literal["F", "M"] = "F" if rng.random() < 0.5 else "M"
    pool = pools["female" if sex == "F" else "male"]
    first = rng.choice(pool["first"])
    second = rng.choice([char for char in pool["second"] if char != first])
    return DemoPerson(name=f"{surname}{first}{second}", sex=sex)


@dataclass
class DemoContext:
    """What a generator builds with: its targets, its own random streams, the build date, helpers."""

    name: str
    targets: dict[str, Any]  # this module's own table of the targets file
    all_targets: DemoTargets
    seed: int
    build_date: date  # "today" for the demo: open work falls due around it
    show_progress: bool = True
    write: Callable[[str], None] = field(default=lambda message: None)
    random: Random = field(init=False)
    numpy: np.random.Generator = field(init=False)

    def __post_init__(self) -> None:
        self.random = self.random_for("")
        self.numpy = self.numpy_for("")

    def random_for(self, label: str) -> Random:
        """A separate stream for one part of the module, so adding a part reshuffles no other."""
        return Random(demo_seed_derive(seed=self.seed, name=self.name, label=label))  # noqa: S311

    def numpy_for(self, label: str) -> np.random.Generator:
        return np.random.default_rng(demo_seed_derive(seed=self.seed, name=self.name, label=label))

    def person_name(self, *, rng: Random | None = None) -> DemoPerson:
        return demo_person_name(rng=rng or self.random)

    def targets_of(self, module: str) -> dict[str, Any]:
        """Another module's table, read only (e.g. `[core]`'s history year)."""
        table = self.all_targets.tables.get(module)
        if not isinstance(table, dict):
            raise DemoTargetsError(f"示範城市目標檔 {self.all_targets.path} 沒有 [{module}] 表。")
        return table

    def target(
        self, key: str, kind: type, *, default: Any = ..., table: Mapping[str, Any] | None = None
    ) -> Any:
        """The value of a dotted key in this module's table, checked against `kind`.

        A missing key (without a default) or a value of the wrong type is a DemoTargetsError
        naming the table, the key and its line.
        """
        value: Any = self.targets if table is None else table
        for part in key.split("."):
            if not isinstance(value, Mapping) or part not in value:
                if default is not ...:
                    return default
                raise self.targets_error(key, "缺少此項")
            value = value[part]
        if not _is_instance(value, kind):
            raise self.targets_error(key, f"應為{_TYPE_LABELS.get(kind, kind.__name__)}，實際是 {value!r}")
        return value

    def targets_error(self, key: str, problem: str) -> DemoTargetsError:
        """An error about `key` of this module's table, for a generator's own checks."""
        line = self.all_targets.line_of(self.name, key)
        where = f"（第 {line} 行）" if line else ""
        return DemoTargetsError(
            f"示範城市目標檔 {self.all_targets.path} 的 [{self.name}] 表「{key}」{where}：{problem}。"
            "請對照 docs/demo-targets.md。"
        )

    def progress(
        self,
        iterable: Iterable[Any] | None = None,
        *,
        total: int | None = None,
        what: str = "",
        unit: str = "筆",
    ) -> "tqdm[Any]":
        """A progress bar named after the module (silent in tests and with --no-progress)."""
        return tqdm(
            iterable,
            total=total,
            desc=f"{self.name}{' ' + what if what else ''}",
            unit=unit,
            disable=not self.show_progress,
            leave=False,
            dynamic_ncols=True,
        )

    def bulk_insert(
        self,
        model: type[ModelT],
        objects: Iterable[ModelT],
        *,
        total: int | None = None,
        batch_size: int = 2000,
        full_clean: bool = False,
    ) -> int:
        """Insert unsaved instances in batches with a progress bar; returns how many were inserted.

        `full_clean=True` validates each instance first (field checks only: uniqueness and
        constraints are the database's job), worth it for small tables of hand-built rows.
        Deadlines and statuses must already have been computed by the module's own functions.
        """
        inserted = 0
        iterator: Iterator[ModelT] = iter(objects)
        with self.progress(total=total, what=str(model._meta.verbose_name)) as bar:
            while batch := list(islice(iterator, batch_size)):
                if full_clean:
                    for instance in batch:
                        instance.full_clean(validate_unique=False, validate_constraints=False)
                model._default_manager.bulk_create(batch, batch_size=batch_size)
                inserted += len(batch)
                bar.update(len(batch))
        return inserted


# --- planning -----------------------------------------------------------------------------------


def demo_generators_ordered(*, generators: Iterable[DemoGenerator]) -> list[DemoGenerator]:
    """The generators in dependency order (registration order among equals); unknown or cyclic deps are errors."""
    by_name = {generator.name: generator for generator in generators}
    ordered: list[DemoGenerator] = []
    state: dict[str, str] = {}

    def visit(generator: DemoGenerator, chain: tuple[str, ...]) -> None:
        if state.get(generator.name) == "done":
            return
        if state.get(generator.name) == "visiting":
            raise ApplicationError(
                f"示範資料產生器的相依關係形成循環：{' → '.join((*chain, generator.name))}"
            )
        state[generator.name] = "visiting"
        for dependency in generator.depends_on:
            if dependency not in by_name:
                raise ApplicationError(
                    f"示範資料產生器「{generator.name}」相依的「{dependency}」不存在（已註冊：{', '.join(by_name)}）。"
                )
            visit(by_name[dependency], (*chain, generator.name))
        state[generator.name] = "done"
        ordered.append(generator)

    for generator in by_name.values():
        visit(generator, ())
    return ordered


@dataclass(frozen=True)
class DemoPlan:
    reset: list[DemoGenerator]  # in reverse dependency order: dependents first
    build: list[DemoGenerator]  # in dependency order
    skipped: list[DemoGenerator]  # up to date (--update)


def demo_plan(
    *,
    generators: Iterable[DemoGenerator],
    mode: PlanMode,
    built: Mapping[str, Mapping[str, Any]],
    only: Sequence[str] = (),
    seed: int,
    targets: DemoTargets,
) -> DemoPlan:
    """Which generators to reset and build.

    build: the chosen ones (all, or `only`) into an empty database. reset: the chosen ones and
    everything depending on them are removed and rebuilt. update: the chosen ones that are
    missing from `built` or whose version, seed or own targets table changed, and everything
    depending on those. Dependencies not built yet are always added.
    """
    ordered = demo_generators_ordered(generators=generators)
    by_name = {generator.name: generator for generator in ordered}
    for name in only:
        if name not in by_name:
            raise ApplicationError(
                f"沒有名為「{name}」的示範資料產生器（已註冊：{', '.join(by_name) or '無'}）。"
            )
    chosen = set(only) or set(by_name)

    def stale(generator: DemoGenerator) -> bool:
        record = built.get(generator.name)
        return (
            record is None
            or record.get("version") != generator.version
            or record.get("seed") != seed
            or record.get("targets_table_sha256") != targets.table_sha256(generator.name)
        )

    rebuild = {name for name in chosen if stale(by_name[name])} if mode == "update" else set(chosen)
    # Rows of a dependent module may point at rows about to be removed: rebuild the dependents too.
    changed = True
    while changed:
        changed = False
        for generator in ordered:
            if generator.name in rebuild:
                continue
            dependency_rebuilt = any(dependency in rebuild for dependency in generator.depends_on)
            if dependency_rebuilt and (mode != "build" or generator.name in chosen):
                rebuild.add(generator.name)
                changed = True
    # Whatever is rebuilt needs its dependencies present.
    changed = True
    while changed:
        changed = False
        for name in list(rebuild):
            for dependency in by_name[name].depends_on:
                if dependency not in rebuild and (mode == "build" or dependency not in built):
                    rebuild.add(dependency)
                    changed = True
    build = [generator for generator in ordered if generator.name in rebuild]
    return DemoPlan(
        reset=[] if mode == "build" else list(reversed(build)),
        build=build,
        skipped=[
            generator for generator in ordered if generator.name in chosen and generator.name not in rebuild
        ],
    )


# --- the demo state file ------------------------------------------------------------------------


def demo_state_path_default() -> Path:
    """Where the demo state of the current database lives.

    `var/demo.json` for the default SQLite database; for any other database a file keyed by
    its engine, name, host and port, so that two databases never share a record of what is built.
    """
    database = connection.settings_dict
    var_dir = Path(settings.VAR_DIR)
    name = str(database.get("NAME") or "")
    engine = str(database.get("ENGINE", "")).rsplit(".", 1)[-1]
    if engine == "sqlite3" and name and Path(name).resolve() == (var_dir / "yankao.sqlite3").resolve():
        return var_dir / "demo.json"
    identity = f"{engine}|{database.get('HOST', '')}|{database.get('PORT', '')}|{name}"
    slug = (
        re.sub(r"[^A-Za-z0-9_-]+", "-", Path(name).stem if engine == "sqlite3" else name).strip("-") or "db"
    )
    return var_dir / f"demo-{engine}-{slug}-{hashlib.sha256(identity.encode()).hexdigest()[:8]}.json"


def demo_state_load(*, path: Path) -> dict[str, Any]:
    """The recorded demo state, or an empty one when there is none (or it is unreadable)."""
    empty: dict[str, Any] = {"generators": {}}
    if not path.exists():
        return empty
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return empty
    if not isinstance(state, dict) or not isinstance(state.get("generators"), dict):
        return empty
    return state


def demo_state_save(*, path: Path, state: Mapping[str, Any]) -> None:
    """Write the state file atomically (a crash never leaves half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(
        json.dumps(state, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    temporary.replace(path)


def demo_targets_display(*, path: Path) -> str:
    """The targets path as recorded: relative to the project when inside it, else absolute."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(resolved)
