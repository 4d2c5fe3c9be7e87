#!/usr/bin/env bash
# Install jupyterlab-data-engineer and launch JupyterLab on the example workspace.
#
#   bash scripts/launch.sh            # then open the URL JupyterLab prints
#
# With ANTHROPIC_API_KEY (and optionally ANTHROPIC_BASE_URL) in the environment the chat talks to
# that endpoint through the server's proxy. Without them, the bundled mock Messages API is started
# on 127.0.0.1:8765 in demo mode: the suggested prompts of examples/getting-started.ipynb play
# scripted runs with the real tools, kernel and approvals (the panel says "Demo mode").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

python3 -m pip install -q -r requirements-dev.txt
# The example notebook's kernel libraries (pandas, polars, DuckDB).
python3 -m pip install -q pandas polars pyarrow duckdb ipykernel
npm ci --no-audit --no-fund
npm run build:prod
python3 -m pip install -q .

extra=()
if [ -z "${ANTHROPIC_API_KEY:-}" ] && [ -z "${ANTHROPIC_BASE_URL:-}" ]; then
  echo "No ANTHROPIC_API_KEY: demo mode (the bundled mock Messages API plays scripted runs) on 127.0.0.1:8765."
  python3 ui-tests/mock/mock_anthropic.py --port 8765 --demo &
  mock_pid=$!
  trap 'kill $mock_pid 2>/dev/null || true' EXIT
  extra+=(--DataEngineer.anthropic_base_url=http://127.0.0.1:8765 --DataEngineer.anthropic_api_key=mock-key)
fi

root_flag=()
[ "$(id -u)" = 0 ] && root_flag=(--allow-root)

cd "$ROOT/examples"
jupyter lab "${root_flag[@]}" --ContentsManager.allow_hidden=True "${extra[@]}" "$@"
