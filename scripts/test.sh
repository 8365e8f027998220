#!/usr/bin/env bash
# The whole test suite: doc tests (nextest does not run those), then every
# crate's unit and integration tests with nextest, whose summary closes the output.
#
# The local-model tests drive a real llama-server with the real smollm2-135m
# weights. They are installed once per machine (runtime built from source,
# about 8-10 minutes on 2 cores the first time) into
# $CHAMBER_TEST_LOCAL_HOME, outside the clone. CHAMBER_SKIP_LOCAL_MODEL=1
# skips that install and those tests.
#
# The PostgreSQL tests run against a throwaway server this script starts
# (scripts/postgres_cluster.sh, which installs Debian's postgresql when
# missing), and the store's own suite runs a second time on it.
# CHAMBER_SKIP_POSTGRES=1 skips them; CHAMBER_TEST_POSTGRES_URL uses a
# server of yours (a user allowed CREATE DATABASE).
#
# The MCP tests drive real MCP servers and the MCP Inspector from npm,
# installed once into $CHAMBER_TEST_NPM (scripts/mcp_servers.sh).
# CHAMBER_SKIP_MCP_SERVERS=1 skips them.
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
if [ "${CHAMBER_SKIP_POSTGRES:-0}" != 1 ]; then
  if [ -z "${CHAMBER_TEST_POSTGRES_URL:-}" ]; then
    pg_dir=$(mktemp -d /tmp/chamber-test-pg.XXXXXX)
    trap 'bash scripts/postgres_cluster.sh stop "$pg_dir"' EXIT
    CHAMBER_TEST_POSTGRES_URL=$(bash scripts/postgres_cluster.sh start "$pg_dir")
    export CHAMBER_TEST_POSTGRES_URL
  fi
  export CHAMBER_REQUIRE_POSTGRES=1
  echo "== PostgreSQL for tests: $CHAMBER_TEST_POSTGRES_URL"
fi
if [ "${CHAMBER_SKIP_MCP_SERVERS:-0}" != 1 ]; then
  export CHAMBER_TEST_NPM=${CHAMBER_TEST_NPM:-$HOME/.cache/chamber-npm}
  echo "== MCP peers for tests (server-everything, server-filesystem, inspector) in $CHAMBER_TEST_NPM"
  bash scripts/mcp_servers.sh "$CHAMBER_TEST_NPM"
  export CHAMBER_REQUIRE_MCP_SERVERS=1
fi
cargo test --workspace --locked --doc -q
cargo nextest run --workspace --locked --no-fail-fast
if [ "${CHAMBER_SKIP_POSTGRES:-0}" != 1 ]; then
  echo "== the store's integration suite again, on PostgreSQL"
  CHAMBER_TEST_STORE=postgres cargo nextest run -p chamber-store --tests --locked --no-fail-fast
fi
