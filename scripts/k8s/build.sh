#!/usr/bin/env bash
# Builds the throwaway test cluster's binaries from the Go module proxy, pinned in versions.sh:
#   etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubectl helm
# into $NBHUB_CACHE_DIR/k8s/bin (never into the repo). Idempotent: a binary whose stamp
# (bin/.stamp/NAME) matches its pinned version is skipped, so a warm run takes well under a second.
#
# usage: scripts/k8s/build.sh [NAME...]     (default: all of the above)
#        scripts/k8s/build.sh --print-bin-dir  (prints the bin dir, builds nothing)
# env:   NBHUB_CACHE_DIR (see scripts/cache-dir.sh); K8S_VERSION/ETCD_VERSION/KWOK_VERSION/HELM_VERSION
#        override the pins; GOMAXPROCS (default 2).
# Module and build caches live under $NBHUB_CACHE_DIR/k8s/{gomod,gocache}, so a rebuild after a
# version bump reuses the compiled packages. Why each step is done this way: docs/k8s-test-cluster.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../cache-dir.sh
. "$HERE/../cache-dir.sh"
# shellcheck source=versions.sh
. "$HERE/versions.sh"

ROOT="$NBHUB_CACHE_DIR/k8s"
BIN="$ROOT/bin"
STAMPS="$BIN/.stamp"
ALL=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubectl helm)

export GOTOOLCHAIN=local          # never download a toolchain: a too-new `go` line fails loudly
export CGO_ENABLED=0              # upstream builds these static
export GOFLAGS=-buildvcs=false    # and NOT -mod=mod globally: it would break `go install pkg@v`
export GOMODCACHE="$ROOT/gomod"
export GOCACHE="$ROOT/gocache"
export GOMAXPROCS="${GOMAXPROCS:-2}"

log() { printf '[k8s-build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# quiet NAME CMD...: runs CMD with its (long) output in $ROOT/logs/NAME.log, shown only on failure.
quiet() {
  local name="$1"; shift
  mkdir -p "$ROOT/logs"
  if ! "$@" >"$ROOT/logs/$name.log" 2>&1; then
    tail -n 60 "$ROOT/logs/$name.log" >&2
    die "$name failed: $* (full log: $ROOT/logs/$name.log)"
  fi
}
# fetch NAME CMD...: like quiet, for steps that download from the module proxy: one retry.
fetch() {
  local name="$1"; shift
  mkdir -p "$ROOT/logs"
  "$@" >"$ROOT/logs/$name.log" 2>&1 && return 0
  log "$name failed ($(tail -n 1 "$ROOT/logs/$name.log")); retrying once in 10 s"
  sleep 10
  quiet "$name" "$@"
}


wanted_version() {
  case "$1" in
    etcd) echo "$ETCD_VERSION" ;;
    kube-apiserver|kube-controller-manager|kube-scheduler|kubectl) echo "$K8S_VERSION" ;;
    kwok) echo "$KWOK_VERSION" ;;
    helm) echo "$HELM_VERSION" ;;
    *) die "unknown binary '$1' (known: ${ALL[*]})" ;;
  esac
}
is_fresh() { [ -x "$BIN/$1" ] && [ "$(cat "$STAMPS/$1" 2>/dev/null)" = "$(wanted_version "$1")" ]; }
stamp() { mkdir -p "$STAMPS"; wanted_version "$1" > "$STAMPS/$1"; }

# --- kube-apiserver, kube-controller-manager, kube-scheduler, kubectl ----------------------------
# `go install k8s.io/kubernetes/cmd/...@v` is refused (its go.mod replaces every staging module
# with ./staging/...). A wrapper module requires k8s.io/kubernetes and replaces each staging module
# with its published tag v0.MINOR.PATCH instead; the list is derived from the exact .mod file.
build_k8s() {
  local cmds=("$@") dir="$ROOT/src/kubernetes-$K8S_VERSION"
  mkdir -p "$dir"
  (
    cd "$dir"
    if [ ! -f .ready ]; then
      rm -f go.mod go.sum
      go mod init nbhub.invalid/k8s-test-binaries >/dev/null 2>&1
      local kmod sv mods gd
      kmod="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
      [ -f "$kmod" ] || die "could not download k8s.io/kubernetes@$K8S_VERSION"
      sv="v0.${K8S_VERSION#v1.}"   # v1.36.3 -> v0.36.3
      mods="$( { sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\)[[:space:]]*=>[[:space:]]*\./staging/.*#\1#p' "$kmod"
                 awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" { print $1 }' "$kmod"; } | sort -u )"
      [ -n "$mods" ] || die "no staging modules found in $kmod"
      for m in $mods; do go mod edit -replace="$m=$m@$sv"; done
      gd="$(sed -n 's#^godebug default=\(go[0-9.]*\)[[:space:]]*$#\1#p' "$kmod" | head -n1)"
      [ -z "$gd" ] || go mod edit -godebug="default=$gd"
      local pkgs=()
      for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
        pkgs+=("k8s.io/kubernetes/cmd/$c@$K8S_VERSION")
      done
      log "resolving k8s.io/kubernetes@$K8S_VERSION ($(echo "$mods" | wc -l) staging replaces at $sv)"
      fetch k8s-go-get go get "${pkgs[@]}"
      touch .ready
    fi
    local minor ld="-s -w" pkgs=()
    minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    done
    for c in "${cmds[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
    log "building ${cmds[*]} $K8S_VERSION"
    local t0=$SECONDS
    mkdir -p "$dir/out"
    quiet k8s-go-build go build -mod=mod -trimpath -ldflags "$ld" -o "$dir/out/" "${pkgs[@]}"
    for c in "${cmds[@]}"; do mv -f "$dir/out/$c" "$BIN/$c"; stamp "$c"; done
    log "built ${cmds[*]} in $((SECONDS - t0)) s"
  )
}

