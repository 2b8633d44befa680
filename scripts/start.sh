#!/usr/bin/env bash
# The one command that installs what is needed and starts nbhub on its embedded default
# (SQLite, local-process spawner, real JupyterLab servers, built-in proxy).
# Arguments are passed to `nbhub start` (e.g. --config config.yaml --port 8000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/nbhub.mjs start "$@"
