#!/usr/bin/env bash
# Builds mediasoup's C++ worker offline (no GitHub, no meson wrapdb) and caches it.
#
# mediasoup's own postinstall downloads a prebuilt worker or the sources of its
# subprojects; neither is reachable on school servers or here. Instead we give
# meson local "shim" subprojects that use Debian's libraries (sfu/native/subprojects),
# patch the worker for Debian's libsrtp 2 and for a DTLS client-role crash
# (sfu/native/mediasoup-<version>-debian.patch) and for bandwidth probes that one
# transport's creation broke on the others (-probation.patch), then run mediasoup's
# own build. The binary is cached under $CLASSBRIDGE_CACHE keyed by the mediasoup
# version and a hash of shims, patches and this script, and copied to the place
# mediasoup looks for it (worker/out/Release).
# Idempotent: a second run with the same inputs only checks the binary.
set -euo pipefail
source "$(dirname "$0")/node-env.sh"
cb_ensure_node
MS_DIR="$CB_ROOT/node_modules/mediasoup"
NATIVE="$CB_ROOT/sfu/native"
[ -f "$MS_DIR/package.json" ] || { echo "build-mediasoup: run npm install first" >&2; exit 1; }
MS_VERSION="$(node -p "require('$MS_DIR/package.json').version")"
# Every sfu/native/mediasoup-<version>-*.patch is applied, in name order.
shopt -s nullglob
PATCHES=("$NATIVE"/mediasoup-"$MS_VERSION"-*.patch)
shopt -u nullglob
[ "${#PATCHES[@]}" -gt 0 ] || { echo "build-mediasoup: no patch for mediasoup $MS_VERSION in $NATIVE" >&2; exit 1; }
HASH="$( (cd "$NATIVE" && find . -type f -print0 | sort -z | xargs -0 sha256sum; sha256sum "$CB_ROOT/scripts/build-mediasoup.sh" | cut -d' ' -f1) | sha256sum | cut -c1-16)"
CACHE_DIR="${CLASSBRIDGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/classbridge}/mediasoup-worker/$MS_VERSION-$HASH"
TARGET="$MS_DIR/worker/out/Release/mediasoup-worker"


if [ -x "$CACHE_DIR/mediasoup-worker" ]; then
  if ! cmp -s "$CACHE_DIR/mediasoup-worker" "$TARGET" 2>/dev/null; then
    mkdir -p "$(dirname "$TARGET")"
    cp "$CACHE_DIR/mediasoup-worker" "$TARGET"
    echo "build-mediasoup: worker $MS_VERSION-$HASH restored from cache"
  fi
  exit 0
fi

echo "build-mediasoup: building mediasoup-worker $MS_VERSION (key $HASH); 6-8 minutes on 2 cores"
cd "$MS_DIR"
# Shims: meson takes an existing worker/subprojects/<dir> as it is and downloads nothing.
for shim in "$NATIVE"/subprojects/*/; do
  name="$(basename "$shim")"
  rm -rf "worker/subprojects/$name"
  cp -r "$shim" "worker/subprojects/$name"
done
for PATCH in "${PATCHES[@]}"; do
  if patch -p1 --dry-run -s -N < "$PATCH" >/dev/null 2>&1; then
    patch -p1 -s -N < "$PATCH"
  elif patch -p1 --dry-run -s -R < "$PATCH" >/dev/null 2>&1; then
    echo "build-mediasoup: $(basename "$PATCH") already applied"
  else
    echo "build-mediasoup: $PATCH does not apply to mediasoup $MS_VERSION" >&2; exit 1
  fi
done
# pip: use the first configured local index, so pip does not wait on an unreachable default.
if [ -z "${PIP_INDEX_URL:-}" ]; then
  idx="$(pip config list 2>/dev/null | sed -n "s/^global.extra-index-url='\([^ ']*\).*/\1/p" | head -1)"
  [ -n "$idx" ] && export PIP_INDEX_URL="$idx"
fi
rm -rf worker/out
MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD=1 MESON_VERSION="${MESON_VERSION:-1.12.1}" \
  MEDIASOUP_BUILDTYPE=Release node npm-scripts.mjs postinstall
[ -x "$TARGET" ] || { echo "build-mediasoup: build finished but $TARGET is missing" >&2; exit 1; }
strip "$TARGET" || true
mkdir -p "$CACHE_DIR"
cp "$TARGET" "$CACHE_DIR/mediasoup-worker.tmp" && mv "$CACHE_DIR/mediasoup-worker.tmp" "$CACHE_DIR/mediasoup-worker"
echo "build-mediasoup: done, cached in $CACHE_DIR"
