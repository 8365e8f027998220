#!/usr/bin/env bash
# Self-check for the benchmark tasks in this folder.
#
# For every task (or only the ones named as arguments):
#   1. copy repo/ into a fresh temp dir and run the task's test command: it must FAIL;
#   2. overlay solution/ onto that copy and run it again: it must PASS.
# Prints `ok  NN-slug` or `BAD NN-slug: reason` per task; exits 1 if any task is bad.
#
# Usage: [CHECK_DIR=DIR] bench/tasks/check.sh [NN-slug ...]
set -euo pipefail

# CHECK_DIR: another folder of tasks in this format (such as ../tasks-fix).
here="${CHECK_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
limit="${CHECK_TIMEOUT:-300}" # seconds per test run

# toml_get KEY FILE: value of a one-line basic string `KEY = "..."` (handles \" and \\).
toml_get() {
  sed -n -E "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"(.*)\"[[:space:]]*$/\1/p" "$2" |
    head -n 1 | sed -e 's/\\"/"/g' -e 's/\\\\/\\/g'
}

run_test() { # dir command log
  local runner=()
  if command -v timeout >/dev/null 2>&1; then runner=(timeout "$limit"); fi
  (cd "$1" && ${runner[@]+"${runner[@]}"} bash -c "$2") >"$3" 2>&1
}

if [ "$#" -gt 0 ]; then
  tasks=("$@")
else
  tasks=()
  for d in "$here"/*/; do
    [ -f "$d/task.toml" ] && tasks+=("$(basename "$d")")
  done
fi
if [ "${#tasks[@]}" -eq 0 ]; then
  echo "no tasks found under $here" >&2
  exit 1
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

bad=0
report_bad() { # name reason [log]
  echo "BAD $1: $2"
  if [ -n "${3:-}" ] && [ -s "$3" ]; then tail -n 15 "$3" | sed 's/^/    | /' >&2; fi
  bad=1
}

for name in "${tasks[@]}"; do
  dir="$here/$name"
  toml="$dir/task.toml"
  if [ ! -f "$toml" ]; then report_bad "$name" "no task.toml"; continue; fi

  instruction="$(toml_get instruction "$toml")"
  cmd="$(toml_get test "$toml")"
  language="$(toml_get language "$toml")"
  difficulty="$(toml_get difficulty "$toml")"
  if [ -z "$instruction" ] || [ -z "$cmd" ]; then report_bad "$name" "task.toml needs instruction and test"; continue; fi
  case "$language" in python | rust) ;; *) report_bad "$name" "language must be python or rust, got '$language'"; continue ;; esac
  case "$difficulty" in easy | medium | hard) ;; *) report_bad "$name" "difficulty must be easy, medium or hard, got '$difficulty'"; continue ;; esac
  if [ ! -d "$dir/repo" ] || [ ! -d "$dir/solution" ]; then report_bad "$name" "needs repo/ and solution/"; continue; fi
  if [ -z "$(find "$dir/solution" -type f -print -quit)" ]; then report_bad "$name" "solution/ is empty"; continue; fi
  # The tests are the judge: the reference solution must not touch them.
  touched="$(cd "$dir/solution" && find . -type f \( -name 'test_*.py' -o -name '*_test.py' -o -path './tests/*' \) -print -quit)"
  if [ -n "$touched" ]; then report_bad "$name" "solution/ overrides a test file ($touched)"; continue; fi

  work="$scratch/$name"
  mkdir -p "$work"
  cp -R "$dir/repo" "$work/tree"
  export CARGO_TARGET_DIR="$work/target"
  export PYTHONDONTWRITEBYTECODE=1

  if run_test "$work/tree" "$cmd" "$work/before.log"; then
    report_bad "$name" "tests pass on repo/ as given (they must fail)"
    continue
  fi
  cp -R "$dir/solution/." "$work/tree/"
  if ! run_test "$work/tree" "$cmd" "$work/after.log"; then
    report_bad "$name" "tests fail with solution/ overlaid" "$work/after.log"
    continue
  fi
  echo "ok  $name"
  rm -rf "$work"
done

exit "$bad"
