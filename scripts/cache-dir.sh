# Sourced by the setup scripts: where slow, machine-wide installs are cached.
# NBHUB_CACHE_DIR wins; else ~/.cache/nbhub, except for root, whose home (/root) is private:
# per-user server accounts could not run a virtualenv kept there, so root uses /var/cache/nbhub.
if [ -z "${NBHUB_CACHE_DIR:-}" ]; then
  if [ "$(id -u)" = 0 ]; then
    NBHUB_CACHE_DIR=/var/cache/nbhub
  else
    NBHUB_CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/nbhub"
  fi
fi
export NBHUB_CACHE_DIR
