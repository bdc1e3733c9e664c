#!/usr/bin/env bash
# The one test command (npm test, .ci/run): lint, type-check, then every test file by name,
# because `tsx --test` given a folder silently runs nothing on Node 20.
set -euo pipefail
cd "$(dirname "$0")/.."

npx eslint .
npx tsc --noEmit

mapfile -t files < <(find test -name '*.test.ts' | sort)
if [ "${#files[@]}" -eq 0 ]; then
  echo "no test files found" >&2
  exit 1
fi

tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
set +e
node --import tsx --test --test-concurrency=3 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" "${files[@]}"
status=$?
set -e

count() { awk -v k="# $1" '$1 " " $2 == k { print $3 }' "$tap" | tail -n 1; }
tests=$(count tests); pass=$(count pass); fail=$(count fail)
echo "${pass:-0} passed, ${fail:-0} failed"
if [ "${tests:-0}" -eq 0 ]; then
  echo "the test runner ran no test" >&2
  exit 1
fi
exit "$status"
