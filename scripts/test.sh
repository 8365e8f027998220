#!/usr/bin/env bash
# The whole test suite: every crate's unit and integration tests (nextest),
# then doc tests (nextest does not run those).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/chamber-target}
cargo nextest run --workspace --locked --no-fail-fast
cargo test --workspace --locked --doc -q
