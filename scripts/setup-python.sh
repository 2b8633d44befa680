#!/usr/bin/env bash
# Creates the virtualenv with jupyterhub-singleuser + JupyterLab (and the peers used by tests and
# benchmarks) under $NBHUB_CACHE_DIR/venv. Idempotent: re-installs only when requirements change.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cache-dir.sh
venv="$NBHUB_CACHE_DIR/venv"
req=scripts/python-requirements.txt
sum=$(sha256sum "$req" | cut -d' ' -f1)
if [ -f "$venv/.nbhub-req" ] && [ "$(cat "$venv/.nbhub-req")" = "$sum" ] && [ -x "$venv/bin/jupyterhub-singleuser" ]; then
  exit 0
fi
echo "setup: creating Python virtualenv in $venv"
mkdir -p "$NBHUB_CACHE_DIR"
chmod 755 "$NBHUB_CACHE_DIR"
# Debian's interpreter (world-readable), not a pyenv one under a private home.
[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
chmod -R a+rX "$venv"
echo "$sum" > "$venv/.nbhub-req"
