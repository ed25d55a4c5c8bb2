#!/usr/bin/env bash
# Indexing benchmark: builds fahras-indexer (Release) and runs
# bench/indexer/bench_indexer.py — median of 3 runs of wall, CPU, peak RSS and
# index size on the news and books corpora, with Sphinx's indexer in the same
# session when bench/peers/sphinx is set up. Prints a markdown table.
#
#   bench/indexer/run.sh [--runs N] [--corpora news,books] [--no-sphinx] [--mem MB] [--fields F]
#
# FAHRAS_INDEXER=path skips the build. Other options: bench_indexer.py --help. The corpora
# come from FAHRAS_SHARED_DATA (default ../shared/data beside the repo); absent: exit 2.
# Not part of CI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
sphinx=--sphinx
args=()
for a in "$@"; do
  if [[ $a == --no-sphinx ]]; then sphinx=; else args+=("$a"); fi
done
if [[ -z ${FAHRAS_INDEXER:-} ]]; then
  bdir=$repo/build/bench-indexer
  cmake -S "$repo" -B "$bdir" -DCMAKE_BUILD_TYPE=Release -DFH_BUILD_TESTS=OFF >/dev/null
  cmake --build "$bdir" --target fahras-indexer -j"$(nproc)" >/dev/null
  export FAHRAS_INDEXER=$bdir/indexer/fahras-indexer
fi
# /usr/bin/python3: the Debian interpreter the peers' packages (python3-pymysql) install into;
# another python3 on PATH (pyenv) would make run_sphinx.py apt-get them again on every run.
py=/usr/bin/python3
[[ -x $py ]] || py=$(command -v python3)
exec "$py" "$here/bench_indexer.py" --indexer "$FAHRAS_INDEXER" $sphinx "${args[@]}"
