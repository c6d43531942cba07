#!/usr/bin/env bash
# Sets up everything yankao needs on this machine, idempotently:
# a Python 3.12+ virtual environment from the lock file, the Debian packages the
# features need (when run as root), and development keys under var/.
# Usage: scripts/bootstrap.sh [--browser]   (--browser also installs Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\033[1m[setup %s]\033[0m %s\n' "$1" "$2"; }

# 1. A Python of 3.12 or newer, never downloaded.
find_python() {
    for candidate in python3.12 python3.13; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
            command -v "$candidate"; return 0
        fi
    done
    if command -v pyenv >/dev/null 2>&1; then
        for candidate in $(ls -d "$(pyenv root)"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V); do
            if "$candidate" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
                echo "$candidate"; return 0
            fi
        done
    fi
    return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
    PYTHON=$(find_python) || {
        echo "yankao needs Python 3.12 or newer and found none." >&2
        echo "Fix: install it with your system's packages (e.g. 'apt-get install python3.12 python3.12-venv')" >&2
        echo "or with pyenv ('pyenv install 3.12'), then run this command again." >&2
        exit 1
    }
    step 1/4 "creating .venv with $PYTHON ($("$PYTHON" --version))"
    rm -rf .venv
    "$PYTHON" -m venv .venv
else
    step 1/4 "virtual environment .venv ($(.venv/bin/python --version))"
fi

# 2. Python packages from the lock file, reinstalled only when the lock changes.
lock_sum=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat .venv/.yankao-lock 2>/dev/null)" != "$lock_sum" ]; then
    step 2/4 "installing Python packages from requirements.lock"
    .venv/bin/python -m pip install --disable-pip-version-check -q --upgrade pip
    .venv/bin/python -m pip install --disable-pip-version-check --progress-bar on -q --require-hashes -r requirements.lock
    .venv/bin/python -m pip install --disable-pip-version-check -q --no-deps --no-build-isolation -e .
    echo "$lock_sum" > .venv/.yankao-lock
else
    step 2/4 "Python packages are up to date"
fi

# 3. Debian packages: fonts and text shaping for PDFs, poppler for checking them,
#    Chromium for the browser tests, wrk for the benchmarks, gettext for translations, and (for
#    the test suite) LibreOffice Writer, which checks that generated DOCX files open.
debs=(fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils gettext wrk)
if [ "${1:-}" = "--browser" ]; then debs+=(chromium libreoffice-writer-nogui); fi
missing=()
for pkg in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = "0" ]; then
        step 3/4 "installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        step 3/4 "NOT ROOT: cannot install ${missing[*]}; PDF, browser or benchmark features may be skipped"
    fi
else
    step 3/4 "Debian packages are installed"
fi

# 4. Development keys: production refuses to start without real ones from the environment.
mkdir -p var var/static var/media
for key in secret_key field_key; do
    if [ ! -s "var/$key" ]; then
        .venv/bin/python -c 'import secrets, base64; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())' > "var/$key"
        chmod 600 "var/$key"
    fi
done
step 4/4 "development keys in var/"
