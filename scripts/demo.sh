#!/usr/bin/env bash
# Runs Chamber's main job on a copy of examples/hello-py: plan, approve (--yes),
# edit, run the tests, commit on a chamber/<id> branch, print the summary.
# Needs a model: OPENAI_API_KEY, or OPENAI_BASE_URL for any OpenAI-compatible
# server (Ollama, llama.cpp, vLLM…; set --model to one it serves).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
task=${1:-"add a function greet(name) to calc.py that returns 'Hello, <name>!' and a unit test for it, then run the tests"}
shift || true
demo=$(mktemp -d "${TMPDIR:-/tmp}/chamber-demo.XXXXXX")
cp -r "$here/examples/hello-py/." "$demo/"
git -C "$demo" init -q
git -C "$demo" add -A
git -C "$demo" -c user.name=Chamber -c user.email=chamber@localhost commit -qm "sample project"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/chamber-target}
cargo build --release -q -p chamber-cli
echo "sample project: $demo"
"$CARGO_TARGET_DIR/release/chamber" -C "$demo" run --yes "$@" "$task"
git -C "$demo" log --oneline -n 3
