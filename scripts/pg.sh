#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the query and ETL tests (and for trying
# them by hand). Debian's `postgresql` package; the server refuses to run as
# root, so the cluster belongs to the `postgres` user when run as root.
#
#   bash scripts/pg.sh start   # prints the connection URL on its last line
#   bash scripts/pg.sh url     # the URL of a running cluster
#   bash scripts/pg.sh status  # exit 0 when it runs
#   bash scripts/pg.sh stop    # stops it and deletes its data
#
# DE_PG_DIR (default .ci-pg) and DE_PG_PORT (default 54329) move it.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${DE_PG_DIR:-$(pwd)/.ci-pg}
PORT=${DE_PG_PORT:-54329}
URL="postgresql://postgres@127.0.0.1:$PORT/postgres"

bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      # Debian's package starts its own cluster on 5432; we use our own.
      (service postgresql stop || pg_ctlcluster --help) >/dev/null 2>&1 || true
      d=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    else
      echo "PostgreSQL is needed for the query and ETL tests: sudo apt-get install postgresql" >&2
      exit 1
    fi
  fi
  echo "$d"
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    BIN=$(bindir)
    if [ -f "$DIR/db/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$DIR/db" status >/dev/null 2>&1; then
      echo "$URL"; exit 0
    fi
    rm -rf "$DIR"; mkdir -p "$DIR"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$DIR"; fi
    as_pg "$BIN/initdb" -D "$DIR/db" -A trust -U postgres >/dev/null
    as_pg "$BIN/pg_ctl" -D "$DIR/db" -w -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off" \
      -l "$DIR/log" start >/dev/null
    echo "$URL"
    ;;
  stop)
    BIN=$(bindir)
    if [ -d "$DIR/db" ]; then as_pg "$BIN/pg_ctl" -D "$DIR/db" -m fast stop >/dev/null 2>&1 || true; fi
    rm -rf "$DIR"
    ;;
  url)
    echo "$URL"
    ;;
  status)
    BIN=$(bindir)
    [ -f "$DIR/db/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$DIR/db" status >/dev/null 2>&1
    ;;
  *)
    echo "usage: bash scripts/pg.sh start|stop|status|url" >&2; exit 2
    ;;
esac
