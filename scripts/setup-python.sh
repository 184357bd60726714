#!/usr/bin/env bash
# Creates the project-local Python environment (.venv) the test suite uses as an
# outside oracle: pyarrow/pandas read and write Parquet the way users' tools do,
# and backtesting.py is the reference backtester. Idempotent; changes nothing
# outside this repository.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
stamp="$venv/.axon-requirements"
req="$root/scripts/requirements-test.txt"
if [ -f "$stamp" ] && cmp -s "$stamp" "$req"; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
cp "$req" "$stamp"
echo "python test environment ready: $venv"
