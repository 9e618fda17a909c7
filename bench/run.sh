#!/usr/bin/env bash
# Benchmarks portcullis against a bare axum "hello" and Flask-Security-Too 5.9.2, in one run on
# this machine, and writes bench/RESULTS.md.
#
#   bench/run.sh            full mode (15 s a case; 100,000 users, 10,000 live sessions)
#   bench/run.sh --quick    a few seconds a case, small database: checks that nothing regressed
#   bench/run.sh --no-flask skip the Flask-Security peer (no PyPI needed)
#
# Everything runs on loopback; every load loop is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

MODE=full
FLASK=1
for arg in "$@"; do
  case "$arg" in
    --quick) MODE=quick ;;
    --no-flask) FLASK=0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

if [ "$MODE" = quick ]; then
  DUR=3; USERS=1000; SESSIONS=1000; LOGIN_DUR=3
else
  DUR=15; USERS=100000; SESSIONS=10000; LOGIN_DUR=15
fi
CONC=${BENCH_CONCURRENCY:-32}
THREADS=2
CORES=$(nproc)
PORT_BARE=18181
PORT_PC=18182
PORT_FS=18183

WORK=$(mktemp -d /tmp/portcullis-bench.XXXXXX)
export BENCH_WRK_DIR="$ROOT/bench/wrk"
RESULTS="$WORK/results.jsonl"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "== $*" >&2; }

# ---- tools ---------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  log "installing wrk (Debian package)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null
fi
log "building the release bench binary"
cargo build --release -q -p portcullis-bench
BIN="$ROOT/target/release/portcullis-bench"

VENV="$ROOT/bench/.venv"
if [ "$FLASK" = 1 ]; then
  if [ ! -x "$VENV/bin/gunicorn" ]; then
    log "creating the Flask-Security-Too 5.9.2 virtualenv"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/bench/flask/requirements.txt"
  fi
fi

# ---- helpers -------------------------------------------------------------------------------
wait_port() { # url
  for _ in $(seq 1 150); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "server at $1 did not come up" >&2
  return 1
}

rss_kb() { # pid -> "rss hwm" in kB (sum over the process and its children for gunicorn)
  local pid=$1 rss=0 hwm=0
  for p in $pid $(pgrep -P "$pid" 2>/dev/null || true); do
    [ -r "/proc/$p/status" ] || continue
    rss=$((rss + $(awk '/^VmRSS/{print $2}' "/proc/$p/status")))
    hwm=$((hwm + $(awk '/^VmHWM/{print $2}' "/proc/$p/status")))
  done
  echo "$rss $hwm"
}

record_mem() { # system phase pid  (after a second to settle: queued logins finish hashing)
  sleep 1
  read -r rss hwm < <(rss_kb "$3")
  echo "{\"kind\":\"mem\",\"system\":\"$1\",\"phase\":\"$2\",\"rss_kb\":$rss,\"hwm_kb\":$hwm}" >>"$RESULTS"
}

token_for() { # base
  curl -fsS -H 'Content-Type: application/json' -H 'Accept: application/json' \
    "$1/login?include_auth_token" \
    -d '{"email":"bench@example.com","password":"bench password 1"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["response"]["user"]["authentication_token"])'
}

cookie_for() { # base -> "session=..."
  local jar="$WORK/jar.$RANDOM"
  curl -fsS -o /dev/null -c "$jar" -H 'Content-Type: application/json' -H 'Accept: application/json' \
    "$1/login" -d '{"email":"bench@example.com","password":"bench password 1"}'
  awk '$6=="session"{print "session=" $7}' "$jar"
}

run_case() { # system case url conc dur script [header...]
  local system=$1 case=$2 url=$3 conc=$4 dur=$5 script=$6
  shift 6
  local hdrs=()
  for h in "$@"; do hdrs+=(-H "$h"); done
  local out
  local threads=$THREADS
  [ "$conc" -lt "$threads" ] && threads=$conc
  out=$(wrk -t"$threads" -c"$conc" -d"${dur}s" --timeout 10s -s "$BENCH_WRK_DIR/$script" "${hdrs[@]}" "$url" | tail -n 1)
  echo "{\"kind\":\"load\",\"system\":\"$system\",\"case\":\"$case\",\"concurrency\":$conc,\"result\":$out}" >>"$RESULTS"
  log "$system $case: $out"
}

