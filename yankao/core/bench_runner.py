"""The machinery behind `yankao bench`: the context each benchmark receives, and the run itself.

A benchmark (see `yankao.core.bench_framework`) gets a `BenchContext` and returns `Figure`s. The
context offers what every module needs to measure against a baseline *in the same run*, because
the host drifts by up to 2x from one minute to the next (reference/perf-anchors.md):

- `ctx.server()`: the app under gunicorn with production settings on 127.0.0.1, started once per
  run on first use and stopped (by its PID) when the run ends, also on errors and Ctrl-C;
- `ctx.http_compare(path)`: load on `path` and on the bare Django view of that same server,
  interleaved A B A B, with wrk (or a labelled Python client when wrk is missing);
- `ctx.time_interleaved(a, b)`: in-process medians of two callables, interleaved.

`run_benchmarks` runs the selected benchmarks, keeps going when one raises, and writes
`var/bench/results.json`; `format_table` prints the same.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import django
from django.conf import settings

from yankao.core.bench_framework import Benchmark, Figure

BARE_PATH = "/_bench/bare"
SERVER_START_TIMEOUT_S = 120.0
# Three rounds per side is the least that gives a median robust to one noisy round.
DEFAULT_ROUNDS = 3
WRK_MARKER = "YANKAO_WRK"

# collectstatic with the production storage's hashing and manifest but without its gzip/brotli
# pass, which takes ~20 s for the bundled API-docs assets. The server still runs whitenoise's
# CompressedManifestStaticFilesStorage and reads the same manifest; only clients sending
# Accept-Encoding would get the compressed files, and neither wrk nor the fallback client does.
COLLECTSTATIC_HASH_ONLY = """
import django
django.setup()
from django.core.management import call_command
from django.test import override_settings
storage = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}
with override_settings(STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                                 "staticfiles": storage}):
    call_command("collectstatic", interactive=False, verbosity=0)
"""

# wrk's own summary prints percentiles at 50/75/90/99 only and rounds them; this `done` hook
# prints exact microseconds for the percentiles we report, on one line the parser looks for.
WRK_LUA = f"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "{WRK_MARKER} requests=%d duration_us=%d status_errors=%d connect_errors=%d read_errors=%d "
    .. "write_errors=%d timeout_errors=%d p50_us=%d p95_us=%d p99_us=%d max_us=%d\\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def machine_cores() -> int:
    """The cores this process may run on (what a container or taskset allows, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# --- Load results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    """One timed load on one path: what wrk (or the Python client) saw."""

    path: str
    requests: int
    errors: int  # non-2xx responses plus socket errors and timeouts
    duration_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    tool: str

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0


class WrkOutputError(ValueError):
    pass


_WRK_FIELD = re.compile(r"(\w+)=(\d+)")
_WRK_DURATION_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _wrk_duration_s(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise WrkOutputError(f"unreadable wrk duration {text!r}")
    return float(match[1]) * _WRK_DURATION_UNITS[match[2]]


def parse_wrk_output(text: str, *, path: str) -> LoadResult:
    """Read a wrk run: the `done` hook's marker line if present, else wrk's own `--latency` summary.

    wrk counts only 4xx/5xx as status errors; 3xx cannot occur unnoticed because
    `BenchContext.http_compare` refuses a path whose first response is not 2xx.
    """
    for line in text.splitlines():
        if line.startswith(WRK_MARKER + " "):
            values = {key: int(value) for key, value in _WRK_FIELD.findall(line)}
            errors = sum(values[key] for key in values if key.endswith("_errors"))
            return LoadResult(
                path=path,
                requests=values["requests"],
                errors=errors,
                duration_s=values["duration_us"] / 1e6,
                p50_ms=values["p50_us"] / 1000,
                p95_ms=values["p95_us"] / 1000,
                p99_ms=values["p99_us"] / 1000,
                tool="wrk",
            )
    # No hook line (wrk run by hand): the standard summary has no p95, so it is interpolated
    # between p90 and p99 and labelled so.
    totals = re.search(r"(\d+) requests in ([\d.]+\w+),", text)
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)\s*$", text, flags=re.MULTILINE))
    if not totals or not {"50", "90", "99"} <= percentiles.keys():
        raise WrkOutputError("no wrk summary in the output:\n" + text[-2000:])
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    p90, p99 = (_wrk_duration_s(percentiles[p]) * 1000 for p in ("90", "99"))
    return LoadResult(
        path=path,
        requests=int(totals[1]),
        errors=(int(non_2xx[1]) if non_2xx else 0)
        + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0),
        duration_s=_wrk_duration_s(totals[2]),
        p50_ms=_wrk_duration_s(percentiles["50"]) * 1000,
        p95_ms=p90 + (p99 - p90) * 5 / 9,
        p99_ms=p99,
        tool="wrk (summary, p95 interpolated)",
    )


