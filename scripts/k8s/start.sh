#!/usr/bin/env bash
# Starts a throwaway Kubernetes control plane on 127.0.0.1 for humans (tests use
# test/support/k8sCluster.ts directly): builds the binaries if needed, then etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and KWOK with fake node(s), detached from this shell.
#
# usage: eval "$(scripts/k8s/start.sh [NODE_NAME,...])"     then kubectl/helm work; stop: scripts/k8s/stop.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/../cache-dir.sh"
STATE="$NBHUB_CACHE_DIR/k8s/current-run"
if [ -s "$STATE" ] && [ -d "$(cat "$STATE")" ]; then
  echo "a cluster started by start.sh is still recorded in $STATE ($(cat "$STATE")): run scripts/k8s/stop.sh first" >&2
  exit 1
fi
bash "$HERE/build.sh" etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubectl helm
cd "$HERE/../.."
exec node --import tsx scripts/k8s/cluster.ts "$STATE" "${1:-}"
