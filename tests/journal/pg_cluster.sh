#!/usr/bin/env bash
# A throwaway PostgreSQL server for the journal's tests.
#   pg_cluster.sh start DIR   creates a cluster in DIR, starts it on a free port (a socket in DIR
#                             and 127.0.0.1), creates the role `worker` (password `worker-secret`,
#                             required over TCP) and prints the port
#   pg_cluster.sh stop DIR    stops it at once
#   pg_cluster.sh restart DIR starts it again on the same port
#   pg_cluster.sh start DIR durable   the same with PostgreSQL's durable defaults (benchmarks)
# As root (CI), the server runs as the `postgres` user. For the tests durability is off (fsync,
# synchronous commit by default): they kill workers and stop the server, not its machine; the
# journal asks for synchronous commits in its own sessions.
set -euo pipefail
cmd="$1"
dir="$2"
mode="${3:-}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "pg_cluster.sh: no PostgreSQL server found (Debian package postgresql)" >&2
  exit 1
fi
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
start_server() {
  local settings="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if [ "$mode" = durable ] || [ -e "$dir/durable" ]; then settings=""; fi
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $(cat "$dir/port") -k $dir -c listen_addresses=127.0.0.1 -c max_connections=50 $settings" \
    start >/dev/null
}
case "$cmd" in
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
    if [ "$mode" = durable ]; then touch "$dir/durable"; fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    started=0
    for _ in 1 2 3 4 5 6 7 8; do  # a random port; another if it is taken
      port=$((20000 + RANDOM % 30000))
      echo "$port" >"$dir/port"
      if start_server; then started=1; break; fi
    done
    [ "$started" = 1 ] || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -q \
      -c "CREATE ROLE worker LOGIN PASSWORD 'worker-secret'; GRANT ALL ON SCHEMA public TO worker;" \
      >/dev/null
    echo "$port"
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
  restart)
    start_server
    ;;
  *)
    echo "usage: pg_cluster.sh start|stop|restart DIR" >&2
    exit 2
    ;;
esac
