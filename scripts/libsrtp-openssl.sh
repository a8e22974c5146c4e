#!/usr/bin/env bash
# Builds libsrtp 2 with OpenSSL crypto from Debian's own source package, as a static library, and
# caches it. Debian's libsrtp2-1 is built on NSS, whose AES is a third of the worker's CPU under load;
# OpenSSL's AES-NI paths are about twice as fast (BENCHMARKS.md, "SRTP through OpenSSL").
#
# Prints the install prefix (holding lib/libsrtp2.a and include/srtp2/) on its last stdout line, or
# exits non-zero when the source cannot be had (no deb-src entry and not root, no network): the
# caller then falls back to Debian's libsrtp2 and says so.
# Only Debian's archive is used: a deb-src entry for the running suite, then `apt-get source`.
set -euo pipefail
SCRIPT="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
CACHE_ROOT="${CLASSBRIDGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/classbridge}/libsrtp"
log() { echo "libsrtp-openssl: $*" >&2; }

# A deb-src entry for the suite this machine runs (bookworm here), added once when root.
have_source() { apt-cache showsrc libsrtp2 2>/dev/null | grep -q '^Version:'; }
if ! have_source; then
  [ "$(id -u)" -eq 0 ] || { log "no deb-src entry for libsrtp2 and not root to add one"; exit 1; }
  suite="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
  [ -n "$suite" ] || { log "cannot tell the Debian suite from /etc/os-release"; exit 1; }
  log "adding a deb-src entry for $suite"
  cat > /etc/apt/sources.list.d/classbridge-src.sources <<EOF
# Source packages (scripts/libsrtp-openssl.sh builds libsrtp with OpenSSL from Debian's source).
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  apt-get update -qq >&2 || { log "apt-get update failed"; exit 1; }
  have_source || { log "apt has no source for libsrtp2 even with deb-src"; exit 1; }
fi

VERSION="$(apt-cache showsrc libsrtp2 | sed -n 's/^Version: //p' | sort -V | tail -1)"
HASH="$(sha256sum "$SCRIPT" | cut -c1-8)"
PREFIX="$CACHE_ROOT/libsrtp2-openssl-$VERSION-$HASH"
if [ -f "$PREFIX/lib/libsrtp2.a" ] && [ -f "$PREFIX/include/srtp2/srtp.h" ]; then
  echo "$PREFIX"
  exit 0
fi

log "building libsrtp2 $VERSION with OpenSSL from Debian's source package"
WORK="$(mktemp -d)"
chmod 755 "$WORK"  # apt downloads as _apt
trap 'rm -rf "$WORK"' EXIT
(
  cd "$WORK"
  # --download-only + dpkg-source: no build-deps, no signature prompt; apt-get verifies the .dsc hashes.
  apt-get source --download-only -qq "libsrtp2=$VERSION" >&2
  dpkg-source --no-check -x ./*.dsc src >/dev/null
  cd src
  # -fPIC: the worker is linked as a position-independent executable.
  CFLAGS="-O2 -fPIC" ./configure --enable-openssl --disable-pcap --prefix="$PREFIX.tmp" >/dev/null
  make -s -j"$(nproc)" libsrtp2.a >&2
  grep -q '^#define OPENSSL 1' crypto/include/config.h 2>/dev/null || grep -q 'OPENSSL 1' config.h 2>/dev/null \
    || { log "configure did not select OpenSSL"; exit 1; }
  rm -rf "$PREFIX.tmp"
  mkdir -p "$PREFIX.tmp/lib" "$PREFIX.tmp/include/srtp2"
  cp libsrtp2.a "$PREFIX.tmp/lib/"
  cp include/srtp.h crypto/include/auth.h crypto/include/cipher.h crypto/include/crypto_types.h "$PREFIX.tmp/include/srtp2/"
)
rm -rf "$PREFIX"
mv "$PREFIX.tmp" "$PREFIX"
log "done, cached in $PREFIX"
echo "$PREFIX"
