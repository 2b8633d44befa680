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
# A hung test must fail the run with its output, not eat CI's time: each test (and suite) gets at
# most 15 min, and the whole test phase NBHUB_TEST_TIMEOUT seconds (default 45 min; a full run
# takes 7-10 min here). timeout(1) signals its whole process group. A file that leaves a handle
# open (a child process, a timer) never ends and its results are never printed, so the file
# that hung is the one after the last file reported. --test-force-exit would end such a file,
# but on Node 20 it also ended src/store/sqlite.test.ts in the middle of its second suite
# without reporting the tests it never ran, so it is not used.
limit="${NBHUB_TEST_TIMEOUT:-2700}"
timeout --kill-after=60 "$limit" node --import tsx --test --test-concurrency=1 --test-timeout=900000 --test-reporter=spec "${files[@]}" &
pid=$!
# timeout(1) runs in a process group of its own, which a terminal's Ctrl-C does not reach: pass
# it on (timeout passes it to the tests).
trap 'kill -TERM "$pid" 2>/dev/null' INT TERM
set +e
while :; do
  wait "$pid"
  rc=$?
  # above 128 is also what wait returns when a trapped signal interrupts it
  if [ "$rc" -le 128 ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
done
set -e
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "== tests did not finish within ${limit} s (NBHUB_TEST_TIMEOUT): the file after the last one reported above hung (files run in sorted order)" >&2
fi
exit "$rc"