def _percentile(sorted_values: Sequence[float], percent: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(percent / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def python_load(
    *,
    host: str,
    port: int,
    path: str,
    connections: int,
    duration_s: float,
    timeout_s: float = 10.0,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """The fallback when wrk is missing: `connections` threads issuing requests back to back.

    Far weaker than wrk (the GIL serialises the client, which shares the cores with the server),
    so its figures are labelled "python-client". The client's own cost is added to both sides,
    so its ratios understate the difference: a smoke check, not a figure to quote.
    """
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + duration_s

    def worker() -> None:
        nonlocal errors
        own: list[float] = []
        own_errors = 0
        conn: http.client.HTTPConnection | None = None
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
                conn.request("GET", path, headers=headers or {})
                response = conn.getresponse()
                response.read()
                if not 200 <= response.status < 300:
                    own_errors += 1
                if response.will_close:  # gunicorn's sync workers close after each response
                    conn.close()
                    conn = None
            except OSError:
                own_errors += 1
                if conn is not None:
                    conn.close()
                conn = None
                continue
            own.append(time.perf_counter() - started)
        if conn is not None:
            conn.close()
        with lock:
            latencies.extend(own)
            errors += own_errors

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration_s + timeout_s + 5)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return LoadResult(
        path=path,
        requests=len(latencies),
        errors=errors,
        duration_s=elapsed,
        p50_ms=_percentile(latencies, 50) * 1000,
        p95_ms=_percentile(latencies, 95) * 1000,
        p99_ms=_percentile(latencies, 99) * 1000,
        tool="python-client",
    )


@dataclass(frozen=True)
class HttpSide:
    """One path's rounds of an interleaved comparison; figures are medians of the rounds."""

    path: str
    rounds: tuple[LoadResult, ...]

    def _median(self, attribute: str) -> float:
        return statistics.median(getattr(result, attribute) for result in self.rounds)

    @property
    def rps(self) -> float:
        return self._median("rps")

    @property
    def p50_ms(self) -> float:
        return self._median("p50_ms")

    @property
    def p95_ms(self) -> float:
        return self._median("p95_ms")

    @property
    def p99_ms(self) -> float:
        return self._median("p99_ms")

    @property
    def requests(self) -> int:
        return sum(result.requests for result in self.rounds)

    @property
    def errors(self) -> int:
        return sum(result.errors for result in self.rounds)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "rps": round(self.rps, 1),
            "rps_rounds": [round(result.rps, 1) for result in self.rounds],
            "p50_ms": round(self.p50_ms, 3),
            "p95_ms": round(self.p95_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "requests": self.requests,
            "errors": self.errors,
        }


@dataclass(frozen=True)
class HttpComparison:
    subject: HttpSide
    baseline: HttpSide
    tool: str
    connections: int
    duration_s: float

    @property
    def throughput_ratio(self) -> float:
        """subject req/s ÷ baseline req/s: 1.0 is as fast as the bare view, 0.5 half as fast."""
        return self.subject.rps / self.baseline.rps if self.baseline.rps else 0.0

    @property
    def p50_ratio(self) -> float:
        return self.subject.p50_ms / self.baseline.p50_ms if self.baseline.p50_ms else 0.0

    @property
    def errors(self) -> int:
        return self.subject.errors + self.baseline.errors

    def as_extra(self) -> dict[str, Any]:
        """The figure's extras: both sides' percentiles and throughput, and how they were measured."""
        return {
            "tool": self.tool,
            "connections": self.connections,
            "duration_s": self.duration_s,
            "rounds": len(self.subject.rounds),
            "throughput_ratio": round(self.throughput_ratio, 3),
            # Each round's subject p50 over the baseline p50 measured right after it: their spread
            # shows how much the host drifted during the figure.
            "p50_ratio_rounds": [
                round(subject.p50_ms / baseline.p50_ms, 3) if baseline.p50_ms else None
                for subject, baseline in zip(self.subject.rounds, self.baseline.rounds, strict=True)
            ],
            "subject": self.subject.as_dict(),
            "baseline": self.baseline.as_dict(),
            "summary": self.summary(),
        }

    def summary(self) -> str:
        s, b = self.subject, self.baseline
        text = (
            f"{s.rps:,.0f} vs {b.rps:,.0f} req/s ({self.throughput_ratio:.2f}x); "
            f"p50/p95/p99 {s.p50_ms:.1f}/{s.p95_ms:.1f}/{s.p99_ms:.1f} vs "
            f"{b.p50_ms:.1f}/{b.p95_ms:.1f}/{b.p99_ms:.1f} ms"
        )
        if self.tool != "wrk":
            text += f" [{self.tool}]"
        if self.errors:
            text += f"; {self.errors} ERRORS"
        return text


# --- In-process timing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    samples: tuple[float, ...]  # seconds per call of the function, one per repeat

    @property
    def median_s(self) -> float:
        return statistics.median(self.samples)

    @property
    def min_s(self) -> float:
        return min(self.samples)

    @property
    def max_s(self) -> float:
        return max(self.samples)

    @property
    def spread(self) -> float:
        """(max - min) / median: 0.2 means the repeats varied by 20 % of the median."""
        return (self.max_s - self.min_s) / self.median_s if self.median_s else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "median_s": self.median_s,
            "min_s": self.min_s,
            "max_s": self.max_s,
            "spread": round(self.spread, 3),
            "repeat": len(self.samples),
        }


@dataclass(frozen=True)
class InterleavedTiming:
    a: Timing
    b: Timing

    @property
    def ratio(self) -> float:
        """a's median ÷ b's median."""
        return self.a.median_s / self.b.median_s if self.b.median_s else 0.0


def time_interleaved(
    a: Callable[[], object], b: Callable[[], object], *, repeat: int = 7, warmup: int = 1
) -> InterleavedTiming:
    """Time `a` and `b` alternately (a b a b ...) so that host drift hits both alike."""
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    for _ in range(warmup):
        a()
        b()
    a_samples: list[float] = []
    b_samples: list[float] = []
    for _ in range(repeat):
        for function, samples in ((a, a_samples), (b, b_samples)):
            started = time.perf_counter()
            function()
            samples.append(time.perf_counter() - started)
    return InterleavedTiming(a=Timing(tuple(a_samples)), b=Timing(tuple(b_samples)))


# --- The server under test ------------------------------------------------------------------------


class BenchServerError(RuntimeError):
    pass


def child_environment(database_url: str, **extra: str) -> dict[str, str]:
    """This process's environment for a child on `database_url` (settings: base unless set)."""
    environment = {**os.environ, "DATABASE_URL": database_url, **extra}
    environment.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    return environment


def python_in_child(
    database_url: str,
    *args: str,
    timeout_s: float = 900,
    environment: dict[str, str] | None = None,
) -> str:
    """Run this interpreter with `args` in the project on `database_url`; its standard output.

    Benchmarks build and measure in child processes, so that a figure is not charged for the
    runner's own imports and caches; every child is bounded in time, and a failure raises with the
    tail of what the child printed.
    """
    completed = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=environment or child_environment(database_url),
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if completed.returncode:
        shown = " ".join(arg if len(arg) < 80 else arg[:40] + "…" for arg in args)
        raise RuntimeError(f"`{shown}` failed:\n{(completed.stdout + completed.stderr)[-4000:]}")
    return completed.stdout


def manage_in_child(database_url: str, *args: str, timeout_s: float = 900) -> str:
    """`python -m django <args>` on `database_url`, as `python_in_child`."""
    return python_in_child(database_url, "-m", "django", *args, timeout_s=timeout_s)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _throwaway_key() -> str:
    # The same form as the development keys scripts/bootstrap.sh writes (a Fernet-compatible key).
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def http_get(
    host: str, port: int, path: str, *, timeout_s: float = 5.0, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class BenchServer:
    """yankao under gunicorn (sync workers = cores) with production settings on 127.0.0.1.

    Its database is a fresh SQLite file under `workdir`, migrated and seeded, unless
    `database_url` is given (then used as it is: it must be migrated already).
    """

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        workdir: Path,
        database_url: str | None = None,
        workers: int | None = None,
        status: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.workdir = workdir
        self.database_url = database_url
        self.workers = workers or machine_cores()
        self.port = 0
        self.log_path = workdir / "server.log"
        self._status = status
        self._process: subprocess.Popen[bytes] | None = None
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def describe(self) -> dict[str, Any]:
        return {
            "server": "gunicorn",
            "worker_class": "sync",
            "workers": self.workers,
            "settings": "production (DEBUG off)",
            "database": "given DATABASE_URL" if self.database_url else "fresh SQLite, migrated and seeded",
        }

    def _environment(self, static_root: Path, database_url: str) -> dict[str, str]:
        environment = {
            key: value
            for key, value in os.environ.items()
            # The server's settings come from here alone, not from the shell that runs the bench.
            if not key.startswith(("YANKAO_", "DJANGO_")) and key not in {"DEBUG", "SECRET_KEY"}
        }
        environment.update(
            DJANGO_SETTINGS_MODULE="config.settings.base",
            YANKAO_ENVIRONMENT="production",
            DEBUG="false",
            SECRET_KEY=_throwaway_key(),
            YANKAO_FIELD_KEY=_throwaway_key(),
            ALLOWED_HOSTS=self.host,
            DATABASE_URL=database_url,
            STATIC_ROOT=str(static_root),
            YANKAO_BENCH_BARE_VIEW="true",
            LOG_LEVEL="WARNING",
        )
        return environment

    def _manage(
        self, environment: dict[str, str], *args: str, python: Sequence[str] = ("-m", "django")
    ) -> None:
        completed = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, *python, *args],
            cwd=settings.BASE_DIR,
            env=environment,
            capture_output=True,
            timeout=600,
            check=False,
        )
        if completed.returncode:
            output = (completed.stdout + completed.stderr).decode(errors="replace")
            raise BenchServerError(f"`{' '.join(args)}` failed for the bench server:\n{output[-4000:]}")

    def start(self) -> None:
        if self._process is not None:
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._tempdir = tempfile.TemporaryDirectory(prefix="run-", dir=self.workdir)
        static_root = Path(self._tempdir.name) / "static"
        database_url = self.database_url
        if not database_url:
            database = self.workdir / "bench.sqlite3"
            for stale in (
                database,
                database.with_name(database.name + "-wal"),
                database.with_name(database.name + "-shm"),
            ):
                stale.unlink(missing_ok=True)
            database_url = f"sqlite:///{database}"
        environment = self._environment(static_root, database_url)
        if not self.database_url:
            self._status("server: migrating a fresh database")
            self._manage(environment, "migrate", "--no-input", "-v0")
            self._status("server: seeding")
            self._manage(environment, "seed", "-v0")
        # The shared cache (rate limits) lives in a table; creating it is idempotent.
        self._manage(environment, "createcachetable")
        # Production resolves {% static %} through whitenoise's manifest, which must exist.
        self._status("server: collecting static files")
        self._manage(environment, "collectstatic", python=("-c", COLLECTSTATIC_HASH_ONLY))
        self._status("server: starting gunicorn")
        for _attempt in range(3):  # the free port can be taken between the probe and the bind
            self.port = _free_port()
            with self.log_path.open("wb") as log:
                self._process = subprocess.Popen(  # noqa: S603
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "--no-control-socket",  # gunicorn 27 would otherwise write ~/.gunicorn/
                        "--worker-class",
                        "sync",
                        "--workers",
                        str(self.workers),
                        "--bind",
                        f"{self.host}:{self.port}",
                        "--log-level",
                        "warning",
                        "config.wsgi:application",
                    ],
                    cwd=settings.BASE_DIR,
                    env=environment,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    # Its own process group: a Ctrl-C in the terminal reaches the runner, which
                    # then stops the server itself, in order.
                    start_new_session=True,
                )
            if self._wait_ready():
                return
            self.stop()
        raise BenchServerError(f"gunicorn did not start; its log:\n{self._log_tail()}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                status, _body = http_get(self.host, self.port, "/healthz", timeout_s=2)
            except OSError:
                time.sleep(0.1)
                continue
            if status == 200:
                return True
            raise BenchServerError(f"/healthz answered {status} at start; server log:\n{self._log_tail()}")
        return False

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Stop gunicorn by its PID (SIGTERM: the master stops its workers), SIGKILL its group if stuck."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the group it leads: its own workers only
                process.wait(timeout=5)
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None


# --- The context benchmarks receive ---------------------------------------------------------------


def bench_login(server: BenchServer, *, username: str, password: str) -> str:
    """Sign in through the real login form of the bench server; the session's Cookie header.

    Pages behind a login are measured with the session a browser would hold, so the figures include
    what every signed-in request pays (session, user, CSRF).
    """
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.request("GET", "/login/")
        response = connection.getresponse()
        page = response.read().decode()
        jar = _set_cookies(response.getheaders())
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if token is None:
            raise BenchServerError("the login page has no CSRF token")
        body = urlencode({"csrfmiddlewaretoken": token[1], "username": username, "password": password})
        connection.request(
            "POST",
            "/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "; ".join(f"{key}={value}" for key, value in jar.items()),
                "Referer": server.base_url + "/login/",
            },
        )
        response = connection.getresponse()
        response.read()
        jar.update(_set_cookies(response.getheaders()))
    finally:
        connection.close()
    if response.status != 302 or "sessionid" not in jar:
        raise BenchServerError(f"login as {username} failed ({response.status})")
    return "; ".join(f"{key}={value}" for key, value in jar.items())


