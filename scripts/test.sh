#!/usr/bin/env bash
# The test command (README, and .ci/run calls exactly this): starts a private PostgreSQL unless ARCHIVER_TEST_PG
# names an existing server, runs the whole suite against it, stops it, and ends with one line `N passed, N failed`
# counted from the test results (TRX files), not from dotnet test's own summary.
#
#   bash scripts/test.sh                      # everything
#   ARCHIVER_TEST_PG='Host=...;Username=...;Password=...;Database=postgres' bash scripts/test.sh
#   bash scripts/test.sh --filter 'FullyQualifiedName~Store'   # extra arguments go to dotnet test
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d /tmp/archiver-test.XXXXXX)
chmod 755 "$work"
results="$work/results"

cleanup() {
  if [ -n "${started_pg:-}" ]; then pg_private_stop "$work/pg"; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${ARCHIVER_TEST_PG:-}" ]; then
  # shellcheck source=scripts/pg-private.sh
  source "$root/scripts/pg-private.sh"
  pg_private_start "$work/pg" test || { echo "0 passed, 1 failed"; exit 1; }
  started_pg=1
  export ARCHIVER_TEST_PG="$PG_PRIVATE_URL"
  echo "test: private PostgreSQL on 127.0.0.1:$PG_PRIVATE_PORT" >&2
fi

# Headless Chromium checks the HTML export; Debian's package, installed like PostgreSQL when missing.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "test: installing Debian's chromium for the HTML export check ..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; } \
    || echo "test: chromium did not install; the browser check will fail and say so" >&2
fi
# docker-compose (Debian's) validates docker-compose.yml; systemd-analyze and kubectl come with the machine image.
if ! command -v docker-compose >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "test: installing Debian's docker-compose to validate docker-compose.yml ..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null 2>&1; } \
    || echo "test: docker-compose did not install; the compose check will fail and say so" >&2
fi
export ARCHIVER_DEPLOY_REQUIRE_TOOLS="${ARCHIVER_DEPLOY_REQUIRE_TOOLS:-1}"  # a missing validator fails, never passes silently
export ARCHIVER_TEST_ARTIFACTS="${ARCHIVER_TEST_ARTIFACTS:-$root/TestResults/artifacts}"

if ! dotnet build Archiver.sln -c Release -nologo -v quiet 2>&1 | tail -n 30; then :; fi
dotnet test Archiver.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" \
  --blame-hang-timeout 8m "$@"
status=$?

passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # a build error or a crashed test host is a failure
echo "test: artifacts (e.g. the HTML export's screenshot) in $ARCHIVER_TEST_ARTIFACTS" >&2
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
