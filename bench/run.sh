#!/usr/bin/env bash
# Measures portcullis against bare axum, the Rust peer (axum-login + tower-sessions) and
# Flask-Security-Too 5.9.2, in one run on this machine, and writes bench/RESULTS.md.
#
#   bench/run.sh            full mode: 10 s a case, 3 interleaved rounds, 1,000,000 users and
#                           100,000 live sessions, scale-out and revocation (about 25 minutes)
#   bench/run.sh --quick    3 s a case, one round, a small database: checks that nothing regressed
#   bench/run.sh --no-flask skip the Flask-Security peer (no PyPI needed)
#   bench/run.sh --no-scale skip the scale-out part (PostgreSQL + Redis)
#
# Throughput figures are ratios of runs made in the same rounds, interleaved (bare axum, then
# each portcullis case, then the peer, then again), so a noisy neighbour hits all of them; the
# report gives the median of the rounds. Everything runs on loopback; every load is bounded in
# time. Needs wrk (installed from Debian when missing), and for the scale-out part the local
# PostgreSQL (postgres@127.0.0.1:5432, trust) and Redis (127.0.0.1:6379).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

MODE=full
FLASK=1
SCALE=1
for arg in "$@"; do
  case "$arg" in
    --quick) MODE=quick ;;
    --no-flask) FLASK=0 ;;
    --no-scale) SCALE=0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

if [ "$MODE" = quick ]; then
  DUR=3; ROUNDS=1; USERS=20000; SESSIONS=2000; REV_ROUNDS=3
else
  DUR=10; ROUNDS=3; USERS=1000000; SESSIONS=100000; REV_ROUNDS=10
fi
CONC=32
CORES=$(nproc)
PORT_BARE=18181
PORT_PC=18182     # portcullis serve (the server binary)
PORT_LIB=18183    # an axum app using the library (CurrentUser route)
PORT_PEER=18184   # axum-login + tower-sessions
PORT_FS=18185     # Flask-Security
SCALE_PORTS=(18201 18202 18203)

WORK=$(mktemp -d /tmp/portcullis-bench.XXXXXX)
export BENCH_WRK_DIR="$ROOT/bench/wrk"
RESULTS="$WORK/results.jsonl"
PIDS=()
PGDB=""
REDIS_PREFIX="portcullis-bench:$$:"
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$PGDB" ]; then psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $PGDB" >/dev/null 2>&1 || true; fi
  if command -v redis-cli >/dev/null; then
    redis-cli -h 127.0.0.1 --scan --pattern "${REDIS_PREFIX}*" | xargs -r redis-cli -h 127.0.0.1 DEL >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "== $*" >&2; }

# ---- tools and builds ------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
  log "installing wrk (Debian package)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null
fi
log "building the release binaries (portcullis, portcullis-bench, the axum-login peer)"
cargo build --release -q -p portcullis-bench -p portcullis-server
cargo build --release -q --manifest-path bench/peers/axum-login/Cargo.toml
BIN="$ROOT/target/release/portcullis-bench"
PC_BIN="$ROOT/target/release/portcullis"
PEER_BIN="$ROOT/bench/peers/axum-login/target/release/axum-login-peer"

VENV="$ROOT/bench/.venv"
if [ "$FLASK" = 1 ] && [ ! -x "$VENV/bin/gunicorn" ]; then
  log "creating the Flask-Security-Too 5.9.2 virtualenv"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/bench/flask/requirements.txt"
fi

# The configuration every portcullis process shares (the bench binary uses the same values).
export SECRET_KEY=bench-secret-key SECURITY_PASSWORD_SALT=bench-password-salt
export SECURITY_TRACKABLE=true SECURITY_TOKEN_MAX_AGE=7200 SECURITY_CSRF_IGNORE_UNAUTH_ENDPOINTS=true
export SECURITY_API_ENABLED_METHODS=session,token PORTCULLIS_MAIL_OUTBOX="$WORK/outbox"
export PORTCULLIS_SMS_OUTBOX="$WORK/outbox-sms" PORTCULLIS_LOG=info

