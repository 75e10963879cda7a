#!/bin/sh
# CI only: PostgreSQL on 127.0.0.1:$PGPORT with the database and user docker-compose.yml expects
# (staff_sync), trust authentication on loopback.
set -e
PGDATA=/var/lib/postgresql/ci
BIN=/usr/lib/postgresql/15/bin
PORT=${PGPORT:-25432}
as_pg() { runuser -u postgres -- "$@"; }
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA"
  as_pg "$BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 >/dev/null
  as_pg "$BIN/pg_ctl" -D "$PGDATA" -o "-p $PORT -c listen_addresses=127.0.0.1 -k /tmp" -w start >/dev/null
  as_pg psql -h 127.0.0.1 -p "$PORT" -U postgres -qc "create user staff_sync superuser" -c "create database staff_sync owner staff_sync"
  as_pg "$BIN/pg_ctl" -D "$PGDATA" -w stop >/dev/null
fi
exec runuser -u postgres -- "$BIN/postgres" -D "$PGDATA" -p "$PORT" -c listen_addresses=127.0.0.1 -k /tmp
