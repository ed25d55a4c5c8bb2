#!/bin/sh
# run.sh — the analyzer benches (not CI). Builds a Release tree in build/bench-an,
# unpacks the news corpus into bench/work/ (git-ignored) and prints:
#   (a) stemmer conflation on ../shared/data/stem/word_stem_root.tsv,
#   (b) the Quran check (every verse analyzes, no U+FFFD),
#   (c) single-thread throughput, median of 7 runs, per stemmer.
# Usage: bench/analyze/run.sh [SHARED_DATA_DIR]
#   (default $FAHRAS_SHARED_DATA, else ../shared/data beside the repo; absent: exit 2)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
case "${1:-}" in
-h | --help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
-*) echo "bench/analyze/run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
esac
if [ $# -gt 1 ]; then
    echo "bench/analyze/run.sh: one argument at most, the shared data folder (try --help)" >&2
    exit 2
fi
data=${1:-${FAHRAS_SHARED_DATA:-$root/../shared/data}}
for f in news/saudinewsnet-docs.jsonl.xz stem/word_stem_root.tsv quran/quran-verses.jsonl; do
    if [ ! -f "$data/$f" ]; then
        echo "bench/analyze/run.sh: shared data not found: $data/$f; nothing measured." >&2
        exit 2
    fi
done
build=$root/build/bench-an
work=$root/bench/work
mkdir -p "$work"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFH_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target fh_bench_analyze fahras-analyze -j"$(nproc)" >/dev/null
bin=$build/bench/analyze/fh_bench_analyze
news=$work/news.jsonl
if [ ! -s "$news" ]; then
    xz -dc "$data/news/saudinewsnet-docs.jsonl.xz" > "$news.tmp"
    mv "$news.tmp" "$news"
fi

echo "## (a) stemmer conflation"
"$bin" stems "$data/stem/word_stem_root.tsv"
echo
echo "## (b) Quran"
"$bin" quran "$data/quran/quran-verses.jsonl"
echo
echo "## (c) throughput, one thread"
for s in "--stemmer light10" "--stemmer light10 --no-guard" "--stemmer snowball" "--stemmer none"; do
    echo "\$ $bin speed $s --runs 7 $news"
    # shellcheck disable=SC2086
    "$bin" speed $s --runs 7 "$news" | tail -1
done
