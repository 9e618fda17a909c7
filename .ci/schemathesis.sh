#!/usr/bin/env bash
# The API contract: a server with every flow on, its /openapi.json fuzzed by schemathesis
# (pinned) with a bounded number of examples. Fails on any 5xx, any status the document does
# not list, any content type or body that breaks it. Usage: .ci/schemathesis.sh [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-target/debug/portcullis}"
VERSION=4.32.5
VENV="${SCHEMATHESIS_VENV:-$HOME/.cache/portcullis-schemathesis-$VERSION}"
if [ ! -x "$VENV/bin/st" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$VERSION"
fi
WORK="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
BIN="$(realpath "$BIN")"
cleanup() { [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
export SECURITY_REGISTERABLE=true SECURITY_CONFIRMABLE=true SECURITY_RECOVERABLE=true \
  SECURITY_CHANGE_EMAIL=true SECURITY_TWO_FACTOR=true SECURITY_MULTI_FACTOR_RECOVERY_CODES=true \
  SECURITY_UNIFIED_SIGNIN=true SECURITY_USERNAME_ENABLE=true SECURITY_USERNAME_RECOVERY=true \
  SECURITY_CHANGE_USERNAME=true SECURITY_CSRF_IGNORE_UNAUTH_ENDPOINTS=true PORTCULLIS_LOG=warn \
  SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS='{"argon2__memory_cost":1024,"argon2__rounds":1,"argon2__parallelism":1}'
cd "$WORK"
"$BIN" users create ann@example.com --password 'ann password 12' --confirmed >/dev/null
"$BIN" serve --bind "127.0.0.1:$PORT" 2>server.log &
PID=$!
for _ in $(seq 1 100); do
  curl -sf "127.0.0.1:$PORT/healthz" >/dev/null && break
  sleep 0.1
done
TOKEN="$(curl -sf -H 'Content-Type: application/json' "127.0.0.1:$PORT/login?include_auth_token" \
  -d '{"email":"ann@example.com","password":"ann password 12"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["response"]["user"]["authentication_token"])')"
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
# Anonymous, then signed in with a token.
"$VENV/bin/st" run "http://127.0.0.1:$PORT/openapi.json" -c "$CHECKS" -n 25 --seed 1 --no-color
"$VENV/bin/st" run "http://127.0.0.1:$PORT/openapi.json" -c "$CHECKS" -n 25 --seed 2 --no-color \
  -H "Authentication-Token: $TOKEN"
if grep -q " ERROR \|panicked" server.log; then
  echo "the server logged errors during the run:" >&2
  grep " ERROR \|panicked" server.log >&2
  exit 1
fi
