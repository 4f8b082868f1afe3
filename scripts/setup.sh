#!/usr/bin/env bash
# Prepares a fresh Debian machine with Python 3.11: system libraries for WeasyPrint,
# a virtual environment in .venv, and the project with its test extras.
# Usage: scripts/setup.sh [--test-tools]
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
need_apt=()
libs="$(ldconfig -p)"
fonts="$(fc-list 2>/dev/null || true)"
grep -q 'libpango-1.0.so.0' <<<"$libs" || need_apt+=(libpango-1.0-0)
grep -q 'libpangoft2-1.0.so.0' <<<"$libs" || need_apt+=(libpangoft2-1.0-0)
grep -q 'libharfbuzz-subset.so.0' <<<"$libs" || need_apt+=(libharfbuzz-subset0)
grep -qi 'dejavu' <<<"$fonts" || need_apt+=(fonts-dejavu-core fontconfig)
# With --test-tools (the tests): a headless browser, Node.js and poppler for the accessibility
# check and screenshots, LibreOffice to open the generated template as another program would, and
# a PostgreSQL server for the tests of workers sharing their state in one database.
test_tools=0; [ "${1:-}" = "--test-tools" ] && test_tools=1
if [ $test_tools = 1 ]; then
    command -v node >/dev/null && command -v npm >/dev/null || need_apt+=(nodejs npm)
    [ -x /usr/bin/chromium ] || need_apt+=(chromium)
    [ -x /usr/bin/pdftoppm ] || need_apt+=(poppler-utils)
    command -v soffice >/dev/null || need_apt+=(libreoffice-calc-nogui)
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "Installerar systempaket: ${need_apt[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${need_apt[@]}" >/dev/null
fi

if [ $test_tools = 1 ] && [ ! -d scripts/a11y/node_modules ]; then
    (cd scripts/a11y && npm ci --no-audit --no-fund --silent)
fi

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
    # pip's notes about this machine's local package mirrors are noise here.
    .venv/bin/python -m pip install -q --progress-bar off --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
    .venv/bin/python -m pip install -q --progress-bar off -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
    .venv/bin/python -c 'import lofte_pipeline, prefect, weasyprint' || { echo "Installationen misslyckades" >&2; exit 1; }
    rm -f .venv/.installed-*
    touch "$stamp"
fi
