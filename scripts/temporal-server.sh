#!/usr/bin/env bash
# The production Temporal server (temporal-server on PostgreSQL), natively on this machine: finds or builds the
# server and temporal-sql-tool (cached per user and version, like scripts/temporal-cli.sh), creates and migrates
# the schema, starts the server with deploy/temporal/server/postgres.yaml, registers the namespace and the S2S
# search attributes, waits until it serves, and stops it. Every command is idempotent. `--help` for the rest.
set -euo pipefail

VERSION="${TEMPORAL_SERVER_VERSION:-1.29.1}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_ROOT="${S2S_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/s2s-relay}"
BIN_DIR="$CACHE_ROOT/temporal-server/v$VERSION"

say() { printf 's2s-relay: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

usage() {
  cat <<HELP
scripts/temporal-server.sh COMMAND [options]

The Temporal server v$VERSION on PostgreSQL, run natively (no Docker). Documented in docs/production-temporal.md.

Commands:
  provision   find or build temporal-server and temporal-sql-tool; print their paths
  setup       provision, create the two databases if missing and migrate their schema to this version
  start       setup, start the server in the background, register the namespace and the S2S search
              attributes, wait until it serves; prints the frontend address (host:port). Already running:
              prints the address
  run         setup, then run the server in the foreground (exec: its pid is this command's; Ctrl-C stops it)
  register    create the namespace and register the search attributes on the running server, wait until usable
  stop        stop the server (SIGTERM, SIGKILL after --grace seconds); nothing to do if it is not running
  status      whether it runs, its pid, address and log; exit 0 if it serves, 3 if it does not
  drop        stop, then drop both databases (throw-away instances: tests, benchmarks); needs --yes

Options (each has an environment variable; the option wins):
  --dsn DSN          S2S_TEMPORAL_PG_DSN    PostgreSQL, postgres://USER[:PASSWORD]@HOST[:PORT]/DB
                                            (default postgres://postgres@127.0.0.1:5432/s2s_temporal).
                                            The server uses DB and DB_visibility
  --port N           S2S_TEMPORAL_PORT      frontend gRPC port (default 7233, at most 32758); the server also
                                            uses the nine ports after it (membership, history, matching,
                                            worker, HTTP API, its own Prometheus metrics on N+9)
  --ip ADDR          S2S_TEMPORAL_IP        address every port binds (default 127.0.0.1; 0.0.0.0 = all
                                            interfaces, only behind a firewall, with TLS and auth)
  --namespace NS     TEMPORAL_NAMESPACE     namespace to create (default "default")
  --retention D      S2S_TEMPORAL_RETENTION retention of closed workflows in it (default 7d)
  --state-dir DIR    S2S_TEMPORAL_STATE_DIR pid file, address and server.log (default
                                            \${XDG_STATE_HOME:-~/.local/state}/s2s-relay/temporal-server/DB)
  --grace S          S2S_TEMPORAL_STOP_GRACE seconds stop waits after SIGTERM (default 30)
  --yes                                     confirm drop
Also: S2S_TEMPORAL_HISTORY_SHARDS (4; fixed once the database exists), S2S_TEMPORAL_LOG_LEVEL (warn),
TEMPORAL_SERVER_BIN / TEMPORAL_SQL_TOOL_BIN (use these binaries), TEMPORAL_SERVER_VERSION ($VERSION),
S2S_CACHE_DIR (where built binaries are cached), S2S_TEMPORAL_NO_BUILD=1 (fail instead of building).

Binaries: \$TEMPORAL_SERVER_BIN and \$TEMPORAL_SQL_TOOL_BIN; else temporal-server and temporal-sql-tool on PATH
when they are v$VERSION; else the per-user cache $BIN_DIR; else built there with Go
(CGO_ENABLED=0 GOTOOLCHAIN=local go install go.temporal.io/server/cmd/server@v$VERSION and
.../cmd/tools/sql@v$VERSION: a few minutes each, once); else an error saying how to get them.
HELP
}

# --- options ------------------------------------------------------------------------------------------------
COMMAND="${1:-}"
[ -n "$COMMAND" ] || { usage >&2; exit 2; }
shift
DSN="${S2S_TEMPORAL_PG_DSN:-postgres://postgres@127.0.0.1:5432/s2s_temporal}"
PORT="${S2S_TEMPORAL_PORT:-7233}"
IP="${S2S_TEMPORAL_IP:-127.0.0.1}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${S2S_TEMPORAL_RETENTION:-7d}"
STATE_DIR="${S2S_TEMPORAL_STATE_DIR:-}"
GRACE="${S2S_TEMPORAL_STOP_GRACE:-30}"
YES=0
# Whether the address was chosen (option or variable); if not, a running server's recorded one is used.
ADDRESS_GIVEN="${S2S_TEMPORAL_PORT:+1}${S2S_TEMPORAL_IP:+1}"
while [ $# -gt 0 ]; do
  case "$1" in
    --dsn) DSN="${2:?--dsn needs a value}"; shift 2 ;;
    --port) PORT="${2:?--port needs a value}"; ADDRESS_GIVEN=1; shift 2 ;;
    --ip) IP="${2:?--ip needs a value}"; ADDRESS_GIVEN=1; shift 2 ;;
    --namespace) NAMESPACE="${2:?--namespace needs a value}"; shift 2 ;;
    --retention) RETENTION="${2:?--retention needs a value}"; shift 2 ;;
    --state-dir) STATE_DIR="${2:?--state-dir needs a value}"; shift 2 ;;
    --grace) GRACE="${2:?--grace needs a value}"; shift 2 ;;
    --yes) YES=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (see scripts/temporal-server.sh --help)" ;;
  esac
