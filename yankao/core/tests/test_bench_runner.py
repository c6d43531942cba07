"""The mechanics of `yankao bench`: registry to results.json, selection, errors, parsing, interleaving.

Nothing here asserts a duration: figures are judged by `yankao bench` against their baseline, never
by a timed test. The one test that starts gunicorn checks only that it starts, answers and stops.
"""

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from yankao.core import bench_runner
from yankao.core.bench_bare import bare_view
from yankao.core.bench_framework import Figure, bench_registry, benchmark
from yankao.core.bench_runner import (
    BenchContext,
    BenchServer,
    BenchServerError,
    LoadResult,
    format_table,
    parse_wrk_output,
    python_load,
    run_benchmarks,
    time_interleaved,
)
from yankao.core.registries import autodiscover

# Captured from `wrk -t2 -c16 -d1s --latency -s report.lua` against the bench server's bare view.
WRK_WITH_HOOK = """\
Running 1s test @ http://127.0.0.1:32803/_bench/bare
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.05ms    5.55ms 114.42ms   98.55%
    Req/Sec     1.63k   526.33     2.49k    85.71%
  Latency Distribution
     50%    4.33ms
     75%    5.53ms
     90%    6.61ms
     99%   14.35ms
  3400 requests in 1.10s, 1.82MB read
Requests/sec:   3090.01
Transfer/sec:      1.65MB
YANKAO_WRK requests=3400 duration_us=1100321 status_errors=0 connect_errors=0 read_errors=0 \
write_errors=0 timeout_errors=0 p50_us=4328 p95_us=8502 p99_us=14348 max_us=114424
"""

# The same without the hook, on a path that answers 404.
WRK_PLAIN_NOT_FOUND = """\
Running 1s test @ http://127.0.0.1:32803/nope
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   610.42ms  257.17ms 938.91ms   50.00%
    Req/Sec     8.83      2.86    10.00     83.33%
  Latency Distribution
     50%  711.86ms
     75%  934.23ms
     90%  938.91ms
     99%  938.91ms
  8 requests in 1.00s, 1.91KB read
  Non-2xx or 3xx responses: 8
Requests/sec:      7.98
Transfer/sec:      1.90KB
"""


# --- Fake benchmarks ------------------------------------------------------------------------------


