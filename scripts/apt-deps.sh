#!/usr/bin/env bash
# Debian packages the project needs: the mediasoup worker build, ffmpeg
# (recorder, tests), redis-server (store tests, scale-out), Chromium (e2e),
# CJK fonts (zh-CN UI in screenshots), qpdf (encrypted PDF fixtures in tests); iproute2, iptables,
# openssl, caddy, coturn, nginx-light (deploy/ files and the network-namespace e2e tests).
set -euo pipefail
CB_APT_PACKAGES=(build-essential pkg-config python3-venv libuv1-dev libssl-dev libsrtp2-dev
  libflatbuffers-dev flatbuffers-compiler libabsl-dev ffmpeg redis-server chromium
  fonts-noto-cjk qpdf iproute2 iptables openssl caddy coturn nginx-light)
missing=()
for p in "${CB_APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing Debian packages. Run as root:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "setup: installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
