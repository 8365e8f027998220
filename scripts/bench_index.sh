#!/usr/bin/env bash
# Indexing speed of `chamber index` (release build) side by side with
# universal-ctags on real trees, symbol recall against ctags' definitions,
# a one-file incremental update, and in-process search latency.
#
#   scripts/bench_index.sh [TREE...]
#
# Default trees: the Python standard library (/usr/lib/python3.*) and the
# crates in ~/.cargo/registry/src. Each tree is copied to a temp dir first
# (the index lives in <copy>/.chamber/index and one file gets changed).
# Needs: cargo, ctags (Debian: universal-ctags), python3.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
command -v ctags >/dev/null || { echo "ctags missing: sudo apt-get install -y universal-ctags" >&2; exit 1; }
ctags --version | head -1 | grep -q "Universal Ctags" || { echo "ctags is not universal-ctags" >&2; exit 1; }

if [ "$#" -gt 0 ]; then
  TREES=("$@")
else
  TREES=()
  PY=$(ls -d /usr/lib/python3.* 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$PY" ] && TREES+=("$PY")
  for r in "$HOME"/.cargo/registry/src/*/; do [ -d "$r" ] && TREES+=("${r%/}"); done
fi

(cd "$ROOT" && cargo build --release -q -p chamber-cli && cargo build --release -q -p chamber-index --example index_tree)
CHAMBER="$CARGO_TARGET_DIR/release/chamber"
LIB="$CARGO_TARGET_DIR/release/examples/index_tree"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export HOME_SAVED="$HOME" CHAMBER_HOME="$WORK/chamber-home" XDG_CONFIG_HOME="$WORK/config"

now_ms() { date +%s%3N; }

for TREE in "${TREES[@]}"; do
  echo "== $TREE"
  rm -rf "$WORK/tree" "$WORK/tags"
  cp -a "$TREE" "$WORK/tree"
  sync

  t0=$(now_ms)
  ( cd "$WORK/tree" && ctags -R --fields=+nKl -f "$WORK/tags" . 2>/dev/null )
  ctags_ms=$(( $(now_ms) - t0 ))

  t0=$(now_ms)
  "$CHAMBER" -C "$WORK/tree" index --json > "$WORK/cold.json"
  cold_ms=$(( $(now_ms) - t0 ))

  # One file changed: the first source file of the tree, in sorted order.
  target=$(cd "$WORK/tree" && find . -type f \( -name '*.py' -o -name '*.rs' -o -name '*.go' -o -name '*.ts' -o -name '*.js' \) \
    -not -path '*/.*' -not -path '*/node_modules/*' -not -path '*/vendor/*' | sort | sed -n 1p)
  printf '\ndef chamber_bench_added():\n    pass\n' >> "$WORK/tree/$target"
  t0=$(now_ms)
  "$CHAMBER" -C "$WORK/tree" index --json > "$WORK/incr.json"
  incr_ms=$(( $(now_ms) - t0 ))
  t0=$(now_ms)
  "$CHAMBER" -C "$WORK/tree" index --json > "$WORK/noop.json"
  noop_ms=$(( $(now_ms) - t0 ))

  # 200 queries: identifiers ctags found, alone and in pairs.
  python3 - "$WORK/tags" > "$WORK/queries.txt" <<'PY'
import random, sys
names = sorted({l.split('\t', 1)[0] for l in open(sys.argv[1], errors='replace')
                if not l.startswith('!') and l[:1].isalpha() and len(l.split('\t', 1)[0]) > 3})
random.seed(7)
pick = random.sample(names, min(100, len(names)))
for n in pick: print(n)
for a, b in zip(pick[::2], pick[1::2]): print(a, b)
for n in pick[:50]: print(n.lower().replace('_', ' '))
PY
  "$LIB" "$WORK/tree" "$WORK/tree/.chamber/index" --queries "$WORK/queries.txt" | tail -1 > "$WORK/search.json"
  # The --watch path: one file changed, `update_paths` in a warm process.
  "$LIB" "$WORK/tree" "$WORK/tree/.chamber/index" --touch "${target#./}" | tail -1 > "$WORK/touch.json"

  python3 - "$WORK" "$ctags_ms" "$cold_ms" "$incr_ms" "$noop_ms" <<'PY'
import json, sqlite3, sys, collections
work, ctags_ms, cold_ms, incr_ms, noop_ms = sys.argv[1], *map(int, sys.argv[2:])
cold = json.loads(open(f"{work}/cold.json").read().splitlines()[-1])["payload"]
incr = json.loads(open(f"{work}/incr.json").read().splitlines()[-1])["payload"]
noop = json.loads(open(f"{work}/noop.json").read().splitlines()[-1])["payload"]
search = json.loads(open(f"{work}/search.json").read())
touch = json.loads(open(f"{work}/touch.json").read())["one_file_update_ms"]
# ctags definitions of the kinds both tools extract, in files the index holds.
KINDS = {
  'Python': {'class', 'function', 'member', 'variable'},
  'Rust': {'module', 'struct', 'interface', 'function', 'enum', 'typedef', 'macro', 'method',
           'constant', 'enumerator', 'field', 'variable', 'union'},
  'Go': {'func', 'type', 'struct', 'interface', 'method', 'const', 'member', 'methodSpec'},
  'JavaScript': {'function', 'class', 'method'},
  'TypeScript': {'function', 'class', 'method', 'interface', 'enum', 'alias'},
}
con = sqlite3.connect(f"{work}/tree/.chamber/index/index.db")
ours = set(con.execute("SELECT path, name, start_line FROM symbols"))
indexed = {p for (p,) in con.execute("SELECT path FROM files WHERE skipped IS NULL")}
tags_total = 0
total = hit = 0
for line in open(f"{work}/tags", errors='replace'):
    if line.startswith('!'):
        continue
    f = line.rstrip('\n').split('\t')
    tags_total += 1
    ext = dict(x.split(':', 1) for x in f[3:] if ':' in x)
    kind = f[3] if len(f) > 3 and ':' not in f[3] else ext.get('kind')
    path = f[1][2:] if f[1].startswith('./') else f[1]
    if kind not in KINDS.get(ext.get('language'), ()) or path not in indexed:
        continue
    total += 1
    hit += (path, f[0], int(ext.get('line', 0))) in ours
secs = cold_ms / 1000
print(f"  chamber index (cold): {cold_ms} ms wall, {cold['files_total']} files "
      f"({cold['files_skipped']} skipped by content), {cold['symbols']} symbols, "
      f"{cold['references']} references -> {cold['files_total']/secs:.0f} files/s, {cold['symbols']/secs:.0f} symbols/s")
print(f"  ctags -R:             {ctags_ms} ms wall, {tags_total} tags -> {tags_total/(ctags_ms/1000):.0f} tags/s")
print(f"  recall of ctags definitions (same file, name and line): {hit}/{total} = {hit/max(total,1):.1%}")
print(f"  one-file change: update {incr['elapsed']} ms inside, {incr_ms} ms for the process "
      f"(parsed {incr['files_parsed']}); no change: {noop['elapsed']} ms inside, {noop_ms} ms process")
print(f"  one-file change, in-process update_paths (the --watch path), 5 rounds: {touch} ms")
print(f"  search ({search['queries']} queries, in-process, top 10): p50 {search['search_p50_ms']} ms, "
      f"p95 {search['search_p95_ms']} ms, {search['with_hits']} with hits")
PY
done
