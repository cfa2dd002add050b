#!/usr/bin/env bash
# The README's first command: the whole thing, locally. A private PostgreSQL (unless ConnectionStrings__Archive names
# one), the LivePerson simulator playing a scripted scenario (both sides, receipts, a transfer, CSAT, closing) on
# loopback, and the worker archiving it with three consumers (one per identity mode). Waits until every conversation
# is archived, prints a few transcripts, and says where the database is. The private cluster keeps running in .run/pg
# so you can query it; `bash scripts/demo.sh --stop` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
state="$root/.run"
# shellcheck source=scripts/pg-private.sh
source "$root/scripts/pg-private.sh"

stop_console() {
  if [ -f "$state/console.pid" ]; then
    kill -TERM "$(cat "$state/console.pid")" 2>/dev/null && echo "demo: console stopped" || true
    rm -f "$state/console.pid"
  fi
}
if [ "${1:-}" = "--stop" ]; then
  stop_console
  pg_private_stop "$state/pg" && echo "demo: private PostgreSQL stopped (data kept in $state/pg)"
  exit 0
fi
stop_console # a console left by an earlier run
conversations_per_consumer=${DEMO_CONVERSATIONS:-3}

mkdir -p "$state"; chmod 755 "$state"
psql_private() { pg_private_as postgres psql -h "$state/pg" -p "$(cat "$state/pg/port")" -U postgres "$@"; }
if [ -z "${ConnectionStrings__Archive:-}" ]; then
  if [ -f "$state/pg/url" ] && pg_private_as postgres "$(pg_private_bin)/pg_ctl" -D "$state/pg/data" status >/dev/null 2>&1; then
    echo "demo: reusing the private PostgreSQL in $state/pg"
  else
    rm -rf "$state/pg"
    pg_private_start "$state/pg" test
    echo "$PG_PRIVATE_URL" > "$state/pg/url"; chmod 600 "$state/pg/url"
    echo "demo: started a private PostgreSQL on 127.0.0.1:$PG_PRIVATE_PORT (data in $state/pg)"
  fi
  # A fresh demo database each run, so the transcripts shown are this run's.
  psql_private -d postgres -qc "DROP DATABASE IF EXISTS archiver WITH (FORCE)" -c "CREATE DATABASE archiver"
  ConnectionStrings__Archive="$(sed 's/Database=postgres/Database=archiver/' "$state/pg/url")"
  export ConnectionStrings__Archive
fi

echo "demo: building ..."
dotnet build src/Archiver.Worker -c Release -nologo -v quiet
dotnet build src/Archiver.Simulator -c Release -nologo -v quiet
archiver=(dotnet "$root/src/Archiver.Worker/bin/Release/net10.0/archiver.dll")

# The brand's key pair for the Authenticated consumer: the worker signs id tokens, the simulator's IDP verifies them.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$state/brand-key.pem" 2>/dev/null
openssl pkey -in "$state/brand-key.pem" -pubout -out "$state/brand-key.pub.pem"
chmod 600 "$state/brand-key.pem"
# The checkpoint key (docs/operations.md, "Checkpoints"): the worker signs a checkpoint every 300 s and when it stops;
# exports are signed with it too. The files go to .run/checkpoints (on write-once storage in production).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$state/checkpoint-key.pem" 2>/dev/null
openssl pkey -in "$state/checkpoint-key.pem" -pubout -out "$state/checkpoint-key.pub.pem"
chmod 600 "$state/checkpoint-key.pem"
rm -rf "$state/checkpoints" "$state/export"
export Integrity__SigningKeyFile="$state/checkpoint-key.pem" Integrity__CheckpointDirectory="$state/checkpoints"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

dotnet "$root/src/Archiver.Simulator/bin/Release/net10.0/Archiver.Simulator.dll" --port 0 --scenario demo \
  --scenario-conversations "$conversations_per_consumer" --pace-ms 150 --brand-public-key "$state/brand-key.pub.pem" \
  > "$state/simulator.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do grep -q '^Simulator listening on ' "$state/simulator.log" && break; sleep 0.2; done
simulator=$(sed -n 's/^Simulator listening on \(http:\/\/[0-9.:]*\).*/\1/p' "$state/simulator.log" | head -1)
[ -n "$simulator" ] || { echo "demo: the simulator did not start:" >&2; cat "$state/simulator.log" >&2; exit 1; }
echo "demo: simulator on $simulator (log: $state/simulator.log)"

export LivePerson__AccountId=12345678 LivePerson__CsdsUrl="$simulator" LivePerson__Tls=false
export LivePerson__Consumers__0__Name=web-visitor LivePerson__Consumers__0__Mode=Signup
export LivePerson__Consumers__1__Name=app-visitor LivePerson__Consumers__1__Mode=Unauthenticated LivePerson__Consumers__1__ConnectorId=demo-connector
export LivePerson__Consumers__2__Name=customer-42 LivePerson__Consumers__2__Mode=Authenticated \
  LivePerson__Consumers__2__SigningKeyFile="$state/brand-key.pem" LivePerson__Consumers__2__ExternalId=customer-42 \
  LivePerson__Consumers__2__Issuer=https://brand.example
"${archiver[@]}" > "$state/worker.log" 2>&1 &
pids+=($!)
echo "demo: worker archiving (log: $state/worker.log); waiting for the scenario's $((3 * conversations_per_consumer)) conversations ..."

