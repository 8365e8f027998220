#!/usr/bin/env bash
# The whole test suite: doc tests (nextest does not run those), then every
# crate's unit and integration tests with nextest, whose summary closes the output.
#
# The local-model tests drive a real llama-server with the real smollm2-135m
# weights. They are installed once per machine (runtime built from source,
# about 8-10 minutes on 2 cores the first time) into
# $CHAMBER_TEST_LOCAL_HOME, outside the clone. CHAMBER_SKIP_LOCAL_MODEL=1
# skips that install and those tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/chamber-target}
if [ "${CHAMBER_SKIP_LOCAL_MODEL:-0}" != 1 ]; then
  export CHAMBER_TEST_LOCAL_HOME=${CHAMBER_TEST_LOCAL_HOME:-$HOME/.cache/chamber-local-home}
  export CHAMBER_REQUIRE_LOCAL_MODEL=1
  cargo build --locked -q -p chamber-cli
  echo "== local model for tests: runtime + smollm2-135m in $CHAMBER_TEST_LOCAL_HOME"
  CHAMBER_HOME=$CHAMBER_TEST_LOCAL_HOME "$CARGO_TARGET_DIR/debug/chamber" model install smollm2-135m
fi
cargo test --workspace --locked --doc -q
cargo nextest run --workspace --locked --no-fail-fast
