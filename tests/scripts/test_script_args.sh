#!/usr/bin/env bash
# scripts/test.sh takes only --asan and scripts/run.sh no argument: anything
# else (a typo such as --asna, a ctest filter) is a usage error, exit 2 with
# the usage line, before anything is installed, built or run (it used to run
# the whole Release suite, or build and serve, as if nothing had been given).
# --help prints the usage and exits 0. Valid calls pass the check: with a
# PATH of dirname only they then fail at `bash scripts/deps.sh` (status 127),
# so nothing is installed, built or served here.
set -u
src=${1:?usage: test_script_args.sh SOURCE_DIR}
fail=0
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
ln -s "$(command -v dirname)" "$bin/dirname"
run() { # NAME ARGS... -> $rc, $out (stdout), $err (stderr)
    local name=$1
    shift
    local o e
    o=$(mktemp) e=$(mktemp)
    PATH=$bin FAHRAS_PORT= /bin/bash "$src/scripts/$name" "$@" >"$o" 2>"$e"
    rc=$?
    out=$(cat "$o") err=$(cat "$e")
    rm -f "$o" "$e"
}
for args in "--asna" "--asan --asan" "--asan x" "-R" "release" "--"; do
    # shellcheck disable=SC2086
    run test.sh $args
    if [ "$rc" != 2 ] || [[ $err != *"usage: scripts/test.sh [--asan]"* ]]; then
        echo "FAIL: test.sh $args: exit $rc: $err"
        fail=1
    fi
done
for args in "--help" "x" "--port 80" "--"; do
    # shellcheck disable=SC2086
    run run.sh $args
    if [ "$args" = --help ]; then
        if [ "$rc" != 0 ] || [[ $out != *"usage: scripts/run.sh"* ]]; then
            echo "FAIL: run.sh --help: exit $rc: $out $err"
            fail=1
        fi
    elif [ "$rc" != 2 ] || [[ $err != *"usage: scripts/run.sh"* ]]; then
        echo "FAIL: run.sh $args: exit $rc: $err"
        fail=1
    fi
done
run test.sh --help
if [ "$rc" != 0 ] || [[ $out != *"usage: scripts/test.sh [--asan]"* ]]; then
    echo "FAIL: test.sh --help: exit $rc: $out $err"
    fail=1
fi
# valid calls get past the check (and stop at the missing bash)
for s in "test.sh" "test.sh --asan" "run.sh"; do
    # shellcheck disable=SC2086
    run $s
    if [ "$rc" != 127 ] || [[ $err == *usage* ]]; then
        echo "FAIL: $s refused: exit $rc: $err"
        fail=1
    fi
done
[ "$fail" = 0 ] && echo "script arguments: OK"
exit "$fail"
