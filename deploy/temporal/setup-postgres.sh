#!/bin/sh
# Schema setup for the compose stack's Temporal server (runs in temporalio/admin-tools before the server
# starts): creates the `temporal` and `temporal_visibility` PostgreSQL databases if needed and applies every
# versioned schema update, and creates the relay's `s2s_ledger` database. Safe to run on each `docker compose up`: finished steps are no-ops.
set -eu

: "${POSTGRES_SEEDS:=postgresql}"
: "${DB_PORT:=5432}"
: "${POSTGRES_USER:=temporal}"
: "${POSTGRES_PWD:?POSTGRES_PWD must be set}"
SCHEMA_ROOT=/etc/temporal/schema/postgresql/v12

sql() {
  db=$1
  shift
  SQL_PASSWORD="$POSTGRES_PWD" temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" --db "$db" "$@"
}

for db in temporal temporal_visibility; do
  case $db in
    temporal) schema="$SCHEMA_ROOT/temporal/versioned" ;;
    *) schema="$SCHEMA_ROOT/visibility/versioned" ;;
  esac
  echo "schema setup: database $db"
  # `create` fails when the database exists (a restarted stack); the schema steps below still must succeed.
  sql "$db" create || echo "schema setup: database $db exists"
  sql "$db" setup-schema -v 0.0
  sql "$db" update-schema -d "$schema"
done
# The relay's delivery ledger (S2S_LEDGER_URL of the worker service): its own database; the worker creates its table.
sql s2s_ledger create || echo "schema setup: database s2s_ledger exists"
echo 'schema setup: done'
