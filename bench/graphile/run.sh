#!/usr/bin/env bash
# graphile-worker throughput on a local PostgreSQL, for comparison with
# Chamber's queue. Prints one JSON line per (mode, concurrency) run.
#
#   bash bench/graphile/run.sh                  # throwaway PG 15 cluster on 127.0.0.1:55432
#   DATABASE_URL=postgres://... bash run.sh     # use an existing server instead
#   KEEP_PG=1 bash run.sh                       # leave the throwaway cluster running
#
# Other knobs (passed through to bench.mjs): JOBS (default 2000),
# CONCURRENCIES (default "1 4 16"), MODES (default "plain batched"),
# SUBMIT (bulk|each), OVERLAP (0|1). See bench.mjs for their meaning.
# PG_OPTS adds server settings to the throwaway cluster, e.g.
#   PG_OPTS="-c synchronous_commit=off"   (no WAL flush wait per commit)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
PGPORT="${PGPORT:-55432}"
CONCURRENCIES="${CONCURRENCIES:-1 4 16}"
MODES="${MODES:-plain batched}"

# Dependencies: exact versions from package-lock.json when it is there.
if [ ! -d node_modules/graphile-worker ]; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund >&2
  else npm install --no-audit --no-fund >&2; fi
fi

if [ -z "${DATABASE_URL:-}" ]; then
  # Throwaway cluster: initdb and postgres refuse to run as root, so both run
  # as the postgres user in a temp dir it owns. Loopback TCP only, trust auth,
  # unix socket inside the temp dir (nothing in /var/run/postgresql).
  tmp="$(mktemp -d /tmp/graphile-bench-pg.XXXXXX)"
  chown postgres: "$tmp"
  as_pg() { runuser -u postgres -- "$@"; }
  stop_pg() {
    as_pg "$PGBIN/pg_ctl" -D "$tmp/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$tmp"
  }
  if [ "${KEEP_PG:-0}" != 1 ]; then trap stop_pg EXIT; fi
  as_pg "$PGBIN/initdb" -D "$tmp/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
  as_pg "$PGBIN/pg_ctl" -D "$tmp/data" -l "$tmp/postgres.log" -w -t 60 start \
    -o "-p $PGPORT -k $tmp -c listen_addresses=127.0.0.1 -c max_connections=100 ${PG_OPTS:-}" >/dev/null
  as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres bench
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/bench"
  echo "# throwaway PostgreSQL: data $tmp/data, log $tmp/postgres.log" >&2
fi
echo "# DATABASE_URL=$DATABASE_URL" >&2

for mode in $MODES; do
  for c in $CONCURRENCIES; do
    MODE="$mode" CONCURRENCY="$c" node bench.mjs
  done
done

if [ "${KEEP_PG:-0}" = 1 ] && [ -n "${tmp:-}" ]; then
  echo "# KEEP_PG=1: server left running at $DATABASE_URL" >&2
  echo "# stop it with: runuser -u postgres -- $PGBIN/pg_ctl -D $tmp/data stop && rm -rf $tmp" >&2
fi
