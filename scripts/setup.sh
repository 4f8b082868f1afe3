#!/usr/bin/env bash
# Prepares a fresh Debian machine with Python 3.11: system libraries for WeasyPrint,
# a virtual environment in .venv, and the project with its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
libs="$(ldconfig -p)"
fonts="$(fc-list 2>/dev/null || true)"
grep -q 'libpango-1.0.so.0' <<<"$libs" || need_apt+=(libpango-1.0-0)
grep -q 'libpangoft2-1.0.so.0' <<<"$libs" || need_apt+=(libpangoft2-1.0-0)
grep -q 'libharfbuzz-subset.so.0' <<<"$libs" || need_apt+=(libharfbuzz-subset0)
grep -qi 'dejavu' <<<"$fonts" || need_apt+=(fonts-dejavu-core fontconfig)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "Installerar systempaket: ${need_apt[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
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