cases() { # system base pid admin_check_path
  local system=$1 base=$2 pid=$3 check=$4
  local token cookie
  run_case "$system" a_public "$base/api/public" "$CONC" "$DUR" get.lua
  record_mem "$system" after_a "$pid"
  token=$(token_for "$base")
  run_case "$system" b_token "$base/api/protected" "$CONC" "$DUR" get.lua "Authentication-Token: $token"
  record_mem "$system" after_b "$pid"
  cookie=$(cookie_for "$base")
  run_case "$system" c_session "$base/api/protected" "$CONC" "$DUR" get.lua "Cookie: $cookie"
  record_mem "$system" after_c "$pid"
  run_case "$system" d_auth_check "$base$check" "$CONC" "$DUR" get.lua "Authentication-Token: $token"
  record_mem "$system" after_d "$pid"
  run_case "$system" e_login "$base/login" "$CONC" "$LOGIN_DUR" login.lua
  record_mem "$system" after_e "$pid"
  run_case "$system" e_login_c1 "$base/login" 1 "$LOGIN_DUR" login.lua
}

# ---- the run -------------------------------------------------------------------------------
echo "{\"kind\":\"meta\",\"mode\":\"$MODE\",\"duration_s\":$DUR,\"concurrency\":$CONC,\"threads\":$THREADS,\"cores\":$CORES,\"users\":$USERS,\"sessions\":$SESSIONS,\"date\":\"$(date -u +%FT%TZ)\",\"wrk\":\"$(wrk -v 2>&1 | head -n1 | tr -d '"')\"}" >>"$RESULTS"

log "argon2 verification time (Flask-Security defaults)"
echo "{\"kind\":\"argon2\",\"result\":$("$BIN" argon2 --samples 9)}" >>"$RESULTS"

log "bare axum"
"$BIN" serve bare --bind "127.0.0.1:$PORT_BARE" 2>"$WORK/bare.log" &
PIDS+=($!); BARE=$!
wait_port "http://127.0.0.1:$PORT_BARE/api/public"
run_case bare a_public "http://127.0.0.1:$PORT_BARE/api/public" "$CONC" "$DUR" get.lua
record_mem bare after_a "$BARE"
kill "$BARE"

log "portcullis: seeding $USERS users, $SESSIONS sessions"
DB="$WORK/portcullis.db"
echo "{\"kind\":\"seed\",\"system\":\"portcullis\",\"result\":$("$BIN" seed --db "$DB" --users "$USERS" --sessions "$SESSIONS")}" >>"$RESULTS"
"$BIN" serve portcullis --bind "127.0.0.1:$PORT_PC" --db "$DB" 2>"$WORK/pc.log" &
PIDS+=($!); PC=$!
wait_port "http://127.0.0.1:$PORT_PC/api/public"
record_mem portcullis started "$PC"
cases portcullis "http://127.0.0.1:$PORT_PC" "$PC" "/auth/check?roles_required=admin"

log "portcullis: token requests during a login flood"
TOKEN=$(token_for "http://127.0.0.1:$PORT_PC")
run_case portcullis e_login_flood "http://127.0.0.1:$PORT_PC/login" 64 $((DUR + 4)) login.lua >/dev/null &
FLOOD=$!
sleep 2
run_case portcullis b_token_during_flood "http://127.0.0.1:$PORT_PC/api/protected" "$CONC" "$DUR" get.lua "Authentication-Token: $TOKEN"
wait "$FLOOD" || true
record_mem portcullis after_flood "$PC"
kill "$PC"

if [ "$FLASK" = 1 ]; then
  log "Flask-Security-Too 5.9.2 (gunicorn, $CORES workers)"
  FSDB="$WORK/fs.db"
  (cd "$ROOT/bench/flask" && BENCH_DB="$FSDB" "$VENV/bin/python" app.py seed "$USERS" >/dev/null)
  (cd "$ROOT/bench/flask" && BENCH_DB="$FSDB" exec "$VENV/bin/gunicorn" --log-level warning -w "$CORES" -b "127.0.0.1:$PORT_FS" app:app) 2>"$WORK/fs.log" &
  PIDS+=($!); FS=$!
  wait_port "http://127.0.0.1:$PORT_FS/api/public"
  cases flask-security "http://127.0.0.1:$PORT_FS" "$FS" "/auth/check"
  kill "$FS"
fi

CMD="bench/run.sh $*"
python3 "$ROOT/bench/report.py" "$RESULTS" "$CMD" >"$ROOT/bench/RESULTS.md"
log "wrote bench/RESULTS.md"
cat "$ROOT/bench/RESULTS.md"
