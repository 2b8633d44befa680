#!/usr/bin/env bash
# Builds Let's Encrypt's `pebble` test ACME server and `pebble-challtestsrv` (its companion DNS
# server, used so pebble resolves every name to 127.0.0.1) from the Go module proxy, and copies
# pebble's own test certificates out of the module source, into $NBHUB_CACHE_DIR/pebble:
#   bin/pebble  bin/pebble-challtestsrv  certs/pebble.minica.pem  certs/localhost/{cert,key}.pem
# Idempotent: when the stamp matches PEBBLE_VERSION nothing is done (well under a second).
#
# usage: scripts/pebble.sh [--print-dir]
# env:   NBHUB_CACHE_DIR (see scripts/cache-dir.sh), PEBBLE_VERSION (default below)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=cache-dir.sh
. "$HERE/cache-dir.sh"

PEBBLE_VERSION="${PEBBLE_VERSION:-v2.10.1}"
MODULE=github.com/letsencrypt/pebble/v2
ROOT="$NBHUB_CACHE_DIR/pebble"

if [ "${1:-}" = --print-dir ]; then echo "$ROOT"; exit 0; fi

fresh() {
  [ -x "$ROOT/bin/pebble" ] && [ -x "$ROOT/bin/pebble-challtestsrv" ] &&
    [ -f "$ROOT/certs/pebble.minica.pem" ] && [ -f "$ROOT/certs/localhost/cert.pem" ] &&
    [ "$(cat "$ROOT/.stamp" 2>/dev/null)" = "$PEBBLE_VERSION" ]
}
fresh && exit 0

command -v go >/dev/null || { echo "pebble.sh: go not found (pebble is built from the Go module proxy)" >&2; exit 1; }
mkdir -p "$ROOT"
exec 9>"$ROOT/build.lock"
flock 9
fresh && exit 0

export GOTOOLCHAIN=local
export CGO_ENABLED=0
export GOFLAGS=-buildvcs=false
export GOMODCACHE="$ROOT/gomod"
export GOCACHE="$ROOT/gocache"
export GOMAXPROCS="${GOMAXPROCS:-2}"
log="$ROOT/build.log"

echo "[pebble] building $MODULE@$PEBBLE_VERSION into $ROOT/bin (log: $log)" >&2
tmp="$ROOT/tmp-gobin"
rm -rf "$tmp"; mkdir -p "$tmp"
if ! GOBIN="$tmp" go install -trimpath -ldflags "-s -w" "$MODULE/cmd/pebble@$PEBBLE_VERSION" "$MODULE/cmd/pebble-challtestsrv@$PEBBLE_VERSION" >"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "[pebble] go install failed (full log: $log)" >&2
  exit 1
fi
# the module source (in the module cache after go install) carries pebble's test certificates
src="$(go mod download -json "$MODULE@$PEBBLE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -f "$src/test/certs/pebble.minica.pem" ] || { echo "[pebble] no test/certs in $src" >&2; exit 1; }
mkdir -p "$ROOT/bin" "$ROOT/certs/localhost"
cp "$src/test/certs/pebble.minica.pem" "$src/test/certs/pebble.minica.key.pem" "$ROOT/certs/"
cp "$src/test/certs/localhost/cert.pem" "$src/test/certs/localhost/key.pem" "$ROOT/certs/localhost/"
chmod -R u+w "$ROOT/certs"
mv -f "$tmp/pebble" "$tmp/pebble-challtestsrv" "$ROOT/bin/"
rm -rf "$tmp"
echo "$PEBBLE_VERSION" > "$ROOT/.stamp"
echo "[pebble] ready: $ROOT/bin/pebble" >&2
