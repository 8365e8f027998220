#!/usr/bin/env bash
# Offline checks of the deployment files (no daemon, no cluster needed):
#   bash deploy/check.sh
# Runs each check whose tool is installed and says which it skipped.
# Optional tools: systemd-analyze; PyYAML; kubernetes-validate (pip, bundles
# the Kubernetes schemas); `docker compose` or docker-compose; a copy of the
# Compose Specification schema in $COMPOSE_SCHEMA (with jsonschema).
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
fail() { echo "FAIL: $*"; status=1; }
skip() { echo "skip: $*"; }

echo "== systemd units"
if command -v systemd-analyze >/dev/null; then
    # verify checks that ExecStart exists: check copies that run /bin/true.
    tmp=$(mktemp -d)
    cp deploy/systemd/*.service "$tmp/"
    sed -i 's|/usr/local/bin/chamber |/bin/true |' "$tmp"/*.service
    (cd "$tmp" && systemd-analyze verify chamber-server.service 'chamber-worker@.service') \
        || fail "systemd-analyze verify"
    rm -rf "$tmp"
else
    skip "systemd-analyze not installed"
fi

echo "== YAML parses"
if python3 -c 'import yaml' 2>/dev/null; then
    python3 - <<'PY' || fail "YAML"
import glob, yaml
for f in sorted(glob.glob("deploy/k8s/*.yaml")) + ["deploy/docker-compose.yml"]:
    docs = [d for d in yaml.safe_load_all(open(f)) if d is not None]
    print(f, [d.get("kind", "compose") for d in docs])
PY
else
    skip "PyYAML not installed"
fi

echo "== Kubernetes schemas"
if command -v kubernetes-validate >/dev/null; then
    kubernetes-validate --strict deploy/k8s/*.yaml || fail "kubernetes-validate"
else
    skip "kubernetes-validate not installed (pip install kubernetes-validate)"
fi

echo "== Compose"
# The file requires POSTGRES_PASSWORD (deploy/.env in real use): a dummy one
# for rendering, unless the shell sets it.
export POSTGRES_PASSWORD=${POSTGRES_PASSWORD:-check-only}
if docker compose version >/dev/null 2>&1; then
    docker compose -f deploy/docker-compose.yml config --quiet || fail "docker compose config"
elif command -v docker-compose >/dev/null; then
    # Compose v1 does not know the top-level `name`; check the rest.
    tmp=$(mktemp -d); mkdir "$tmp/deploy"
    sed '/^name: /d' deploy/docker-compose.yml > "$tmp/deploy/docker-compose.yml"
    docker-compose -f "$tmp/deploy/docker-compose.yml" config --quiet || fail "docker-compose config"
    rm -rf "$tmp"
else
    skip "no docker compose plugin or docker-compose"
fi
if [ -n "${COMPOSE_SCHEMA:-}" ]; then
    python3 - "$COMPOSE_SCHEMA" <<'PY' || fail "Compose schema"
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
doc = yaml.safe_load(open("deploy/docker-compose.yml"))
errors = list(jsonschema.Draft7Validator(schema).iter_errors(doc))
for e in errors:
    print("ERROR", list(e.path), e.message)
print(f"compose-spec schema: {len(errors)} errors")
sys.exit(1 if errors else 0)
PY
else
    skip "COMPOSE_SCHEMA not set"
fi

echo "== entrypoint"
sh -n deploy/docker-entrypoint.sh || fail "entrypoint syntax"
tmp=$(mktemp -d)
printf 'sk-test\n' > "$tmp/OPENAI_API_KEY"; printf 'x' > "$tmp/not-a-name"
got=$(CHAMBER_SECRETS_DIR=$tmp OPENAI_API_KEY= sh deploy/docker-entrypoint.sh sh -c 'printf %s "$OPENAI_API_KEY"')
[ "$got" = "sk-test" ] || fail "entrypoint exported [$got]"
got=$(CHAMBER_SECRETS_DIR=$tmp OPENAI_API_KEY=preset sh deploy/docker-entrypoint.sh sh -c 'printf %s "$OPENAI_API_KEY"')
[ "$got" = "preset" ] || fail "entrypoint overrode a set variable [$got]"
rm -rf "$tmp"

[ $status -eq 0 ] && echo "deploy checks: ok" || echo "deploy checks: FAILED"
exit $status
