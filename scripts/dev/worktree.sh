#!/usr/bin/env bash
# Make a git worktree for parallel work that shares this checkout's installed
# packages: /work/wt-NAME (or $2) on a new branch NAME from HEAD, with
# node_modules and ui-tests/node_modules linked to this checkout's.
#   bash scripts/dev/worktree.sh gateway-ts
# Build it with `npm run build:prod` there; run its UI tests with
# scripts/dev/galata-isolated.sh (they then serve that worktree's build).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
name=${1:?branch name}
dir=${2:-$(dirname "$ROOT")/wt-$name}
git -C "$ROOT" worktree add -b "$name" "$dir" HEAD
ln -s "$ROOT/node_modules" "$dir/node_modules"
ln -s "$ROOT/ui-tests/node_modules" "$dir/ui-tests/node_modules"
[ -d "$ROOT/.ci-venv" ] && ln -s "$ROOT/.ci-venv" "$dir/.ci-venv"
echo "$dir"
