#!/usr/bin/env bash
# Makes this checkout runnable, idempotently: Debian packages (as root), Node 24 when the system
# Node is older than 22, npm packages, and mediasoup's worker built offline (cached).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/apt-deps.sh
source scripts/node-env.sh
cb_ensure_node
echo "setup: node $(node -v), npm $(npm -v)"

# npm packages: reinstall only when package-lock.json changed since the last install.
stamp="node_modules/.classbridge-lock-hash"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing npm packages"
  # --ignore-scripts: mediasoup's own postinstall would try to download from GitHub;
  # build-mediasoup.sh builds its worker offline instead. `npm ci` installs exactly the lock and never
  # rewrites it: the lock lists every optional platform package, and the project's .npmrc keeps
  # registry URLs out of it, so it is the same on every machine and registry mirror.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  echo "$want" > "$stamp"
fi
bash scripts/build-mediasoup.sh
