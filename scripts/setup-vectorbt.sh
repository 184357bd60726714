#!/usr/bin/env bash
# The peer environment for benches/peers/sweep_vs_vectorbt.py: vectorbt 1.0.0
# (with plotly < 6, which it needs to import) and backtesting.py (for the
# benches' seeded data) in .venv-vectorbt. Apart from .venv: vectorbt pins
# its own numpy. Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv-vectorbt"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import vectorbt" 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  "vectorbt==1.0.0" "plotly<6" "backtesting==0.6.5" "pyarrow"
echo "vectorbt environment ready: $venv"