def _set_cookies(response_headers: list[tuple[str, str]]) -> dict[str, str]:
    jar: dict[str, str] = {}
    for name, value in response_headers:
        if name.lower() == "set-cookie":
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(value)
            jar.update({key: morsel.value for key, morsel in cookie.items()})
    return jar


class BenchContext:
    """What a benchmark's `run(ctx)` gets. One per run; `close()` stops what it started."""

    def __init__(
        self,
        *,
        quick: bool = False,
        workdir: Path | None = None,
        database_url: str | None = None,
        status: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.quick = quick
        self.workdir = workdir or Path(settings.VAR_DIR) / "bench"
        self.database_url = database_url
        self.status = status
        self.wrk = shutil.which("wrk")
        self._server: BenchServer | None = None
        self._server_error: BaseException | None = None
        # Servers on other databases a module asked for (a demo-sized database), by URL.
        self._other_servers: dict[str, BenchServer] = {}

    @property
    def server_started(self) -> bool:
        return self._server is not None and self._server.pid is not None

    def server(self, *, database_url: str | None = None, workers: int | None = None) -> BenchServer:
        """The app under gunicorn, started on first use and shared by every benchmark of the run.

        `database_url`: a server on that (migrated) database instead, also started once per run
        and stopped with the others; for figures that need a demo-sized database. `workers`: its
        gunicorn sync workers (default: one per core).
        """
        if database_url and database_url != self.database_url:
            other = self._other_servers.get(database_url)
            if other is None:
                other = BenchServer(
                    workdir=self.workdir,
                    database_url=database_url,
                    workers=workers,
                    status=lambda message: self.status(message),
                )
                self._other_servers[database_url] = other
                try:
                    other.start()
                except BaseException:
                    other.stop()
                    del self._other_servers[database_url]
                    raise
            return other
        if self._server_error is not None:  # one failure is enough; do not retry per benchmark
            raise BenchServerError(f"the bench server failed to start: {self._server_error}")
        if self._server is None:
            server = BenchServer(
                workdir=self.workdir,
                database_url=self.database_url,
                status=lambda message: self.status(message),
            )
            try:
                server.start()
            except BaseException as error:
                self._server_error = error
                server.stop()
                raise
            self._server = server
        return self._server

    def http_compare(
        self,
        path: str,
        *,
        baseline_path: str = BARE_PATH,
        rounds: int | None = None,
        duration_s: float | None = None,
        connections: int = 16,
        threads: int = 2,
        headers: dict[str, str] | None = None,
        database_url: str | None = None,
    ) -> HttpComparison:
        """Load `path` and `baseline_path` on the same server, interleaved A B A B, and compare.

        Defaults follow reference/perf-anchors.md §2: wrk -t2 -c16, 5 s per round, 3 rounds per
        side; `--quick` runs 2 rounds of 1 s. Each side is warmed up first (one short round,
        discarded) so that lazy imports and the first template compilation do not count.
        """
        rounds = rounds or (2 if self.quick else DEFAULT_ROUNDS)
        duration_s = duration_s or (1.0 if self.quick else 5.0)
        server = self.server(database_url=database_url) if database_url else self.server()
        for checked in (path, baseline_path):
            if headers:
                status, _body = http_get(server.host, server.port, checked, headers=headers)
            else:
                status, _body = http_get(server.host, server.port, checked)
            if not 200 <= status < 300:
                raise BenchServerError(f"GET {checked} answered {status}, not 2xx: nothing to measure")
        tool = "wrk" if self.wrk else "python-client"

        def load(target: str, seconds: float) -> LoadResult:
            if self.wrk:
                if headers:
                    return self._wrk(
                        server,
                        target,
                        seconds=seconds,
                        connections=connections,
                        threads=threads,
                        headers=headers,
                    )
                return self._wrk(server, target, seconds=seconds, connections=connections, threads=threads)
            return python_load(
                host=server.host,
                port=server.port,
                path=target,
                connections=connections,
                duration_s=seconds,
                headers=headers,
            )

        for target in (path, baseline_path):
            self.status(f"warm-up {target}")
            load(target, 1.0)
        results: dict[str, list[LoadResult]] = {path: [], baseline_path: []}
        for round_number in range(1, rounds + 1):
            for target in (path, baseline_path):
                self.status(f"{target} round {round_number}/{rounds} ({tool})")
                results[target].append(load(target, duration_s))
        return HttpComparison(
            subject=HttpSide(path, tuple(results[path])),
            baseline=HttpSide(baseline_path, tuple(results[baseline_path])),
            tool=tool,
            connections=connections,
            duration_s=duration_s,
        )

    def _wrk(
        self,
        server: BenchServer,
        path: str,
        *,
        seconds: float,
        connections: int,
        threads: int,
        headers: dict[str, str] | None = None,
    ) -> LoadResult:
        assert self.wrk is not None
        script = self.workdir / "report.lua"
        self.workdir.mkdir(parents=True, exist_ok=True)
        if not script.exists() or script.read_text() != WRK_LUA:
            script.write_text(WRK_LUA)
        completed = subprocess.run(  # noqa: S603
            [
                self.wrk,
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds:g}s",
                "--latency",
                "--timeout",
                "10s",
                "-s",
                str(script),
                *[option for name, value in (headers or {}).items() for option in ("-H", f"{name}: {value}")],
                server.base_url + path,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,  # every load is bounded in time, even if wrk hangs
            check=False,
        )
        if completed.returncode:
            raise BenchServerError(f"wrk failed ({completed.returncode}): {completed.stderr[-2000:]}")
        return parse_wrk_output(completed.stdout, path=path)

    def time_interleaved(
        self, a: Callable[[], object], b: Callable[[], object], *, repeat: int = 7, warmup: int = 1
    ) -> InterleavedTiming:
        """In-process medians of `a` and `b`, called alternately; see `time_interleaved`."""
        return time_interleaved(a, b, repeat=repeat, warmup=warmup)

    def metadata(self) -> dict[str, Any]:
        data: dict[str, Any] = {"load_tool": "wrk" if self.wrk else "python-client (wrk not found)"}
        if self._server is not None:
            data["server"] = self._server.describe()
        if self._other_servers:
            data["other_servers"] = [server.describe() for server in self._other_servers.values()]
        return data

    def close(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        for server in self._other_servers.values():
            server.stop()
        self._other_servers.clear()


# --- The run --------------------------------------------------------------------------------------


@dataclass
class BenchError:
    benchmark: str
    error: str
    traceback: str


@dataclass
class RunReport:
    metadata: dict[str, Any]
    records: list[dict[str, Any]] = field(default_factory=list)
    errors: list[BenchError] = field(default_factory=list)
    interrupted: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "run": {**self.metadata, "interrupted": self.interrupted},
            "figures": self.records,
            "errors": [asdict(error) for error in self.errors],
        }


def _git_commit() -> str | None:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 (git from PATH, as any developer runs it)
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if completed.returncode:
        return None
    return completed.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def run_metadata(*, only: str | None, quick: bool) -> dict[str, Any]:
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
        "cores": machine_cores(),
        # The host is shared: a high load average at start explains a noisy run.
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(),
        "only": only,
        "quick": quick,
    }


