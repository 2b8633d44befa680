#!/usr/bin/env bash
# Stops the cluster started by scripts/k8s/start.sh (or the one whose run dir is given): kills only
# the PIDs recorded in RUN_DIR/pids whose command line names that run dir, one at a time, newest
# first (SIGTERM, then SIGKILL after 10 s), then removes the run dir.
#
# usage: scripts/k8s/stop.sh [RUN_DIR]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/../cache-dir.sh"
STATE="$NBHUB_CACHE_DIR/k8s/current-run"
RUN="${1:-$(cat "$STATE" 2>/dev/null || true)}"
if [ -z "$RUN" ] || [ ! -d "$RUN" ]; then
  echo "no cluster run dir (given: '${1:-}', recorded in $STATE: '$(cat "$STATE" 2>/dev/null || true)')" >&2
  rm -f "$STATE"
  exit 0
fi
case "$(basename "$RUN")" in nbhub-k8s-*) ;; *) echo "refusing: $RUN is not an nbhub-k8s-* run dir" >&2; exit 1 ;; esac

ours() { [ -r "/proc/$1/cmdline" ] && tr '\0' '\n' < "/proc/$1/cmdline" | grep -qF -- "$RUN"; }
pids="$( [ -f "$RUN/pids" ] && tac "$RUN/pids" | awk '{ print $1 }' || true)"
# One at a time, newest first (kwok, scheduler, KCM, apiserver, etcd): TERMed together, etcd and
# the apiserver wait on each other for ~10 s.
for p in $pids; do
  ours "$p" || continue
  kill -TERM "$p" 2>/dev/null || true
  for _ in $(seq 50); do ours "$p" || break; sleep 0.2; done
  if ours "$p"; then echo "pid $p ignored SIGTERM for 10 s: SIGKILL" >&2; kill -KILL "$p" 2>/dev/null || true; fi
done
rm -rf -- "$RUN"
[ "$(cat "$STATE" 2>/dev/null || true)" != "$RUN" ] || rm -f "$STATE"
echo "stopped cluster in $RUN" >&2
