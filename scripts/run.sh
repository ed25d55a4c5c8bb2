#!/usr/bin/env bash
# Build Fahras (Release) and run it on the sample corpus that ships in data/sample.
# Installs missing Debian packages first (scripts/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"

bin=build/release
echo "== fahras-indexer analyze: how the analyzer sees the first sample headline" >&2
head -n 1 data/sample/news.jsonl | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["title"])' \
  | "$bin/indexer/fahras-indexer" analyze
