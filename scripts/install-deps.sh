#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian 12 machine with Rust (rustup). Idempotent.
# System packages need root (CI runs as root); without it, the missing ones are listed and we stop.
set -euo pipefail

need_pkgs=()
# No libdbus-1-dev or pkg-config: btleplug's libdbus is vendored (built from source, core/device/Cargo.toml).
# g++ builds libFuzzer (C++) for fuzz/short-run.sh.
for pkg in dbus libjna-java chromium python3-venv g++; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_pkgs+=("$pkg")
done
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages: ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  else
    echo "missing Debian packages: ${need_pkgs[*]}" >&2
    echo "install them with: sudo apt-get install ${need_pkgs[*]}" >&2
    exit 1
  fi
fi

if command -v rustup >/dev/null; then
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
  rustup target add aarch64-linux-android aarch64-apple-ios >/dev/null
fi
