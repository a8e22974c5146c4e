#!/usr/bin/env bash
# Runs a command with the project's Node (>= 22) and node_modules/.bin first on PATH.
set -euo pipefail
source "$(dirname "$0")/node-env.sh"
cb_ensure_node
export PATH="$CB_ROOT/node_modules/.bin:$PATH"
exec "$@"
