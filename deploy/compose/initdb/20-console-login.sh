#!/usr/bin/env bash
# The reviewer console's login, created when the `postgres` service of docker-compose.yml initialises an empty data
# directory, right after 10-worker-login.sh (the image runs /docker-entrypoint-initdb.d/* in name order, once, as
# POSTGRES_USER — archiver_owner — against POSTGRES_DB over the Unix socket, before the server listens on TCP).
#
#   archiver_console            NOLOGIN group role holding the console's grants. Migration 0013 creates it too when
#                               missing and tolerates this one; it grants it what the console needs (read as
#                               `compliance` does, append to the access audit trail, place and release legal holds).
#   archiver_reviewer_console   LOGIN, IN ROLE archiver_console and nothing else: what the `console` service connects
#                               as. Not the schema's owner, and not a member of archiver_writer (the worker's role).
#
# The password comes from the compose secret named by ARCHIVER_CONSOLE_PASSWORD_FILE (never from the environment) and
# reaches the server as a psql variable quoted with format('%L'), not through the shell. Executed or sourced (the image
# sources *.sh files without the executable bit), it works either way.
set -Eeo pipefail

archiver_console_password_file="${ARCHIVER_CONSOLE_PASSWORD_FILE:-/run/secrets/console_password}"
if [ ! -s "$archiver_console_password_file" ]; then
  echo "20-console-login.sh: $archiver_console_password_file is missing or empty (the console_password secret)" >&2
  false
fi
archiver_console_password="$(head -n 1 "$archiver_console_password_file")"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
  --set=console_password="$archiver_console_password" <<'SQL'
SELECT 'CREATE ROLE archiver_console NOLOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'archiver_console') \gexec

SELECT format('CREATE ROLE archiver_reviewer_console LOGIN PASSWORD %L IN ROLE archiver_console', :'console_password')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'archiver_reviewer_console') \gexec

-- Should the login have existed already (a role is cluster-wide), it still ends up a member, and nothing more.
GRANT archiver_console TO archiver_reviewer_console;
ALTER ROLE archiver_reviewer_console NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
SQL
unset archiver_console_password archiver_console_password_file
