#!/usr/bin/env bash
# ctest's node_client test (tests/CMakeLists.txt): HubSpot's official Node client against the
# real sandbox binary.
#   bash tests/node_client/run.sh HUBRULES_BINARY CACHE_DIR
# Installs the locked @hubspot/api-client into CACHE_DIR with `npm ci` (the source tree stays
# clean), once: a cache already holding this lock file is used as it is. Without node or npm the
# test fails, so a machine that cannot run it does not pass it silently.
set -euo pipefail

fail() { printf 'node_client test: %s\n' "$*" >&2; exit 1; }

(($# == 2)) || fail "usage: run.sh HUBRULES_BINARY CACHE_DIR"
binary=$1 cache=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

for tool in node npm; do
  command -v "$tool" >/dev/null ||
    fail "'$tool' is not installed: run scripts/install-deps.sh (Debian packages nodejs and npm) or put Node 18+ on PATH"
done
# @hubspot/api-client 13.x declares Node 18 or newer (Debian 12's nodejs; 14.x would need Node 22).
major=$(node -p 'process.versions.node.split(".")[0]')
((major >= 18)) || fail "Node 18 or newer is needed, this is $(node --version)"
[[ -x $binary ]] || fail "$binary is not the hubrules program"

# The stamp is the lock file of the last successful install: a changed lock installs again.
stamp=$cache/installed-package-lock.json
if ! cmp -s "$here/package-lock.json" "$stamp" || [[ ! -f $cache/node_modules/@hubspot/api-client/package.json ]]; then
  echo "node_client test: installing the locked @hubspot/api-client into $cache (npm ci)"
  mkdir -p "$cache"
  rm -f "$stamp"
  cp "$here/package.json" "$here/package-lock.json" "$here/.npmrc" "$cache/"
  (cd "$cache" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci failed in $cache"
  cp "$here/package-lock.json" "$stamp"
fi
echo "node_client test: @hubspot/api-client $(node -p "require('$cache/node_modules/@hubspot/api-client/package.json').version"), node $(node --version)"

export HUBRULES_BINARY=$binary
export NODE_PATH=$cache/node_modules
exec node --test "$here/sandbox_client.test.js"
