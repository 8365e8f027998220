#!/usr/bin/env bash
# Wire-adapter benchmark: stream parsing throughput and added per-request latency of the
# four provider wire formats (OpenAI Chat, OpenAI Responses, Anthropic, Gemini) against the
# scripted mock server. Prints markdown tables. Knobs (env): WIRE_BENCH_MB (default 8),
# WIRE_BENCH_REPS (default 5), WIRE_BENCH_REQUESTS (default 300).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/chamber-target}
exec cargo run --release -q -p chamber-llm --example wire_bench "$@"