done
case "$COMMAND" in -h | --help | help) usage; exit 0 ;; esac

# The server records its ports in PostgreSQL as smallint (cluster_membership.rpc_port): 32767 at most.
[[ "$PORT" =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1 ] && [ "$PORT" -le 32758 ] || die "--port must be a port number from 1 to 32758 (the server uses it and the nine after it, and stores them in PostgreSQL as smallint); got '$PORT'"
[[ "$GRACE" =~ ^[0-9]+$ ]] || die "--grace must be a whole number of seconds; got '$GRACE'"

# postgres://user[:password]@host[:port]/db  (password percent-encoded if it has special characters)
if [[ "$DSN" =~ ^postgres(ql)?://([^:@/]+)(:([^@/]*))?@([^:/?]+)(:([0-9]+))?/([A-Za-z_][A-Za-z0-9_]*)$ ]]; then
  PG_USER="${BASH_REMATCH[2]}"
  PG_PASSWORD="$(printf '%b' "${BASH_REMATCH[4]//%/\\x}")"
  PG_HOST="${BASH_REMATCH[5]}"
  PG_PORT="${BASH_REMATCH[7]:-5432}"
  DB="${BASH_REMATCH[8]}"
else
  die "the PostgreSQL DSN must look like postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (database: letters, digits, _; no query parameters); got '${DSN//:*@/:***@}'"
fi
VISIBILITY_DB="${DB}_visibility"
STATE_DIR="${STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/s2s-relay/temporal-server/$DB}"
PID_FILE="$STATE_DIR/server.pid"
ADDRESS_FILE="$STATE_DIR/address"
LOG_FILE="$STATE_DIR/server.log"

# Offsets from --port: frontend gRPC, membership and HTTP; history, matching, worker gRPC and membership; metrics.
port_at() { echo $((PORT + $1)); }
ADDRESS="$IP:$PORT"
case "$IP" in *:*) ADDRESS="[$IP]:$PORT" ;; esac

# --- binaries -----------------------------------------------------------------------------------------------
SERVER_BIN=""
SQL_TOOL_BIN=""

version_of() { "$1" --version 2>/dev/null | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1; }

find_binaries() {
  if [ -n "${TEMPORAL_SERVER_BIN:-}" ]; then
    [ -x "$TEMPORAL_SERVER_BIN" ] || die "TEMPORAL_SERVER_BIN is set to '$TEMPORAL_SERVER_BIN' but that is not an executable file."
    SERVER_BIN="$TEMPORAL_SERVER_BIN"
  elif command -v temporal-server >/dev/null 2>&1 && [ "$(version_of "$(command -v temporal-server)")" = "$VERSION" ]; then
    SERVER_BIN="$(command -v temporal-server)"
  elif [ -x "$BIN_DIR/temporal-server" ]; then
    SERVER_BIN="$BIN_DIR/temporal-server"
  fi
  if [ -n "${TEMPORAL_SQL_TOOL_BIN:-}" ]; then
    [ -x "$TEMPORAL_SQL_TOOL_BIN" ] || die "TEMPORAL_SQL_TOOL_BIN is set to '$TEMPORAL_SQL_TOOL_BIN' but that is not an executable file."
    SQL_TOOL_BIN="$TEMPORAL_SQL_TOOL_BIN"
  elif command -v temporal-sql-tool >/dev/null 2>&1 && [ -n "$SERVER_BIN" ] && [ "$SERVER_BIN" = "$(command -v temporal-server 2>/dev/null)" ]; then
    SQL_TOOL_BIN="$(command -v temporal-sql-tool)"
  elif [ -x "$BIN_DIR/temporal-sql-tool" ]; then
    SQL_TOOL_BIN="$BIN_DIR/temporal-sql-tool"
  fi
}

lockdir=""
tmp=""
cleanup() {
  if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
  if [ -n "$lockdir" ]; then rm -rf "$lockdir"; fi
}
trap cleanup EXIT

# shellcheck source=lib/cache-lock.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/cache-lock.sh"
# shellcheck source=lib/go-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/go-install.sh"
take_lock() { cache_lock "$BIN_DIR" "building the Temporal server"; }

build_one() { # package, cached name
  local started
  started=$(date +%s)
  say "building $2 v$VERSION with Go into $BIN_DIR (a few minutes, once per version) ..."
  rm -rf "$tmp/bin"
  if go_install "$tmp/bin" "$1@v$VERSION"; then
    mv "$tmp/bin/"* "$BIN_DIR/$2"
    say "built $BIN_DIR/$2 in $(($(date +%s) - started))s"
  else
    die "go install $1@v$VERSION failed (see the output above). Server versions after 1.29 need a newer Go: GOTOOLCHAIN=go1.27.3 fetches one from the Go module proxy."
  fi
}

provision() {
  find_binaries
  if [ -n "$SERVER_BIN" ] && [ -n "$SQL_TOOL_BIN" ]; then return; fi
  mkdir -p "$BIN_DIR"
  take_lock
  find_binaries # another process may have built them while we waited
  if [ -n "$SERVER_BIN" ] && [ -n "$SQL_TOOL_BIN" ]; then return; fi
  if [ -n "${S2S_TEMPORAL_NO_BUILD:-}" ]; then die "the Temporal server v$VERSION is not provisioned (and S2S_TEMPORAL_NO_BUILD is set): run scripts/temporal-server.sh provision"; fi
  if ! command -v go >/dev/null 2>&1; then
    cat >&2 <<MSG
s2s-relay: the Temporal server v$VERSION (temporal-server, temporal-sql-tool) is not available and Go is not
installed to build it. Either:
  - install Go (https://go.dev/dl/) and run this command again: it builds both into $BIN_DIR, or
  - put temporal-server and temporal-sql-tool v$VERSION on PATH (release archives:
    https://github.com/temporalio/temporal/releases/tag/v$VERSION), or
  - set TEMPORAL_SERVER_BIN=/path/to/temporal-server and TEMPORAL_SQL_TOOL_BIN=/path/to/temporal-sql-tool.
MSG
    exit 1
  fi
  tmp="$(mktemp -d "$BIN_DIR.tmp.XXXXXX")"
  [ -n "$SERVER_BIN" ] || build_one go.temporal.io/server/cmd/server temporal-server
  [ -n "$SQL_TOOL_BIN" ] || build_one go.temporal.io/server/cmd/tools/sql temporal-sql-tool
  find_binaries
}

# --- schema -------------------------------------------------------------------------------------------------
sql_tool() { # database, command...
  local db=$1
  shift
  SQL_PASSWORD="$PG_PASSWORD" "$SQL_TOOL_BIN" --plugin postgres12 --ep "$PG_HOST" -p "$PG_PORT" -u "$PG_USER" --db "$db" "$@"
}

# The versioned schema: the server module's schema/postgresql/v12 in the Go module cache (what was built), else
# the copy embedded in temporal-sql-tool.
schema_args() { # temporal | visibility
  local dir=""
  if command -v go >/dev/null 2>&1; then dir="$(go env GOMODCACHE 2>/dev/null)/go.temporal.io/server@v$VERSION/schema/postgresql/v12/$1/versioned"; fi
  if [ -n "$dir" ] && [ -d "$dir" ]; then echo "--schema-dir $dir"; else echo "--schema-name postgresql/v12/$1"; fi
}

setup_schema() {
  local db kind out
  for db in "$DB" "$VISIBILITY_DB"; do
    if [ "$db" = "$DB" ]; then kind=temporal; else kind=visibility; fi
    # create-database is a no-op when the database exists.
    if ! out="$(sql_tool "$db" create-database 2>&1)"; then
      printf '%s\n' "$out" >&2
      die "cannot create database $db on $PG_HOST:$PG_PORT as $PG_USER (see above). Is PostgreSQL running there, and may that user create databases?"
    fi
    # Both steps are no-ops on an up-to-date database: setup-schema only adds the version tables if missing.
    # shellcheck disable=SC2046
    if ! out="$(sql_tool "$db" setup-schema -v 0.0 2>&1 && sql_tool "$db" update-schema $(schema_args "$kind") 2>&1)"; then
      printf '%s\n' "$out" >&2
      die "the schema migration of $db failed (see above)"
    fi
  done
  say "databases $DB and $VISIBILITY_DB on $PG_HOST:$PG_PORT: schema at v$VERSION"
}

drop_databases() {
  local db
  for db in "$DB" "$VISIBILITY_DB"; do
    sql_tool "$db" drop-database -f >/dev/null 2>&1 || true
  done
  say "dropped databases $DB and $VISIBILITY_DB (if they existed)"
}

# --- the process ----------------------------------------------------------------------------------------------
server_pid() { # the pid of a running server of this state dir, or nothing
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  # A pid file outliving its process may name an unrelated process that reused the pid.
  if ps -p "$pid" -o args= 2>/dev/null | grep -q -- '--env postgres'; then echo "$pid"; fi
}

port_in_use() { (exec 3<>"/dev/tcp/${1}/${2}") 2>/dev/null; }

check_ports_free() {
  local i p host="$IP"
  [ "$host" = 0.0.0.0 ] && host=127.0.0.1
  for i in 0 1 2 3 4 5 6 7 8 9; do
    p="$(port_at "$i")"
    if port_in_use "$host" "$p"; then die "port $p on $IP is in use (the server needs $PORT-$(port_at 9)); choose another block with --port or S2S_TEMPORAL_PORT"; fi
  done
}

export_server_env() {
  export S2S_TS_IP="$IP" S2S_TS_PG_HOST="$PG_HOST" S2S_TS_PG_PORT="$PG_PORT" S2S_TS_PG_USER="$PG_USER" S2S_TS_PG_PASSWORD="$PG_PASSWORD"
  export S2S_TS_DB="$DB" S2S_TS_VISIBILITY_DB="$VISIBILITY_DB"
  export S2S_TS_HISTORY_SHARDS="${S2S_TEMPORAL_HISTORY_SHARDS:-4}" S2S_TS_LOG_LEVEL="${S2S_TEMPORAL_LOG_LEVEL:-warn}"
  export S2S_TS_DYNAMIC_CONFIG="$ROOT/deploy/temporal/dynamicconfig/development-sql.yaml"
  export S2S_TS_FRONTEND_PORT="$(port_at 0)" S2S_TS_FRONTEND_MEMBERSHIP_PORT="$(port_at 1)" S2S_TS_FRONTEND_HTTP_PORT="$(port_at 2)"
  export S2S_TS_HISTORY_PORT="$(port_at 3)" S2S_TS_HISTORY_MEMBERSHIP_PORT="$(port_at 4)"
  export S2S_TS_MATCHING_PORT="$(port_at 5)" S2S_TS_MATCHING_MEMBERSHIP_PORT="$(port_at 6)"
  export S2S_TS_WORKER_PORT="$(port_at 7)" S2S_TS_WORKER_MEMBERSHIP_PORT="$(port_at 8)" S2S_TS_METRICS_PORT="$(port_at 9)"
}

server_args() { echo --root "$ROOT" --config deploy/temporal/server --env postgres --allow-no-auth start; }

CLI=""
# Waits until the frontend answers a health check; fails at once, with the log's end, if the server process dies.
wait_healthy() {
  local pid waited=0
  [ -n "$CLI" ] || CLI="$("$ROOT/scripts/temporal-cli.sh")"
  until "$CLI" operator cluster health --address "$ADDRESS" >/dev/null 2>&1; do
    pid="$(server_pid)"
    if [ -z "$pid" ]; then
      tail -n 5 "$LOG_FILE" >&2 2>/dev/null || true
      die "the Temporal server for $DB is not running (or exited during startup; log: $LOG_FILE)"
    fi
    [ "$waited" -lt 240 ] || die "the Temporal server (pid $pid) is not healthy at $ADDRESS after 120 s; see $LOG_FILE"
    sleep 0.5
    waited=$((waited + 1))
  done
}

# The namespace and the search attributes, by the compose stack's setup script (idempotent).
register() {
  wait_healthy
  PATH="$(dirname "$CLI"):$PATH" TEMPORAL_ADDRESS="$ADDRESS" NAMESPACE="$NAMESPACE" NAMESPACE_RETENTION="$RETENTION" \
    sh "$ROOT/deploy/temporal/setup-namespace.sh" >&2
}

stop_server() {
  local pid waited=0
  pid="$(server_pid)"
  if [ -z "$pid" ]; then
    rm -f "$PID_FILE"
    say "no Temporal server running for $DB"
    return
  fi
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge $((GRACE * 10)) ]; then
      say "the server (pid $pid) did not stop within ${GRACE}s of SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$PID_FILE"
  say "stopped the Temporal server for $DB (pid $pid)"
}

case "$COMMAND" in
  provision)
    provision
    echo "$SERVER_BIN"
    echo "$SQL_TOOL_BIN"
    ;;
  setup)
    provision
    setup_schema
    ;;
  run)
    provision
    setup_schema
    check_ports_free
    export_server_env
    mkdir -p "$STATE_DIR"
    echo $$ >"$PID_FILE"
    echo "$ADDRESS" >"$ADDRESS_FILE"
    say "Temporal server v$VERSION on $ADDRESS (PostgreSQL $PG_HOST:$PG_PORT, databases $DB, $VISIBILITY_DB)"
    trap - EXIT
    exec 9>&- # the build lock, if this run built the binaries, is not the server's to keep
    # shellcheck disable=SC2046
    exec "$SERVER_BIN" $(server_args)
    ;;
  start)
    provision
    mkdir -p "$STATE_DIR"
    if [ -n "$(server_pid)" ]; then
      if [ -z "$ADDRESS_GIVEN" ] && [ -s "$ADDRESS_FILE" ]; then ADDRESS="$(cat "$ADDRESS_FILE")"; fi
      [ "$(cat "$ADDRESS_FILE" 2>/dev/null)" = "$ADDRESS" ] || die "a server for $DB already runs at $(cat "$ADDRESS_FILE" 2>/dev/null) (pid $(server_pid)); stop it first to move it to $ADDRESS"
      register
      echo "$ADDRESS"
      exit 0
    fi
    setup_schema
    check_ports_free
    export_server_env
    # Its own session: a Ctrl-C in this terminal later does not reach it; `stop` does.
    detach=nohup
    if command -v setsid >/dev/null 2>&1; then detach=setsid; fi
    # shellcheck disable=SC2046
    "$detach" "$SERVER_BIN" $(server_args) >>"$LOG_FILE" 2>&1 </dev/null 9>&- &
    pid=$!
    echo "$pid" >"$PID_FILE"
    echo "$ADDRESS" >"$ADDRESS_FILE"
    say "started the Temporal server v$VERSION (pid $pid) on $ADDRESS; log $LOG_FILE"
    waited=0
    until port_in_use "${IP/0.0.0.0/127.0.0.1}" "$PORT"; do
      kill -0 "$pid" 2>/dev/null || { tail -n 20 "$LOG_FILE" >&2; rm -f "$PID_FILE"; die "the Temporal server exited during startup (log above, in full: $LOG_FILE)"; }
      [ "$waited" -lt 1200 ] || { kill -KILL "$pid" 2>/dev/null; die "the Temporal server did not open $ADDRESS within 120 s; see $LOG_FILE"; }
      sleep 0.1
      waited=$((waited + 1))
    done
    register
    echo "$ADDRESS"
    ;;
  register)
    if [ -n "$(server_pid)" ] && [ -s "$ADDRESS_FILE" ]; then ADDRESS="$(cat "$ADDRESS_FILE")"; fi
    register
    ;;
  stop)
    stop_server
    ;;
  status)
    pid="$(server_pid)"
    if [ -z "$pid" ]; then
      echo "stopped (databases $DB, $VISIBILITY_DB; state $STATE_DIR)"
      exit 3
    fi
    address="$(cat "$ADDRESS_FILE" 2>/dev/null || echo "$ADDRESS")"
    host="${address%:*}"
    host="${host#[}"
    host="${host%]}"
    if port_in_use "${host/0.0.0.0/127.0.0.1}" "${address##*:}"; then
      echo "serving at $address (pid $pid, databases $DB, $VISIBILITY_DB; log $LOG_FILE)"
    else
      echo "starting or stuck: pid $pid is not serving $address yet (log $LOG_FILE)"
      exit 3
    fi
    ;;
  drop)
    [ "$YES" -eq 1 ] || die "drop deletes the databases $DB and $VISIBILITY_DB with every workflow in them; add --yes to confirm"
    stop_server
    provision
    drop_databases
    rm -f "$PID_FILE" "$ADDRESS_FILE"
    ;;
  *)
    die "unknown command '$COMMAND' (see scripts/temporal-server.sh --help)"
    ;;
esac
