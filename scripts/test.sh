#!/usr/bin/env bash
# The one command that installs what is needed and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
. scripts/cache-dir.sh
echo "== typecheck"
npx tsc --noEmit -p .
echo "== tests"
mapfile -t files < <(find src test -name '*.test.ts' | sort)
if [ "$#" -gt 0 ]; then files=("$@"); fi
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
