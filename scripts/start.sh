#!/usr/bin/env bash
# `npm start`: set up what is missing, build, and run the whole system on embedded defaults
# (no Redis; data in ./data). Prints the first teacher's admin link.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-web.sh
source scripts/node-env.sh
cb_ensure_node
exec node_modules/.bin/tsx server.ts
