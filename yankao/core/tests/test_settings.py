import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _import_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "YANKAO_FIELD_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", "import config.settings.base"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_real_keys():
    result = _import_settings(YANKAO_ENVIRONMENT="production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_refuses_debug():
    result = _import_settings(
        YANKAO_ENVIRONMENT="production", SECRET_KEY="k" * 50, YANKAO_FIELD_KEY="f" * 44, DEBUG="true"
    )
    assert result.returncode != 0
    assert "DEBUG off" in result.stderr


def test_production_starts_with_keys_from_the_environment():
    result = _import_settings(YANKAO_ENVIRONMENT="production", SECRET_KEY="k" * 50, YANKAO_FIELD_KEY="f" * 44)
    assert result.returncode == 0, result.stderr
