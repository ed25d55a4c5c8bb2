#!/usr/bin/env bash
# scripts/run.sh refuses a FAHRAS_PORT that is not a decimal port number
# 1..65535 without leading zeros (70000 was announced and then refused by the
# daemon; 00 was announced while the daemon bound any free port), with exit 2
# before it installs, builds or indexes anything. Valid values pass the same
# check, run on its own (the whole script would build and serve).
set -u
src=${1:?usage: test_run_sh_port.sh SOURCE_DIR}
script=$src/scripts/run.sh
fail=0
# a PATH of dirname only: past a check that let a value through, the script
# could not install, build or serve anything (bash scripts/deps.sh: not found)
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
ln -s "$(command -v dirname)" "$bin/dirname"
for v in 70000 65536 99999 123456 00 0 07700 -1 +80 ' 80' '80 ' 1e3 abc 0x50 '٨٠'; do
    err=$(FAHRAS_PORT=$v PATH=$bin /bin/bash "$script" 2>&1 >/dev/null)
    rc=$?
    if [ "$rc" != 2 ] || [[ $err != *"FAHRAS_PORT must be a port number, 1..65535"* ]]; then
        echo "FAIL: FAHRAS_PORT='$v': exit $rc: $err"
        fail=1
    fi
done
# the check alone, as run.sh runs it (from port= to its fi)
check=$(sed -n '/^port=/,/^fi$/p' "$script")
[ -n "$check" ] || { echo "FAIL: no port check found in $script"; exit 1; }
for v in 1 80 7700 65535 ''; do
    out=$(FAHRAS_PORT=$v bash -c "set -euo pipefail; $check"$'\n''echo "$port"' 2>&1)
    want=${v:-7700}
    if [ "$out" != "$want" ]; then
        echo "FAIL: FAHRAS_PORT='$v' refused or changed: $out"
        fail=1
    fi
done
[ "$fail" = 0 ] && echo "run.sh port check: OK"
exit "$fail"
