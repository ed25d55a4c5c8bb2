#!/usr/bin/env bash
# Installs the Debian packages Fahras needs to build, test and run.
# Idempotent: installs only what is missing; uses sudo when not root.
# Usage: scripts/deps.sh [--bench]   (--bench adds what bench/ needs)
set -euo pipefail

pkgs=(build-essential cmake pkg-config
      libicu-dev liblmdb-dev lmdb-utils libxxhash-dev libevent-dev libjansson-dev
      libcmocka-dev libstemmer-dev libzstd-dev zlib1g-dev liblzma-dev
      python3 xz-utils netcat-openbsd)
if [[ "${1:-}" == "--bench" ]]; then
    pkgs+=(sphinxsearch python3-xapian python3-pymysql libmariadb-dev time hyperfine python3-numpy)
fi

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "deps.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
