#!/usr/bin/env bash
# Install everything .ci/run installs, without running the suites: for a developer's
# fresh machine (apt, pip, npm, the kernel-test virtualenv, a dev build and a
# development install of the extension). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PIP_DISABLE_PIP_VERSION_CHECK=1
if [ "$(id -u)" = 0 ]; then
  need=()
  command -v chromium >/dev/null || need+=(chromium)
  command -v java >/dev/null || need+=(openjdk-17-jre-headless)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi
python3 -m pip install -q -r requirements-dev.txt &
pip_pid=$!
npm ci --no-audit --no-fund
(cd ui-tests && npm ci --no-audit --no-fund)
wait "$pip_pid"
[ -x .ci-venv/kernel/bin/python ] || python3 -m venv .ci-venv/kernel
.ci-venv/kernel/bin/python -m pip install -q -r requirements-kernel-test.txt &
venv_pid=$!
npm run build:prod
python3 -m pip install -q .
wait "$venv_pid"
echo "setup done"
