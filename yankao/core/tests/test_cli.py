import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _yankao(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "YANKAO_ENVIRONMENT": "test",
    }
    return subprocess.run(
        [sys.executable, "-c", "from yankao.cli import main; main()", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_a_refused_command_prints_the_chinese_message_not_a_traceback(tmp_path):
    assert _yankao("migrate", "-v0", tmp_path=tmp_path).returncode == 0
    result = _yankao("seed", "--city", "atlantis", tmp_path=tmp_path)
    assert result.returncode == 1
    assert "錯誤：找不到城市「atlantis」" in result.stderr
    assert "Traceback" not in result.stderr
