#!/usr/bin/env bash
# The one test command (npm test, .ci/run): lint, type-check and every test file by name,
# because `tsx --test` given a folder silently runs nothing on Node 20.
#
# Starting a Node process that loads the tracker costs about a second of CPU, as much as most
# test files spend testing, on a 2-core machine. So the files that test in-process are imported
# by a few shard processes, and only the files that drive child processes, clients and browsers
# (bin/, deploy/, e2e/, perf/) get a process each. Type-check and lint (one process: test/check.mjs)
# run beside the tests, and fill the cores while the end-to-end tests wait on their clients.
set -euo pipefail
cd "$(dirname "$0")/.."

SHARDS=4

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check() { if "${@:2}" > "$work/$1.log" 2>&1; then echo 0; else echo 1; fi > "$work/$1.status"; }
check types-and-lint node test/check.mjs &

# The tests run as JavaScript compiled once, not through tsx in each of the ~50 processes they start.
build="$work/build"
node test/build.mjs "$build"

mapfile -t files < <(find test -name '*.test.ts' | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "no test files found" >&2
  exit 1
fi

# End-to-end files first: they are the longest, though mostly waiting on their clients.
e2e=()
processes=()
shared=()
for f in "${files[@]}"; do
  case "$f" in
    test/e2e/*) e2e+=("$f") ;;
    test/bin/* | test/deploy/* | test/perf/*) processes+=("$f") ;;
    *) shared+=("$f") ;;
  esac
done
own=("${e2e[@]}" "${processes[@]}")

# Each process the runner starts is a module importing its test files: one for a file that needs
# a process of its own, several for a shard. The runner sorts the files it is given by path, so a
# numbered name is what sets the order.
entries=()
entry() {
  local name
  name="$work/$(printf '%02d' "${#entries[@]}")-$1.test.mjs"
  shift
  : > "$name"
  for f in "$@"; do printf "await import(%s)\n" "'$build/${f%.ts}.js'" >> "$name"; done
  entries+=("$name")
}

# A shard beside each end-to-end file, which mostly waits on its clients, keeps both cores busy;
# round-robin, so each shard gets a share of every folder's slow and quick files.
for ((i = 0; i < ${#own[@]} || i < SHARDS; i++)); do
  if [ "$i" -lt "${#own[@]}" ]; then entry "$(basename "${own[i]}" .test.ts)" "${own[i]}"; fi
  if [ "$i" -lt "$SHARDS" ] && [ "$i" -lt "${#shared[@]}" ]; then
    members=()
    for ((j = i; j < ${#shared[@]}; j += SHARDS)); do members+=("${shared[j]}"); done
    entry "shard-$((i + 1))" "${members[@]}"
  fi
done

tap="$work/tap"
set +e
node --enable-source-maps --test --test-concurrency=3 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" "${entries[@]}"
status=$?
set -e
wait

if [ "$(cat "$work/types-and-lint.status")" != 0 ]; then
  cat "$work/types-and-lint.log"
  echo "type-check or lint failed" >&2
  status=1
fi

count() { awk -v k="# $1" '$1 " " $2 == k { print $3 }' "$tap" | tail -n 1; }
tests=$(count tests); pass=$(count pass); fail=$(count fail)
echo "${pass:-0} passed, ${fail:-0} failed, in ${#own[@]} files with a process each and ${#shared[@]} files in $SHARDS shards"
if [ "${tests:-0}" -eq 0 ]; then
  echo "the test runner ran no test" >&2
  exit 1
fi
exit "$status"
