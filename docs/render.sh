#!/usr/bin/env bash
# Regenerate the shipped workbooks and redraw docs/*.png (LibreOffice → PDF → pdftoppm -r 80).
# Needs soffice (libreoffice-calc), pdftoppm (poppler-utils) and fonts-noto-cjk.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m sheetperf.services.artifacts --render "$@"
