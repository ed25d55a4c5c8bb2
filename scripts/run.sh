#!/usr/bin/env bash
# Build Fahras (Release), index the sample corpus that ships in data/sample,
# and serve it with fahras-searchd on 127.0.0.1 (port 7700 unless FAHRAS_PORT
# says otherwise) in the foreground until Ctrl-C / SIGTERM.
# Installs missing Debian packages first (scripts/deps.sh).
# Usage: scripts/run.sh    (no arguments; --help prints the usage)
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: scripts/run.sh    (no arguments; FAHRAS_PORT=N picks the port, 7700 by default)"
# It takes no argument: one is a usage error (exit 2), not ignored by a
# script that then builds and serves anyway.
if [ "$#" != 0 ]; then
    if [ "$#" = 1 ] && { [ "$1" = --help ] || [ "$1" = -h ]; }; then
        echo "$usage"
        exit 0
    fi
    echo "run.sh: unexpected argument(s): $*" >&2
    echo "$usage" >&2
    exit 2
fi
port=${FAHRAS_PORT:-7700}
# A port number in decimal, 1..65535, as it is announced below: no sign, no
# leading zero (the daemon refuses those too), not 0 (any free port, which
# the lines below could not announce), at most five digits (so the
# arithmetic below cannot overflow). Checked before anything is installed
# or built.
case $port in
    [123456789] | [123456789][0123456789] | [123456789][0123456789][0123456789] | \
        [123456789][0123456789][0123456789][0123456789] | \
        [123456789][0123456789][0123456789][0123456789][0123456789])
        ok=$((port <= 65535)) ;;
    *) ok=0 ;;
esac
if [ "$ok" != 1 ]; then
    echo "run.sh: FAHRAS_PORT must be a port number, 1..65535, in decimal without leading zeros (got '$port')" >&2
    exit 2
fi

bash scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs" --target fahras-indexer fahras-searchd

bin=build/release
index=run/sample-index
mkdir -p run
"$bin/indexer/fahras-indexer" build --index "$index" data/sample/news.jsonl
"$bin/indexer/fahras-indexer" check "$index" >/dev/null

cat >&2 <<EOM

Serving the sample index on 127.0.0.1:$port. In another terminal, try:
  printf 'SEARCH limit=3 الشركات الصينية\n' | nc -q1 127.0.0.1 $port
  printf 'KEYWORDS والشركات DeepSeek-R1\n'     | nc -q1 127.0.0.1 $port
  printf 'GET sample-001\n'                    | nc -q1 127.0.0.1 $port
(or: python3 -c "import socket;s=socket.create_connection(('127.0.0.1',$port));s.sendall('SEARCH الشركات\n'.encode());print(s.makefile(encoding='utf-8').readline())")
Ctrl-C stops the daemon.
EOM
exec "$bin/searchd/fahras-searchd" --index "$index" --listen "127.0.0.1:$port"
