#!/usr/bin/env bash
# Merge helpers' branches into the current branch one by one, checking each merge
# before the next: TypeScript compiles, no import cycles, feature boundaries hold,
# ruff passes. Stops at the first conflict or failure (fix, commit, re-run with the
# remaining branches). Run jest / the UI tests on the result yourself.
#   bash scripts/dev/merge-check.sh bundle sec-files sec-mcp
set -euo pipefail
cd "$(dirname "$0")/../.."
for b in "$@"; do
  echo "=== merging $b"
  git merge --no-edit "$b"
  npx tsc --noEmit -p tsconfig.json
  npm run -s check:cycles -- --types
  node scripts/check-feature-boundaries.mjs
  python3 -m ruff check
  echo "=== $b merged and checked"
done
