#!/usr/bin/env bash
# The TUI benchmark (docs/benchmarks.md#tui): a release build of chamber in
# tmux; start-up to the first frame against `chamber --version`, then a run
# streaming 10,000 lines of tool output while keys are typed. Prints one
# `TUI_BENCH {json}` line.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/chamber-target}
cargo build --release -p chamber-cli
CHAMBER_TEST_BIN="$CARGO_TARGET_DIR/release/chamber" \
  cargo nextest run -p chamber-cli --test e2e --run-ignored only \
  -E 'test(/tui_benchmark/)' --no-capture 2>&1 | grep -E '^TUI_BENCH|PASS|FAIL'