@pytest.fixture
def fake_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty benchmark registry for the test (the real modules' bench.py imported beforehand,
    so that the command's autodiscover adds nothing to it)."""
    autodiscover("bench")
    monkeypatch.setattr(bench_registry, "_entries", {})


def _figure(name: str, *, value: float = 30.0, baseline: float = 10.0, met: bool | None = True) -> Figure:
    return Figure(
        name=name,
        value=value,
        unit="ms",
        baseline_name="fake baseline",
        baseline_value=baseline,
        goal="within 5x",
        goal_met=met,
        extra={"p50_ms": 1.0, "summary": "fake details"},
    )


def _bench(tmp_path: Path, *args: str) -> tuple[dict[str, Any], str]:
    out = tmp_path / "results.json"
    stdout = StringIO()
    try:
        call_command("bench", *args, "--out", str(out), "--no-progress", stdout=stdout, stderr=StringIO())
    finally:
        written = json.loads(out.read_text()) if out.exists() else {}
    return written, stdout.getvalue()


def test_a_registered_figure_lands_in_results_json_with_its_ratio(
    fake_registry: None, tmp_path: Path
) -> None:
    @benchmark(module="fakemod", name="one")
    def one(ctx: Any) -> list[Figure]:
        assert isinstance(ctx, BenchContext)
        return [_figure("fakemod.speed", value=30.0, baseline=10.0, met=False)]

    results, table = _bench(tmp_path, "--only", "fakemod")

    run = results["run"]
    for key in ("time", "git_commit", "cores", "python", "django", "load_average", "platform"):
        assert key in run
    assert run["only"] == "fakemod"
    assert run["interrupted"] is False
    assert "server" not in run  # no benchmark asked for it, so none was started
    assert results["errors"] == []
    assert results["figures"] == [
        {
            "module": "fakemod",
            "benchmark": "one",
            "name": "fakemod.speed",
            "value": 30.0,
            "unit": "ms",
            "baseline": {"name": "fake baseline", "value": 10.0},
            "ratio": 3.0,
            "goal": "within 5x",
            "goal_met": False,
            "extra": {"p50_ms": 1.0, "summary": "fake details"},
        }
    ]
    assert "fakemod.speed" in table
    assert "3.00x" in table
    assert "MISSED" in table  # a missed goal stands out, but the command still succeeds


def test_only_selects_one_module(fake_registry: None, tmp_path: Path) -> None:
    @benchmark(module="alpha", name="a")
    def a(ctx: Any) -> list[Figure]:
        return [_figure("alpha.a")]

    @benchmark(module="beta", name="b")
    def b(ctx: Any) -> list[Figure]:
        return [_figure("beta.b")]

    only_beta, _ = _bench(tmp_path, "--only", "beta")
    everything, _ = _bench(tmp_path)

    assert [record["name"] for record in only_beta["figures"]] == ["beta.b"]
    assert [record["name"] for record in everything["figures"]] == ["alpha.a", "beta.b"]


def test_an_unknown_module_is_refused(fake_registry: None, tmp_path: Path) -> None:
    @benchmark(module="alpha", name="a")
    def a(ctx: Any) -> list[Figure]:
        return []

    with pytest.raises(CommandError, match="no benchmarks for module 'gamma'"):
        _bench(tmp_path, "--only", "gamma")


def test_a_benchmark_that_raises_fails_the_command_but_the_others_still_run(
    fake_registry: None, tmp_path: Path
) -> None:
    @benchmark(module="fakemod", name="broken")
    def broken(ctx: Any) -> list[Figure]:
        raise RuntimeError("the baseline fell over")

    @benchmark(module="fakemod", name="fine")
    def fine(ctx: Any) -> list[Figure]:
        return [_figure("fakemod.fine")]

    out = tmp_path / "results.json"
    with pytest.raises(CommandError, match="1 benchmark"):
        _bench(tmp_path, "--only", "fakemod")

    results = json.loads(out.read_text())
    assert [record["name"] for record in results["figures"]] == ["fakemod.fine"]
    [error] = results["errors"]
    assert error["benchmark"] == "fakemod.broken"
    assert "RuntimeError: the baseline fell over" in error["error"]
    assert "Traceback" in error["traceback"]


def test_a_benchmark_returning_something_else_than_figures_is_an_error(
    fake_registry: None, tmp_path: Path
) -> None:
    @benchmark(module="fakemod", name="sloppy")
    def sloppy(ctx: Any) -> Any:
        return {"value": 1}

    with pytest.raises(CommandError):
        _bench(tmp_path, "--only", "fakemod")


class _RecordingContext(BenchContext):
    closed = False

    def close(self) -> None:
        self.closed = True


def test_ctrl_c_keeps_what_was_measured_and_stops_the_server(tmp_path: Path) -> None:
    def measured(ctx: Any) -> list[Figure]:
        return [_figure("fakemod.before")]

    def interrupted(ctx: Any) -> list[Figure]:
        raise KeyboardInterrupt

    benches = [
        bench_runner.Benchmark(module="fakemod", name="before", run=measured),
        bench_runner.Benchmark(module="fakemod", name="interrupted", run=interrupted),
    ]
    context = _RecordingContext(workdir=tmp_path)
    out = tmp_path / "results.json"
    with pytest.raises(KeyboardInterrupt):
        run_benchmarks(benches, context=context, out_path=out, progress=False)

    assert context.closed
    results = json.loads(out.read_text())
    assert results["run"]["interrupted"] is True
    assert [record["name"] for record in results["figures"]] == ["fakemod.before"]


def test_the_table_marks_missed_goals_and_errors() -> None:
    records = [
        {"name": "m.met", **_figure("m.met").as_record()},
        {"name": "m.missed", **_figure("m.missed", met=False).as_record()},
        {"name": "m.none", **_figure("m.none", met=None, baseline=0).as_record()},
        {"name": "m.tiny", **_figure("m.tiny", value=1, baseline=7000).as_record()},
    ]
    errors = [bench_runner.BenchError(benchmark="m.broken", error="ValueError: no", traceback="")]

    table = format_table(records, errors)

    lines = table.splitlines()
    assert lines[0].split()[:2] == ["figure", "value"]
    assert "met" in lines[2]
    assert "MISSED" in lines[3]
    assert "—" in lines[4]  # no baseline value: no ratio, and no pass/fail
    assert "0.00014x" in lines[5]  # a ratio against a naive baseline keeps its digits
    assert "4 figures, 1 goal(s) MISSED, 1 benchmark(s) ERRORED" in table
    assert "ERROR in m.broken: ValueError: no" in table


# --- wrk output -----------------------------------------------------------------------------------


def test_the_wrk_parser_reads_the_done_hook_line() -> None:
    result = parse_wrk_output(WRK_WITH_HOOK, path="/_bench/bare")

    assert result == LoadResult(
        path="/_bench/bare",
        requests=3400,
        errors=0,
        duration_s=1.100321,
        p50_ms=4.328,
        p95_ms=8.502,
        p99_ms=14.348,
        tool="wrk",
    )
    assert result.rps == pytest.approx(3090.0, abs=0.1)


def test_the_wrk_parser_falls_back_on_the_summary_and_counts_non_2xx() -> None:
    result = parse_wrk_output(WRK_PLAIN_NOT_FOUND, path="/nope")

    assert result.requests == 8
    assert result.errors == 8
    assert result.duration_s == pytest.approx(1.0)
    assert result.p50_ms == pytest.approx(711.86)
    assert result.p99_ms == pytest.approx(938.91)
    assert result.p95_ms == pytest.approx(938.91)  # interpolated between p90 and p99
    assert "interpolated" in result.tool


def test_the_wrk_parser_refuses_output_without_a_summary() -> None:
    with pytest.raises(bench_runner.WrkOutputError):
        parse_wrk_output("unable to connect to 127.0.0.1:1 Connection refused\n", path="/")


def test_the_lua_hook_prints_every_field_the_parser_reads() -> None:
    for name in ("requests", "duration_us", "status_errors", "p50_us", "p95_us", "p99_us"):
        assert f"{name}=" in bench_runner.WRK_LUA


# --- Interleaving ---------------------------------------------------------------------------------


def test_time_interleaved_alternates_and_takes_medians() -> None:
    calls: list[str] = []

    result = time_interleaved(lambda: calls.append("a"), lambda: calls.append("b"), repeat=3, warmup=1)

    assert calls == ["a", "b"] * 4  # one warm-up pair, then a b a b a b
    assert len(result.a.samples) == len(result.b.samples) == 3
    assert result.a.min_s <= result.a.median_s <= result.a.max_s
    assert result.ratio == result.a.median_s / result.b.median_s
    assert set(result.a.as_dict()) == {"median_s", "min_s", "max_s", "spread", "repeat"}


class _StubServer:
    host = "127.0.0.1"
    port = 9
    base_url = "http://127.0.0.1:9"


def test_http_compare_interleaves_the_two_paths_and_takes_medians(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    context = BenchContext(workdir=tmp_path)
    context.wrk = "/usr/bin/wrk"
    monkeypatch.setattr(context, "server", lambda: _StubServer())
    monkeypatch.setattr(bench_runner, "http_get", lambda host, port, path, **kw: (200, b""))
    order: list[tuple[str, float]] = []
    p50 = {"/page": iter([99.0, 4.0, 6.0, 5.0]), "/_bench/bare": iter([99.0, 2.0, 1.0, 3.0])}

    def fake_wrk(server: Any, path: str, *, seconds: float, connections: int, threads: int) -> LoadResult:
        order.append((path, seconds))
        latency = next(p50[path])
        return LoadResult(path, requests=int(1000 / latency), errors=0, duration_s=1.0,
                          p50_ms=latency, p95_ms=latency * 2, p99_ms=latency * 3, tool="wrk")  # fmt: skip

    monkeypatch.setattr(context, "_wrk", fake_wrk)

    comparison = context.http_compare("/page", rounds=3, duration_s=5)

    assert order == [("/page", 1.0), ("/_bench/bare", 1.0)] + [("/page", 5), ("/_bench/bare", 5)] * 3
    assert comparison.subject.p50_ms == 5.0  # the warm-up round (99) is discarded
    assert comparison.baseline.p50_ms == 2.0
    assert comparison.p50_ratio == 2.5
    assert comparison.throughput_ratio == pytest.approx(200 / 500)
    extra = comparison.as_extra()
    assert extra["tool"] == "wrk"
    assert extra["subject"]["p99_ms"] == 15.0
    assert extra["baseline"]["rps_rounds"] == [500, 1000, 333]
    assert extra["p50_ratio_rounds"] == [2.0, 6.0, 1.667]


def test_http_compare_refuses_a_path_that_does_not_answer_2xx(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    context = BenchContext(workdir=tmp_path)
    monkeypatch.setattr(context, "server", lambda: _StubServer())
    monkeypatch.setattr(bench_runner, "http_get", lambda host, port, path, **kw: (302, b""))

    with pytest.raises(BenchServerError, match="answered 302"):
        context.http_compare("/console/")


def test_a_server_that_failed_to_start_is_not_retried_by_every_benchmark(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    attempts: list[int] = []

    def failing_start(self: BenchServer) -> None:
        attempts.append(1)
        raise BenchServerError("port on fire")

    monkeypatch.setattr(BenchServer, "start", failing_start)
    context = BenchContext(workdir=tmp_path)
    with pytest.raises(BenchServerError, match="port on fire"):
        context.server()
    with pytest.raises(BenchServerError, match="failed to start"):
        context.server()
    assert attempts == [1]


# --- The fallback client, against a throwaway local server ----------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        status = 200 if self.path == "/ok" else 404
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def local_http() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_python_client_counts_requests_and_non_2xx(local_http: ThreadingHTTPServer) -> None:
    port = local_http.server_address[1]

    ok = python_load(host="127.0.0.1", port=port, path="/ok", connections=2, duration_s=0.3)
    missing = python_load(host="127.0.0.1", port=port, path="/missing", connections=2, duration_s=0.3)

    assert ok.requests > 0
    assert ok.errors == 0
    assert ok.tool == "python-client"
    assert 0 < ok.p50_ms <= ok.p95_ms <= ok.p99_ms
    assert missing.errors == missing.requests > 0


# --- The bare view and the real server --------------------------------------------------------


def test_the_bare_view_answers_hello_world() -> None:
    response = bare_view(RequestFactory().get("/_bench/bare"))

    assert response.status_code == 200
    assert json.loads(response.content) == {"hello": "world"}


def test_the_bench_server_starts_answers_and_stops(tmp_path: Path) -> None:
    """One real start (migrate, seed, collectstatic, gunicorn; about 10 s), then a stop by PID."""
    server = BenchServer(workdir=tmp_path, workers=1)
    try:
        server.start()
        pid = server.pid
        assert pid is not None
        status, body = bench_runner.http_get(server.host, server.port, "/healthz")
        assert status == 200
        assert json.loads(body)["status"] == "ok"
        status, body = bench_runner.http_get(server.host, server.port, "/_bench/bare")
        assert (status, json.loads(body)) == (200, {"hello": "world"})
    finally:
        server.stop()
    assert server.pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the gunicorn master is gone (and reaped), not merely signalled
    assert not list(tmp_path.glob("run-*"))  # the temporary STATIC_ROOT is removed


def test_the_table_warns_when_the_machine_was_busy_at_start() -> None:
    quiet = format_table(
        [], metadata={"cores": 2, "load_average": [0.4, 0.3, 0.2], "load_average_end": [3.0]}
    )
    busy = format_table([], metadata={"cores": 2, "load_average": [4.1, 3.2, 1.6]})

    assert "WARNING" not in quiet  # the run's own load at the end does not count
    assert "WARNING: the machine was busy (1-minute load average 4.1 on 2 cores at start)" in busy
