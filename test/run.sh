#!/usr/bin/env bash
# `npm test`: the live specs (test/live/, network-namespace hosts: mostly waiting on SSH, services and faults) and
# the other specs (mostly CPU: ts-node, tsc, npm, the mocks) in two mocha processes at the same time, on 2 CPUs
# about 4 minutes sooner than one process running both in turn. Nothing is shared between them: each process
# loads test/setup.ts and so has its own process-global Pulumi mocks; the other specs start no bed (bed.ts tears
# down only beds whose owner process is gone) and their services (nginx, redis, stunnel, csync2) run on loopback
# or in private mount namespaces, never in a bed's network namespace.
# The other specs' report is kept and printed after the live one's, so the two never interleave.
# Arguments go to both mocha runs (e.g. `npm test -- --bail`).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
mocha=node_modules/.bin/mocha
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$mocha" "$@" 'test/*.spec.ts' >"$out" 2>&1 &
others=$!
"$mocha" "$@" 'test/live/**/*.spec.ts'
live=$?
live_s=$SECONDS
wait "$others"
rc=$?
cat "$out"
echo "npm test: live specs exit ${live} after ${live_s} s; other specs exit ${rc}; ${SECONDS} s in all"
[ "$live" -eq 0 ] && [ "$rc" -eq 0 ]
