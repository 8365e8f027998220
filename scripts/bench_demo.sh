#!/usr/bin/env bash
# How often the README's first command solves its sample task: runs the
# demo task (examples/hello-py, "add greet(name) to calc.py") N times
# (default 10), each in a fresh git copy with `chamber run --yes`, and
# checks the result with Python: greet('Ann') == 'Hello, Ann!' and add
# still works. Prints each run's time and the success rate. Knobs (env):
# N, MODEL (default: the built-in default model), CHAMBER (a built binary;
# default: a release build).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/chamber-target}
if [ -z "${CHAMBER:-}" ]; then
    cargo build --release -q -p chamber-cli
    CHAMBER="$CARGO_TARGET_DIR/release/chamber"
fi
model_args=()
[ -n "${MODEL:-}" ] && model_args=(--model "$MODEL")
task="Add a function greet(name) to calc.py that returns 'Hello, <name>!'. Then run the tests with python3 -m unittest -q."
solved=0
for i in $(seq 1 "$N"); do
    work=$(mktemp -d)
    cp -r examples/hello-py/. "$work/"
    git -C "$work" init -q -b main
    git -C "$work" add -A
    git -C "$work" -c user.name=Chamber -c user.email=chamber@localhost commit -qm "sample project"
    start=$(date +%s.%N)
    "$CHAMBER" -C "$work" run --yes "${model_args[@]}" "$task" > "$work.log" 2>&1 || true
    secs=$(echo "$(date +%s.%N) - $start" | bc)
    if (cd "$work" && python3 -c "from calc import greet, add; assert greet('Ann') == 'Hello, Ann!' and add(2, 3) == 5" 2>/dev/null); then
        solved=$((solved + 1)); verdict=solved
    else
        verdict=failed
    fi
    printf 'run %2d: %-7s %6.1f s\n' "$i" "$verdict" "$secs"
    rm -rf "$work" "$work.log"
done
echo "solved $solved of $N"
