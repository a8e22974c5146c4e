#!/usr/bin/env bash
# Builds the SvelteKit app into build/ when any of its inputs is newer than the last build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
cb_ensure_node
export PATH="$PWD/node_modules/.bin:$PATH"
stamp="build/.classbridge-built"
if [ -f "$stamp" ] && [ -z "$(find web protocol svelte.config.js vite.config.ts package-lock.json -newer "$stamp" -print -quit)" ]; then
  exit 0
fi
echo "build-web: building the web app"
svelte-kit sync
vite build --logLevel warn
touch "$stamp"
