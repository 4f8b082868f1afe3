#!/usr/bin/env bash
# Pictures of the reports for a person to look at: the HTML at phone and desktop width
# (headless chromium) and every PDF page as PNG (pdftoppm).
#
#   scripts/screenshots.sh [--out DIR] [REPORT_FOLDER ...]
#
# REPORT_FOLDER is a folder holding rapport.html and rapport.pdf (OUT/<promise>/<period>/).
# Without one, the demo's three tertial reports are built first. Pictures go to DIR
# (default: screenshots/), named <promise>-<period>-phone.png, -desktop.png and -sida-N.png.
# Needs: chromium and node (scripts/a11y, npm ci there), poppler-utils.
set -euo pipefail
cd "$(dirname "$0")/.."
out=screenshots
folders=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="$2"; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) folders+=("$1"); shift ;;
    esac
done
command -v pdftoppm >/dev/null || { echo "pdftoppm saknas: apt-get install -y poppler-utils" >&2; exit 2; }
command -v node >/dev/null || { echo "node saknas: apt-get install -y nodejs npm" >&2; exit 2; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "chromium saknas: apt-get install -y chromium" >&2; exit 2; }
[ -d scripts/a11y/node_modules ] || (cd scripts/a11y && npm ci --no-audit --no-fund --silent)

if [ ${#folders[@]} -eq 0 ]; then
    [ -x .venv/bin/lofte ] || scripts/setup.sh
    demo="$(mktemp -d)"
    trap 'rm -rf "$demo"' EXIT
    .venv/bin/lofte demo --out "$demo" >/dev/null
    for period in "$demo"/rapporter/*/*/; do folders+=("${period%/}"); done
fi

mkdir -p "$out"
for folder in "${folders[@]}"; do
    name="$(basename "$(dirname "$folder")")-$(basename "$folder")"
    node scripts/a11y/screenshot.mjs "$folder/rapport.html" "$out" "$name"
    pdftoppm -r 80 -png "$folder/rapport.pdf" "$out/$name-sida"
    ls "$out/$name-sida"*.png
done
