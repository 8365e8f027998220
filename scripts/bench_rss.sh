#!/usr/bin/env bash
# Peak RSS of a long run: a one-step plan whose step takes TURNS model turns (default 1000),
# each calling read_file on a ~100 KB file, against the scripted mock model
# (chamber-mock-llm, OpenAI Chat wire). Builds the release binaries, runs
# `chamber run --yes` under /usr/bin/time -v and prints the peak RSS (issue 15; goal:
# bounded, under 30 MB). Knobs (env): TURNS, FILE_KB (default 100), PROFILE (release; `debug`
# for a quick check of the script itself).
set -euo pipefail
cd "$(dirname "$0")/.."
TURNS=${TURNS:-1000}
FILE_KB=${FILE_KB:-100}
PROFILE=${PROFILE:-release}

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
mkdir -p "$project" "$work/home" "$work/data" "$work/config"
git -C "$project" init -q -b main
git -C "$project" config user.name bench
git -C "$project" config user.email bench@example.com
python3 - "$project/big.txt" "$FILE_KB" <<'EOF'
import sys
path, kb = sys.argv[1], int(sys.argv[2])
line = "the quick brown fox jumps over the lazy dog 0123456789\n"
with open(path, "w") as f:
    f.write(line * (kb * 1024 // len(line)))
EOF
git -C "$project" add big.txt
git -C "$project" commit -q -m initial

python3 - "$work/script.json" "$TURNS" <<'EOF'
import json, sys
path, turns = sys.argv[1], int(sys.argv[2])
plan = {"title": "Read big.txt", "steps": [{"id": "1", "title": "Read big.txt",
        "detail": "Read big.txt many times", "kind": "investigate", "depends_on": []}]}
script = [{"content": json.dumps(plan)}]
script += [{"tool_calls": [{"name": "read_file", "arguments": json.dumps({"path": "big.txt"})}]}] * turns
script += [{"content": "Read it %d times." % turns}]
json.dump(script, open(path, "w"))
EOF

"$bin/chamber-mock-llm" --script "$work/script.json" >"$work/mock.out" 2>&1 &
mock_pid=$!
for _ in $(seq 100); do
    grep -q listening "$work/mock.out" 2>/dev/null && break
    sleep 0.1
done
url=$(sed -n 's/^listening //p' "$work/mock.out")

cd "$project"
start=$(date +%s.%N)
set +e
env -i PATH="$PATH" HOME="$work/home" CHAMBER_HOME="$work/data" XDG_CONFIG_HOME="$work/config" \
    NO_COLOR=1 OPENAI_BASE_URL="$url" OPENAI_API_KEY=bench \
    CHAMBER_AGENT__MAX_TURNS_PER_STEP=$((TURNS + 5)) CHAMBER_PROVIDER__RETRY_BASE_MS=1 \
    /usr/bin/time -v "$bin/chamber" run --yes --json "Read big.txt $TURNS times" \
    >"$work/run.out" 2>"$work/time.out"
code=$?
set -e
took=$(echo "$(date +%s.%N) - $start" | bc)
peak=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.out")
status=$(tail -n 1 "$work/run.out" | python3 -c 'import json, sys; print(json.load(sys.stdin)["payload"]["status"])' 2>/dev/null || echo "?")
turns_done=$(grep -c '"type":"model_turn"' "$work/run.out" || true)
echo "turns: $TURNS  file: ${FILE_KB} KB  exit: $code  status: $status  model turns: $turns_done"
printf 'wall: %.1f s  peak RSS: %d KB (%.1f MB)\n' "$took" "$peak" "$(echo "$peak / 1024" | bc -l)"
[ "$code" -eq 0 ] || { tail -n 5 "$work/time.out"; tail -c 2000 "$work/run.out"; exit 1; }