def select_benchmarks(benchmarks: Iterable[Benchmark], *, only: str | None) -> list[Benchmark]:
    return [bench for bench in benchmarks if only is None or bench.module == only]


def run_benchmarks(
    benchmarks: Sequence[Benchmark],
    *,
    context: BenchContext,
    only: str | None = None,
    out_path: Path | None = None,
    progress: bool = True,
) -> RunReport:
    """Run each benchmark, record its figures or its error, stop the server, write results.json."""
    from tqdm import tqdm

    report = RunReport(metadata=run_metadata(only=only, quick=context.quick))
    bar = tqdm(benchmarks, desc="bench", unit="benchmark", disable=not progress, file=sys.stderr)
    context.status = lambda message: bar.set_postfix_str(message[:60])
    try:
        for bench in bar:
            label = f"{bench.module}.{bench.name}"
            bar.set_description(label)
            try:
                figures = bench.run(context)
                if not isinstance(figures, list) or not all(isinstance(f, Figure) for f in figures):
                    raise TypeError(f"{label} must return a list of Figure, got {figures!r}")
            except Exception as error:
                report.errors.append(
                    BenchError(
                        benchmark=label,
                        error=f"{type(error).__name__}: {error}",
                        traceback=traceback.format_exc(),
                    )
                )
                continue
            for figure in figures:
                report.records.append({"module": bench.module, "benchmark": bench.name, **figure.as_record()})
    except BaseException:  # Ctrl-C or SIGTERM: keep what was measured, then let it propagate
        report.interrupted = True
        raise
    finally:
        bar.close()
        report.metadata.update(context.metadata())
        # Includes the run's own server and wrk; for comparison with the start only.
        report.metadata["load_average_end"] = [round(load, 2) for load in os.getloadavg()]
        context.close()
        if out_path is not None:
            out_path.parent.mkdir(parents=True, exist_ok=True)
            out_path.write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n")
    return report


