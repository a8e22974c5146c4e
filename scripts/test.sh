#!/usr/bin/env bash
# `npm test`: set up, type-check, run the unit/integration tests (real mediasoup worker, real
# socket.io clients, real redis-server) and the end-to-end tests (Debian Chromium, fake devices).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-web.sh
source scripts/node-env.sh
cb_ensure_node
export PATH="$PWD/node_modules/.bin:$PATH"
echo "test: type-check"
tsc --noEmit -p tsconfig.json
svelte-check --tsconfig ./tsconfig.json --threshold error --output human
echo "test: import rules (dependency-cruiser, ARCHITECTURE.md)"
depcruise --config .dependency-cruiser.cjs protocol core sfu signalling recorder analytics app web server.ts
echo "test: unit and integration (vitest)"
vitest run
echo "test: end to end (playwright, /usr/bin/chromium)"
playwright test