expected_events() { curl -fsS "$simulator/control/ground-truth" | jq '[.conversations[].dialogs[].events | length] | add // 0'; }
closed_conversations() {
  curl -fsS "$simulator/control/ground-truth" | jq '[.conversations[] | select(.states[-1].conversationDetails.stage == "CLOSE")] | length'
}
run_sql() { PGPASSWORD=$(sed -n 's/.*Password=\([^;]*\).*/\1/p' <<<"$ConnectionStrings__Archive") \
  psql "host=$(sed -n 's/.*Host=\([^;]*\).*/\1/p' <<<"$ConnectionStrings__Archive") port=$(sed -n 's/.*Port=\([^;]*\).*/\1/p' <<<"$ConnectionStrings__Archive") user=$(sed -n 's/.*Username=\([^;]*\).*/\1/p' <<<"$ConnectionStrings__Archive") dbname=$(sed -n 's/.*Database=\([^;]*\).*/\1/p' <<<"$ConnectionStrings__Archive")" -qtAc "$1"; }

deadline=$((SECONDS + 300))
while :; do
  have=$(run_sql "SELECT count(*) FROM archive.events WHERE stream_id NOT LIKE '%:%'" 2>/dev/null || echo 0)
  closed=$(closed_conversations 2>/dev/null || echo 0)
  expected=$(expected_events 2>/dev/null || echo -1)
  printf '\rdemo: %s of %s conversations closed; %s of %s messaging events archived   ' "$closed" "$((3 * conversations_per_consumer))" "$have" "$expected"
  if [ "$closed" -ge $((3 * conversations_per_consumer)) ] && [ "$have" = "$expected" ]; then echo; break; fi
  [ $SECONDS -lt $deadline ] || { echo; echo "demo: timed out; see $state/worker.log" >&2; exit 1; }
  sleep 1
done

kill -TERM "${pids[1]}"; wait "${pids[1]}" || true
"${archiver[@]}" status
"${archiver[@]}" verify --checkpoints "$state/checkpoints" --public-key "$state/checkpoint-key.pub.pem"
"${archiver[@]}" export --from 2000-01-01 --to 2100-01-01 --out "$state/export"
"${archiver[@]}" export verify "$state/export" --public-key "$state/checkpoint-key.pub.pem"

echo
echo "=== Three archived transcripts (archiver transcript <conversationId>) ==="
for conversation in $(run_sql "SELECT conversation_id FROM readmodel.conversations ORDER BY start_ts LIMIT 3"); do
  echo
  "${archiver[@]}" transcript "$conversation"
done

# The reviewer console (docs/console.md): a demo user with every role, a password made now, on loopback. It keeps
# running after this script; `bash scripts/demo.sh --stop` stops it.
console_password=$(openssl rand -base64 18 | tr -d '/+=' | cut -c1-20)
rm -f "$state/console-users.json"
echo "$console_password" | "${archiver[@]}" console add-user demo --role reviewer --role investigator --role supervisor \
  --users-file "$state/console-users.json" > /dev/null
mkdir -p "$state/console-keys"
console_port=${DEMO_CONSOLE_PORT:-8080}
if (exec 3<>"/dev/tcp/127.0.0.1/$console_port") 2>/dev/null; then console_port=0; fi # taken: any free port
Console__UsersFile="$state/console-users.json" Console__KeysDirectory="$state/console-keys" Console__Port="$console_port" \
  setsid nohup "${archiver[@]}" console > "$state/console.log" 2>&1 < /dev/null &
echo $! > "$state/console.pid"
console_url=""
for _ in $(seq 1 100); do
  console_url=$(sed -n 's/^Console listening on \(http:\/\/[0-9.:]*\).*/\1/p' "$state/console.log" | head -1)
  [ -n "$console_url" ] && break
  sleep 0.2
done
[ -n "$console_url" ] || { echo "demo: the console did not start:" >&2; tail -20 "$state/console.log" >&2; exit 1; }

echo
echo "=== The reviewer console ==="
echo "  $console_url   sign in as: demo / $console_password   (log: $state/console.log)"

echo
if [ -f "$state/pg/port" ]; then
  cat <<EOT
The archive is the database 'archiver' on 127.0.0.1:$(cat "$state/pg/port") (a private cluster; data in $state/pg).
Query it, e.g.:
  runuser -u postgres -- psql -h $state/pg -p $(cat "$state/pg/port") -d archiver \\
    -c 'SELECT conversation_id, sequence, originator_role, text FROM readmodel.transcript_messages ORDER BY server_ts LIMIT 20'
Raw events (the evidence): archive.events; read models: schema readmodel (docs/analytics.md). Also try:
  dotnet src/Archiver.Worker/bin/Release/net10.0/archiver.dll search "order"       (with ConnectionStrings__Archive set)
  dotnet src/Archiver.Worker/bin/Release/net10.0/archiver.dll export --from 2000-01-01 --to 2100-01-01 --format html
A signed export is in $state/export (manifest.json, manifest.sig); the checkpoints in $state/checkpoints, checked with
$state/checkpoint-key.pub.pem. The connection string (with its generated password) is in $state/pg/url.
Stop the console and the cluster with: bash scripts/demo.sh --stop
EOT
else
  echo "The archive is the database named by ConnectionStrings__Archive."
fi
