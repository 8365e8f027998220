#!/bin/sh
# Container entrypoint: for each file /run/secrets/NAME whose NAME is a valid
# environment variable name (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...), export
# NAME with the file's content (trailing newlines removed) unless NAME is
# already set and non-empty; then exec the command. Chamber reads provider
# keys from the environment only; this lets Docker/Compose secrets supply
# them without putting them in `docker inspect`.
set -eu
dir="${CHAMBER_SECRETS_DIR:-/run/secrets}"
if [ -d "$dir" ]; then
    for f in "$dir"/*; do
        [ -f "$f" ] || continue
        if [ ! -r "$f" ]; then
            echo "chamber-entrypoint: cannot read $f (make it readable by uid $(id -u)); skipped" >&2
            continue
        fi
        name=${f##*/}
        case "$name" in
            '' | [0-9]* | *[!A-Za-z0-9_]*) continue ;;
        esac
        eval "current=\${$name-}"
        if [ -z "$current" ]; then
            value=$(cat "$f")
            export "$name=$value"
        fi
    done
fi
exec "$@"
