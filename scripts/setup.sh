#!/usr/bin/env bash
# Installs everything nbhub needs on a fresh Debian 12 machine. Idempotent; slow parts are
# cached outside the repository (NBHUB_CACHE_DIR, see README).
#   scripts/setup.sh            node packages + Python virtualenv (enough to run nbhub)
#   scripts/setup.sh --test     also what the test suite needs (chromium, …)
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# shellcheck source=scripts/cache-dir.sh
. scripts/cache-dir.sh

need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if [ "$want_test" = 1 ]; then
  command -v chromium >/dev/null || need_apt+=(chromium)
  # OpenLDAP for the LDAP login tests (each test runs its own slapd on a loopback port)
  [ -x /usr/sbin/slapd ] || need_apt+=(slapd)
  command -v ldapsearch >/dev/null || need_apt+=(ldap-utils)
  # Prometheus scrapes /hub/metrics in the metrics test (which starts its own on a loopback port)
  [ -x /usr/bin/prometheus ] || need_apt+=(prometheus)
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${need_apt[*]}"
    apt-get update -qq
    # Packages such as slapd start a system service when installed; the tests start their own
    # servers, so forbid service starts during this install (unless a policy is already there).
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
    fi
    rc=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null || rc=$?
    if [ "$own_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
    [ "$rc" = 0 ] || exit "$rc"
  else
    echo "setup: please install Debian packages: ${need_apt[*]} (needs root)" >&2
    exit 1
  fi
fi

# Node packages: reinstall only when the lockfile changed.
stamp=node_modules/.nbhub-lock-stamp
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > "$stamp"
fi

bash scripts/setup-python.sh

if [ "$want_test" = 1 ]; then
  # kube-apiserver, etcd, controller-manager, scheduler, KWOK, kubectl and helm from the Go
  # module proxy, for the Kubernetes tests (cached; a cold build takes ~10 minutes).
  bash scripts/k8s/build.sh
fi
