#!/usr/bin/env bash
# bench/run.sh — one command: Fahras against Sphinx 2.2.11 and Xapian 1.4 on the shared corpora.
#
#   bench/run.sh news|qa|qa_tt|books|all [more corpora] [--quick] [harness options]
#
# Unpacks the corpora from ../shared/data (bench/lib/corpus.py), builds Fahras (Release),
# then runs bench/loadgen/harness.py: indexing, relevance, query speed and memory for Fahras
# and the peers (bench/peers/*), and writes the "## Harness results" section of
# bench/RESULTS.md. See bench/README.md for what each figure means.
#
# Environment: FAHRAS_SHARED_DATA (default <repo>/../shared/data), FAHRAS_BENCH_WORK
# (default bench/work), FAHRAS_BUILD_DIR (default build/release; configured and built here
# unless FAHRAS_SKIP_BUILD=1).
# Exit status: 0 done, 2 shared data absent or bad usage, 3 a requested step failed or was
# skipped for lack of inputs (bench/RESULTS.md then left as it is), other: a build or setup failure.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
py=/usr/bin/python3
[[ -x "$py" ]] || py="$(command -v python3)"

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; }
if [[ $# -eq 0 ]]; then
    usage
    exit 2
fi
for a in "$@"; do
    if [[ "$a" == "-h" || "$a" == "--help" ]]; then
        usage
        echo
        "$py" "$repo/bench/loadgen/harness.py" --help
        exit 0
    fi
done

# the options first: a typo is a usage error now, not after the build
"$py" "$repo/bench/loadgen/harness.py" --check-usage "$@" || exit 2

shared="${FAHRAS_SHARED_DATA:-$repo/../shared/data}"
if [[ ! -d "$shared" ]]; then
    echo "bench/run.sh: shared data not found at $shared (set FAHRAS_SHARED_DATA); nothing measured." >&2
    exit 2
fi
export FAHRAS_SHARED_DATA="$(cd "$shared" && pwd)"
work="${FAHRAS_BENCH_WORK:-$repo/bench/work}"
mkdir -p "$work"
export FAHRAS_BENCH_WORK="$(cd "$work" && pwd)"
build="${FAHRAS_BUILD_DIR:-$repo/build/release}"
export FAHRAS_BUILD_DIR="$build"

# Every fahras-searchd the harness starts is listed in this file while it runs; whatever
# way this script ends, those still alive are stopped by pid (the harness stops them
# itself; this trap is the safety net for a crash or a kill of the harness).
pidfile="$FAHRAS_BENCH_WORK/fahras/searchd.pids"
harness_pid=""
cleanup() {
    local rc=$?
    if [[ -n "$harness_pid" ]] && kill -0 "$harness_pid" 2>/dev/null; then
        kill -TERM "$harness_pid" 2>/dev/null || true
        wait "$harness_pid" 2>/dev/null || true
    fi
    if [[ -f "$pidfile" ]]; then
        while read -r pid; do
            [[ "$pid" =~ ^[0-9]+$ ]] || continue
            if [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "fahras-searchd" ]]; then
                echo "bench/run.sh: stopping fahras-searchd pid $pid" >&2
                kill -TERM "$pid" 2>/dev/null || true
                for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
                kill -KILL "$pid" 2>/dev/null || true
            fi
        done < "$pidfile"
        rm -f "$pidfile"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ "${FAHRAS_SKIP_BUILD:-0}" != "1" ]]; then
    echo "bench/run.sh: building Fahras (Release) in $build" >&2
    cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" \
        --target fahras-indexer fahras-searchd fahras-loadgen
fi

"$py" "$repo/bench/loadgen/harness.py" "$@" &
harness_pid=$!
set +e
wait "$harness_pid"
rc=$?
set -e
harness_pid=""
exit "$rc"