# ---- helpers -----------------------------------------------------------------------------------
wait_port() { # url
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "server at $1 did not come up" >&2
  return 1
}

rss_kb() { # pid -> "rss hwm" in kB (the process and its children, for gunicorn)
  local pid=$1 rss=0 hwm=0
  for p in $pid $(pgrep -P "$pid" 2>/dev/null || true); do
    [ -r "/proc/$p/status" ] || continue
    rss=$((rss + $(awk '/^VmRSS/{print $2}' "/proc/$p/status")))
    hwm=$((hwm + $(awk '/^VmHWM/{print $2}' "/proc/$p/status")))
  done
  echo "$rss $hwm"
}

record_mem() { # system phase pid  (after two seconds to settle: queued work finishes)
  sleep 2
  read -r rss hwm < <(rss_kb "$3")
  echo "{\"kind\":\"mem\",\"system\":\"$1\",\"phase\":\"$2\",\"rss_kb\":$rss,\"hwm_kb\":$hwm}" >>"$RESULTS"
}

login_json() { # base [query]
  curl -fsS -H 'Content-Type: application/json' -H 'Accept: application/json' "$1/login$2" \
    -d '{"email":"bench@example.com","password":"bench password 1"}'
}
token_for() { login_json "$1" "?include_auth_token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["response"]["user"]["authentication_token"])'; }
cookie_for() { # base cookie-name
  local jar="$WORK/jar.$RANDOM"
  curl -fsS -o /dev/null -c "$jar" -H 'Content-Type: application/json' -H 'Accept: application/json' \
    "$1/login" -d '{"email":"bench@example.com","password":"bench password 1"}'
  awk -v n="$2" '$6==n{print n "=" $7}' "$jar"
}

# run_case system case round threads conc dur url script [header...]
run_case() {
  local system=$1 case=$2 round=$3 threads=$4 conc=$5 dur=$6 url=$7 script=$8
  shift 8
  local hdrs=() out
  for h in "$@"; do hdrs+=(-H "$h"); done
  out=$(wrk -t"$threads" -c"$conc" -d"${dur}s" --timeout 10s -s "$BENCH_WRK_DIR/$script" "${hdrs[@]}" "$url" | tail -n 1)
  echo "{\"kind\":\"load\",\"system\":\"$system\",\"case\":\"$case\",\"round\":$round,\"threads\":$threads,\"concurrency\":$conc,\"result\":$out}" >>"$RESULTS"
  log "$system $case (round $round, -t$threads -c$conc): $out"
}

start() { # name logfile cmd... -> pid in $STARTED
  "${@:3}" >"$WORK/$2" 2>&1 &
  STARTED=$!
  PIDS+=("$STARTED")
}

echo "{\"kind\":\"meta\",\"mode\":\"$MODE\",\"duration_s\":$DUR,\"rounds\":$ROUNDS,\"concurrency\":$CONC,\"cores\":$CORES,\"users\":$USERS,\"sessions\":$SESSIONS,\"date\":\"$(date -u +%FT%TZ)\",\"wrk\":\"$(wrk -v 2>&1 | head -n1 | tr -d '"')\",\"command\":\"bench/run.sh $*\"}" >>"$RESULTS"

log "argon2 verification time (Flask-Security defaults)"
echo "{\"kind\":\"argon2\",\"result\":$("$BIN" argon2 --samples 9)}" >>"$RESULTS"

# ---- databases ---------------------------------------------------------------------------------
DB="$WORK/portcullis.db"
log "seeding portcullis: $USERS users"
echo "{\"kind\":\"seed\",\"system\":\"portcullis\",\"step\":\"users\",\"result\":$("$BIN" seed --db "$DB" --users "$USERS" --sessions 0)}" >>"$RESULTS"
db_bytes() { python3 -c 'import sqlite3,os,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA wal_checkpoint(TRUNCATE)"); c.close(); print(os.path.getsize(sys.argv[1]))' "$1"; }
BYTES_USERS=$(db_bytes "$DB")
log "seeding portcullis: $SESSIONS live sessions"
echo "{\"kind\":\"seed\",\"system\":\"portcullis\",\"step\":\"sessions\",\"result\":$("$BIN" seed --db "$DB" --users "$USERS" --sessions "$SESSIONS" --session-ids "$WORK/session-ids")}" >>"$RESULTS"
BYTES_SESSIONS=$(db_bytes "$DB")
echo "{\"kind\":\"store\",\"db_bytes_users\":$BYTES_USERS,\"db_bytes_with_sessions\":$BYTES_SESSIONS,\"sessions\":$SESSIONS}" >>"$RESULTS"
PEERDB="$WORK/peer.db"
"$PEER_BIN" seed "$PEERDB" 1000

# ---- servers -----------------------------------------------------------------------------------
log "starting bare axum, portcullis serve, the library app and the axum-login peer"
start bare bare.log "$BIN" serve bare --bind "127.0.0.1:$PORT_BARE"; BARE=$STARTED
start portcullis pc.log env PORTCULLIS_BIND="127.0.0.1:$PORT_PC" PORTCULLIS_DATABASE_URL="sqlite://$DB" "$PC_BIN" serve; PC=$STARTED
start library lib.log "$BIN" serve portcullis --bind "127.0.0.1:$PORT_LIB" --db "$DB"; LIB=$STARTED
start peer peer.log "$PEER_BIN" serve "$PEERDB" "127.0.0.1:$PORT_PEER"; PEER=$STARTED
wait_port "http://127.0.0.1:$PORT_BARE/api/public"
wait_port "http://127.0.0.1:$PORT_PC/healthz"
wait_port "http://127.0.0.1:$PORT_LIB/api/public"
wait_port "http://127.0.0.1:$PORT_PEER/api/public"
record_mem portcullis started "$PC"

PC_URL="http://127.0.0.1:$PORT_PC"
LIB_URL="http://127.0.0.1:$PORT_LIB"
PEER_URL="http://127.0.0.1:$PORT_PEER"
PC_TOKEN=$(token_for "$PC_URL")
PC_COOKIE=$(cookie_for "$PC_URL" session)
LIB_TOKEN=$(token_for "$LIB_URL")
LIB_COOKIE=$(cookie_for "$LIB_URL" session)
PEER_COOKIE=$(cookie_for "$PEER_URL" id)
[ -n "$PC_TOKEN" ] && [ -n "$PC_COOKIE" ] && [ -n "$LIB_COOKIE" ] && [ -n "$PEER_COOKIE" ] || { echo "could not sign in" >&2; exit 1; }
# Every case must answer 200 before it is measured.
for probe in "$PC_URL/auth/check|Authentication-Token: $PC_TOKEN" "$PC_URL/auth/check|Cookie: $PC_COOKIE" \
  "$LIB_URL/api/protected|Authentication-Token: $LIB_TOKEN" "$LIB_URL/api/protected|Cookie: $LIB_COOKIE" \
  "$PEER_URL/api/protected|Cookie: $PEER_COOKIE"; do
  curl -fsS -o /dev/null -H "${probe#*|}" "${probe%%|*}" || { echo "probe failed: ${probe%%|*}" >&2; exit 1; }
done

# ---- throughput: interleaved rounds ------------------------------------------------------------
for round in $(seq 1 "$ROUNDS"); do
  for t in 1 2; do
    run_case bare hello "$round" "$t" "$CONC" "$DUR" "http://127.0.0.1:$PORT_BARE/api/public" get.lua
    run_case portcullis check_token "$round" "$t" "$CONC" "$DUR" "$PC_URL/auth/check" get.lua "Authentication-Token: $PC_TOKEN"
    run_case portcullis check_session "$round" "$t" "$CONC" "$DUR" "$PC_URL/auth/check" get.lua "Cookie: $PC_COOKIE"
    run_case library route_token "$round" "$t" "$CONC" "$DUR" "$LIB_URL/api/protected" get.lua "Authentication-Token: $LIB_TOKEN"
    run_case library route_session "$round" "$t" "$CONC" "$DUR" "$LIB_URL/api/protected" get.lua "Cookie: $LIB_COOKIE"
    run_case axum-login route_session "$round" "$t" "$CONC" "$DUR" "$PEER_URL/api/protected" get.lua "Cookie: $PEER_COOKIE"
  done
done
record_mem portcullis after_load "$PC"
record_mem axum-login after_load "$PEER"
kill "$BARE" "$LIB" "$PEER" 2>/dev/null || true

# ---- memory: every seeded session through the cache ----------------------------------------------
log "memory: $SESSIONS sessions through portcullis serve's cache"
BENCH_SESSION_IDS="$WORK/session-ids" run_case portcullis all_sessions 1 1 "$CONC" "$DUR" "$PC_URL/auth/check" sessions.lua
record_mem portcullis after_all_sessions "$PC"

# ---- login -------------------------------------------------------------------------------------
log "login: one connection, then token requests during a login flood"
run_case portcullis login_c1 1 1 1 "$DUR" "$PC_URL/login" login.lua
run_case portcullis check_token_idle 1 1 "$CONC" "$DUR" "$PC_URL/auth/check" get.lua "Authentication-Token: $PC_TOKEN"
(run_case portcullis login_flood 1 1 64 $((DUR + 4)) "$PC_URL/login" login.lua) &
FLOOD=$!
sleep 2
run_case portcullis check_token_flood 1 1 "$CONC" "$DUR" "$PC_URL/auth/check" get.lua "Authentication-Token: $PC_TOKEN"
wait "$FLOOD" || true
record_mem portcullis after_flood "$PC"
kill "$PC" 2>/dev/null || true
sleep 1

log "login throughput with PORTCULLIS_HASHING_POOL_SIZE=$CORES"
start portcullis pc-pool.log env PORTCULLIS_BIND="127.0.0.1:$PORT_PC" PORTCULLIS_DATABASE_URL="sqlite://$DB" PORTCULLIS_HASHING_POOL_SIZE="$CORES" "$PC_BIN" serve; PC=$STARTED
wait_port "$PC_URL/healthz"
run_case portcullis login_pool_cores 1 1 $((CORES * 4)) "$DUR" "$PC_URL/login" login.lua
kill "$PC" 2>/dev/null || true

if [ "$FLASK" = 1 ]; then
  log "Flask-Security-Too 5.9.2 (gunicorn, $CORES sync workers): token requests and login throughput"
  FSDB="$WORK/fs.db"
  (cd "$ROOT/bench/flask" && BENCH_DB="$FSDB" "$VENV/bin/python" app.py seed 1000 >/dev/null)
  start flask fs.log env BENCH_DB="$FSDB" "$VENV/bin/gunicorn" --chdir "$ROOT/bench/flask" --log-level warning -w "$CORES" -b "127.0.0.1:$PORT_FS" app:app; FS=$STARTED
  wait_port "http://127.0.0.1:$PORT_FS/api/public"
  FS_TOKEN=$(token_for "http://127.0.0.1:$PORT_FS")
  run_case flask-security check_token 1 1 "$CONC" "$DUR" "http://127.0.0.1:$PORT_FS/auth/check" get.lua "Authentication-Token: $FS_TOKEN"
  run_case flask-security login_pool_cores 1 1 $((CORES * 4)) "$DUR" "http://127.0.0.1:$PORT_FS/login" login.lua
  record_mem flask-security after_load "$FS"
  kill "$FS" 2>/dev/null || true
fi

# ---- scale-out: three instances on PostgreSQL + Redis ------------------------------------------
if [ "$SCALE" = 1 ]; then
  log "scale-out: three portcullis serve on one PostgreSQL and one Redis"
  PGDB="portcullis_bench_$$"
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $PGDB" >/dev/null
  PGURL="postgres://postgres@127.0.0.1:5432/$PGDB"
  "$BIN" seed --db "$PGURL" --users 1 --sessions 0 >/dev/null
  export PORTCULLIS_DATABASE_URL="$PGURL" PORTCULLIS_REDIS_URL="redis://127.0.0.1:6379" PORTCULLIS_REDIS_KEY_PREFIX="$REDIS_PREFIX"
  INSTANCES=()
  SCALE_PIDS=()
  for port in "${SCALE_PORTS[@]}"; do
    start "scale$port" "scale$port.log" env PORTCULLIS_BIND="127.0.0.1:$port" "$PC_BIN" serve
    SCALE_PIDS+=("$STARTED")
    INSTANCES+=("127.0.0.1:$port")
  done
  for port in "${SCALE_PORTS[@]}"; do wait_port "http://127.0.0.1:$port/healthz"; done
  FIRST="http://${INSTANCES[0]}"
  S_TOKEN=$(token_for "$FIRST")
  S_COOKIE=$(cookie_for "$FIRST" session)
  ALL=$(IFS=,; echo "${INSTANCES[*]}")
  for round in $(seq 1 "$ROUNDS"); do
    BENCH_INSTANCES="$ALL" run_case scale3 token "$round" 3 48 "$DUR" "$FIRST/auth/check" roundrobin.lua "Authentication-Token: $S_TOKEN"
    BENCH_INSTANCES="$ALL" run_case scale3 session "$round" 3 48 "$DUR" "$FIRST/auth/check" roundrobin.lua "Cookie: $S_COOKIE"
  done
  URLS=$(for i in "${INSTANCES[@]}"; do printf 'http://%s,' "$i"; done)
  URLS=${URLS%,}
  log "revocation: logout on one instance, then reset-access from the CLI"
  echo "{\"kind\":\"revocation\",\"result\":$("$BIN" revocation --instances "$URLS" --rounds "$REV_ROUNDS" --how logout)}" >>"$RESULTS"
  echo "{\"kind\":\"revocation\",\"result\":$("$BIN" revocation --instances "$URLS" --rounds "$REV_ROUNDS" --how reset-access --cli "$PC_BIN")}" >>"$RESULTS"
  for p in "${SCALE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  unset PORTCULLIS_DATABASE_URL PORTCULLIS_REDIS_URL PORTCULLIS_REDIS_KEY_PREFIX

  log "scale-out baseline: one instance on SQLite, the same load generator"
  start portcullis pc-one.log env PORTCULLIS_BIND="127.0.0.1:$PORT_PC" PORTCULLIS_DATABASE_URL="sqlite://$DB" "$PC_BIN" serve; PC=$STARTED
  wait_port "$PC_URL/healthz"
  O_TOKEN=$(token_for "$PC_URL")
  O_COOKIE=$(cookie_for "$PC_URL" session)
  for round in $(seq 1 "$ROUNDS"); do
    BENCH_INSTANCES="127.0.0.1:$PORT_PC" run_case scale1 token "$round" 3 48 "$DUR" "$PC_URL/auth/check" roundrobin.lua "Authentication-Token: $O_TOKEN"
    BENCH_INSTANCES="127.0.0.1:$PORT_PC" run_case scale1 session "$round" 3 48 "$DUR" "$PC_URL/auth/check" roundrobin.lua "Cookie: $O_COOKIE"
  done
  kill "$PC" 2>/dev/null || true
fi

python3 "$ROOT/bench/report.py" "$RESULTS" >"$ROOT/bench/RESULTS.md"
log "wrote bench/RESULTS.md"
cat "$ROOT/bench/RESULTS.md"