# --- The table ------------------------------------------------------------------------------------


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _ratio(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    # Against a naive baseline the ratio can be 1/7,000: keep its significant digits.
    return f"{ratio:.2f}x" if ratio >= 0.01 else f"{ratio:.2g}x"


def _status(goal_met: bool | None) -> str:
    return {True: "met", False: "MISSED", None: "—"}[goal_met]


def busy_warning(metadata: dict[str, Any]) -> str | None:
    """A warning when other work was sharing the cores as the run started.

    Only the load average at the start counts: by the end it includes the run's own server and
    wrk. Above half the cores, something else is competing with them.
    """
    load = metadata.get("load_average", [0.0])[0]
    cores = metadata.get("cores") or machine_cores()
    if load <= cores / 2:
        return None
    return (
        f"WARNING: the machine was busy (1-minute load average {load:.1f} on {cores} cores at start): "
        "ratios are noisier than usual and goal verdicts may flip; rerun on a quiet machine."
    )


def format_table(
    records: Sequence[dict[str, Any]],
    errors: Sequence[BenchError] = (),
    *,
    metadata: dict[str, Any] | None = None,
) -> str:
    """The figures as an aligned text table; missed goals and errors stand out in capitals."""
    header = ("figure", "value", "baseline", "ratio", "goal", "status", "details")
    rows = [header]
    for record in records:
        baseline = record["baseline"]
        extra = record.get("extra", {})
        rows.append(
            (
                record["name"],
                f"{_number(record['value'])} {record['unit']}",
                f"{baseline['name']} {_number(baseline['value'])}",
                _ratio(record["ratio"]),
                record["goal"],
                _status(record["goal_met"]),
                str(extra.get("summary", "")),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    missed = sum(1 for record in records if record["goal_met"] is False)
    lines.append("")
    lines.append(f"{len(records)} figures, {missed} goal(s) MISSED, {len(errors)} benchmark(s) ERRORED")
    for error in errors:
        lines.append(f"ERROR in {error.benchmark}: {error.error}")
    warning = busy_warning(metadata or {})
    if warning:
        lines.append(warning)
    return "\n".join(lines)
