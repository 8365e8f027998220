#!/usr/bin/env bash
# MCP benchmarks (issue 17), against @modelcontextprotocol/server-everything
# and the MCP Inspector CLI installed by scripts/mcp_servers.sh:
#
# 1. Round trip of one tool call (`echo`):
#    - warm: Chamber's client calling on one open session, p50/p95 over
#      CALLS calls (`chamber mcp test --call echo --repeat CALLS`);
#    - one-shot: a whole process that starts the server, initializes and
#      calls once — `chamber mcp test --call echo` against the Inspector's
#      `--cli ... --method tools/call` — p50 over ONESHOT runs of each.
# 2. Start-up: a run against the scripted mock model with 10 configured
#    servers, one of which hangs (its start-up limit is 30 s), against the
#    same run with none: the time until the plan request and until the
#    first step's request, from the run's events.
#
# Knobs (env): CALLS (200), ONESHOT (200), PROFILE (release; `debug` for a
# quick check of the script), CHAMBER_TEST_NPM.
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS=${CALLS:-200}
ONESHOT=${ONESHOT:-200}
PROFILE=${PROFILE:-release}
npm_dir=${CHAMBER_TEST_NPM:-$HOME/.cache/chamber-npm}
bash scripts/mcp_servers.sh "$npm_dir"
everything="$npm_dir/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
inspector="$npm_dir/node_modules/.bin/mcp-inspector"

if [ "$PROFILE" = release ]; then
    cargo build --release -q -p chamber-cli -p chamber-mock-llm
else
    cargo build -q -p chamber-cli -p chamber-mock-llm
fi
target=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target/$PROFILE"

work=$(mktemp -d)
mock_pid=
cleanup() {
    [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
project="$work/project"
mkdir -p "$project/.chamber" "$work/home" "$work/data" "$work/config"
git -C "$project" init -q -b main
git -C "$project" config user.name bench
git -C "$project" config user.email bench@example.com
echo "# bench" >"$project/README.md"
git -C "$project" add README.md
git -C "$project" commit -q -m initial

chamber() {
    env -i PATH="$PATH" HOME="$work/home" CHAMBER_HOME="$work/data" XDG_CONFIG_HOME="$work/config" \
        NO_COLOR=1 OPENAI_BASE_URL="${url:-http://127.0.0.1:9/v1}" OPENAI_API_KEY=bench \
        CHAMBER_PROVIDER__RETRY_BASE_MS=1 "$bin/chamber" "$@"
}
p50() { sort -n | awk '{a[NR]=$1} END {i=int((NR+1)/2); printf "%.1f", a[i]}'; }

cd "$project"
printf '[mcp.servers.everything]\ncommand = "node"\nargs = ["%s", "stdio"]\n' "$everything" >.chamber/config.toml

echo "== round trip: warm, one session, $CALLS calls"
chamber mcp test everything --call echo --args '{"message":"hi"}' --repeat "$CALLS" | grep 'calls: p50'

echo "== round trip: one-shot processes, $ONESHOT each"
: >"$work/chamber.ms"
: >"$work/inspector.ms"
for _ in $(seq "$ONESHOT"); do
    s=$(date +%s%N)
    chamber mcp test everything --call echo --args '{"message":"hi"}' >/dev/null
    echo $((($(date +%s%N) - s) / 1000000)) >>"$work/chamber.ms"
    s=$(date +%s%N)
    env -i PATH="$PATH" HOME="$work/home" "$inspector" --cli node "$everything" stdio \
        --method tools/call --tool-name echo --tool-arg message=hi >/dev/null 2>&1
    echo $((($(date +%s%N) - s) / 1000000)) >>"$work/inspector.ms"
done
c=$(p50 <"$work/chamber.ms")
i=$(p50 <"$work/inspector.ms")
echo "chamber mcp test --call echo: p50 ${c} ms"
echo "inspector --cli tools/call echo: p50 ${i} ms"
echo "ratio chamber/inspector: $(echo "$c / $i" | bc -l | cut -c1-4)"

echo "== start-up: 10 servers, one hanging, against none"
python3 - "$work/script.json" <<'EOF'
import json, sys
plan = {"title": "Look", "steps": [{"id": "1", "title": "Look around", "detail": "Look",
        "kind": "investigate", "depends_on": []}]}
turns = [{"content": json.dumps(plan)}, {"content": "Nothing to change."}]
json.dump(turns * 2, open(sys.argv[1], "w"))
EOF
"$bin/chamber-mock-llm" --script "$work/script.json" >"$work/mock.out" 2>&1 &
mock_pid=$!
for _ in $(seq 100); do
    grep -q listening "$work/mock.out" 2>/dev/null && break
    sleep 0.1
done
url=$(sed -n 's/^listening //p' "$work/mock.out")

timing() {
    local label=$1
    local s
    s=$(date +%s.%N)
    chamber run --yes --json "look around" >"$work/run.out"
    python3 - "$work/run.out" "$s" "$label" <<'EOF'
import json, sys, datetime
events = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
start = float(sys.argv[2])
ts = lambda e: datetime.datetime.fromisoformat(e["ts"].replace("Z", "+00:00")).timestamp()
plan = next(e for e in events if e.get("type") == "plan_proposed")
step = next(e for e in events if e.get("type") == "model_turn" and e.get("step_id") == "1")
end = next(e for e in events if e.get("type") == "run_finished")
mcp = [e for e in events if e.get("type") == "mcp_server"]
ready = sum(1 for e in mcp if e["state"] == "ready")
failed = sum(1 for e in mcp if e["state"] == "failed")
print("%-26s plan request answered at %6.0f ms, first step request at %6.0f ms, run done at %6.0f ms (mcp ready %d, failed %d)"
      % (sys.argv[3], (ts(plan) - start) * 1000, (ts(step) - start) * 1000, (ts(end) - start) * 1000, ready, failed))
EOF
}
: >.chamber/config.toml
timing "no MCP servers:"
{
    for n in $(seq 9); do
        printf '[mcp.servers.ev%s]\ncommand = "node"\nargs = ["%s", "stdio"]\n' "$n" "$everything"
    done
    printf '[mcp.servers.hang]\ncommand = "sleep"\nargs = ["600"]\nstartup_timeout_secs = 30\n'
} >.chamber/config.toml
timing "10 servers, one hanging:"
