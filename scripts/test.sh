#!/usr/bin/env bash
# The whole test suite: doc tests (nextest does not run those), then every
# crate's unit and integration tests with nextest, whose summary closes the output.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/chamber-target}
cargo test --workspace --locked --doc -q
cargo nextest run --workspace --locked --no-fail-fast
