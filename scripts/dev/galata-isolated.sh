#!/usr/bin/env bash
# Run this checkout's Galata tests in a private network namespace, so several
# worktrees (helpers working in parallel) can each run theirs at once: every
# namespace has its own 127.0.0.1, so the mock (8765) and the Jupyter servers
# (8888, 8889, 8890) never collide, and a test cannot reach another run's.
#
# The servers serve THIS checkout: its built labextension
# (jupyterlab_data_engineer/labextension, from `npm run build:prod`) through a
# private JUPYTER_PATH entry, and its Python package first on PYTHONPATH, so
# nothing needs `pip install .` (which would change every other worktree's run).
#
#   bash scripts/dev/galata-isolated.sh tests/terminal.spec.ts --project=jupyterlab
#
# Arguments go to `npx playwright test` (CI=1: one retry, fresh servers).
# Notes: the namespace has no route out (the registries included) and cannot
# reach a PostgreSQL cluster started outside it; ui-tests/node_modules must be
# installed (or linked) in this checkout. Needs root (unshare --net).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LABEXT="$ROOT/jupyterlab_data_engineer/labextension"
if [ ! -f "$LABEXT/package.json" ]; then
  echo "No built labextension in $LABEXT: run npm run build:prod first." >&2
  exit 1
fi
DATA=$(mktemp -d /tmp/galata-isolated.XXXXXX)
trap 'rm -rf "$DATA"' EXIT
mkdir -p "$DATA/labextensions"
ln -s "$LABEXT" "$DATA/labextensions/jupyterlab-data-engineer"
export JUPYTER_PATH="$DATA${JUPYTER_PATH:+:$JUPYTER_PATH}"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
cd "$ROOT/ui-tests"
exec unshare --net bash -c 'ip link set lo up 2>/dev/null || ifconfig lo up; CI=1 exec npx playwright test "$@"' galata "$@"