# --- etcd ------------------------------------------------------------------------------------------
# go.etcd.io/etcd/server/v3 is the etcd main package, but its go.mod has sibling replaces, so it too
# is built from a small wrapper module of its own (kept apart from the Kubernetes graph).
build_etcd() {
  local dir="$ROOT/src/etcd-$ETCD_VERSION"
  mkdir -p "$dir"
  (
    cd "$dir"
    if [ ! -f .ready ]; then
      rm -f go.mod go.sum
      go mod init nbhub.invalid/etcd-binary >/dev/null 2>&1
      fetch etcd-go-get go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
      touch .ready
    fi
    log "building etcd $ETCD_VERSION"
    quiet etcd-go-build go build -mod=mod -trimpath -ldflags "-s -w" -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3
    mv -f "$BIN/etcd.tmp" "$BIN/etcd"
    stamp etcd
  )
}

# --- kwok (no replace directives: plain go install works) ------------------------------------------
build_kwok() {
  log "building kwok $KWOK_VERSION"
  local tmp="$ROOT/tmp-gobin"
  rm -rf "$tmp"; mkdir -p "$tmp"
  GOBIN="$tmp" fetch kwok-go-install go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  mv -f "$tmp/kwok" "$BIN/kwok"; rm -rf "$tmp"
  stamp kwok
}

# --- helm v3 (no replace directives either); ldflags as in helm's Makefile ------------------------
build_helm() {
  log "building helm $HELM_VERSION"
  local hmod cg kmaj kmin ld tmp="$ROOT/tmp-gobin"
  hmod="$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  cg="$(awk '$1 == "k8s.io/client-go" { print $2; exit }' "$hmod")"   # e.g. v0.35.1
  kmaj=1; kmin="$(echo "$cg" | cut -d. -f2)"
  ld="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    ld="$ld -X $p.k8sVersionMajor=$kmaj -X $p.k8sVersionMinor=$kmin"
  done
  rm -rf "$tmp"; mkdir -p "$tmp"
  GOBIN="$tmp" fetch helm-go-install go install -trimpath -ldflags "$ld" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv -f "$tmp/helm" "$BIN/helm"; rm -rf "$tmp"
  stamp helm
}

main() {
  if [ "${1:-}" = --print-bin-dir ]; then echo "$BIN"; return 0; fi
  command -v go >/dev/null || die "go not found: the k8s test cluster is built with Go >= 1.26 from the Go module proxy"
  local want=("$@")
  [ ${#want[@]} -gt 0 ] || want=("${ALL[@]}")
  for n in "${want[@]}"; do wanted_version "$n" >/dev/null; done
  local todo=()
  for n in "${want[@]}"; do is_fresh "$n" || todo+=("$n"); done
  [ ${#todo[@]} -gt 0 ] || return 0

  mkdir -p "$BIN"
  # One build at a time per cache (tests and humans may call this concurrently).
  exec 9>"$ROOT/build.lock"
  flock 9
  local k8s=()
  todo=(); for n in "${want[@]}"; do is_fresh "$n" || todo+=("$n"); done
  [ ${#todo[@]} -gt 0 ] || return 0   # built by a concurrent run while we waited for the lock
  # A cold build of everything needs ~6.5 GB (module cache 1.5, build cache 4.3, binaries 0.5).
  local free_kb
  free_kb="$(df -Pk "$ROOT" | awk 'NR == 2 { print $4 }')"
  if [ "${free_kb:-0}" -lt $((7 * 1024 * 1024)) ] && [ ! -d "$GOCACHE" ]; then
    die "only $((free_kb / 1024)) MB free under $ROOT; a cold build needs about 7 GB"
  fi
  log "building ${todo[*]} (logs in $ROOT/logs)"
  local start=$SECONDS
  for n in "${todo[@]}"; do
    case "$n" in
      kube-apiserver|kube-controller-manager|kube-scheduler|kubectl) k8s+=("$n") ;;
    esac
  done
  [ ${#k8s[@]} -eq 0 ] || build_k8s "${k8s[@]}"
  for n in "${todo[@]}"; do
    case "$n" in
      etcd|kwok|helm) local t0=$SECONDS; "build_$n"; log "built $n in $((SECONDS - t0)) s" ;;
    esac
  done
  log "built ${todo[*]} in $((SECONDS - start)) s into $BIN"
}

main "$@"
