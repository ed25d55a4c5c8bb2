#!/usr/bin/env bash
# Build Fahras and run the whole test suite (unit, integration, smoke).
# Installs missing Debian packages first (scripts/deps.sh).
# Usage: scripts/test.sh [--asan]    --asan: the ASan+UBSan build instead of Release
set -euo pipefail
cd "$(dirname "$0")/.."

usage="usage: scripts/test.sh [--asan]    --asan: the ASan+UBSan build instead of Release"
# Anything else is a usage error (exit 2) before anything is installed or
# built: a mistyped --asan must not run the Release suite instead.
case "$#:${1:-}" in
    0:) preset=release ;;
    1:--asan) preset=asan ;;
    1:-h | 1:--help) echo "$usage"; exit 0 ;;
    *)
        echo "test.sh: unexpected argument(s): $*" >&2
        echo "$usage" >&2
        exit 2 ;;
esac

bash scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$jobs"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --preset "$preset" -j "$jobs"
