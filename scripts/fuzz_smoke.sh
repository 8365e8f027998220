#!/usr/bin/env bash
# Fuzz smoke test: runs every cargo-fuzz target in fuzz/ for
# FUZZ_SMOKE_SECS seconds (default 30), starting from its corpus in
# fuzz/corpus/<target>/, and fails if any target crashes (panic, failed
# invariant, timeout, out of memory). New inputs go to a scratch directory,
# so the committed corpora stay as they are; a crash is saved under
# fuzz/artifacts/<target>/.
#
# Needs the nightly toolchain and cargo-fuzz. Either missing is installed;
# when that is impossible (offline, no rustup) the script prints
# "skipped: ..." and exits 0. Nothing else is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SMOKE_SECS:-30}

skip() {
  echo "skipped: $*"
  exit 0
}

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "== installing the nightly toolchain"
  command -v rustup >/dev/null 2>&1 || skip "no nightly toolchain and no rustup to install one"
  rustup toolchain install nightly --profile minimal ||
    skip "no nightly toolchain, and installing it failed"
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked || skip "cargo-fuzz is missing, and installing it failed"
fi

echo "== building the fuzz targets"
cargo +nightly fuzz build -O
targets=$(cargo +nightly fuzz list)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=()
for t in $targets; do
  echo "== fuzz $t for ${secs}s"
  mkdir -p "$scratch/$t" "fuzz/corpus/$t"
  if ! cargo +nightly fuzz run -O "$t" "$scratch/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$scratch/$t.log" 2>&1; then
    tail -n 40 "$scratch/$t.log"
    failed+=("$t")
  else
    grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec)' "$scratch/$t.log" || true
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz smoke: crashes in ${failed[*]} (inputs under fuzz/artifacts/)"
  exit 1
fi
echo "fuzz smoke: $(echo "$targets" | wc -w) targets, no crash"
