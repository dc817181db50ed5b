# Shared by scripts/demo and scripts/test: make .venv with Python 3.11+ and install the app into it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PYTHON="$candidate"; break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "Python 3.11 or newer is needed." >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
echo "Installing the app and what it needs into .venv (the first time takes a few minutes)..."
if ! .venv/bin/python -m pip install --quiet -e ".${1:-}" > .venv/install.log 2>&1; then
  cat .venv/install.log >&2
  echo "Installing the app failed (the log is above and in .venv/install.log)." >&2
  exit 1
fi
