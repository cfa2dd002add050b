#!/usr/bin/env bash
# The README's first command. Brings Archiver up locally: a private PostgreSQL (unless ConnectionStrings__Archive
# names one), the schema migrated, and the archive's status. The private cluster keeps running in .run/pg so you can
# query it; `bash scripts/demo.sh --stop` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
state="$root/.run"
# shellcheck source=scripts/pg-private.sh
source "$root/scripts/pg-private.sh"

if [ "${1:-}" = "--stop" ]; then
  pg_private_stop "$state/pg" && echo "demo: private PostgreSQL stopped (data kept in $state/pg)"
  exit 0
fi

if [ -z "${ConnectionStrings__Archive:-}" ]; then
  mkdir -p "$state"; chmod 755 "$state"
  if [ -f "$state/pg/url" ] && pg_private_as postgres "$(pg_private_bin)/pg_ctl" -D "$state/pg/data" status >/dev/null 2>&1; then
    echo "demo: reusing the private PostgreSQL in $state/pg"
  else
    rm -rf "$state/pg"
    pg_private_start "$state/pg" test
    echo "$PG_PRIVATE_URL" > "$state/pg/url"; chmod 600 "$state/pg/url"
    echo "demo: started a private PostgreSQL on 127.0.0.1:$PG_PRIVATE_PORT (data in $state/pg)"
  fi
  ConnectionStrings__Archive="$(sed 's/Database=postgres/Database=archiver/' "$state/pg/url")"
  export ConnectionStrings__Archive
  pg_private_as postgres "$(pg_private_bin)/psql" -h "$state/pg" -p "$(cat "$state/pg/port")" -U postgres -d postgres -qtAc \
    "SELECT 1 FROM pg_database WHERE datname = 'archiver'" | grep -q 1 \
    || pg_private_as postgres "$(pg_private_bin)/createdb" -h "$state/pg" -p "$(cat "$state/pg/port")" -U postgres archiver
fi

dotnet build src/Archiver.Worker -c Release -nologo -v quiet
archiver=(dotnet "$root/src/Archiver.Worker/bin/Release/net10.0/archiver.dll")
"${archiver[@]}" migrate
"${archiver[@]}" status
"${archiver[@]}" verify
if [ -f "$state/pg/port" ]; then
  cat <<EOT

The archive is the database 'archiver' on 127.0.0.1:$(cat "$state/pg/port"). Query it with:
  runuser -u postgres -- psql -h $state/pg -p $(cat "$state/pg/port") -d archiver -c 'SELECT stream_id, position, type FROM archive.events LIMIT 10'
Its connection string (with the generated password) is in $state/pg/url. Stop it with: bash scripts/demo.sh --stop
EOT
fi
