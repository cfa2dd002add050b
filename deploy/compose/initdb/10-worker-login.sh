#!/usr/bin/env bash
# The worker's limited login, created when the `postgres` service of docker-compose.yml initialises an empty data
# directory. The postgres image runs /docker-entrypoint-initdb.d/*.sh once, after initdb and before the server
# listens on TCP (so the service's pg_isready health check, on 127.0.0.1, only passes after this has run), as
# POSTGRES_USER (archiver_owner, the superuser of this dev stack) against POSTGRES_DB over the Unix socket.
#
#   archiver_writer   NOLOGIN group role holding the worker's grants. Migration 0001 creates it too when missing and
#                     tolerates this one; the migrations grant it exactly what the worker needs.
#   archiver_worker   LOGIN, IN ROLE archiver_writer: what the `worker` service connects as. It owns nothing and
#                     cannot change the schema; `archiver migrate` runs as archiver_owner (the `migrate` service).
#
# The password comes from the compose secret named by ARCHIVER_WORKER_PASSWORD_FILE (never from the environment)
# and reaches the server as a psql variable quoted with format('%L'), not through the shell. Executed or sourced
# (the image sources *.sh files without the executable bit), it works either way.
set -Eeo pipefail

archiver_worker_password_file="${ARCHIVER_WORKER_PASSWORD_FILE:-/run/secrets/worker_password}"
if [ ! -s "$archiver_worker_password_file" ]; then
  echo "10-worker-login.sh: $archiver_worker_password_file is missing or empty (the worker_password secret)" >&2
  false
fi
archiver_worker_password="$(head -n 1 "$archiver_worker_password_file")"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
  --set=worker_password="$archiver_worker_password" <<'SQL'
SELECT 'CREATE ROLE archiver_writer NOLOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'archiver_writer') \gexec

SELECT format('CREATE ROLE archiver_worker LOGIN PASSWORD %L IN ROLE archiver_writer', :'worker_password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'archiver_worker') \gexec

-- Should the login have existed already (a role is cluster-wide), it still ends up a member, and nothing more.
GRANT archiver_writer TO archiver_worker;
ALTER ROLE archiver_worker NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
SQL
unset archiver_worker_password archiver_worker_password_file
