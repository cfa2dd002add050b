#!/usr/bin/env bash
# A private PostgreSQL 15 cluster for tests, benchmarks and the demo: its own data directory, a free loopback port,
# run as the `postgres` user, a random password. Installs Debian's postgresql-15 when the machine lacks it.
#
#   source scripts/pg-private.sh
#   pg_private_start DIR [tuning]   # tuning: "test" (fsync off, fast) or "durable" (fsync on, for benchmarks)
#   echo "$PG_PRIVATE_URL"          # a Npgsql connection string to the maintenance database `postgres`
#   pg_private_stop DIR
#   pg_private_restart DIR          # start it again on the same port

pg_private_bin() {
  local bin
  for bin in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$bin/initdb" ] && { echo "$bin"; return 0; }
  done
  return 1
}

pg_private_install() {
  pg_private_bin >/dev/null && return 0
  echo "pg-private: installing Debian's postgresql-15 ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq postgresql-15 >&2
  pg_private_bin >/dev/null || { echo "pg-private: postgresql-15 did not install" >&2; return 1; }
}

pg_private_free_port() {
  local port tries=0
  while [ $tries -lt 200 ]; do
    port=$(( 20000 + RANDOM % 20000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
    tries=$((tries + 1))
  done
  return 1
}

pg_private_start() {
  local dir=${1:?data directory} tuning=${2:-test} bin port password user
  pg_private_install || return 1
  bin=$(pg_private_bin)
  user=postgres
  mkdir -p "$dir"
  password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
  if [ "$(id -u)" = 0 ]; then chown "$user" "$dir"; fi
  local pwfile="$dir/.pw"
  printf '%s\n' "$password" > "$pwfile"
  [ "$(id -u)" = 0 ] && chown "$user" "$pwfile"
  chmod 600 "$pwfile"
  pg_private_as "$user" "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$pwfile" --auth-local=peer \
      --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  rm -f "$pwfile"
  local settings="-c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=200 -c shared_buffers=512MB"
  if [ "$tuning" = durable ]; then
    settings="$settings -c max_wal_size=4GB -c checkpoint_timeout=30min"
  else
    settings="$settings -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=2GB"
  fi
  local attempt
  for attempt in 1 2 3 4 5; do
    port=$(pg_private_free_port) || return 1
    if pg_private_as "$user" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
         -o "-p $port $settings" start >/dev/null 2>&1; then
      echo "$port" > "$dir/port"
      echo "$settings" > "$dir/settings"
      export PG_PRIVATE_PORT=$port
      export PG_PRIVATE_URL="Host=127.0.0.1;Port=$port;Username=postgres;Password=$password;Database=postgres"
      return 0
    fi
  done
  echo "pg-private: postgres did not start; last log lines:" >&2
  tail -n 20 "$dir/postgres.log" >&2
  return 1
}

pg_private_stop() {
  local dir=${1:?data directory} bin
  bin=$(pg_private_bin) || return 0
  [ -d "$dir/data" ] || return 0
  pg_private_as postgres "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# Starts a stopped cluster again on the same port (tests that take the database away and bring it back).
pg_private_restart() {
  local dir=${1:?data directory} bin
  bin=$(pg_private_bin) || return 1
  pg_private_as postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
    -o "-p $(cat "$dir/port") $(cat "$dir/settings")" start >/dev/null 2>&1
}

# Runs a command as USER when we are root (CI and these machines run as root; initdb refuses root).
pg_private_as() {
  local user=$1; shift
  if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}
